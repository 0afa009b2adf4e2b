/**
 * The executable contract of {@link StatementResultStore} (`store.statements`): run it against any
 * store that keeps the results of statement reconciliation.
 *
 * @packageDocumentation
 */
import type { OrderStore, StatementDifference, StatementResult, StatementResultStore } from '@hutong/core';
import { statementOutboxEvents } from '@hutong/core/store-kit';
import { describe, expect, it } from 'vitest';

/** Options of {@link runStatementResultStoreTests}. */
export interface StatementResultStoreTestOptions {
  /** Suite name, e.g. `SqlStore (PostgreSQL)`. */
  name: string;
  /** A fresh, empty store for each test, with `statements`. */
  createStore(): OrderStore | Promise<OrderStore>;
}

function statementsOf(store: OrderStore): StatementResultStore {
  expect(store.statements, 'store.statements').toBeDefined();
  return store.statements as StatementResultStore;
}

function difference(n: number, patch: Partial<StatementDifference> = {}): StatementDifference {
  return {
    code: 'amount_mismatch',
    kind: 'payment',
    orderId: `order${String(n).padStart(7, '0')}`,
    providerTradeId: `4200000${n}`,
    statementAmount: 100 + n,
    storeAmount: 100,
    line: n + 2,
    ...patch,
  };
}

function result(patch: Partial<StatementResult> = {}): StatementResult {
  return {
    provider: 'wechatpay',
    date: '2026-12-01',
    merchant: null,
    matched: 42,
    differences: [
      difference(1),
      difference(2, { code: 'status_mismatch', storeAmount: 102, resolution: 'applied' }),
      difference(3, {
        code: 'refund_mismatch',
        kind: 'refund',
        refundId: 'refund0003',
        statementAmount: null,
        line: null,
      }),
      difference(4, {
        code: 'missing_locally',
        kind: 'transfer',
        orderId: null,
        movementId: 'payout0004',
        storeAmount: null,
      }),
    ],
    totals: { lines: 47, payments: 123_456, refunds: 789, fees: 740, net: 121_927 },
    reconciledAt: '2026-12-02T01:00:00.000Z',
    ...patch,
  };
}

/**
 * Registers vitest tests that every {@link StatementResultStore} must pass: a result comes back
 * as stored, one per provider, date and merchant, replaced when the day is reconciled again; with
 * an outbox, its events are written with it, all or nothing.
 *
 * @example
 * ```ts
 * import { runStatementResultStoreTests } from '@hutong/core/conformance';
 * runStatementResultStoreTests({ name: 'SqlStore (SQLite)', createStore: () => createSqlStore({ url: 'sqlite::memory:' }) });
 * ```
 */
// Longer than 150 lines on purpose: a suite's body is its list of test cases.
export function runStatementResultStoreTests(options: StatementResultStoreTestOptions): void {
  describe(`StatementResultStore conformance: ${options.name}`, () => {
    it('returns undefined for a day never reconciled', async () => {
      const statements = statementsOf(await options.createStore());
      expect(await statements.get('wechatpay', '2026-12-01', null)).toBeUndefined();
    });

    it('returns a stored result unchanged, every difference and its optional fields included', async () => {
      const statements = statementsOf(await options.createStore());
      const stored = result();
      await statements.put(stored);
      expect(await statements.get('wechatpay', '2026-12-01', null)).toEqual(stored);
    });

    it('replaces the result of a day reconciled again', async () => {
      const statements = statementsOf(await options.createStore());
      await statements.put(result());
      const again = result({ matched: 45, differences: [difference(9)], reconciledAt: '2026-12-02T02:00:00.000Z' });
      await statements.put(again);
      expect(await statements.get('wechatpay', '2026-12-01', null)).toEqual(again);
    });

    it('keeps one result per provider, date and merchant', async () => {
      const statements = statementsOf(await options.createStore());
      const own = result();
      const shop = result({ merchant: 'shop-42', matched: 1 });
      const otherDay = result({ date: '2026-12-02', matched: 2 });
      const otherWallet = result({ provider: 'alipay', matched: 3 });
      for (const each of [own, shop, otherDay, otherWallet]) await statements.put(each);
      expect(await statements.get('wechatpay', '2026-12-01', null)).toEqual(own);
      expect(await statements.get('wechatpay', '2026-12-01', 'shop-42')).toEqual(shop);
      expect(await statements.get('wechatpay', '2026-12-02', null)).toEqual(otherDay);
      expect(await statements.get('alipay', '2026-12-01', null)).toEqual(otherWallet);
      expect(await statements.get('wechatpay', '2026-12-01', 'shop-43')).toBeUndefined();
    });

    it('keeps a result of ten thousand differences whole', async () => {
      const statements = statementsOf(await options.createStore());
      const big = result({ differences: Array.from({ length: 10_000 }, (_, n) => difference(n)) });
      await statements.put(big);
      expect(await statements.get('wechatpay', '2026-12-01', null)).toEqual(big);
    });

    it('writes the events given with a result to its outbox, in order (a store with an outbox)', async () => {
      const store = await options.createStore();
      const statements = statementsOf(store);
      if (!store.outbox) {
        expect(store.outbox).toBeUndefined();
        return;
      }
      const stored = result();
      const events = statementOutboxEvents(stored);
      await statements.put(stored, events);
      const claimed = await store.outbox.claimEvents({
        group: 'conformance',
        consumer: 'c',
        limit: 100,
        leaseMs: 60_000,
      });
      expect(claimed.map(({ attempts: _, ...event }) => event)).toEqual(events);
    });

    it('writes neither the result nor any event when the outbox refuses one (a store with an outbox)', async () => {
      const store = await options.createStore();
      const statements = statementsOf(store);
      if (!store.outbox) {
        expect(store.outbox).toBeUndefined();
        return;
      }
      const first = result();
      const events = statementOutboxEvents(first);
      await statements.put(first, events);
      const second = result({ matched: 99, reconciledAt: '2026-12-02T03:00:00.000Z' });
      // The same event ids again: the outbox refuses them, so the transaction writes nothing.
      await expect(statements.put(second, events)).rejects.toThrow();
      expect(await statements.get('wechatpay', '2026-12-01', null)).toEqual(first);
      const claimed = await store.outbox.claimEvents({
        group: 'conformance',
        consumer: 'c',
        limit: 100,
        leaseMs: 60_000,
      });
      expect(claimed).toHaveLength(events.length);
    });
  });
}
