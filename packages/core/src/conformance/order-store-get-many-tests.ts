/**
 * The executable contract of {@link OrderStore.getMany}, the batched lookup statement matching
 * uses: run it against any store that offers it.
 *
 * @packageDocumentation
 */
import type { Order, OrderStore } from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';

/** Options of {@link runOrderStoreGetManyTests}. */
export interface OrderStoreGetManyTestOptions {
  /** Suite name, e.g. `SqlStore (PostgreSQL)`. */
  name: string;
  /** A fresh, empty store for each test, with `getMany`. */
  createStore(): OrderStore | Promise<OrderStore>;
}

function getManyOf(store: OrderStore): (ids: readonly string[]) => Promise<Order[]> {
  expect(store.getMany, 'store.getMany').toBeTypeOf('function');
  return (ids) => (store.getMany as NonNullable<OrderStore['getMany']>).call(store, ids);
}

const byId = (orders: readonly Order[]) => [...orders].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/**
 * Registers vitest tests that every {@link OrderStore.getMany} must pass: the orders asked for,
 * each as `get` returns it, absent ones left out, in one call for up to 1000 ids.
 *
 * @example
 * ```ts
 * import { runOrderStoreGetManyTests } from '@hutong/core/conformance';
 * runOrderStoreGetManyTests({ name: 'PostgresOrderStore', createStore: () => new PostgresOrderStore(pool) });
 * ```
 */
export function runOrderStoreGetManyTests(options: OrderStoreGetManyTestOptions): void {
  describe(`OrderStore.getMany conformance: ${options.name}`, () => {
    it('returns the orders asked for, each as get returns it, and leaves absent ones out', async () => {
      const store = await options.createStore();
      const getMany = getManyOf(store);
      const orders = [
        sampleOrder({ id: 'getMany00001', amount: 101 }),
        sampleOrder({
          id: 'getMany00002',
          amount: 102,
          status: 'paid',
          paidAmount: 102,
          merchant: 'shop-42',
          metadata: { sku: 'tea' },
        }),
        sampleOrder({ id: 'getMany00003', amount: 103 }),
      ];
      for (const order of orders) await store.create(order);
      const found = await getMany(['getMany00003', 'getMissing01', 'getMany00002']);
      expect(byId(found)).toEqual([await store.get('getMany00002'), await store.get('getMany00003')]);
      expect(byId(found)).toEqual([orders[1], orders[2]]);
    });

    it('returns an empty list for no ids and for ids none of which exist', async () => {
      const store = await options.createStore();
      const getMany = getManyOf(store);
      await store.create(sampleOrder({ id: 'getMany00010' }));
      expect(await getMany([])).toEqual([]);
      expect(await getMany(['getMissing01', 'getMissing02'])).toEqual([]);
    });

    it('returns an order once when its id is asked for twice', async () => {
      const store = await options.createStore();
      const getMany = getManyOf(store);
      await store.create(sampleOrder({ id: 'getMany00020' }));
      expect((await getMany(['getMany00020', 'getMany00020'])).map((order) => order.id)).toEqual(['getMany00020']);
    });

    it('returns the latest version of an updated order', async () => {
      const store = await options.createStore();
      const getMany = getManyOf(store);
      const order = sampleOrder({ id: 'getMany00030' });
      await store.create(order);
      const next = { ...order, status: 'pending' as const, version: order.version + 1 };
      expect(await store.update(next, order.version)).toBe(true);
      expect(await getMany([order.id])).toEqual([next]);
    });

    it('takes 1000 ids in one call', async () => {
      const store = await options.createStore();
      const getMany = getManyOf(store);
      const ids = Array.from({ length: 1000 }, (_, n) => `getMany${String(n).padStart(5, '0')}`);
      for (let start = 0; start < ids.length; start += 100) {
        await Promise.all(ids.slice(start, start + 100).map((id) => store.create(sampleOrder({ id }))));
      }
      const found = await getMany([...ids, 'getMissing01']);
      expect(found.map((order) => order.id).sort()).toEqual(ids);
    });
  });
}
