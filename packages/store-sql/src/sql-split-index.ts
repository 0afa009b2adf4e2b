/**
 * The split index (`<prefix>order_splits`, migrations `0009` and `0010`): which orders have a
 * split of a given id, and the wallet's trade of each, so that `findOrdersBySplit` answers a
 * wallet's message that names a split and a trade but not the order (WeChat Pay's and Alipay's
 * profit-sharing messages) with one indexed read. A row per provider, split id and order, written
 * in the transaction that writes the order; splits are never removed from an order, so rows are
 * only ever added (and their trade follows the order's).
 *
 * @packageDocumentation
 */
import type { Order } from '@hutong/core';
import { MAX_SPLIT_ORDERS } from '@hutong/core/store-kit';
import { type Kysely, type Migration, sql, type Transaction } from 'kysely';
import { checkStorableText, isStorableText } from './sql-errors.js';
import type { SqlSchema, StoreDatabase } from './sql-schema.js';

/** Columns of the split index: one row per provider, split id and order. */
export interface OrderSplitsTable {
  provider: string;
  split_id: string;
  order_id: string;
  /**
   * The order's `providerTransactionId` (migration `0010`), or null when unknown: written by a
   * process older than `0010`, or a trade no column holds. A row without it is read for any trade
   * and its order checked.
   */
  trade: string | null;
}

type SplitRows = Kysely<Record<string, OrderSplitsTable>>;

/** Rows read per batch by the backfills. */
const BACKFILL_BATCH = 500;

/** The longest trade the `trade` column holds (WeChat Pay's `transaction_id` has 32, Alipay's `trade_no` 64). */
const MAX_TRADE_LENGTH = 128;

