/**
 * The executable contract of a store's transactional outbox ({@link OrderStore.outbox}) and order
 * claims ({@link OrderStore.claims}).
 *
 * @packageDocumentation
 */

import type { Order } from '@hutong/core';
import { ConflictError, createReconciler, ValidationError } from '@hutong/core';
import type { OrderStore, OutboxEvent } from '@hutong/core/store-kit';
import { sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';

/** Options of {@link runOutboxStoreTests}. */
export interface OutboxStoreTestOptions {
  /** Suite name, e.g. `createSqlStore on PostgreSQL`. */
  name: string;
  /** A fresh, empty store (with an `outbox`, or `claims`, as the suite needs), for each test. */
  createStore(): OrderStore | Promise<OrderStore>;
}

const paidEvent = (order: Order, index = 0): Extract<OutboxEvent, { type: 'order.paid' }> => ({
  id: `${order.id}:${order.version}:${index}`,
  type: 'order.paid',
  orderId: order.id,
  payload: { order },
  createdAt: order.updatedAt,
});

const createdEvent = (order: Order): OutboxEvent => ({
  id: `${order.id}:${order.version}:0`,
  type: 'order.created',
  orderId: order.id,
  payload: { order },
  createdAt: order.createdAt,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Registers vitest tests every store with an outbox must pass: events written with the order in one
 * transaction (and not when the order is not), claims leased to one consumer per group, oldest
 * first, in batches, taken again after the lease or an early release (a delivery past its deadline),
 * acknowledged once, in batches; and pruned from the oldest once acknowledged (retention).
 *
 * @example
 * ```ts
 * import { runOutboxStoreTests } from '@hutong/core/conformance';
 * runOutboxStoreTests({ name: 'my store', createStore: () => createMyStore() });
 * ```
 */
// Longer than 150 lines on purpose: a suite's body is its list of test cases, read one after another.
export function runOutboxStoreTests(options: OutboxStoreTestOptions): void {
  describe(`Outbox conformance: ${options.name}`, () => {
    const open = async () => {
      const store = await options.createStore();
      if (!store.outbox) throw new Error(`${options.name} has no outbox`);
      return { store, outbox: store.outbox };
    };
    const claim = (group = 'default', consumer = 'consumer1', limit = 100, leaseMs = 60_000) => ({
      group,
      consumer,
      limit,
      leaseMs,
    });

    it('stores the events given to create and update, and hands them out oldest first with their payload', async () => {
      const { store, outbox } = await open();
      const order = sampleOrder({ id: 'outboxTest001', metadata: { sku: '龙井' } });
      await store.create(order, [createdEvent(order)]);
      const paid: Order = { ...order, status: 'paid', paidAmount: 1999, version: 2 };
      expect(
        await store.update(paid, 1, [
          paidEvent(paid),
          { ...(paidEvent(paid, 1) as OutboxEvent & { type: 'order.paid' }), type: 'order.closed' },
        ]),
      ).toBe(true);
      const events = await outbox.claimEvents(claim());
      expect(events.map((e) => [e.id, e.type, e.orderId, e.attempts])).toEqual([
        ['outboxTest001:1:0', 'order.created', 'outboxTest001', 1],
        ['outboxTest001:2:0', 'order.paid', 'outboxTest001', 1],
        ['outboxTest001:2:1', 'order.closed', 'outboxTest001', 1],
      ]);
      expect(events[0]?.payload).toEqual({ order });
      expect(events[1]?.payload).toEqual({ order: paid });
      expect(events[1]?.createdAt).toBe(paid.updatedAt);
    });

    it('writes no event for an update that lost the compare-and-set, nor for a duplicate create', async () => {
      const { store, outbox } = await open();
      const order = sampleOrder({ id: 'outboxTest002' });
      await store.create(order);
      const winner: Order = { ...order, status: 'pending', version: 2 };
      expect(await store.update(winner, 1, [paidEvent(winner)])).toBe(true);
      const loser: Order = { ...order, status: 'paid', version: 2, subject: 'loser' };
      expect(await store.update(loser, 1, [{ ...paidEvent(loser, 5) }])).toBe(false);
      const duplicate = await store.create(sampleOrder({ id: 'outboxTest002' }), [createdEvent(order)]).catch((e) => e);
      expect(ConflictError.isInstance(duplicate) && duplicate.code).toBe('duplicate_order');
      const events = await outbox.claimEvents(claim());
      expect(events.map((e) => e.id)).toEqual(['outboxTest002:2:0']);
    });

    it('commits the order and its events together: an event that cannot be stored undoes the order', async () => {
      const { store, outbox } = await open();
      const order = sampleOrder({ id: 'outboxTest003' });
      await store.create(order, [createdEvent(order)]);
      const next: Order = { ...order, status: 'pending', version: 2 };
      // Reusing an event id is refused by the outbox; the order's write must go with it.
      const clash = { ...createdEvent(order), type: 'order.pending' as const, payload: { order: next } };
      await expect(store.update(next, 1, [clash])).rejects.toThrow();
      expect((await store.get(order.id))?.version).toBe(1);
      const reused = sampleOrder({ id: 'outboxTest004' });
      await expect(store.create(reused, [createdEvent(order)])).rejects.toThrow();
      expect(await store.get(reused.id)).toBeUndefined();
      expect((await outbox.claimEvents(claim())).map((e) => e.id)).toEqual(['outboxTest003:1:0']);
    });

    it('leases an event to one consumer of a group; another group gets its own copy', async () => {
      const { store, outbox } = await open();
      for (let i = 0; i < 5; i++) {
        const order = sampleOrder({ id: `outboxLease${i}00` });
        await store.create(order, [createdEvent(order)]);
      }
      const first = await outbox.claimEvents(claim('default', 'consumerA', 3));
      expect(first).toHaveLength(3);
      const second = await outbox.claimEvents(claim('default', 'consumerB', 10));
      expect(second.map((e) => e.id)).toEqual(['outboxLease300:1:0', 'outboxLease400:1:0']);
      expect(await outbox.claimEvents(claim('default', 'consumerC'))).toEqual([]);
      expect(await outbox.claimEvents(claim('broadcast', 'consumerA'))).toHaveLength(5);
    });

    it('acknowledges once per group, and an acknowledged event is never handed out again', async () => {
      const { store, outbox } = await open();
      const order = sampleOrder({ id: 'outboxAck0001' });
      await store.create(order, [createdEvent(order)]);
      const [event] = await outbox.claimEvents(claim('default', 'consumerA', 10, 1));
      expect(event?.id).toBe('outboxAck0001:1:0');
      expect(await outbox.ackEvents(['outboxAck0001:1:0'], 'default')).toBe(1);
      expect(await outbox.ackEvents(['outboxAck0001:1:0'], 'default')).toBe(0);
      expect(await outbox.ackEvents(['outboxAck0001:1:0'], 'unclaimed')).toBe(0);
      await sleep(20);
      expect(await outbox.claimEvents(claim('default', 'consumerB'))).toEqual([]);
      expect(await outbox.claimEvents(claim('other', 'consumerB'))).toHaveLength(1);
    });

    it('hands an unacknowledged event out again once its lease ran out, counting the attempts', async () => {
      const { store, outbox } = await open();
      const order = sampleOrder({ id: 'outboxExpire1' });
      await store.create(order, [createdEvent(order)]);
      expect(await outbox.claimEvents(claim('default', 'consumerA', 10, 60))).toHaveLength(1);
      expect(await outbox.claimEvents(claim('default', 'consumerB', 10, 60))).toEqual([]);
      await sleep(120);
      const again = await outbox.claimEvents(claim('default', 'consumerB', 10, 60_000));
      expect(again.map((e) => [e.id, e.attempts])).toEqual([['outboxExpire1:1:0', 2]]);
      expect(await outbox.claimEvents(claim('default', 'consumerA', 10, 60_000))).toEqual([]);
    });

    it('gives each event to exactly one of many consumers of a group claiming at the same time', async () => {
      const { store, outbox } = await open();
      for (let i = 0; i < 40; i++) {
        const order = sampleOrder({ id: `outboxRace${String(i).padStart(3, '0')}` });
        await store.create(order, [createdEvent(order)]);
      }
      const seen: string[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async (_, consumer) => {
          for (let round = 0; round < 10; round++) {
            const events = await outbox.claimEvents(claim('default', `racer${consumer}`, 3));
            seen.push(...events.map((e) => e.id));
          }
        }),
      );
      expect(seen).toHaveLength(40);
      expect(new Set(seen).size).toBe(40);
    });

    it('claims a whole batch in one call and acknowledges it in one call', async () => {
      const { store, outbox } = await open();
      for (let i = 0; i < 250; i++) {
        const order = sampleOrder({ id: `outboxBatch${String(i).padStart(3, '0')}` });
        await store.create(order, [createdEvent(order)]);
      }
      const first = await outbox.claimEvents(claim('default', 'consumerA', 200));
      expect(first).toHaveLength(200);
      expect(first.map((e) => e.id)).toEqual([...first.map((e) => e.id)].sort());
      expect(
        await outbox.ackEvents(
          first.map((e) => e.id),
          'default',
        ),
      ).toBe(200);
      const rest = await outbox.claimEvents(claim('default', 'consumerA', 200));
      expect(rest.map((e) => e.id)).toEqual(
        Array.from({ length: 50 }, (_, i) => `outboxBatch${String(200 + i).padStart(3, '0')}:1:0`),
      );
      expect(
        await outbox.ackEvents(
          rest.map((e) => e.id),
          'default',
        ),
      ).toBe(50);
      expect(await outbox.claimEvents(claim('default', 'consumerA', 200))).toEqual([]);
    });

    it('releases a claim before its lease ends: claimable after the delay, the attempt counted or not', async () => {
      const { store, outbox } = await open();
      const order = sampleOrder({ id: 'outboxRelease1' });
      await store.create(order, [createdEvent(order)]);
      const id = 'outboxRelease1:1:0';
      expect(await outbox.claimEvents(claim('default', 'consumerA', 10, 60_000))).toHaveLength(1);
      // A delivery that failed or passed its deadline: back at once, counted.
      expect(await outbox.releaseEvents([id], { group: 'default', delayMs: 0 })).toBe(1);
      const again = await outbox.claimEvents(claim('default', 'consumerB', 10, 60_000));
      expect(again.map((e) => [e.id, e.attempts])).toEqual([[id, 2]]);
      // An event that waited behind another and was not tried: its attempt does not count.
      expect(await outbox.releaseEvents([id], { group: 'default', delayMs: 0, attempted: false })).toBe(1);
      expect((await outbox.claimEvents(claim('default', 'consumerA', 10, 60_000))).map((e) => e.attempts)).toEqual([2]);
      // A backoff: not claimable before the delay, claimable after it.
      expect(await outbox.releaseEvents([id], { group: 'default', delayMs: 150 })).toBe(1);
      expect(await outbox.claimEvents(claim('default', 'consumerB', 10, 60_000))).toEqual([]);
      await sleep(250);
      expect((await outbox.claimEvents(claim('default', 'consumerB', 10, 60_000))).map((e) => e.id)).toEqual([id]);
      // Acknowledged, or of another group, or unknown: nothing to release.
      expect(await outbox.ackEvents([id], 'default')).toBe(1);
      expect(await outbox.releaseEvents([id, 'unknown:1:0'], { group: 'default', delayMs: 0 })).toBe(0);
      expect(await outbox.releaseEvents([id], { group: 'other', delayMs: 0 })).toBe(0);
      expect(await outbox.claimEvents(claim('default', 'consumerB'))).toEqual([]);
    });

    it('prunes, from the oldest, the events written before the cut-off that the group acknowledged, with their claims', async () => {
      const { store, outbox } = await open();
      const old = '2024-01-01T00:00:00.000Z';
      const recent = new Date().toISOString();
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const order = sampleOrder({ id: `outboxPrune${i}0` });
        await store.create(order, [{ ...createdEvent(order), createdAt: i < 6 ? old : recent }]);
        ids.push(`${order.id}:1:0`);
      }
      const claimed = await outbox.claimEvents(claim('default', 'consumerA', 100));
      expect(claimed).toHaveLength(8);
      // Acknowledged: 0, 1, 2, 3 (old) and 6 (recent); 4 and 5 are old but not acknowledged.
      await outbox.ackEvents(
        [0, 1, 2, 3, 6].map((i) => ids[i] as string),
        'default',
      );
      const cutoff = new Date(Date.parse(old) + 1000);
      expect(await outbox.pruneEvents(cutoff, { group: 'other' })).toBe(0);
      // Batches look at the oldest events only.
      expect(await outbox.pruneEvents(cutoff, { group: 'default', limit: 2 })).toBe(2);
      expect(await outbox.pruneEvents(cutoff, { group: 'default', limit: 500 })).toBe(2);
      expect(await outbox.pruneEvents(cutoff, { group: 'default', limit: 500 })).toBe(0);
      // What is left: the unacknowledged old ones, and the recent ones. A new group sees only them.
      const left = await outbox.claimEvents(claim('fresh', 'consumerB', 100));
      expect(left.map((e) => e.id)).toEqual([4, 5, 6, 7].map((i) => ids[i]));
      // The pruned events' claims went with them: acknowledging them again finds nothing.
      expect(await outbox.ackEvents([ids[0] as string, ids[3] as string], 'default')).toBe(0);
      // Without a group: old events, acknowledged or not.
      expect(await outbox.pruneEvents(cutoff)).toBe(2);
      expect((await outbox.claimEvents(claim('fresh2', 'consumerB', 100))).map((e) => e.id)).toEqual([ids[6], ids[7]]);
    });

    it('refuses bad release and prune arguments with ValidationError', async () => {
      const { outbox } = await open();
      const field = async (run: () => Promise<unknown>) =>
        run().then(
          () => undefined,
          (e: unknown) => (ValidationError.isInstance(e) ? e.field : e),
        );
      expect(await field(() => outbox.releaseEvents(['a:1:0'], { group: 'bad group', delayMs: 0 }))).toBe('group');
      expect(await field(() => outbox.releaseEvents(['a:1:0'], { group: 'default', delayMs: -1 }))).toBe('delayMs');
      expect(await field(() => outbox.pruneEvents(new Date(Number.NaN)))).toBe('before');
      expect(await field(() => outbox.pruneEvents(new Date(), { limit: 0 }))).toBe('limit');
      expect(await field(() => outbox.pruneEvents(new Date(), { group: '' }))).toBe('group');
    });

    it('refuses bad claim arguments with ValidationError', async () => {
      const { outbox } = await open();
      const field = async (run: () => Promise<unknown>) =>
        run().then(
          () => undefined,
          (e: unknown) => (ValidationError.isInstance(e) ? e.field : e),
        );
      expect(await field(() => outbox.claimEvents(claim('bad group')))).toBe('group');
      expect(await field(() => outbox.claimEvents(claim('default', '')))).toBe('consumer');
      expect(await field(() => outbox.claimEvents(claim('default', 'c', 0)))).toBe('limit');
      expect(await field(() => outbox.claimEvents(claim('default', 'c', 10, 0)))).toBe('leaseMs');
    });
  });
}

/**
 * Registers vitest tests every store with {@link OrderStore.claims} must pass: claims exclusive
 * between owners, renewed for their owner, freed on release or expiry; and reconcilers sharing the
 * store that never handle one order at the same time (with a control run without claims).
 *
 * @example
 * ```ts
 * import { runOrderClaimsTests } from '@hutong/core/conformance';
 * runOrderClaimsTests({ name: 'MemoryOrderStore', createStore: () => new MemoryOrderStore() });
 * ```
 */
export function runOrderClaimsTests(options: OutboxStoreTestOptions): void {
  describe(`Order claims conformance: ${options.name}`, () => {
    const open = async () => {
      const store = await options.createStore();
      if (!store.claims) throw new Error(`${options.name} has no claims`);
      return { store, claims: store.claims };
    };

    it('leases an order to one owner at a time, renews it for its owner, and frees it on release or expiry', async () => {
      const { claims } = await open();
      expect(await claims.claimOrders(['claimOrder01', 'claimOrder02'], { owner: 'ownerA', leaseMs: 60_000 })).toEqual(
        expect.arrayContaining(['claimOrder01', 'claimOrder02']),
      );
      expect(await claims.claimOrders(['claimOrder01', 'claimOrder03'], { owner: 'ownerB', leaseMs: 60 })).toEqual([
        'claimOrder03',
      ]);
      expect(await claims.claimOrders(['claimOrder01'], { owner: 'ownerA', leaseMs: 60_000 })).toEqual([
        'claimOrder01',
      ]);
      await claims.releaseOrders(['claimOrder01', 'claimOrder03'], 'ownerA');
      expect(await claims.claimOrders(['claimOrder01'], { owner: 'ownerB', leaseMs: 60_000 })).toEqual([
        'claimOrder01',
      ]);
      await sleep(120);
      expect(await claims.claimOrders(['claimOrder03'], { owner: 'ownerC', leaseMs: 60_000 })).toEqual([
        'claimOrder03',
      ]);
    });

    it('lets exactly one of many owners claiming the same free order at once have it', async () => {
      const { claims } = await open();
      const won = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          claims.claimOrders(['claimRace001'], { owner: `owner${i}`, leaseMs: 60_000 }),
        ),
      );
      expect(won.flat()).toEqual(['claimRace001']);
    });

    describe('reconcilers sharing the store', () => {
      const seed = async (store: OrderStore, count: number) => {
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          const order = sampleOrder({ id: `reconClaim${String(i).padStart(3, '0')}`, status: 'pending', version: 2 });
          await store.create(order);
          ids.push(order.id);
        }
        return ids;
      };
      /** A facade whose `sync` takes a while, pays the order, and records overlaps. */
      const slowPayments = (store: OrderStore) => {
        const active = new Set<string>();
        const handled: string[] = [];
        let overlaps = 0;
        const sync = async (id: string) => {
          if (active.has(id)) overlaps++;
          active.add(id);
          handled.push(id);
          try {
            await sleep(5);
            const order = (await store.get(id)) as Order;
            const next: Order = {
              ...order,
              status: 'paid',
              paidAmount: order.amount,
              version: order.version + 1,
              updatedAt: new Date().toISOString(),
            };
            return (await store.update(next, order.version)) ? next : ((await store.get(id)) as Order);
          } finally {
            active.delete(id);
          }
        };
        return { payments: { sync, close: sync }, handled, overlaps: () => overlaps };
      };
      const run = async (store: OrderStore, claims: boolean) => {
        const slow = slowPayments(store);
        const reconcilers = Array.from({ length: 3 }, (_, i) =>
          createReconciler({
            payments: slow.payments,
            store,
            pendingAfterMs: 0,
            closeExpired: false,
            concurrency: 4,
            owner: `reconciler${i}`,
            claims,
          }),
        );
        await Promise.all(reconcilers.map((reconciler) => reconciler.runOnce()));
        return slow;
      };

      it('hands each order to one of several reconcilers, never to two at the same time', async () => {
        const { store } = await open();
        const ids = await seed(store, 24);
        const { handled, overlaps } = await run(store, true);
        expect(overlaps()).toBe(0);
        expect(handled.sort()).toEqual(ids);
      });

      it('(control) without claims the same reconcilers handle orders several times', async () => {
        const { store } = await open();
        const ids = await seed(store, 24);
        const { handled } = await run(store, false);
        expect(handled.length).toBeGreaterThan(ids.length);
      });
    });
  });
}
