import { describe, expect, it, vi } from 'vitest';
import {
  AmountMismatchError,
  ConflictError,
  createPayments,
  InvalidTransitionError,
  type ListOrdersQuery,
  MemoryOrderStore,
  NetworkError,
  type Order,
  OrderNotFoundError,
  type OrderStore,
  type PaymentsOptions,
  ProviderApiError,
  RefundExceedsPaidError,
  SignatureVerificationError,
  UnsupportedOperationError,
  ValidationError,
} from '../src/index.js';
import { createFakeProvider, type FakeProvider, rejectionOf } from '../src/testing/index.js';

const NOW = new Date('2024-05-01T08:00:00.000Z');

function setup(options: Partial<PaymentsOptions> & { fake?: FakeProvider } = {}) {
  const fake = options.fake ?? createFakeProvider({ now: () => NOW });
  const store = (options.store as MemoryOrderStore | undefined) ?? new MemoryOrderStore();
  const payments = createPayments({ providers: [fake], store, now: () => NOW, ...options });
  return { fake, store, payments };
}

/** A store whose reads yield to other tasks first, so that concurrent writers really interleave. */
class InterleavingStore implements OrderStore {
  readonly inner = new MemoryOrderStore();
  conflicts = 0;
  async create(order: Order) {
    return this.inner.create(order);
  }
  async get(id: string) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    return this.inner.get(id);
  }
  async update(order: Order, expectedVersion: number) {
    await new Promise((resolve) => setImmediate(resolve));
    const written = await this.inner.update(order, expectedVersion);
    if (!written) this.conflicts++;
    return written;
  }
  async listOrders(query?: ListOrdersQuery) {
    return this.inner.listOrders(query);
  }
}

describe('createPayments', () => {
  it('refuses two providers with the same id', () => {
    const error = (() => {
      try {
        createPayments({ providers: [createFakeProvider(), createFakeProvider()] });
      } catch (e) {
        return e;
      }
    })();
    expect(ValidationError.isInstance(error) && error.field).toBe('providers.1.id');
  });

  it('refuses a provider of another specification version', () => {
    const provider = { ...createFakeProvider(), specificationVersion: 'v0' } as unknown as FakeProvider;
    expect(() => createPayments({ providers: [provider] })).toThrow(/specification/);
  });
});