/** The split ids of an order's JSON (read from stored JSON too: anything that is not one is skipped). */
function splitIds(splits: unknown): string[] {
  if (!Array.isArray(splits)) return [];
  const ids = splits.map((split) => (split as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string');
  return [...new Set(ids)];
}

/** The trade as the `trade` column holds it, or null (none yet, or text no column holds). */
function tradeKey(trade: unknown): string | null {
  return typeof trade === 'string' && trade.length <= MAX_TRADE_LENGTH && isStorableText(trade) ? trade : null;
}

/**
 * Inserts the rows of `order`'s splits that are not there yet, with the order's trade, and writes
 * that trade into its rows that lack it (all or nothing, with the order's write).
 */
export async function indexSplits(
  trx: Transaction<StoreDatabase> | Kysely<unknown>,
  schema: SqlSchema,
  order: Pick<Order, 'id' | 'provider' | 'splits' | 'providerTransactionId'>,
): Promise<void> {
  const ids = splitIds(order.splits);
  if (ids.length === 0) return;
  const trade = tradeKey(order.providerTransactionId);
  const rows = ids.map((id) => ({
    provider: order.provider,
    split_id: checkStorableText(id, 'order.splits.id'),
    order_id: order.id,
    trade,
  }));
  const table = schema.orderSplits;
  const insert = (trx as unknown as SplitRows).insertInto(table).values(rows);
  // A row already there gets the order's trade when it had none (written before the trade was
  // known, or by a process older than `0010`); a row that has it is not written again.
  if (schema.engine === 'mysql') {
    await (trade === null ? insert.ignore() : insert.onDuplicateKeyUpdate({ trade })).execute();
    return;
  }
  const stored = sql.ref<string | null>(`${table}.trade`);
  await insert
    .onConflict((oc) => {
      const key = oc.columns(['provider', 'split_id', 'order_id']);
      if (trade === null) return key.doNothing();
      return key.doUpdateSet({ trade }).where((eb) => eb.or([eb(stored, 'is', null), eb(stored, '!=', trade)]));
    })
    .execute();
}

/**
 * The ids of the orders of `provider` with a split `splitId`, at most `MAX_SPLIT_ORDERS`; given
 * `trade`, only the rows of that trade and those whose trade is unknown, chosen before the cap
 * (the store checks each order found against the trade).
 */
export async function ordersWithSplit(
  db: Kysely<StoreDatabase>,
  schema: SqlSchema,
  provider: string,
  splitId: string,
  trade?: string,
): Promise<string[]> {
  let query = (db as unknown as SplitRows)
    .selectFrom(schema.orderSplits)
    .select('order_id')
    .where('provider', '=', provider)
    .where('split_id', '=', splitId);
  if (trade !== undefined) {
    const key = tradeKey(trade);
    query = query.where((eb) =>
      key === null ? eb('trade', 'is', null) : eb.or([eb('trade', '=', key), eb('trade', 'is', null)]),
    );
  }
  const rows = await query.orderBy('order_id').limit(MAX_SPLIT_ORDERS).execute();
  return rows.map((row) => row.order_id);
}

/** Writes one order's index rows (`indexSplits`, or the writer of `0009`). */
type SplitWriter = (
  db: Kysely<unknown>,
  schema: SqlSchema,
  order: Pick<Order, 'id' | 'provider' | 'splits' | 'providerTransactionId'>,
) => Promise<void>;

/**
 * Indexes the splits of every stored order (batches in id order): inserts the rows that are
 * missing and, with `indexSplits`, fills in unknown trades. Idempotent. Returns the number of
 * orders with splits it read.
 */
async function backfill(db: Kysely<unknown>, schema: SqlSchema, write: SplitWriter): Promise<number> {
  const stored = db as unknown as Kysely<Record<string, { id: string; provider: string; data: string }>>;
  let after = '';
  let read = 0;
  for (;;) {
    const batch = await stored
      .selectFrom(schema.orders)
      .select(['id', 'provider', 'data'])
      .where('id', '>', after)
      .where('data', 'like', '%"splits"%')
      .orderBy('id')
      .limit(BACKFILL_BATCH)
      .execute();
    for (const row of batch) {
      const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as {
        splits?: unknown;
        providerTransactionId?: unknown;
      };
      await write(db, schema, {
        id: row.id,
        provider: row.provider,
        splits: data.splits as Order['splits'],
        providerTransactionId: tradeKey(data.providerTransactionId),
      });
      read++;
    }
    const last = batch.at(-1);
    if (!last || batch.length < BACKFILL_BATCH) return read;
    after = last.id;
  }
}

/**
 * The split index filled from the orders stored, for `backfillSplitIndex` (the store's tables
 * migrated up to `0010`): `db` already names the store's schema.
 */
export function backfillSplitRows(db: Kysely<unknown>, schema: SqlSchema): Promise<number> {
  return backfill(db, schema, indexSplits);
}

/**
 * The rows of `order`'s splits as migration `0009` wrote them (no `trade` column yet): a released
 * migration does not change, so `0009` keeps its own writer.
 */
async function indexSplitsAt0009(
  db: Kysely<unknown>,
  schema: SqlSchema,
  order: Pick<Order, 'id' | 'provider' | 'splits'>,
): Promise<void> {
  const ids = splitIds(order.splits);
  if (ids.length === 0) return;
  const rows = ids.map((id) => ({
    provider: order.provider,
    split_id: checkStorableText(id, 'order.splits.id'),
    order_id: order.id,
  }));
  let insert = (db as unknown as Kysely<Record<string, Omit<OrderSplitsTable, 'trade'>>>)
    .insertInto(schema.orderSplits)
    .values(rows);
  insert =
    schema.engine === 'mysql'
      ? insert.ignore()
      : insert.onConflict((oc) => oc.columns(['provider', 'split_id', 'order_id']).doNothing());
  await insert.execute();
}

const binaryText = (schema: SqlSchema, type: string) =>
  schema.engine === 'postgres' ? sql.raw(`${type} collate "C"`) : sql.raw(type);

/**
 * Migration `0009_create_order_splits`: the split index, filled from the orders stored before it
 * (a store written by a facade that already splits).
 */
export function splitIndexMigration(schema: SqlSchema): Migration {
  const { engine, orderSplits, prefix } = schema;
  return {
    async up(db: Kysely<unknown>) {
      let table = db.schema
        .createTable(orderSplits)
        .addColumn('provider', binaryText(schema, 'varchar(64)'), (col) => col.notNull())
        .addColumn('split_id', binaryText(schema, 'varchar(64)'), (col) => col.notNull())
        .addColumn('order_id', binaryText(schema, 'varchar(64)'), (col) => col.notNull())
        .addPrimaryKeyConstraint(`${prefix}order_splits_pk`, ['provider', 'split_id', 'order_id']);
      if (engine === 'mysql') table = table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`);
      await table.execute();
      await backfill(db, schema, indexSplitsAt0009);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable(orderSplits).execute();
    },
  };
}

/**
 * Migration `0010_order_splits_trade`: the index's `trade` column (the order's
 * `providerTransactionId`), so that a lookup by split id and trade is not cut off by the cap when
 * more than `MAX_SPLIT_ORDERS` orders share a split id. Schema only: on PostgreSQL the pending
 * migrations run in one transaction, and a backfill there would hold the table's lock while it
 * reads every order. Rows without a trade are still found (their order is checked), and each
 * order's next write fills its rows in; `backfillSplitIndex` fills the rest (and any row an older
 * process left out) in small batches beside live traffic.
 */
export function splitTradeMigration(schema: SqlSchema): Migration {
  const { orderSplits, prefix } = schema;
  const index = `${prefix}order_splits_trade_idx`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable(orderSplits).addColumn('trade', binaryText(schema, 'varchar(128)')).execute();
      // Covers the lookup: provider, split id and trade are equalities, the order id is read from it.
      await db.schema
        .createIndex(index)
        .on(orderSplits)
        .columns(['provider', 'split_id', 'trade', 'order_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      const drop = db.schema.dropIndex(index);
      await (schema.engine === 'mysql' ? drop.on(orderSplits) : drop).execute();
      await db.schema.alterTable(orderSplits).dropColumn('trade').execute();
    },
  };
}
