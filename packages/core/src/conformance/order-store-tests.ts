/**
 * The executable contract of {@link OrderStore}: run it against any implementation.
 *
 * @packageDocumentation
 */

import type { ListOrdersQuery, Order, OrderStore } from '@hutong/core';
import { ConflictError, ValidationError } from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';

/** Options of {@link runOrderStoreTests}. */
export interface OrderStoreTestOptions {
  /** Suite name, e.g. `PostgresOrderStore`. */
  name: string;
  /** A fresh, empty store for each test. */
  createStore(): OrderStore | Promise<OrderStore>;
}

/**
 * Registers vitest tests that every {@link OrderStore} must pass: create, get, compare-and-set
 * update, and `listOrders` (filters, the merchant filter of platform mode, the `(updatedAt, id)`
 * order, cursors, limits).
 *
 * @example
 * ```ts
 * // postgres-order-store.test.ts
 * import { runOrderStoreTests } from '@hutong/core/conformance';
 * runOrderStoreTests({ name: 'PostgresOrderStore', createStore: () => new PostgresOrderStore(pool) });
 * ```
 */
// Longer than 150 lines on purpose: a suite's body is its list of test cases, read one after another.
export function runOrderStoreTests(options: OrderStoreTestOptions): void {
  describe(`OrderStore conformance: ${options.name}`, () => {
    const bump = (order: Order, patch: Partial<Order> = {}): Order => ({
      ...order,
      ...patch,
      version: order.version + 1,
    });

    it('returns a created order unchanged', async () => {
      const store = await options.createStore();
      const order = sampleOrder({ id: 'storeTest0001', metadata: { sku: 'tea-01' } });
      await store.create(order);
      expect(await store.get(order.id)).toEqual(order);
    });

    it('returns undefined for an unknown id', async () => {
      const store = await options.createStore();
      expect(await store.get('storeMissing01')).toBeUndefined();
    });

    it('rejects a duplicate order id with ConflictError duplicate_order and keeps the first', async () => {
      const store = await options.createStore();
      const first = sampleOrder({ id: 'storeTest0002', amount: 100 });
      await store.create(first);
      const error = await store.create(sampleOrder({ id: 'storeTest0002', amount: 999 })).catch((e: unknown) => e);
      expect(ConflictError.isInstance(error)).toBe(true);
      expect((error as ConflictError).code).toBe('duplicate_order');
      expect((await store.get(first.id))?.amount).toBe(100);
    });

    it('updates when the expected version matches', async () => {
      const store = await options.createStore();
      const order = sampleOrder({ id: 'storeTest0003' });
      await store.create(order);
      const next = bump(order, { status: 'pending' });
      expect(await store.update(next, order.version)).toBe(true);
      expect(await store.get(order.id)).toEqual(next);
    });

    it('reports a write when the version matches even if nothing else changed', async () => {
      const store = await options.createStore();
      const order = sampleOrder({ id: 'storeTest0008' });
      await store.create(order);
      expect(await store.update(order, order.version)).toBe(true);
      expect(await store.get(order.id)).toEqual(order);
    });

    it('refuses an update with a stale version and keeps the stored order', async () => {
      const store = await options.createStore();
      const order = sampleOrder({ id: 'storeTest0004' });
      await store.create(order);
      const winner = bump(order, { status: 'pending' });
      expect(await store.update(winner, order.version)).toBe(true);
      expect(await store.update(bump(order, { status: 'closed' }), order.version)).toBe(false);
      expect((await store.get(order.id))?.status).toBe('pending');
    });

    it('refuses an update of an order that does not exist', async () => {
      const store = await options.createStore();
      const order = sampleOrder({ id: 'storeTest0005' });
      expect(await store.update(bump(order), order.version)).toBe(false);
      expect(await store.get(order.id)).toBeUndefined();
    });

    it('lets exactly one of many concurrent updates from the same version win', async () => {
      const store = await options.createStore();
      const order = sampleOrder({ id: 'storeTest0006' });
      await store.create(order);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.update(bump(order, { subject: `writer ${i}` }), order.version)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await store.get(order.id);
      expect(stored?.version).toBe(order.version + 1);
      expect(stored?.subject).toBe(`writer ${results.indexOf(true)}`);
    });

    it('keeps refunds and anomalies intact through a round trip', async () => {
      const store = await options.createStore();
      const order = sampleOrder({ id: 'storeTest0007', status: 'paid', paidAmount: 1999, amount: 1999 });
      await store.create(order);
      const refunded = bump(order, {
        status: 'partially_refunded',
        refundedAmount: 500,
        refunds: [
          {
            id: 'refund000001',
            amount: 500,
            status: 'succeeded',
            providerRefundId: 'p1',
            reason: '退款',
            createdAt: order.createdAt,
            updatedAt: order.createdAt,
          },
        ],
      });
      expect(await store.update(refunded, 1)).toBe(true);
      expect(await store.get(order.id)).toEqual(refunded);
    });

    describe('listOrders', () => {
      const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString();
      const pendingRefund = {
        id: 'refund000009',
        amount: 100,
        status: 'pending' as const,
        providerRefundId: null,
        reason: null,
        createdAt: at(0),
        updatedAt: at(0),
      };
      const ids = (orders: readonly Order[]) => orders.map((order) => order.id);

      /** Seven orders; listed by (updatedAt, id) they come in the order of their ids' last digit. */
      async function seeded(): Promise<OrderStore> {
        const store = await options.createStore();
        const orders = [
          sampleOrder({ id: 'listOrder0003', status: 'pending', updatedAt: at(2), expiresAt: at(30) }),
          sampleOrder({ id: 'listOrder0001', status: 'created', updatedAt: at(1) }),
          sampleOrder({
            id: 'listOrder0002',
            status: 'pending',
            provider: 'other',
            updatedAt: at(1),
            expiresAt: at(10),
          }),
          sampleOrder({
            id: 'listOrder0005',
            status: 'partially_refunded',
            paidAmount: 1999,
            refunds: [pendingRefund],
            updatedAt: at(3),
          }),
          sampleOrder({ id: 'listOrder0004', status: 'paid', paidAmount: 1999, updatedAt: at(3) }),
          sampleOrder({ id: 'listOrder0006', status: 'closed', updatedAt: at(4), expiresAt: at(5) }),
          sampleOrder({ id: 'listOrder0007', status: 'pending', updatedAt: at(5), expiresAt: at(40) }),
        ];
        for (const order of orders) await store.create(order);
        return store;
      }

      async function all(store: OrderStore, query: ListOrdersQuery): Promise<string[]> {
        const seen: string[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < 100; page++) {
          const result = await store.listOrders({ ...query, cursor });
          seen.push(...ids(result.orders));
          cursor = result.cursor;
          if (cursor === null) return seen;
        }
        throw new Error('listOrders never returned a null cursor');
      }

      it('returns an empty page and a null cursor from an empty store', async () => {
        const store = await options.createStore();
        expect(await store.listOrders()).toEqual({ orders: [], cursor: null });
      });

      it('lists every order by updatedAt, ties by id, and returns them equal to what was stored', async () => {
        const store = await seeded();
        const page = await store.listOrders();
        expect(ids(page.orders)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `listOrder000${n}`));
        expect(page.cursor).toBeNull();
        expect(page.orders[3]).toEqual(await store.get('listOrder0004'));
      });

      it('pages with the cursor through every order exactly once, in order', async () => {
        const store = await seeded();
        const first = await store.listOrders({ limit: 3 });
        expect(ids(first.orders)).toEqual(['listOrder0001', 'listOrder0002', 'listOrder0003']);
        expect(typeof first.cursor).toBe('string');
        expect(await all(store, { limit: 2 })).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `listOrder000${n}`));
      });

      it('returns a null cursor when the last page is exactly full', async () => {
        const store = await seeded();
        const first = await store.listOrders({ limit: 4 });
        const second = await store.listOrders({ limit: 3, cursor: first.cursor });
        expect(ids(second.orders)).toEqual(['listOrder0005', 'listOrder0006', 'listOrder0007']);
        expect(second.cursor).toBeNull();
      });

      it('filters by one status or by several', async () => {
        const store = await seeded();
        expect(await all(store, { status: 'pending', limit: 1 })).toEqual([
          'listOrder0002',
          'listOrder0003',
          'listOrder0007',
        ]);
        expect(await all(store, { status: ['paid', 'closed', 'refunded'] })).toEqual([
          'listOrder0004',
          'listOrder0006',
        ]);
      });

      it('filters by provider', async () => {
        const store = await seeded();
        expect(await all(store, { provider: 'other' })).toEqual(['listOrder0002']);
        expect(await all(store, { provider: 'fake', status: 'pending' })).toEqual(['listOrder0003', 'listOrder0007']);
      });

      it('filters by updatedBefore, strictly', async () => {
        const store = await seeded();
        expect(await all(store, { updatedBefore: new Date(at(3)) })).toEqual([
          'listOrder0001',
          'listOrder0002',
          'listOrder0003',
        ]);
      });

      it('filters by expiresBefore, strictly, leaving out orders that never expire', async () => {
        const store = await seeded();
        expect(await all(store, { expiresBefore: new Date(at(30)) })).toEqual(['listOrder0002', 'listOrder0006']);
        expect(await all(store, { expiresBefore: new Date(at(60)), status: 'pending' })).toEqual([
          'listOrder0002',
          'listOrder0003',
          'listOrder0007',
        ]);
      });

      it('filters by whether an order has a pending refund', async () => {
        const store = await seeded();
        expect(await all(store, { hasPendingRefunds: true })).toEqual(['listOrder0005']);
        expect(await all(store, { hasPendingRefunds: false })).toHaveLength(6);
      });

      it('filters by merchant, leaving out other merchants’ orders and the provider’s own', async () => {
        const store = await options.createStore();
        const orders = [
          sampleOrder({ id: 'merchOrder0001', merchant: 'shop-a', updatedAt: at(1) }),
          sampleOrder({ id: 'merchOrder0002', updatedAt: at(2) }),
          sampleOrder({ id: 'merchOrder0003', merchant: 'shop-b', status: 'pending', updatedAt: at(3) }),
          sampleOrder({ id: 'merchOrder0004', merchant: 'shop-a', status: 'pending', updatedAt: at(4) }),
          sampleOrder({ id: 'merchOrder0005', merchant: 'shop-a', provider: 'other', updatedAt: at(5) }),
        ];
        for (const order of orders) await store.create(order);
        expect(await all(store, { merchant: 'shop-a' })).toEqual([
          'merchOrder0001',
          'merchOrder0004',
          'merchOrder0005',
        ]);
        expect(await all(store, { merchant: 'shop-a', limit: 1 })).toEqual([
          'merchOrder0001',
          'merchOrder0004',
          'merchOrder0005',
        ]);
        expect(await all(store, { merchant: 'shop-a', status: 'pending' })).toEqual(['merchOrder0004']);
        expect(await all(store, { merchant: 'shop-a', provider: 'other' })).toEqual(['merchOrder0005']);
        expect(await all(store, { merchant: 'shop-b' })).toEqual(['merchOrder0003']);
        expect(await all(store, { merchant: 'shop-c' })).toEqual([]);
        expect(await all(store, {})).toHaveLength(5);
        expect(await store.get('merchOrder0001')).toEqual(orders[0]);
        // An order of the provider's own account reads back without a merchant (not null, not '').
        expect((await store.get('merchOrder0002'))?.merchant).toBeUndefined();
      });

      it('keeps an order’s merchant through an update', async () => {
        const store = await options.createStore();
        const order = sampleOrder({ id: 'merchOrder0010', merchant: 'shop-a', updatedAt: at(1) });
        await store.create(order);
        const paid = bump(order, { status: 'paid', paidAmount: order.amount, updatedAt: at(2) });
        expect(await store.update(paid, order.version)).toBe(true);
        expect(await store.get(order.id)).toEqual(paid);
        expect(ids((await store.listOrders({ merchant: 'shop-a', status: 'paid' })).orders)).toEqual([order.id]);
      });

      it('refuses a malformed merchant filter with ValidationError', async () => {
        const store = await options.createStore();
        for (const merchant of ['', 'shop 42', 'x'.repeat(65)]) {
          const error = await store.listOrders({ merchant }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(ValidationError.isInstance(error), JSON.stringify(merchant)).toBe(true);
          expect((error as ValidationError).field).toBe('merchant');
        }
      });

      it('lists an order where its latest version belongs, with its latest content', async () => {
        const store = await seeded();
        const order = (await store.get('listOrder0001')) as Order;
        const refunding = bump(order, { status: 'paid', refunds: [pendingRefund], updatedAt: at(9) });
        expect(await store.update(refunding, order.version)).toBe(true);
        expect((await all(store, {})).at(-1)).toBe('listOrder0001');
        const { orders } = await store.listOrders({ hasPendingRefunds: true });
        expect(ids(orders)).toEqual(['listOrder0005', 'listOrder0001']);
        expect(orders[1]).toEqual(refunding);
        expect(await all(store, { status: 'created' })).toEqual([]);
      });

      it('defaults to pages of 100 and accepts up to 1000', async () => {
        const store = await options.createStore();
        for (let i = 0; i < 101; i++) {
          await store.create(sampleOrder({ id: `listMany${String(i).padStart(4, '0')}`, updatedAt: at(i % 7) }));
        }
        const first = await store.listOrders();
        expect(first.orders).toHaveLength(100);
        expect(first.cursor).not.toBeNull();
        expect((await store.listOrders({ cursor: first.cursor })).orders).toHaveLength(1);
        expect((await store.listOrders({ limit: 1000 })).orders).toHaveLength(101);
      });

      it('refuses a bad limit, an empty status list and a forged cursor with ValidationError', async () => {
        const store = await seeded();
        const refused = async (query: ListOrdersQuery) => {
          const error = await store.listOrders(query).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(ValidationError.isInstance(error), JSON.stringify(query)).toBe(true);
          return (error as ValidationError).field;
        };
        expect(await refused({ limit: 0 })).toBe('limit');
        expect(await refused({ limit: 1001 })).toBe('limit');
        expect(await refused({ limit: 2.5 })).toBe('limit');
        expect(await refused({ status: [] })).toBe('status');
        expect(await refused({ cursor: 'not-a-cursor' })).toBe('cursor');
        expect(await refused({ updatedBefore: new Date(Number.NaN) })).toBe('updatedBefore');
      });
    });
  });
}
