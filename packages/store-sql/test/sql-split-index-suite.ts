/**
 * The split index's trade (`order_splits.trade`, migration `0010`) on one engine: the migration
 * fills it, with the rows an older process left out; a row written without it (a process older
 * than `0010` during a rolling deploy) is still found by its trade and filled in by the next write
 * (the rows follow the order's trade); `backfillSplitIndex` repairs what older processes wrote, and
 * can run again.
 */
import type { Order, Split } from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { backfillSplitIndex, createSqlStore, migrateToLatest } from '@hutong/store-sql';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { resolveSchema, runMigrations } from '../src/sql-schema.js';

type Tables = Record<string, Record<string, string | number | null>>;
const tables = (db: Kysely<unknown>) => db as unknown as Kysely<Tables>;

const at = new Date(Date.UTC(2024, 0, 1)).toISOString();

function split(id: string): Split {
  return {
    id,
    amount: 100,
    status: 'pending',
    receivers: [{ type: 'merchant', account: '1900000109', amount: 100, description: 'fee', status: 'pending' }],
    finish: false,
    providerSplitId: null,
    returns: [],
    createdAt: at,
    updatedAt: at,
  };
}

/** A paid order of `fake` with these splits and trade. */
function paid(id: string, splitIds: string[], trade: string | null): Order {
  return sampleOrder({
    id,
    status: 'paid',
    paidAmount: 1999,
    providerTransactionId: trade,
    splits: splitIds.map(split),
  });
}

/** The orders table's row of `order`, as any version since `0005` writes it. */
function orderRow(order: Order) {
  return {
    id: order.id,
    provider: order.provider,
    status: order.status,
    version: order.version,
    pending_refunds: 0,
    merchant: null,
    pending_splits: order.splits?.length ?? 0,
    expires_at: null,
    updated_at: Date.parse(order.updatedAt),
    created_at: Date.parse(order.createdAt),
    data: JSON.stringify(order),
  };
}