describe('createPayment', () => {
  it('records the order, generates a portable id, and returns the next action', async () => {
    const { payments, fake } = setup({ notifyUrl: (provider) => `https://shop.example/hooks/${provider}` });
    const events: string[] = [];
    payments.on('order.created', () => void events.push('created'));
    payments.on('order.pending', () => void events.push('pending'));
    const { order, action } = await payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 1999,
      subject: '龙井茶',
    });
    expect(order.id).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(order).toMatchObject({ status: 'pending', amount: 1999, currency: 'CNY', version: 2, subject: '龙井茶' });
    expect(order.notifyUrl).toBe('https://shop.example/hooks/fake');
    expect(action).toEqual({ type: 'qr', content: `https://fake.hutong.invalid/pay/${order.id}` });
    expect(fake.sandbox.payment(order.id)?.notifyUrl).toBe('https://shop.example/hooks/fake');
    expect(events).toEqual(['created', 'pending']);
    expect(await payments.getOrder(order.id)).toEqual(order);
  });

  it.each([
    ['a float amount', { amount: 19.99 }, 'amount'],
    ['a zero amount', { amount: 0 }, 'amount'],
    ['a string amount', { amount: '1999' }, 'amount'],
    ['an empty subject', { subject: '  ' }, 'input.subject'],
    ['an unknown method', { method: 'cash' }, 'input.method'],
    ['an order id with an underscore', { orderId: 'order_0001' }, 'orderId'],
    ['a non-URL notifyUrl', { notifyUrl: 'not a url' }, 'input.notifyUrl'],
    ['an unknown provider', { provider: 'paypal' }, 'provider'],
  ])(
    'refuses %s with a ValidationError naming the field, before calling the provider',
    async (_label, patch, field) => {
      const { payments, fake, store } = setup();
      const input = { provider: 'fake', method: 'qr', amount: 100, subject: 'Tea', ...patch };
      const error = await rejectionOf(payments.createPayment(input as never));
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).field).toBe(field);
      expect(fake.sandbox.calls.createPayment).toBe(0);
      expect(store.size).toBe(0);
    },
  );

  it('requires authCode for pos and settles a pos payment at once', async () => {
    const { payments } = setup();
    const missing = await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'pos', amount: 100, subject: 'Tea' }),
    );
    expect(ValidationError.isInstance(missing) && missing.field).toBe('authCode');
    const paid = await payments.createPayment({
      provider: 'fake',
      method: 'pos',
      amount: 100,
      subject: 'Tea',
      authCode: '134567890123456789',
    });
    expect(paid.action).toEqual({ type: 'pos', status: 'paid' });
    expect(paid.order.status).toBe('paid');
  });

  it('refuses a method the provider does not declare', async () => {
    const fake = createFakeProvider();
    const limited = { ...fake, capabilities: { ...fake.capabilities, methods: ['qr'] as const } };
    const payments = createPayments({ providers: [limited] });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'app', amount: 1, subject: 'x' }),
    );
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
  });

  it('refuses a duplicate order id', async () => {
    const { payments } = setup();
    await payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 100,
      subject: 'x',
      orderId: 'shop00000001',
    });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'x', orderId: 'shop00000001' }),
    );
    expect(ConflictError.isInstance(error) && error.code).toBe('duplicate_order');
  });

  it('keeps the order as created when the provider call fails on the network (outcome unknown)', async () => {
    const { payments, fake, store } = setup();
    fake.sandbox.failNext('createPayment', new NetworkError('connection reset'));
    const error = await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'x', orderId: 'shop00000002' }),
    );
    expect(NetworkError.isInstance(error)).toBe(true);
    expect((await store.get('shop00000002'))?.status).toBe('created');
  });

  it('keeps the order as created when the provider reply fails verification (it proves nothing)', async () => {
    const { payments, fake } = setup();
    fake.sandbox.failNext(
      'createPayment',
      new SignatureVerificationError('fake', 'missing_signature', 'unsigned reply'),
    );
    await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'x', orderId: 'shop00000004' }),
    );
    expect((await payments.getOrder('shop00000004')).status).toBe('created');
  });

  it('marks the order failed when the provider definitively refuses it', async () => {
    const { payments, fake } = setup();
    fake.sandbox.failNext(
      'createPayment',
      new ProviderApiError({ provider: 'fake', providerCode: 'RISK', normalizedCode: 'permission_denied' }),
    );
    await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'x', orderId: 'shop00000003' }),
    );
    expect((await payments.getOrder('shop00000003')).status).toBe('failed');
  });
});

