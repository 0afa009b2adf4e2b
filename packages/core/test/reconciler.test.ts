import { describe, expect, it } from 'vitest';
import {
  MemoryOrderStore,
  NetworkError,
  type Order,
  type OrderStore,
  ProviderApiError,
  ValidationError,
} from '../src/index.js';
import { createReconciler, type ReconcilerEvent, type ReconcilerPayments } from '../src/reconciler.js';
import { sampleOrder } from '../src/testing/index.js';

const NOW = new Date('2024-01-01T01:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

/**
 * A payments facade over a memory store. `sync` applies `outcomes[id]` (default: no change) and
 * `close` closes; `fail[id]` makes either throw. Records every call and the most calls in flight.
 */
function fakePayments(store: MemoryOrderStore, delayMs = 0) {
  const calls: string[] = [];
  const outcomes: Record<string, Partial<Order>> = {};
  const fail: Record<string, () => unknown> = {};
  let inFlight = 0;
  let maxInFlight = 0;
  const apply = async (action: string, id: string, patch: Partial<Order> | undefined) => {
    calls.push(`${action} ${id}`);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const failure = fail[id];
      if (failure) throw failure();
      const order = (await store.get(id)) as Order;
      if (!patch) return order;
      const next = { ...order, ...patch, version: order.version + 1, updatedAt: NOW.toISOString() };
      await store.update(next, order.version);
      return next;
    } finally {
      inFlight--;
    }
  };
  const payments: ReconcilerPayments = {
    sync: (id) => apply('sync', id, outcomes[id]),
    close: (id) => apply('close', id, { status: 'closed' }),
  };
  return {
    payments,
    calls,
    outcomes,
    fail,
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

async function storeWith(...orders: Order[]): Promise<MemoryOrderStore> {
  const store = new MemoryOrderStore();
  for (const order of orders) await store.create(order);
  return store;
}

const pendingRefund = {
  id: 'refund000001',
  amount: 100,
  status: 'pending' as const,
  providerRefundId: null,
  reason: null,
  createdAt: minutesAgo(10),
  updatedAt: minutesAgo(10),
};

describe('createReconciler', () => {
  it('closes created and pending orders past expiresAt, and leaves the rest alone', async () => {
    const store = await storeWith(
      sampleOrder({ id: 'expiredPending', status: 'pending', expiresAt: minutesAgo(1), updatedAt: minutesAgo(0) }),
      sampleOrder({ id: 'expiredCreated', status: 'created', expiresAt: minutesAgo(1), updatedAt: minutesAgo(0) }),
      sampleOrder({ id: 'notYetExpired', status: 'pending', expiresAt: minutesAgo(-5), updatedAt: minutesAgo(0) }),
      sampleOrder({ id: 'expiredButPaid', status: 'paid', expiresAt: minutesAgo(1), updatedAt: minutesAgo(0) }),
    );
    const fake = fakePayments(store);
    const events: ReconcilerEvent[] = [];
    const reconciler = createReconciler({ ...fake, store, now: () => NOW, onEvent: (e) => events.push(e) });
    const result = await reconciler.runOnce();
    expect(fake.calls.sort()).toEqual(['close expiredCreated', 'close expiredPending']);
    expect(result).toEqual({ examined: 2, changed: 2, failed: 0, deferred: 0 });
    expect((await store.get('expiredPending'))?.status).toBe('closed');
    expect(events.map((e) => e.type === 'order.changed' && `${e.action} ${e.from}→${e.order.status}`).sort()).toEqual([
      'close created→closed',
      'close pending→closed',
    ]);
  });

  it('syncs pending orders unchanged for longer than pendingAfterMs, and only those', async () => {
    const store = await storeWith(
      sampleOrder({ id: 'stalePending1', status: 'pending', updatedAt: minutesAgo(5) }),
      sampleOrder({ id: 'freshPending1', status: 'pending', updatedAt: minutesAgo(0.5) }),
      sampleOrder({ id: 'staleCreated1', status: 'created', updatedAt: minutesAgo(5) }),
    );
    const fake = fakePayments(store);
    fake.outcomes.stalePending1 = { status: 'paid', paidAmount: 1999 };
    const reconciler = createReconciler({ ...fake, store, now: () => NOW, pendingAfterMs: 60_000 });
    expect(await reconciler.runOnce()).toEqual({ examined: 1, changed: 1, failed: 0, deferred: 0 });
    expect(fake.calls).toEqual(['sync stalePending1']);
    expect((await store.get('stalePending1'))?.status).toBe('paid');
  });

  it('polls orders whose refund is still pending, and reports no change when sync changed nothing', async () => {
    const store = await storeWith(
      sampleOrder({ id: 'refundPending', status: 'paid', refunds: [pendingRefund], updatedAt: minutesAgo(10) }),
      sampleOrder({ id: 'refundSettled', status: 'paid', updatedAt: minutesAgo(10) }),
    );
    const fake = fakePayments(store);
    const events: ReconcilerEvent[] = [];
    const reconciler = createReconciler({ ...fake, store, now: () => NOW, onEvent: (e) => events.push(e) });
    expect(await reconciler.runOnce()).toEqual({ examined: 1, changed: 0, failed: 0, deferred: 0 });
    expect(fake.calls).toEqual(['sync refundPending']);
    expect(events).toEqual([]);
  });

  it('handles an order once per run even when it needs attention for two reasons (close wins)', async () => {
    const store = await storeWith(
      sampleOrder({ id: 'expiredStale1', status: 'pending', expiresAt: minutesAgo(1), updatedAt: minutesAgo(30) }),
    );
    const fake = fakePayments(store);
    await createReconciler({ ...fake, store, now: () => NOW }).runOnce();
    expect(fake.calls).toEqual(['close expiredStale1']);
  });

  it('keeps at most `concurrency` calls in flight, and uses that many', async () => {
    const orders = Array.from({ length: 12 }, (_, i) =>
      sampleOrder({ id: `concurrent${String(i).padStart(2, '0')}`, status: 'pending', updatedAt: minutesAgo(5) }),
    );
    const store = await storeWith(...orders);
    const fake = fakePayments(store, 5);
    await createReconciler({ ...fake, store, now: () => NOW, concurrency: 3 }).runOnce();
    expect(fake.calls).toHaveLength(12);
    expect(fake.maxInFlight).toBe(3);
  });

  it('stops at maxOrdersPerRun, oldest first', async () => {
    const orders = Array.from({ length: 5 }, (_, i) =>
      sampleOrder({ id: `capped0000${i}`, status: 'pending', updatedAt: minutesAgo(10 - i) }),
    );
    const store = await storeWith(...orders);
    const fake = fakePayments(store);
    const result = await createReconciler({ ...fake, store, now: () => NOW, maxOrdersPerRun: 2 }).runOnce();
    expect(result.examined).toBe(2);
    expect(fake.calls).toEqual(['sync capped00000', 'sync capped00001']);
  });

  it('backs off a provider after a retryable ProviderApiError, doubling the wait, and keeps the others going', async () => {
    const store = await storeWith(
      sampleOrder({ id: 'busyFirst001', provider: 'busy', status: 'pending', updatedAt: minutesAgo(9) }),
      sampleOrder({ id: 'busySecond01', provider: 'busy', status: 'pending', updatedAt: minutesAgo(8) }),
      sampleOrder({ id: 'healthy00001', provider: 'healthy', status: 'pending', updatedAt: minutesAgo(7) }),
    );
    const fake = fakePayments(store);
    const busy = () =>
      new ProviderApiError({ provider: 'busy', providerCode: 'SYSTEM_ERROR', normalizedCode: 'system_busy' });
    fake.fail.busyFirst001 = busy;
    fake.fail.busySecond01 = busy;
    let clock = NOW.getTime();
    const events: ReconcilerEvent[] = [];
    const reconciler = createReconciler({
      ...fake,
      store,
      now: () => new Date(clock),
      concurrency: 1,
      backoffInitialMs: 1000,
      onEvent: (e) => events.push(e),
    });

    expect(await reconciler.runOnce()).toEqual({ examined: 3, changed: 0, failed: 1, deferred: 1 });
    expect(fake.calls).toEqual(['sync busyFirst001', 'sync healthy00001']);
    const backoffs = () => events.filter((e) => e.type === 'provider.backoff');
    expect(backoffs()).toEqual([
      {
        type: 'provider.backoff',
        provider: 'busy',
        until: new Date(clock + 1000),
        error: expect.any(ProviderApiError),
      },
    ]);

    clock += 500; // still waiting
    fake.calls.length = 0;
    expect((await reconciler.runOnce()).deferred).toBe(2);
    expect(fake.calls).toEqual(['sync healthy00001']);

    clock += 600; // past the wait: tried again, fails again, waits twice as long
    fake.calls.length = 0;
    await reconciler.runOnce();
    expect(fake.calls[0]).toBe('sync busyFirst001');
    expect(backoffs().at(-1)).toMatchObject({ until: new Date(clock + 2000) });
  });

  it('backs off after a NetworkError but not after a non-retryable provider refusal', async () => {
    const store = await storeWith(
      sampleOrder({ id: 'netDown00001', provider: 'down', status: 'pending', updatedAt: minutesAgo(9) }),
      sampleOrder({ id: 'netDown00002', provider: 'down', status: 'pending', updatedAt: minutesAgo(8) }),
      sampleOrder({ id: 'refused00001', provider: 'strict', status: 'pending', updatedAt: minutesAgo(7) }),
      sampleOrder({ id: 'refused00002', provider: 'strict', status: 'pending', updatedAt: minutesAgo(6) }),
    );
    const fake = fakePayments(store);
    fake.fail.netDown00001 = () => new NetworkError('connection reset');
    fake.fail.refused00001 = () =>
      new ProviderApiError({ provider: 'strict', providerCode: 'ORDER_NOT_EXIST', normalizedCode: 'not_found' });
    const events: ReconcilerEvent[] = [];
    const reconciler = createReconciler({
      ...fake,
      store,
      now: () => NOW,
      concurrency: 1,
      onEvent: (e) => events.push(e),
    });
    expect(await reconciler.runOnce()).toEqual({ examined: 4, changed: 0, failed: 2, deferred: 1 });
    expect(fake.calls).toEqual(['sync netDown00001', 'sync refused00001', 'sync refused00002']);
    expect(
      events.filter((e) => e.type === 'provider.backoff').map((e) => e.type === 'provider.backoff' && e.provider),
    ).toEqual(['down']);
    expect(events.filter((e) => e.type === 'order.failed').map((e) => e.type === 'order.failed' && e.orderId)).toEqual([
      'netDown00001',
      'refused00001',
    ]);
  });

  it('start() runs at once and again after intervalMs; stop() waits for the run in flight and ends the loop', async () => {
    const store = await storeWith(sampleOrder({ id: 'loopOrder001', status: 'pending', updatedAt: minutesAgo(5) }));
    const fake = fakePayments(store, 5);
    const reconciler = createReconciler({ ...fake, store, now: () => NOW, intervalMs: 10 });
    reconciler.start();
    expect(reconciler.running).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await reconciler.stop();
    expect(reconciler.running).toBe(false);
    const runs = fake.calls.length;
    expect(runs).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fake.calls.length).toBe(runs);
  });

  it('reports a run that could not read the store as run.failed and keeps going in start() mode', async () => {
    let reads = 0;
    const broken: OrderStore = Object.assign(new MemoryOrderStore(), {
      listOrders: async () => {
        reads++;
        throw new Error('database is down');
      },
    });
    const events: ReconcilerEvent[] = [];
    const reconciler = createReconciler({
      payments: fakePayments(new MemoryOrderStore()).payments,
      store: broken,
      intervalMs: 5,
      onEvent: (e) => events.push(e),
    });
    reconciler.start();
    await new Promise((resolve) => setTimeout(resolve, 40));
    await reconciler.stop();
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.type === 'run.failed')).toBe(true);
    expect(events.length).toBe(reads);
  });

  it('refuses a concurrency below 1 with ValidationError', () => {
    const error = (() => {
      try {
        createReconciler({
          payments: fakePayments(new MemoryOrderStore()).payments,
          store: new MemoryOrderStore(),
          concurrency: 0,
        });
      } catch (e) {
        return e;
      }
    })();
    expect(ValidationError.isInstance(error) && error.field).toBe('concurrency');
  });
});
