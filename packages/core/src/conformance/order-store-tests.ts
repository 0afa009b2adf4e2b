/**
 * The executable contract of {@link OrderStore}: run it against any implementation.
 *
 * @packageDocumentation
 */

import type { Order, OrderStore } from '@hutong/core';
import { ConflictError } from '@hutong/core';
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
 * Registers vitest tests that every {@link OrderStore} must pass.
 *
 * @example
 * ```ts
 * // postgres-order-store.test.ts
 * import { runOrderStoreTests } from '@hutong/core/testing';
 * runOrderStoreTests({ name: 'PostgresOrderStore', createStore: () => new PostgresOrderStore(pool) });
 * ```
 */
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
  });
}
