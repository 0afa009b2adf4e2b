import { describe, expect, it } from 'vitest';
import {
  createReconciler,
  MemoryOrderStore,
  NetworkError,
  type Order,
  ProviderApiError,
  type ReconcilerEvent,
  type ReconcilerPayments,
  ValidationError,
} from '../src/index.js';
import { sampleOrder, sampleTransfer } from '../src/testing/index.js';
import { base, NOW, platform } from './platform-support.js';

const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

/** Pending orders of shop A, shop B and the provider's own, ten minutes stale. */
async function staleOrders() {
  const store = new MemoryOrderStore();
  const pending = { status: 'pending' as const, updatedAt: minutesAgo(10) };
  await store.create(sampleOrder({ id: 'shopAorder01', merchant: 'shop-a', ...pending }));
  await store.create(sampleOrder({ id: 'shopAorder02', merchant: 'shop-a', ...pending }));
  await store.create(sampleOrder({ id: 'shopBorder01', merchant: 'shop-b', ...pending }));
  await store.create(sampleOrder({ id: 'ownOrder0001', ...pending }));
  return store;
}

/** A facade whose `sync` throws what `fail` says for an order, and records the rest. */
function scripted(store: MemoryOrderStore, fail: (order: Order) => unknown) {
  const synced: string[] = [];
  const payments: ReconcilerPayments = {
    async sync(orderId) {
      const order = (await store.get(orderId)) as Order;
      const failure = fail(order);
      if (failure) throw failure;
      synced.push(orderId);
      return order;
    },
    async close(orderId) {
      return (await store.get(orderId)) as Order;
    },
  };
  return { payments, synced };
}

describe('platform mode: the reconciler', () => {
  it('reconciles one merchant’s orders only with `merchant`', async () => {
    const store = await staleOrders();
    const { payments, synced } = scripted(store, () => undefined);
    await createReconciler({ payments, store, merchant: 'shop-a', now: () => NOW, concurrency: 1 }).runOnce();
    expect(synced.sort()).toEqual(['shopAorder01', 'shopAorder02']);
  });

  it('reconciles one merchant’s transfers only with `merchant`', async () => {
    const store = await staleOrders();
    const stale = { status: 'processing' as const, updatedAt: minutesAgo(10) };
    const transfers = store.transfers as NonNullable<typeof store.transfers>;
    await transfers.create(sampleTransfer({ id: 'shopApayout1', merchant: 'shop-a', ...stale }));
    await transfers.create(sampleTransfer({ id: 'shopBpayout1', merchant: 'shop-b', ...stale }));
    await transfers.create(sampleTransfer({ id: 'ownPayout001', merchant: null, ...stale }));
    const { payments } = scripted(store, () => undefined);
    const transfersSynced: string[] = [];
    payments.syncTransfer = async (transferId) => {
      transfersSynced.push(transferId);
      return (await transfers.get(transferId)) as NonNullable<Awaited<ReturnType<typeof transfers.get>>>;
    };
    const result = await createReconciler({ payments, store, merchant: 'shop-a', now: () => NOW }).runOnce();
    expect(transfersSynced).toEqual(['shopApayout1']);
    // Two of shop A's orders and its one transfer: nothing of shop B's or the provider's own.
    expect(result.examined).toBe(3);
  });

  it('refuses a malformed merchant key', () => {
    const store = new MemoryOrderStore();
    const { payments } = scripted(store, () => undefined);
    expect(() => createReconciler({ payments, store, merchant: 'shop a' })).toThrow(ValidationError);
  });

  it('holds back only that merchant’s orders when the wallet is busy for its sub-merchant', async () => {
    const store = await staleOrders();
    const busy = new ProviderApiError({ provider: 'fake', providerCode: 'BUSY', normalizedCode: 'system_busy' });
    const { payments, synced } = scripted(store, (order) => (order.merchant === 'shop-a' ? busy : undefined));
    const events: ReconcilerEvent[] = [];
    const reconciler = createReconciler({
      payments,
      store,
      now: () => NOW,
      concurrency: 1,
      onEvent: (e) => events.push(e),
    });
    const result = await reconciler.runOnce();
    expect(synced.sort()).toEqual(['ownOrder0001', 'shopBorder01']);
    expect(result.failed).toBe(1);
    expect(result.deferred).toBe(1);
    const failed = events.find((event) => event.type === 'order.failed');
    expect(failed?.type === 'order.failed' && failed.merchant).toBe('shop-a');
    const backoff = events.find((event) => event.type === 'provider.backoff');
    expect(backoff?.type === 'provider.backoff' && backoff.merchant).toBe('shop-a');
  });

  it('holds back every order of the provider after a network failure', async () => {
    const store = await staleOrders();
    const { payments, synced } = scripted(store, () => new NetworkError('connection reset'));
    const result = await createReconciler({ payments, store, now: () => NOW, concurrency: 1 }).runOnce();
    expect(synced).toEqual([]);
    expect(result.failed).toBe(1);
    expect(result.deferred).toBe(3);
  });

  it('settles a merchant’s paid order whose notification was lost, through its account', async () => {
    const { payments, fake, store, calls } = platform();
    const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-b' });
    fake.sandbox.pay(order.id);
    const later = new Date(NOW.getTime() + 10 * 60_000);
    const result = await createReconciler({ payments, store, now: () => later }).runOnce();
    expect(result.changed).toBe(1);
    expect((await payments.getOrder(order.id)).status).toBe('paid');
    expect(calls.at(-1)).toMatchObject({ operation: 'queryPayment', merchant: 'sub-b' });
  });
});
