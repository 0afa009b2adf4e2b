import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  createPayments,
  MemoryOrderStore,
  NetworkError,
  RefundExceedsUnsplitError,
  SplitExceedsAvailableError,
  UnsupportedOperationError,
  ValidationError,
} from '../src/index.js';
import { transition } from '../src/order-state-machine.js';
import type { RefundRequest } from '../src/provider-utils/index.js';
import { unsplitAmount } from '../src/split-amounts.js';
import { createFakeMovementProvider, type FakeMovementProviderOptions, rejectionOf } from '../src/testing/index.js';

let clock = Date.parse('2024-05-01T08:00:00.000Z');
const now = () => new Date(clock);

const receivers = [
  { type: 'merchant' as const, account: 'shop0001', amount: 300, description: '平台佣金' },
  { type: 'personal' as const, account: 'guide0001', amount: 200, description: '导游分成', name: '张三丰' },
];

/** A paid order of 1000 fen split 300 + 200 on a wallet whose receivers give back within refunds. */
async function splitOrder(options: FakeMovementProviderOptions = {}) {
  const fake = createFakeMovementProvider({ now, instantSplits: true, returnsInRefund: true, ...options });
  const sent: RefundRequest[] = [];
  const refund = fake.refund?.bind(fake) as NonNullable<typeof fake.refund>;
  fake.refund = (request) => {
    sent.push(request);
    return refund(request);
  };
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers: [fake], store, now });
  const events: { type: string; payload: unknown }[] = [];
  for (const type of ['split.returned', 'split.return_failed', 'order.refunded', 'refund.failed'] as const) {
    payments.on(type, (payload) => {
      events.push({ type, payload });
    });
  }
  const { order } = await payments.createPayment({
    provider: 'fake',
    method: 'qr',
    amount: 1000,
    subject: 'Tea',
    split: true,
  });
  await payments.handleNotification('fake', fake.sandbox.pay(order.id));
  await payments.split(order.id, { splitId: 'split0001', receivers });
  return { fake, payments, store, order, events, sent };
}

const back = {
  splitId: 'split0001',
  returnId: 'return0001',
  account: 'shop0001',
  amount: 200,
  description: '退款退分账',
};

