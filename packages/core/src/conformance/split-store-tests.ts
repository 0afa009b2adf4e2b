/**
 * The split part of the `OrderStore` contract: an order's splits are stored exactly,
 * `listOrders({ hasPendingSplits })` finds the orders with a pending split or split return, and
 * `findOrdersBySplit`, when the store offers it, finds the orders of a split id.
 *
 * @packageDocumentation
 */
import type { Order, OrderStore, Split } from '@hutong/core';
import { MAX_SPLIT_ORDERS } from '@hutong/core/store-kit';
import { sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';

/**
 * Options of {@link runSplitOrderStoreTests}.
 *
 * @example
 * ```ts
 * const options: SplitOrderStoreTestOptions = { name: 'memory', createStore: () => new MemoryOrderStore() };
 * ```
 */
export interface SplitOrderStoreTestOptions {
  /** Suite name, e.g. `PostgresOrderStore`. */
  name: string;
  /** A fresh, empty store for each test. */
  createStore(): OrderStore | Promise<OrderStore>;
}

const at = (second: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString();

function split(id: string, status: Split['status'], returnStatus?: 'pending' | 'succeeded'): Split {
  return {
    id,
    amount: 300,
    status,
    receivers: [
      {
        type: 'merchant',
        account: '1900000109',
        amount: 300,
        description: '平台佣金',
        status: status === 'pending' ? 'pending' : 'succeeded',
      },
    ],
    finish: false,
    providerSplitId: status === 'pending' ? null : 'ps1',
    returns:
      returnStatus === undefined
        ? []
        : [
            {
              id: `${id}r`,
              account: '1900000109',
              amount: 100,
              status: returnStatus,
              description: '回退',
              createdAt: at(1),
              updatedAt: at(1),
            },
          ],
    createdAt: at(1),
    updatedAt: at(1),
  };
}

function paidOrder(id: string, splits: Split[] | undefined, second: number, provider = 'fake'): Order {
  return sampleOrder({
    id,
    provider,
    status: 'paid',
    paidAmount: 1999,
    providerTransactionId: `txn${id}`,
    updatedAt: at(second),
    ...(splits === undefined ? {} : { splits }),
  });
}

/**
 * Registers vitest tests for the split part of an {@link OrderStore}: splits round-trip exactly,
 * `hasPendingSplits` matches an order with a `pending` split or a `pending` split return,
 * combined with the other filters, and `findOrdersBySplit` (checked when the store has it) finds
 * exactly the orders of a provider with a split id, splits added by an update included, and,
 * given the wallet's trade, the order of that trade however many orders share the split id.
 *
 * @example
 * ```ts
 * import { runSplitOrderStoreTests } from '@hutong/core/conformance';
 * runSplitOrderStoreTests({ name: 'PostgresOrderStore', createStore: () => openStore() });
 * ```
 */
export function runSplitOrderStoreTests(options: SplitOrderStoreTestOptions): void {
  describe(`OrderStore splits: ${options.name}`, () => {
    it('stores an order with splits, receivers and returns exactly', async () => {
      const store = await options.createStore();
      const order = paidOrder('splitStore0001', [split('split0001', 'succeeded', 'succeeded')], 1);
      await store.create(order);
      expect(await store.get(order.id)).toEqual(order);
      const next = { ...order, splits: [...(order.splits ?? []), split('split0002', 'pending')], version: 2 };
      expect(await store.update(next, 1)).toBe(true);
      expect(await store.get(order.id)).toEqual(next);
    });

    it('hasPendingSplits finds a pending split or a pending split return, and nothing else', async () => {
      const store = await options.createStore();
      await store.create(paidOrder('splitStore0011', [split('split0011', 'pending')], 1));
      await store.create(paidOrder('splitStore0012', [split('split0012', 'succeeded', 'pending')], 2));
      await store.create(paidOrder('splitStore0013', [split('split0013', 'succeeded', 'succeeded')], 3));
      await store.create(paidOrder('splitStore0014', undefined, 4));
      const ids = async (hasPendingSplits: boolean, extra: object = {}) =>
        (await store.listOrders({ hasPendingSplits, ...extra })).orders.map((o) => o.id);
      expect(await ids(true)).toEqual(['splitStore0011', 'splitStore0012']);
      expect(await ids(false)).toEqual(['splitStore0013', 'splitStore0014']);
      expect(await ids(true, { updatedBefore: new Date(at(2)) })).toEqual(['splitStore0011']);
      // An update that settles the split takes the order out of the filter.
      const settled = paidOrder('splitStore0011', [split('split0011', 'succeeded')], 5);
      expect(await store.update({ ...settled, version: 2 }, 1)).toBe(true);
      expect(await ids(true)).toEqual(['splitStore0012']);
    });

    it('findOrdersBySplit (when the store has it) finds the orders of a provider with a split id, and no others', async () => {
      const store = await options.createStore();
      if (store.findOrdersBySplit === undefined) {
        // Optional: a store without it leaves a message naming no order to the reconciler.
        expect(store.findOrdersBySplit).toBeUndefined();
        return;
      }
      const find = async (provider: string, splitId: string) =>
        (await store.findOrdersBySplit?.(provider, splitId))?.map((o) => o.id).sort();
      // Two shops of one provider reuse a split id; another provider's order has it too.
      await store.create(paidOrder('splitStore0021', [split('split0021', 'pending')], 1));
      await store.create(paidOrder('splitStore0022', [split('split0021', 'succeeded')], 2));
      await store.create(paidOrder('splitStore0023', [split('split0021', 'pending')], 3, 'other'));
      await store.create(paidOrder('splitStore0024', [split('splitX0024', 'pending')], 4));
      await store.create(paidOrder('splitStore0025', undefined, 5));
      expect(await find('fake', 'split0021')).toEqual(['splitStore0021', 'splitStore0022']);
      expect(await find('other', 'split0021')).toEqual(['splitStore0023']);
      // Ids match exactly: no pattern, no prefix, no case folding.
      for (const near of ['split_0024', 'split%', 'splitx0024', 'splitX002', 'splitX0024 ', 'split9999']) {
        expect(await find('fake', near)).toEqual([]);
      }
      // A split added by an update is found, with the order as it now stands; the earlier one still is.
      const before = (await store.get('splitStore0024')) as Order;
      const next = {
        ...before,
        splits: [...(before.splits ?? []), split('split0026', 'pending')],
        version: before.version + 1,
      };
      expect(await store.update(next, before.version)).toBe(true);
      expect(await store.findOrdersBySplit('fake', 'split0026')).toEqual([next]);
      expect(await find('fake', 'splitX0024')).toEqual(['splitStore0024']);
      // An update that lost the compare-and-set indexes nothing.
      const lost = { ...next, splits: [...(next.splits ?? []), split('split0027', 'pending')] };
      expect(await store.update(lost, before.version)).toBe(false);
      expect(await find('fake', 'split0027')).toEqual([]);
    });

    it('findOrdersBySplit with a trade finds its order among more than MAX_SPLIT_ORDERS sharing the split id', async () => {
      const store = await options.createStore();
      if (store.findOrdersBySplit === undefined) return;
      const find = async (provider: string, splitId: string, trade?: string) =>
        (await store.findOrdersBySplit?.(provider, splitId, trade))?.map((o) => o.id).sort();
      // Split ids are unique only per (sub-)merchant: MAX_SPLIT_ORDERS + 1 orders reuse one. The
      // wanted order is created last and sorts last, so a cap applied before the trade drops it.
      const ids = Array.from({ length: MAX_SPLIT_ORDERS + 1 }, (_, i) => `splitMany${String(i).padStart(4, '0')}`);
      for (const [i, id] of ids.entries()) await store.create(paidOrder(id, [split('splitMany', 'pending')], i));
      await store.create(paidOrder('splitManyOther', [split('splitMany', 'pending')], 1, 'other'));
      const wanted = ids.at(-1) as string;
      expect(await find('fake', 'splitMany', `txn${wanted}`)).toEqual([wanted]);
      expect(await find('fake', 'splitMany', `txn${ids[0]}`)).toEqual([ids[0]]);
      // Without a trade, at most MAX_SPLIT_ORDERS of them.
      expect(await find('fake', 'splitMany')).toHaveLength(MAX_SPLIT_ORDERS);
      // The trade matches exactly, and only with the split id and provider it goes with.
      for (const near of [`txn${wanted.slice(0, -1)}`, 'txnsplitMany%', `TXN${wanted}`, `txn${wanted} `, '']) {
        expect(await find('fake', 'splitMany', near)).toEqual([]);
      }
      expect(await find('fake', 'split9999', `txn${wanted}`)).toEqual([]);
      expect(await find('other', 'splitMany', `txn${wanted}`)).toEqual([]);
      expect(await find('other', 'splitMany', 'txnsplitManyOther')).toEqual(['splitManyOther']);
    });
  });
}
