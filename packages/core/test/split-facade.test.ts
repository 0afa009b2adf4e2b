import { describe, expect, it } from 'vitest';
import {
  createPayments,
  createReconciler,
  MemoryOrderStore,
  MemoryOutboxStore,
  MerchantError,
  NetworkError,
  type OrderStore,
  RefundExceedsUnsplitError,
  UnexpectedResponseError,
  UnsupportedOperationError,
} from '../src/index.js';
import type { CreatePaymentRequest } from '../src/provider-utils/index.js';
import {
  createFakeMovementProvider,
  createFakeProvider,
  type FakeMovementProviderOptions,
  rejectionOf,
  sampleOrder,
} from '../src/testing/index.js';

let clock = Date.parse('2024-05-01T08:00:00.000Z');
const now = () => new Date(clock);

const receivers = [
  { type: 'merchant' as const, account: 'shop0001', amount: 300, description: '平台佣金' },
  { type: 'personal' as const, account: 'guide0001', amount: 200, description: '导游分成', name: '张三丰' },
];

async function paidOrder(options: FakeMovementProviderOptions = {}, store: OrderStore = new MemoryOrderStore()) {
  const fake = createFakeMovementProvider({ now, ...options });
  const payments = createPayments({ providers: [fake], store, now });
  const events: { type: string; payload: unknown }[] = [];
  for (const type of ['split.succeeded', 'split.failed', 'split.closed', 'split.returned'] as const) {
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
  return { fake, payments, order, events };
}

describe('createPayment with split', () => {
  it('passes split: true to a provider that splits, and refuses it for one that does not', async () => {
    const fake = createFakeMovementProvider({ now });
    const seen: CreatePaymentRequest[] = [];
    const create = fake.createPayment.bind(fake);
    fake.createPayment = (request) => {
      seen.push(request);
      return create(request);
    };
    const payments = createPayments({ providers: [fake, createFakeProvider({ id: 'plain', now })], now });
    await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea', split: true });
    await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea' });
    expect(seen.map((r) => r.split)).toEqual([true, undefined]);
    const refused = await rejectionOf(
      payments.createPayment({ provider: 'plain', method: 'qr', amount: 100, subject: 'Tea', split: true }),
    );
    expect(UnsupportedOperationError.isInstance(refused)).toBe(true);
  });
});

describe('payments.split', () => {
  it('records the split, sends it with the names apart, and emits split.succeeded once; names are stored nowhere', async () => {
    const { fake, payments, order, events } = await paidOrder({ instantSplits: true });
    const split = await payments.split(order.id, { splitId: 'split0001', receivers });
    expect(split).toMatchObject({ id: 'split0001', amount: 500, status: 'succeeded' });
    expect(fake.movements.split('split0001')?.names).toEqual({ guide0001: '张三丰' });
    expect(events.map((e) => e.type)).toEqual(['split.succeeded']);
    const stored = await payments.getOrder(order.id);
    expect(JSON.stringify(stored)).not.toContain('张三丰');
    expect(JSON.stringify(events)).not.toContain('张三丰');
    expect(await payments.getSplit(order.id, 'split0001')).toEqual(split);
  });

  it('the same split id twice sends once', async () => {
    const { fake, payments, order } = await paidOrder();
    const [a, b] = await Promise.all([
      payments.split(order.id, { splitId: 'split0001', receivers }),
      payments.split(order.id, { splitId: 'split0001', receivers }),
    ]);
    expect(a.id).toBe(b.id);
    expect(fake.movements.calls.split).toBe(1);
  });

  it('settles by notification: a pending split succeeds when the wallet says so', async () => {
    const { fake, payments, order, events } = await paidOrder();
    expect((await payments.split(order.id, { splitId: 'split0001', receivers })).status).toBe('pending');
    const result = await payments.handleMovementNotification('fake', fake.movements.settleSplit(order.id, 'split0001'));
    expect(result.ok).toBe(true);
    expect(result.order?.splits?.[0]?.status).toBe('succeeded');
    expect(events.map((e) => e.type)).toEqual(['split.succeeded']);
  });

  it('a refusal the wallet stated marks the split failed and frees its amount; a network failure leaves it pending', async () => {
    const { payments, order, events } = await paidOrder({ boundReceivers: ['shop0001'] });
    const refused = await rejectionOf(payments.split(order.id, { splitId: 'split0001', receivers }));
    expect(refused).toMatchObject({ code: 'provider_error', providerCode: 'RECEIVER_NOT_BOUND' });
    const failed = await payments.getSplit(order.id, 'split0001');
    expect(failed.status).toBe('failed');
    expect(failed.receivers.map((r) => r.failReason)).toEqual(['RECEIVER_NOT_BOUND', 'RECEIVER_NOT_BOUND']);
    expect(events.map((e) => e.type)).toEqual(['split.failed']);

    const lost = await paidOrder();
    lost.fake.movements.failNext('split', new NetworkError('connection reset'));
    expect(
      NetworkError.isInstance(
        await rejectionOf(lost.payments.split(lost.order.id, { splitId: 'split0001', receivers })),
      ),
    ).toBe(true);
    expect((await lost.payments.getSplit(lost.order.id, 'split0001')).status).toBe('pending');
    expect(lost.events).toEqual([]);
  });

  it('refuses a reply about other receivers or amounts: nothing applied, the split stays pending', async () => {
    const { fake, payments, order } = await paidOrder();
    const honest = fake.split?.bind(fake);
    fake.split = async (request) => {
      const event = await (honest as NonNullable<typeof honest>)(request);
      return {
        ...event,
        status: 'succeeded',
        receivers: event.receivers.map((r) => ({ ...r, amount: r.amount + 1, status: 'succeeded' })),
      };
    };
    const error = await rejectionOf(payments.split(order.id, { splitId: 'split0001', receivers }));
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('pending');
  });

  it('a marketplace flow: split, a refund that would take the split is refused, return, then refund', async () => {
    const { payments, order, events } = await paidOrder({ instantSplits: true, instantRefunds: true });
    await payments.split(order.id, { splitId: 'split0001', receivers });
    const refused = await rejectionOf(payments.refund(order.id, { refundId: 'refund0001', amount: 600 }));
    expect(RefundExceedsUnsplitError.isInstance(refused)).toBe(true);
    const splitReturn = await payments.returnSplit(order.id, {
      splitId: 'split0001',
      returnId: 'return0001',
      account: 'shop0001',
      amount: 100,
      description: '退款回退',
    });
    expect(splitReturn).toMatchObject({ id: 'return0001', status: 'succeeded', amount: 100 });
    const { refund } = await payments.refund(order.id, { refundId: 'refund0001', amount: 600 });
    expect(refund.status).toBe('succeeded');
    expect(events.map((e) => e.type)).toEqual(['split.succeeded', 'split.returned']);
  });

  it('with an outbox store, split events are written to the outbox with the order', async () => {
    const store = new MemoryOutboxStore();
    const { payments, order } = await paidOrder({ instantSplits: true }, store);
    await payments.split(order.id, { splitId: 'split0001', receivers });
    const claimed = await store.outbox.claimEvents({ group: 'audit', consumer: 'c', limit: 100, leaseMs: 1000 });
    const splitEvents = claimed.filter((e) => e.type === 'split.succeeded');
    expect(splitEvents).toHaveLength(1);
    expect(splitEvents[0]?.orderId).toBe(order.id);
    expect(JSON.stringify(claimed)).not.toContain('张三丰');
    await payments.relay?.stop();
  });
});

describe('sub-merchants of a provider without platform mode', () => {
  it("refuses to split a sub-merchant's order or pay out for a sub-merchant (merchant_unsupported), before anything is stored or sent", async () => {
    const store = new MemoryOrderStore();
    const fake = createFakeMovementProvider({ now });
    const payments = createPayments({ providers: [fake], store, now });
    await store.create(
      sampleOrder({
        id: 'merchantOrder01',
        merchant: 'shop-1',
        status: 'paid',
        paidAmount: 1999,
        providerTransactionId: 't1',
      }),
    );
    const split = await rejectionOf(payments.split('merchantOrder01', { splitId: 'split0001', receivers }));
    expect(MerchantError.isInstance(split) ? split.code : split).toBe('merchant_unsupported');
    expect((await payments.getOrder('merchantOrder01')).splits).toBeUndefined();
    const payee = { type: 'openid' as const, account: 'o4Gg' };
    const transfer = await rejectionOf(
      payments.transfer({
        provider: 'fake',
        transferId: 'payout0001',
        amount: 1,
        payee,
        remark: 'x',
        merchant: 'shop-1',
      }),
    );
    expect(MerchantError.isInstance(transfer) ? transfer.code : transfer).toBe('merchant_unsupported');
    expect(await store.transfers.get('payout0001')).toBeUndefined();
    expect(fake.movements.calls.split + fake.movements.calls.transfer).toBe(0);
  });
});

describe('the reconciler finishes pending splits', () => {
  it('queries a pending split and applies the answer; sends one the wallet never received again after the grace period', async () => {
    const store = new MemoryOrderStore();
    const { fake, payments, order } = await paidOrder({}, store);
    fake.movements.failNext('split', new NetworkError('connection reset'));
    await rejectionOf(payments.split(order.id, { splitId: 'split0001', receivers }));
    const reconciler = createReconciler({ payments, store, now, claims: false });
    clock += 120_000;
    await reconciler.runOnce(); // within the resend grace: the wallet does not know it, it waits
    expect(fake.movements.calls.split).toBe(1);
    clock += 300_000;
    await reconciler.runOnce();
    expect(fake.movements.calls.split).toBe(2);
    expect(fake.movements.split('split0001')?.names).toEqual({});
    fake.movements.settleSplit(order.id, 'split0001');
    clock += 120_000;
    await reconciler.runOnce();
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('succeeded');
  });

  it('finds a split whose reply was lost, and a return the wallet never received is sent again, without splitting twice', async () => {
    const store = new MemoryOrderStore();
    const { fake, payments, order, events } = await paidOrder({ pendingReturns: true }, store);
    fake.movements.loseReplyNext('split');
    await rejectionOf(payments.split(order.id, { splitId: 'split0001', receivers }));
    fake.movements.settleSplit(order.id, 'split0001');
    const reconciler = createReconciler({ payments, store, now, claims: false });
    clock += 120_000;
    await reconciler.runOnce();
    expect(fake.movements.calls.split).toBe(1);
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('succeeded');
    fake.movements.failNext('returnSplit', new NetworkError('connection reset'));
    const input = {
      splitId: 'split0001',
      returnId: 'return0001',
      account: 'shop0001',
      amount: 50,
      description: '回退',
    };
    await rejectionOf(payments.returnSplit(order.id, input));
    clock += 600_000;
    await reconciler.runOnce();
    expect(fake.movements.calls.returnSplit).toBe(2);
    expect(fake.movements.split('split0001')?.returns.get('return0001')?.amount).toBe(50);
    await payments.handleMovementNotification('fake', fake.movements.settleReturn(order.id, 'split0001', 'return0001'));
    expect((await payments.getSplit(order.id, 'split0001')).returns[0]?.status).toBe('succeeded');
    expect(events.map((e) => e.type)).toEqual(['split.succeeded', 'split.returned']);
  });

  it('a split the wallet closes emits split.closed and holds nothing', async () => {
    const { fake, payments, order, events } = await paidOrder();
    await payments.split(order.id, { splitId: 'split0001', receivers });
    await payments.handleMovementNotification(
      'fake',
      fake.movements.settleSplit(order.id, 'split0001', { close: true }),
    );
    const closed = await payments.getSplit(order.id, 'split0001');
    expect(closed.status).toBe('closed');
    expect(events.map((e) => e.type)).toEqual(['split.closed']);
    const { refund } = await payments.refund(order.id, { refundId: 'refund0001', amount: 1000 });
    expect(refund.amount).toBe(1000);
  });
});

describe('the reconciler with a store that does not know hasPendingSplits yet', () => {
  it('syncs only the orders with a pending split, whatever the store returns', async () => {
    const store = new MemoryOrderStore();
    // A store written before splits: it ignores the filter and returns every order.
    const unaware: OrderStore = {
      create: (order) => store.create(order),
      get: (id) => store.get(id),
      update: (order, version) => store.update(order, version),
      listOrders: ({ hasPendingSplits: _ignored, ...query } = {}) => store.listOrders(query),
    };
    const { payments, fake } = await paidOrder({}, unaware);
    const reconciler = createReconciler({ payments, store: unaware, now, claims: false });
    const queries = () => fake.sandbox.calls.queryPayment;
    clock += 120_000;
    const before = queries();
    await reconciler.runOnce();
    expect(queries()).toBe(before);
  });
});