/** Registers the tests on the database `db()` gives; `fresh()` is a prefix whose tables do not exist yet. */
export function runSqlSplitIndexTests(name: string, db: () => Kysely<unknown>, fresh: () => string): void {
  /** The index rows, `[order_id, split_id, trade]`, in order. */
  const indexRows = async (prefix: string) =>
    (
      await tables(db())
        .selectFrom(`${prefix}order_splits`)
        .select(['order_id', 'split_id', 'trade'])
        .orderBy('order_id')
        .orderBy('split_id')
        .execute()
    ).map((row) => [row.order_id, row.split_id, row.trade]);
  /** What a process older than `0009` writes: the order alone. */
  const writeOrderOnly = (prefix: string, order: Order) =>
    tables(db()).insertInto(`${prefix}orders`).values(orderRow(order)).execute();
  /** What a process between `0009` and `0010` writes: the order and index rows without a trade. */
  const writeAt0009 = async (prefix: string, order: Order) => {
    await writeOrderOnly(prefix, order);
    for (const s of order.splits ?? []) {
      await tables(db())
        .insertInto(`${prefix}order_splits`)
        .values({ provider: order.provider, split_id: s.id, order_id: order.id })
        .execute();
    }
  };
  const longTrade = `T${'9'.repeat(199)}`;

  describe(`the split index's trade on ${name}`, () => {
    it('migration 0010 adds the trade column only; backfillSplitIndex then fills the trades and the rows an older process left out', async () => {
      const tablePrefix = fresh();
      await runMigrations(db(), resolveSchema(db(), { tablePrefix }), '0009_create_order_splits');
      await writeAt0009(tablePrefix, paid('trade0001', ['a', 'b'], 'txn0001'));
      await writeOrderOnly(tablePrefix, paid('trade0002', ['a'], 'txn0002'));
      await writeAt0009(tablePrefix, paid('trade0003', ['c'], null));
      await writeAt0009(tablePrefix, paid('trade0004', ['a'], longTrade));
      await writeOrderOnly(tablePrefix, paid('trade0005', [], 'txn0005'));
      expect(await migrateToLatest(db(), { tablePrefix })).toEqual(['0010_order_splits_trade']);
      // Schema only: the rows 0009 wrote have no trade yet, and the missing row is still missing.
      expect(await indexRows(tablePrefix)).toEqual([
        ['trade0001', 'a', null],
        ['trade0001', 'b', null],
        ['trade0003', 'c', null],
        ['trade0004', 'a', null],
      ]);
      await backfillSplitIndex(db(), { tablePrefix });
      // No trade known (none yet, or longer than the column): the row keeps null.
      expect(await indexRows(tablePrefix)).toEqual([
        ['trade0001', 'a', 'txn0001'],
        ['trade0001', 'b', 'txn0001'],
        ['trade0002', 'a', 'txn0002'],
        ['trade0003', 'c', null],
        ['trade0004', 'a', null],
      ]);
      const s = createSqlStore({ db: db(), tablePrefix, migrate: false });
      const find = async (splitId: string, trade?: string) =>
        (await s.findOrdersBySplit('fake', splitId, trade)).map((o) => o.id).sort();
      expect(await find('a', 'txn0001')).toEqual(['trade0001']);
      expect(await find('a', 'txn0002')).toEqual(['trade0002']);
      expect(await find('a', longTrade)).toEqual(['trade0004']);
      expect(await find('a', 'txn0003')).toEqual([]);
      expect(await find('a')).toEqual(['trade0001', 'trade0002', 'trade0004']);
    });

    it('finds by its trade a row written without one, fills the trade on the next write, and backfillSplitIndex repairs the rest, again and again', async () => {
      const tablePrefix = fresh();
      await migrateToLatest(db(), { tablePrefix });
      const s = createSqlStore({ db: db(), tablePrefix, migrate: false });
      const find = async (splitId: string, trade?: string) =>
        (await s.findOrdersBySplit('fake', splitId, trade)).map((o) => o.id).sort();
      // A rolling deploy: this version writes one order; older processes write the others.
      await s.create(paid('roll0001', ['e'], 'txn0001'));
      const older = paid('roll0002', ['e'], 'txn0002');
      await writeAt0009(tablePrefix, older);
      await writeAt0009(tablePrefix, paid('roll0003', ['e'], 'txn0003'));
      await writeOrderOnly(tablePrefix, paid('roll0004', ['e', 'f'], 'txn0004'));
      expect(await find('e', 'txn0001')).toEqual(['roll0001']);
      // A row without its trade is read for any trade, and its order checked.
      expect(await find('e', 'txn0002')).toEqual(['roll0002']);
      expect(await find('e', 'txn0003')).toEqual(['roll0003']);
      expect(await find('e', 'txn9999')).toEqual([]);
      // An order written with no index row is not found until the backfill.
      expect(await find('e', 'txn0004')).toEqual([]);
      // The next write by this version fills the trade in.
      expect(await s.update({ ...older, version: 2 }, 1)).toBe(true);
      expect(await indexRows(tablePrefix)).toEqual([
        ['roll0001', 'e', 'txn0001'],
        ['roll0002', 'e', 'txn0002'],
        ['roll0003', 'e', null],
      ]);
      expect(await backfillSplitIndex(db(), { tablePrefix })).toBe(4);
      const repaired = [
        ['roll0001', 'e', 'txn0001'],
        ['roll0002', 'e', 'txn0002'],
        ['roll0003', 'e', 'txn0003'],
        ['roll0004', 'e', 'txn0004'],
        ['roll0004', 'f', 'txn0004'],
      ];
      expect(await indexRows(tablePrefix)).toEqual(repaired);
      expect(await find('e', 'txn0004')).toEqual(['roll0004']);
      expect(await find('f', 'txn0004')).toEqual(['roll0004']);
      // Safe to run again: nothing changes.
      expect(await backfillSplitIndex(db(), { tablePrefix })).toBe(4);
      expect(await indexRows(tablePrefix)).toEqual(repaired);
    });

    it('a trade set after the split was indexed is written to its rows', async () => {
      const tablePrefix = fresh();
      await migrateToLatest(db(), { tablePrefix });
      const s = createSqlStore({ db: db(), tablePrefix, migrate: false });
      const order = paid('late0001', ['g', 'h'], null);
      await s.create(order);
      expect(await indexRows(tablePrefix)).toEqual([
        ['late0001', 'g', null],
        ['late0001', 'h', null],
      ]);
      const traded = { ...order, providerTransactionId: 'txn0001', version: 2 };
      expect(await s.update(traded, 1)).toBe(true);
      expect(await indexRows(tablePrefix)).toEqual([
        ['late0001', 'g', 'txn0001'],
        ['late0001', 'h', 'txn0001'],
      ]);
      // The index follows the order (its trade is not expected to change, but would it).
      expect(await s.update({ ...traded, providerTransactionId: 'txn0002', version: 3 }, 2)).toBe(true);
      expect((await indexRows(tablePrefix)).map((row) => row[2])).toEqual(['txn0002', 'txn0002']);
      expect((await s.findOrdersBySplit('fake', 'g', 'txn0002')).map((o) => o.id)).toEqual(['late0001']);
      expect(await s.findOrdersBySplit('fake', 'g', 'txn0001')).toEqual([]);
    });
  });
}