describe('payments.refund with splitReturns', () => {
  it('records the returns with the refund, sends them with it, and settles them when the refund succeeds', async () => {
    const { fake, payments, order, events, sent } = await splitOrder();
    const { refund, order: pending } = await payments.refund(order.id, {
      refundId: 'refund0001',
      amount: 500,
      splitReturns: [back],
    });
    expect(refund.status).toBe('pending');
    const recorded = pending.splits?.[0]?.returns;
    expect(recorded).toEqual([
      expect.objectContaining({
        id: 'return0001',
        account: 'shop0001',
        amount: 200,
        status: 'pending',
        refundId: 'refund0001',
      }),
    ]);
    // Paid 1000, split 500, refunding 500 of which 200 come back from shop0001: 200 left to the merchant.
    expect(unsplitAmount(pending)).toBe(200);
    expect(sent.map((r) => r.splitReturns)).toEqual([
      [
        {
          splitId: 'split0001',
          providerSplitId: expect.any(String),
          returnId: 'return0001',
          account: 'shop0001',
          amount: 200,
          description: '退款退分账',
        },
      ],
    ]);
    expect(events).toEqual([]);

    await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, 'refund0001'));
    const settled = await payments.getOrder(order.id);
    expect(settled.refunds[0]?.status).toBe('succeeded');
    expect(settled.splits?.[0]?.returns[0]?.status).toBe('succeeded');
    expect(unsplitAmount(settled)).toBe(200);
    expect(events.map((e) => e.type)).toEqual(['order.refunded', 'split.returned']);
    expect(JSON.stringify(events)).not.toContain('张三丰');

    // Delivered again: nothing changes, no second event.
    await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, 'refund0001'));
    expect(events.map((e) => e.type)).toEqual(['order.refunded', 'split.returned']);
  });

  it('fails the returns with the refund: the receivers hold their shares again', async () => {
    const { fake, payments, order, events } = await splitOrder();
    await payments.refund(order.id, { refundId: 'refund0001', amount: 500, splitReturns: [back] });
    await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, 'refund0001', { fail: true }));
    const after = await payments.getOrder(order.id);
    expect(after.refunds[0]?.status).toBe('failed');
    expect(after.splits?.[0]?.returns[0]?.status).toBe('failed');
    expect(unsplitAmount(after)).toBe(500);
    expect(events.map((e) => e.type)).toEqual(['refund.failed', 'split.return_failed']);
  });

  it('a refund settled at once settles its returns at once', async () => {
    const { payments, order, events } = await splitOrder({ instantRefunds: true });
    const { refund, order: after } = await payments.refund(order.id, {
      refundId: 'refund0001',
      amount: 300,
      splitReturns: [back, { ...back, returnId: 'return0002', account: 'guide0001', amount: 100 }],
    });
    expect(refund.status).toBe('succeeded');
    expect(after.splits?.[0]?.returns.map((r) => [r.id, r.status])).toEqual([
      ['return0001', 'succeeded'],
      ['return0002', 'succeeded'],
    ]);
    expect(events.map((e) => e.type)).toEqual(['order.refunded', 'split.returned', 'split.returned']);
  });

  it('lets a refund take from receivers what the merchant no longer holds, and no more', async () => {
    const { payments, order } = await splitOrder();
    // 500 unsplit: a refund of 700 needs 200 back from receivers.
    const short = await rejectionOf(payments.refund(order.id, { refundId: 'refund0001', amount: 700 }));
    expect(RefundExceedsUnsplitError.isInstance(short)).toBe(true);
    const barely = await rejectionOf(
      payments.refund(order.id, { refundId: 'refund0001', amount: 700, splitReturns: [{ ...back, amount: 199 }] }),
    );
    expect(RefundExceedsUnsplitError.isInstance(barely)).toBe(true);
    const { refund } = await payments.refund(order.id, { refundId: 'refund0001', amount: 700, splitReturns: [back] });
    expect(refund.amount).toBe(700);
  });

  it('refuses, before recording anything, returns the wallet or the split cannot take', async () => {
    const { fake, payments, order } = await splitOrder();
    const cases: [unknown, (e: unknown) => boolean][] = [
      [{ ...back, amount: 301 }, SplitExceedsAvailableError.isInstance],
      [{ ...back, splitId: 'split9999' }, ValidationError.isInstance],
      [{ ...back, account: 'stranger1' }, ValidationError.isInstance],
      [{ ...back, amount: 0 }, ValidationError.isInstance],
      [{ ...back, amount: 1.5 }, ValidationError.isInstance],
      [{ ...back, returnId: 'bad-id!' }, ValidationError.isInstance],
    ];
    for (const [splitReturn, is] of cases) {
      const error = await rejectionOf(
        payments.refund(order.id, { refundId: 'refund0001', amount: 500, splitReturns: [splitReturn as typeof back] }),
      );
      expect(is(error), String(error)).toBe(true);
    }
    // Two returns of one receiver beyond its share, together.
    const together = await rejectionOf(
      payments.refund(order.id, {
        refundId: 'refund0001',
        amount: 500,
        splitReturns: [back, { ...back, returnId: 'return0002', amount: 101 }],
      }),
    );
    expect(SplitExceedsAvailableError.isInstance(together)).toBe(true);
    const beyondRefund = await rejectionOf(
      payments.refund(order.id, { refundId: 'refund0001', amount: 100, splitReturns: [back] }),
    );
    expect(ValidationError.isInstance(beyondRefund)).toBe(true);
    const after = await payments.getOrder(order.id);
    expect(after.refunds).toEqual([]);
    expect(after.splits?.[0]?.returns).toEqual([]);
    expect(fake.sandbox.calls.refund).toBe(0);
  });

  it('the same refund id again sends once; with other returns it is refused', async () => {
    const { fake, payments, order } = await splitOrder();
    const input = { refundId: 'refund0001', amount: 500, splitReturns: [back] };
    const [a, b] = await Promise.all([payments.refund(order.id, input), payments.refund(order.id, input)]);
    expect(a.refund.id).toBe(b.refund.id);
    expect(fake.sandbox.calls.refund).toBe(1);
    const other = await rejectionOf(payments.refund(order.id, { ...input, splitReturns: [{ ...back, amount: 100 }] }));
    expect(ValidationError.isInstance(other)).toBe(true);
    const none = await rejectionOf(payments.refund(order.id, { refundId: 'refund0001', amount: 500 }));
    expect(ValidationError.isInstance(none)).toBe(true);
    const reused = await rejectionOf(
      payments.refund(order.id, { refundId: 'refund0002', amount: 100, splitReturns: [{ ...back, amount: 50 }] }),
    );
    expect(ConflictError.isInstance(reused)).toBe(true);
    expect(fake.sandbox.calls.refund).toBe(1);
  });

  it('a refund whose request was lost is sent again with the same returns', async () => {
    const { fake, payments, order, sent } = await splitOrder();
    fake.sandbox.failNext('refund', new NetworkError('connection reset'));
    await rejectionOf(payments.refund(order.id, { refundId: 'refund0001', amount: 500, splitReturns: [back] }));
    expect((await payments.getOrder(order.id)).splits?.[0]?.returns[0]?.status).toBe('pending');
    clock += 60_000;
    await payments.sync(order.id, { resendRefundsAfterMs: 0 });
    expect(sent).toHaveLength(2);
    expect(sent[0]?.splitReturns).toHaveLength(1);
    expect(sent[1]?.splitReturns).toEqual(sent[0]?.splitReturns);
    await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, 'refund0001'));
    expect((await payments.getOrder(order.id)).splits?.[0]?.returns[0]?.status).toBe('succeeded');
  });

  it("is refused before anything is recorded where the wallet returns on its own, and by the provider's validateRefund", async () => {
    const plain = await splitOrder({ returnsInRefund: false });
    const refused = await rejectionOf(
      plain.payments.refund(plain.order.id, { refundId: 'refund0001', amount: 500, splitReturns: [back] }),
    );
    expect(UnsupportedOperationError.isInstance(refused)).toBe(true);
    expect((await plain.payments.getOrder(plain.order.id)).refunds).toEqual([]);

    const { fake, payments, order } = await splitOrder();
    fake.validateRefund = (request) => {
      if (request.splitReturns?.length) throw new UnsupportedOperationError('fake', 'split returns for this method');
    };
    const vetoed = await rejectionOf(
      payments.refund(order.id, { refundId: 'refund0001', amount: 500, splitReturns: [back] }),
    );
    expect(UnsupportedOperationError.isInstance(vetoed)).toBe(true);
    expect((await payments.getOrder(order.id)).refunds).toEqual([]);
    expect(fake.sandbox.calls.refund).toBe(0);
  });

  it('returnSplit on such a wallet points to the refund', async () => {
    const { payments, order } = await splitOrder();
    const error = await rejectionOf(payments.returnSplit(order.id, back));
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toContain('splitReturns');
  });

  it('a failed refund asked again reopens its returns, if the receivers still hold them', async () => {
    const { fake, payments, order } = await splitOrder();
    await payments.refund(order.id, { refundId: 'refund0001', amount: 500, splitReturns: [back] });
    await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, 'refund0001', { fail: true }));
    const failed = await payments.getOrder(order.id);
    const retried = transition(
      failed,
      { type: 'refund.requested', orderId: order.id, refundId: 'refund0001', amount: 500, splitReturns: [back] },
      now(),
    );
    expect(retried.order.version).toBe(failed.version + 1);
    expect(retried.order.refunds[0]?.status).toBe('pending');
    expect(retried.order.splits?.[0]?.returns[0]).toMatchObject({ status: 'pending', refundId: 'refund0001' });
    expect(retried.order.splits?.[0]?.returns[0]).not.toHaveProperty('failReason');
  });

  it('a refund that succeeded while the wallet did not take a return fails that return and records an anomaly', async () => {
    const { payments, order } = await splitOrder();
    await payments.refund(order.id, {
      refundId: 'refund0001',
      amount: 500,
      splitReturns: [back, { ...back, returnId: 'return0002', account: 'guide0001', amount: 100 }],
    });
    const pending = await payments.getOrder(order.id);
    const event = {
      type: 'refund.succeeded' as const,
      orderId: order.id,
      refundId: 'refund0001',
      amount: 500,
      failedSplitReturns: [{ returnId: 'return0002', reason: 'FAIL' }],
    };
    const settled = transition(pending, event, now());
    expect(settled.order.version).toBe(pending.version + 1);
    expect(settled.order.refunds[0]?.status).toBe('succeeded');
    expect(settled.order.splits?.[0]?.returns.map((r) => [r.id, r.status, r.failReason])).toEqual([
      ['return0001', 'succeeded', undefined],
      ['return0002', 'failed', 'FAIL'],
    ]);
    expect(settled.effects.map((e) => e.type)).toEqual([
      'order.refunded',
      'split.returned',
      'split.return_failed',
      'order.anomaly',
    ]);
    expect(settled.order.anomalies).toEqual([
      expect.objectContaining({
        code: 'split_return_not_taken',
        key: 'split_return_not_taken:refund0001',
        amount: 100,
      }),
    ]);
    // The merchant paid the guide's part: of its 500 unsplit, 300 went into the refund, not 200.
    expect(unsplitAmount(settled.order)).toBe(200);
    // Reported again: nothing changes.
    expect(transition(settled.order, event, now()).outcome).toBe('duplicate');
  });
});
