import { describe, expect, it } from 'vitest';
import {
  createPayments,
  createReconciler,
  type ListOrdersQuery,
  MemoryOrderStore,
  ProviderApiError,
  UnexpectedResponseError,
  ValidationError,
} from '../src/index.js';
import { createFakeProvider, type FakeProvider, rejectionOf } from '../src/testing/index.js';

const START = Date.parse('2024-05-01T08:00:00.000Z');
const MINUTE = 60_000;

/** The process "dies" between the commit and the wallet call: the error a killed request leaves. */
const killed = () => new Error('the process was killed before the request left');

function setup(wrap: (fake: FakeProvider) => FakeProvider = (fake) => fake) {
  let clock = START;
  const now = () => new Date(clock);
  const fake = createFakeProvider({ now });
  const provider = wrap(fake);
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers: [provider], store, now });
  const reconciler = createReconciler({ payments, store, now, claims: false });
  return {
    fake,
    store,
    payments,
    reconciler,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

async function paidOrder(context: ReturnType<typeof setup>) {
  const { order } = await context.payments.createPayment({
    provider: 'fake',
    method: 'qr',
    amount: 1999,
    subject: 'Tea',
  });
  await context.payments.handleNotification('fake', context.fake.sandbox.pay(order.id));
  return context.payments.getOrder(order.id);
}

describe('a refund committed as pending whose request never reached the wallet', () => {
  it('is sent again with the same refund id after the grace period, and refunds once', async () => {
    const context = setup();
    const order = await paidOrder(context);
    context.fake.sandbox.failNext('refund', killed());
    const error = await rejectionOf(context.payments.refund(order.id, { refundId: 'refund0001', amount: 500 }));
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect(context.fake.sandbox.payment(order.id)?.refunds.size).toBe(0); // the wallet never heard of it

    // Within the grace period the wallet's "no such refund" leaves it pending: the request may be in flight.
    context.advance(2 * MINUTE);
    await context.reconciler.runOnce();
    expect((await context.payments.getOrder(order.id)).refunds).toMatchObject([
      { id: 'refund0001', status: 'pending' },
    ]);
    expect(context.fake.sandbox.calls.refund).toBe(1);

    context.advance(5 * MINUTE);
    const run = await context.reconciler.runOnce();
    expect(run.changed).toBe(1);
    expect(context.fake.sandbox.calls.refund).toBe(2);
    const wallet = context.fake.sandbox.payment(order.id)?.refunds;
    expect([...(wallet?.keys() ?? [])]).toEqual(['refund0001']);
    expect(wallet?.get('refund0001')?.amount).toBe(500);

    // The wallet settles it, the notification is lost; the next run records it.
    context.fake.sandbox.settleRefund(order.id, 'refund0001');
    context.advance(2 * MINUTE);
    await context.reconciler.runOnce();
    const settled = await context.payments.getOrder(order.id);
    expect(settled).toMatchObject({ status: 'partially_refunded', refundedAmount: 500 });
    expect(settled.refunds).toMatchObject([{ id: 'refund0001', status: 'succeeded' }]);
  });

  it('is marked failed when the wallet refuses the request sent again', async () => {
    const context = setup();
    const order = await paidOrder(context);
    context.fake.sandbox.failNext('refund', killed());
    await rejectionOf(context.payments.refund(order.id, { refundId: 'refund0002', amount: 500 }));
    context.fake.sandbox.failNext(
      'refund',
      new ProviderApiError({ provider: 'fake', providerCode: 'TOO_OLD', normalizedCode: 'refund_rejected' }),
    );
    context.advance(10 * MINUTE);
    const run = await context.reconciler.runOnce();
    expect(run).toMatchObject({ changed: 1, failed: 0 });
    const after = await context.payments.getOrder(order.id);
    expect(after.refunds).toMatchObject([{ id: 'refund0002', status: 'failed' }]);
    expect(after.status).toBe('paid');
  });

  it('is not sent again by a plain sync: only the reconciler (or sync with resendRefundsAfterMs) resends', async () => {
    const context = setup();
    const order = await paidOrder(context);
    context.fake.sandbox.failNext('refund', killed());
    await rejectionOf(context.payments.refund(order.id, { refundId: 'refund0003', amount: 500 }));
    context.advance(10 * MINUTE);
    const error = await rejectionOf(context.payments.sync(order.id));
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('not_found');
    expect(context.fake.sandbox.calls.refund).toBe(1);
    await context.payments.sync(order.id, { resendRefundsAfterMs: 5 * MINUTE });
    expect(context.fake.sandbox.calls.refund).toBe(2);
  });
});

describe('a payment whose create call never reached the wallet', () => {
  it('stays created until the grace period, then the reconciler closes it', async () => {
    const context = setup();
    context.fake.sandbox.failNext('createPayment', killed());
    const error = await rejectionOf(
      context.payments.createPayment({
        provider: 'fake',
        method: 'qr',
        amount: 1999,
        subject: 'Tea',
        orderId: 'order0001',
      }),
    );
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect((await context.payments.getOrder('order0001')).status).toBe('created');

    context.advance(5 * MINUTE);
    await context.reconciler.runOnce();
    expect((await context.payments.getOrder('order0001')).status).toBe('created');

    context.advance(10 * MINUTE);
    const run = await context.reconciler.runOnce();
    expect(run.changed).toBe(1);
    // The wallet never knew it: nothing to close there, and nobody holds an action to pay it with.
    expect((await context.payments.getOrder('order0001')).status).toBe('closed');
  });

  it('closes it at the wallet too when the create reached the wallet but its answer was lost', async () => {
    const context = setup((fake) => ({
      ...fake,
      async createPayment(request) {
        await fake.createPayment(request);
        throw killed();
      },
    }));
    await rejectionOf(
      context.payments.createPayment({
        provider: 'fake',
        method: 'qr',
        amount: 1999,
        subject: 'Tea',
        orderId: 'order0002',
      }),
    );
    expect(context.fake.sandbox.payment('order0002')?.status).toBe('WAITING');
    context.advance(15 * MINUTE);
    await context.reconciler.runOnce();
    expect((await context.payments.getOrder('order0002')).status).toBe('closed');
    expect(context.fake.sandbox.payment('order0002')?.status).toBe('CLOSED'); // it can no longer be paid
  });
});

describe('a close that reached the wallet before the process died', () => {
  it('is recorded by the next reconciler run, from the wallet query', async () => {
    const context = setup((fake) => ({
      ...fake,
      async closePayment(request) {
        await fake.closePayment?.(request);
        throw killed();
      },
    }));
    const { order } = await context.payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 1999,
      subject: 'Tea',
    });
    await rejectionOf(context.payments.close(order.id));
    expect((await context.payments.getOrder(order.id)).status).toBe('pending');
    context.advance(2 * MINUTE);
    await context.reconciler.runOnce();
    expect((await context.payments.getOrder(order.id)).status).toBe('closed');
  });

  it('of an expired order the wallet never knew is closed, not retried for ever', async () => {
    // A page payment whose form the buyer never submitted: the wallet has no trade (UnionPay
    // answers 34, "no such transaction"), so closing it there finds nothing to close.
    const context = setup((fake) => ({
      ...fake,
      async createPayment(request) {
        return { action: { type: 'qr', content: `https://fake.hutong.invalid/pay/${request.orderId}` } };
      },
    }));
    const { order } = await context.payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 1999,
      subject: 'Tea',
      expiresAt: new Date(START + 5 * MINUTE),
    });
    expect(order.status).toBe('pending');
    const early = await rejectionOf(context.payments.close(order.id));
    expect(ProviderApiError.isInstance(early) && early.normalizedCode).toBe('not_found'); // not expired yet
    context.advance(10 * MINUTE);
    const run = await context.reconciler.runOnce();
    expect(run).toMatchObject({ changed: 1, failed: 0 });
    expect((await context.payments.getOrder(order.id)).status).toBe('closed');
  });
});