describe('handleNotification', () => {
  async function pendingOrder(options: Parameters<typeof setup>[0] = {}) {
    const context = setup(options);
    const { order } = await context.payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 1999,
      subject: 'Tea',
    });
    return { ...context, order };
  }

  it('verifies, marks paid, emits order.paid once and returns the provider acknowledgement', async () => {
    const { payments, fake, order } = await pendingOrder();
    const paid = vi.fn();
    payments.on('order.paid', paid);
    const result = await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    expect(result.ok).toBe(true);
    expect(result.outcome).toBe('applied');
    expect(result.order?.status).toBe('paid');
    expect(result.response).toEqual({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' });
    expect(paid).toHaveBeenCalledTimes(1);
    expect(paid.mock.calls[0]?.[0].order.status).toBe('paid');
  });

  it('turns N concurrent duplicate notifications into exactly one transition', async () => {
    const store = new InterleavingStore();
    const { payments, fake, order } = await pendingOrder({ store });
    const paid = vi.fn();
    payments.on('order.paid', paid);
    const notification = fake.sandbox.pay(order.id);
    const results = await Promise.all(
      Array.from({ length: 25 }, () => payments.handleNotification('fake', notification)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect((await payments.getOrder(order.id)).version).toBe(order.version + 1);
    expect(paid).toHaveBeenCalledTimes(1);
    expect(store.conflicts).toBeGreaterThan(0);
  });

  it('refuses a tampered notification, changes nothing and emits notification.rejected', async () => {
    const { payments, fake, order } = await pendingOrder();
    const rejected = vi.fn();
    payments.on('notification.rejected', rejected);
    const genuine = fake.sandbox.pay(order.id);
    const tampered = { ...genuine, body: (genuine.body as string).replace('"amount":1999', '"amount":1') };
    const result = await payments.handleNotification('fake', tampered);
    expect(result.ok).toBe(false);
    expect(SignatureVerificationError.isInstance(result.error) && result.error.reason).toBe('bad_signature');
    expect(result.response.status).toBe(400);
    expect(rejected).toHaveBeenCalledTimes(1);
    expect((await payments.getOrder(order.id)).version).toBe(order.version);
  });

  it('refuses a replayed notification outside the time window', async () => {
    const { payments, fake, order } = await pendingOrder();
    const body = JSON.stringify({
      id: 'evt1',
      type: 'payment.succeeded',
      order_id: order.id,
      amount: 1999,
      transaction_id: 't1',
    });
    const old = fake.sandbox.notification(body, { timestamp: Math.floor(NOW.getTime() / 1000) - 301 });
    const result = await payments.handleNotification('fake', old);
    expect(SignatureVerificationError.isInstance(result.error) && result.error.reason).toBe('expired_timestamp');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('records a verified payment of the wrong amount as an anomaly and does not mark the order paid', async () => {
    const { payments, fake, order } = await pendingOrder();
    const anomaly = vi.fn();
    payments.on('order.anomaly', anomaly);
    const result = await payments.handleNotification('fake', fake.sandbox.pay(order.id, { amount: 1 }));
    expect(result.ok).toBe(true);
    expect(result.order?.status).toBe('pending');
    expect(result.anomalies?.map((a) => a.code)).toEqual(['amount_mismatch']);
    expect(AmountMismatchError.isInstance(anomaly.mock.calls[0]?.[0].error)).toBe(true);
  });

  it('refuses a notification for an unknown order so that the provider retries', async () => {
    const { payments, fake } = setup();
    const body = JSON.stringify({
      id: 'e',
      type: 'payment.succeeded',
      order_id: 'unknown00001',
      amount: 1,
      transaction_id: 't',
    });
    const result = await payments.handleNotification('fake', fake.sandbox.notification(body));
    expect(result.ok).toBe(false);
    expect(OrderNotFoundError.isInstance(result.error)).toBe(true);
  });

  it('refuses a refund notification that arrives before the payment one, and takes it after', async () => {
    const { payments, fake, order } = await pendingOrder();
    const body = JSON.stringify({
      id: 'e2',
      type: 'refund.succeeded',
      order_id: order.id,
      refund_id: 'portal000001',
      amount: 100,
      provider_refund_id: 'pr1',
    });
    const early = await payments.handleNotification('fake', fake.sandbox.notification(body));
    expect(InvalidTransitionError.isInstance(early.error)).toBe(true);
    await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    const late = await payments.handleNotification('fake', fake.sandbox.notification(body));
    expect(late.ok).toBe(true);
    expect(late.order?.status).toBe('partially_refunded');
  });

  it('never throws on bad input: a parsed body, missing headers, an unknown provider, a failing store', async () => {
    const { payments, fake, order } = await pendingOrder();
    const parsed = await payments.handleNotification('fake', { headers: {}, body: { a: 1 } as never });
    expect(ValidationError.isInstance(parsed.error) && parsed.error.field).toBe('body');
    const unsigned = await payments.handleNotification('fake', { headers: {}, body: '{}' });
    expect(SignatureVerificationError.isInstance(unsigned.error) && unsigned.error.reason).toBe('missing_signature');
    const unknown = await payments.handleNotification('nope', { headers: {}, body: '' });
    expect(unknown.response.status).toBe(404);

    const broken: OrderStore = {
      create: async () => {},
      get: async () => {
        throw new Error('database is down');
      },
      update: async () => false,
      listOrders: async () => ({ orders: [], cursor: null }),
    };
    const withBrokenStore = createPayments({ providers: [fake], store: broken });
    const result = await withBrokenStore.handleNotification('fake', fake.sandbox.pay(order.id));
    expect(result.ok).toBe(false);
    // The store's failure is ours, not the notification's: 5xx, so the wallet delivers it again.
    expect(result.response.status).toBe(500);
  });

  it('keeps the stored change when a listener throws, and reports the listener error', async () => {
    const onListenerError = vi.fn();
    const { payments, fake, order } = await pendingOrder({ onListenerError });
    payments.on('order.paid', () => {
      throw new Error('fulfilment down');
    });
    const result = await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    expect(result.ok).toBe(true);
    expect((await payments.getOrder(order.id)).status).toBe('paid');
    expect(onListenerError).toHaveBeenCalledWith(expect.objectContaining({ message: 'fulfilment down' }), 'order.paid');
  });
});

describe('refund', () => {
  async function paidOrder(options: Parameters<typeof setup>[0] = {}) {
    const context = setup(options);
    const { order } = await context.payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 1999,
      subject: 'Tea',
    });
    await context.payments.handleNotification('fake', context.fake.sandbox.pay(order.id));
    return { ...context, order: await context.payments.getOrder(order.id) };
  }

  it('refunds partially, settles by notification, then refunds the rest', async () => {
    const { payments, fake, order } = await paidOrder();
    const refunded = vi.fn();
    payments.on('order.refunded', refunded);
    const first = await payments.refund(order.id, { refundId: 'refund0001', amount: 500, reason: '缺货' });
    expect(first.refund).toMatchObject({ amount: 500, status: 'pending', reason: '缺货' });
    expect(first.refund.id).toBe('refund0001');
    const settled = await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, first.refund.id));
    expect(settled.order?.status).toBe('partially_refunded');
    const second = await payments.refund(order.id, { refundId: 'refund0002', amount: 1499 });
    const done = await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, second.refund.id));
    expect(done.order).toMatchObject({ status: 'refunded', refundedAmount: 1999 });
    expect(refunded.mock.calls.map((call) => call[0].fully)).toEqual([false, true]);
  });

  it('settles at once with providers whose refunds are synchronous', async () => {
    const { payments, order } = await paidOrder({ fake: createFakeProvider({ now: () => NOW, instantRefunds: true }) });
    const { refund, order: after } = await payments.refund(order.id, { refundId: 'refund0001', amount: 1999 });
    expect(refund.status).toBe('succeeded');
    expect(after.status).toBe('refunded');
  });

  it('refuses an over-refund before calling the provider', async () => {
    const { payments, fake, order } = await paidOrder();
    const error = await rejectionOf(payments.refund(order.id, { refundId: 'refund0001', amount: 2000 }));
    expect(RefundExceedsPaidError.isInstance(error)).toBe(true);
    expect(fake.sandbox.calls.refund).toBe(0);
  });

  it('never over-refunds under concurrency, counting pending refunds', async () => {
    const store = new InterleavingStore();
    const { payments, order } = await paidOrder({ store });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => payments.refund(order.id, { refundId: `refund${1000 + i}`, amount: 500 })),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(accepted).toHaveLength(3);
    for (const r of refused) expect(RefundExceedsPaidError.isInstance((r as PromiseRejectedResult).reason)).toBe(true);
    const final = await payments.getOrder(order.id);
    expect(final.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0)).toBe(1500);
  });

  it('refuses a float amount, an unpaid order, and an unknown order', async () => {
    const { payments, order } = await paidOrder();
    expect(
      ValidationError.isInstance(await rejectionOf(payments.refund(order.id, { refundId: 'refund0001', amount: 1.5 }))),
    ).toBe(true);
    const { order: unpaid } = await payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    expect(
      InvalidTransitionError.isInstance(
        await rejectionOf(payments.refund(unpaid.id, { refundId: 'refund0001', amount: 100 })),
      ),
    ).toBe(true);
    expect(
      OrderNotFoundError.isInstance(
        await rejectionOf(payments.refund('missing00001', { refundId: 'refund0001', amount: 1 })),
      ),
    ).toBe(true);
  });

  it('keeps a refund pending after a network error; the same id again returns it without a second request', async () => {
    const { payments, fake, order } = await paidOrder();
    fake.sandbox.failNext('refund', new NetworkError('socket hang up'));
    const error = await rejectionOf(payments.refund(order.id, { amount: 700, refundId: 'refund000001' }));
    expect(NetworkError.isInstance(error)).toBe(true);
    expect((await payments.getOrder(order.id)).refunds).toMatchObject([{ id: 'refund000001', status: 'pending' }]);
    const retried = await payments.refund(order.id, { amount: 700, refundId: 'refund000001' });
    expect(retried.order.refunds).toHaveLength(1);
    expect(retried.refund).toMatchObject({ id: 'refund000001', status: 'pending' });
    // The outcome is unknown: the reconciler settles it (and sends it again if the wallet never got it).
    expect(fake.sandbox.calls.refund).toBe(1);
  });

  it('marks a refund failed when the provider refuses it, freeing the amount', async () => {
    const { payments, fake, order } = await paidOrder();
    fake.sandbox.failNext(
      'refund',
      new ProviderApiError({ provider: 'fake', providerCode: 'NOPE', normalizedCode: 'refund_rejected' }),
    );
    await rejectionOf(payments.refund(order.id, { amount: 1999, refundId: 'refund000002' }));
    const after = await payments.getOrder(order.id);
    expect(after.refunds).toMatchObject([{ id: 'refund000002', status: 'failed' }]);
    expect((await payments.refund(order.id, { refundId: 'refund0003', amount: 1999 })).refund.status).toBe('pending');
  });
});

