import { describe, expect, it } from 'vitest';
import { createPayments, MemoryOutboxStore, type PaymentsEventType } from '../src/index.js';
import { createFakeMovementProvider } from '../src/testing/index.js';

const now = () => new Date('2024-05-01T08:00:00.000Z');

describe('a marketplace flow on the fake wallet, through the outbox', () => {
  it('pay, split between two receivers, partial refund, return, payout: every state stored, every event once', async () => {
    const store = new MemoryOutboxStore();
    const fake = createFakeMovementProvider({ now, instantRefunds: true, boundReceivers: ['shop0001', 'guide0001'] });
    const payments = createPayments({ providers: [fake], store, now, relay: { autoStart: false } });
    const seen: string[] = [];
    const types: PaymentsEventType[] = [
      'order.paid',
      'order.refunded',
      'split.succeeded',
      'split.returned',
      'transfer.succeeded',
    ];
    for (const type of types) {
      payments.on(type, (payload) => {
        seen.push(`${type} ${(payload as { eventId: string }).eventId}`);
      });
    }

    const { order } = await payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 1000,
      subject: '龙井',
      split: true,
    });
    await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    await payments.split(order.id, {
      splitId: 'split0001',
      receivers: [
        { type: 'merchant', account: 'shop0001', amount: 600, description: '店铺货款' },
        { type: 'personal', account: 'guide0001', amount: 100, description: '导游分成', name: '张三丰' },
      ],
    });
    await payments.handleMovementNotification('fake', fake.movements.settleSplit(order.id, 'split0001'));
    await payments.refund(order.id, { refundId: 'refund0001', amount: 300 });
    await payments.returnSplit(order.id, {
      splitId: 'split0001',
      returnId: 'return0001',
      account: 'shop0001',
      amount: 200,
      description: '退货回退',
    });
    await payments.refund(order.id, { refundId: 'refund0002', amount: 200 });
    await payments.transfer({
      provider: 'fake',
      transferId: 'payout0001',
      amount: 100,
      payee: { type: 'openid', account: 'oGuide0001', name: '张三丰' },
      remark: '奖励',
    });
    await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));

    const stored = await payments.getOrder(order.id);
    expect(stored).toMatchObject({ status: 'partially_refunded', refundedAmount: 500 });
    expect(stored.splits?.[0]).toMatchObject({ status: 'succeeded', amount: 700 });
    expect(stored.splits?.[0]?.returns[0]).toMatchObject({ status: 'succeeded', amount: 200 });
    expect((await payments.getTransfer('payout0001')).status).toBe('succeeded');

    // Delivered by the relay, and again after a restart of delivery: once per event id.
    for (let pass = 0; pass < 5; pass++) await payments.relay?.runOnce();
    expect(await payments.relay?.runOnce()).toBe(0);
    // One order's events in the order they were written; the transfer's under its own key.
    const ofOrder = seen.filter((s) => s.includes(` ${order.id}:`)).map((s) => s.split(' ')[0]);
    expect(ofOrder).toEqual(['order.paid', 'split.succeeded', 'order.refunded', 'split.returned', 'order.refunded']);
    expect(seen.filter((s) => s.includes(' transfer:payout0001:'))).toEqual([
      'transfer.succeeded transfer:payout0001:3:0',
    ]);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