describe('a pending order whose notification was lost, behind orders nobody pays', () => {
  it('is synced and paid, however many older pending orders the buyers walked away from', async () => {
    let clock = START;
    const now = () => new Date(clock);
    const fake = createFakeProvider({ now });
    const store = new MemoryOrderStore();
    const payments = createPayments({ providers: [fake], store, now });
    // A run handles at most three orders; five older QR codes were shown and never scanned (no expiry).
    const reconciler = createReconciler({ payments, store, now, claims: false, maxOrdersPerRun: 3 });
    const pay = (subject: string) => payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject });
    for (let i = 0; i < 5; i++) await pay(`walked away ${i}`);
    clock += 10 * MINUTE;
    const { order } = await pay('paid, notification lost');
    fake.sandbox.pay(order.id); // paid at the wallet; the notification never arrives
    // The reconciler runs every half minute for an hour.
    for (let run = 0; run < 120 && (await payments.getOrder(order.id)).status === 'pending'; run++) {
      clock += MINUTE / 2;
      await reconciler.runOnce();
    }
    expect((await payments.getOrder(order.id)).status).toBe('paid');
  });

  it('lists from the oldest again with a store that refuses a cursor given with other filters', async () => {
    let clock = START;
    const now = () => new Date(clock);
    const fake = createFakeProvider({ now });
    // Cursors bound to the query they were handed out for (the contract allows it).
    const issuedFor = new Map<string, string>();
    class StrictCursorStore extends MemoryOrderStore {
      override async listOrders(query: ListOrdersQuery = {}) {
        const filters = JSON.stringify({ ...query, cursor: undefined });
        if (query.cursor && issuedFor.get(query.cursor) !== filters) {
          throw new ValidationError('cursor', 'was handed out for other filters');
        }
        const page = await super.listOrders(query);
        if (page.cursor) issuedFor.set(page.cursor, filters);
        return page;
      }
    }
    const store = new StrictCursorStore();
    const payments = createPayments({ providers: [fake], store, now });
    const events: string[] = [];
    const reconciler = createReconciler({
      payments,
      store,
      now,
      claims: false,
      maxOrdersPerRun: 3,
      onEvent: (event) => void events.push(event.type),
    });
    for (let i = 0; i < 5; i++) {
      const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
      fake.sandbox.pay(order.id);
    }
    for (let run = 0; run < 4; run++) {
      clock += MINUTE;
      await reconciler.runOnce();
    }
    expect(events).not.toContain('run.failed');
    const { orders } = await store.listOrders({ status: 'paid' });
    expect(orders).toHaveLength(5);
  });
});