describe('sync and close', () => {
  it('recovers a payment whose notification was lost', async () => {
    const { payments, fake } = setup();
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    fake.sandbox.pay(order.id); // the notification is never delivered
    const synced = await payments.sync(order.id);
    expect(synced.status).toBe('paid');
    expect(synced.providerTransactionId).toBe(fake.sandbox.payment(order.id)?.transactionId);
  });

  it('settles pending refunds on sync', async () => {
    const { payments, fake } = setup();
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    const { refund } = await payments.refund(order.id, { refundId: 'refund0001', amount: 1999 });
    fake.sandbox.settleRefund(order.id, refund.id); // notification lost
    expect((await payments.sync(order.id)).status).toBe('refunded');
  });

  it('closes an unpaid order and refuses to close a paid one', async () => {
    const { payments, fake } = setup();
    const closed = vi.fn();
    payments.on('order.closed', closed);
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    expect((await payments.close(order.id)).status).toBe('closed');
    expect(closed).toHaveBeenCalledTimes(1);
    const { order: other } = await payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 1999,
      subject: 'Tea',
    });
    await payments.handleNotification('fake', fake.sandbox.pay(other.id));
    expect(InvalidTransitionError.isInstance(await rejectionOf(payments.close(other.id)))).toBe(true);
  });

  it('records the payment when the buyer paid just before the close', async () => {
    const { payments, fake } = setup();
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    fake.sandbox.pay(order.id);
    const error = await rejectionOf(payments.close(order.id));
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('already_paid');
    expect((await payments.getOrder(order.id)).status).toBe('paid');
  });

  it('refuses operations the provider does not declare', async () => {
    const fake = createFakeProvider();
    const { closePayment: _c, queryPayment: _q, ...rest } = fake;
    const limited = { ...rest, capabilities: { ...fake.capabilities, close: false, query: false } };
    const payments = createPayments({ providers: [limited] });
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1, subject: 'x' });
    expect(UnsupportedOperationError.isInstance(await rejectionOf(payments.close(order.id)))).toBe(true);
    expect(UnsupportedOperationError.isInstance(await rejectionOf(payments.sync(order.id)))).toBe(true);
  });

  it('throws OrderNotFoundError for an unknown order', async () => {
    const { payments } = setup();
    expect(OrderNotFoundError.isInstance(await rejectionOf(payments.getOrder('missing00001')))).toBe(true);
  });
});
