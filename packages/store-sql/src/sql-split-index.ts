/**
 * The split index (`<prefix>order_splits`, migration `0009`): which orders have a split of a given
 * id, so that `findOrdersBySplit` answers a wallet's message that names a split but not its order
 * (WeChat Pay's and Alipay's profit-sharing messages) with one indexed read. A row per provider,
 * split id and order, written in the transaction that writes the order; splits are never removed
 * from an order, so rows are only ever added.
 *
 * @packageDocumentation
 */
import type { Order } from '@hutong/core';
import { MAX_SPLIT_ORDERS } from '@hutong/core/store-kit';
import { type Kysely, type Migration, sql, type Transaction } from 'kysely';
import { checkStorableText } from './sql-errors.js';
import type { SqlSchema, StoreDatabase } from './sql-schema.js';

/** Columns of the split index: one row per provider, split id and order. */
export interface OrderSplitsTable {
  provider: string;
  split_id: string;
  order_id: string;
}

type SplitRows = Kysely<Record<string, OrderSplitsTable>>;

/** Rows read per batch by the backfill of `0009`. */
const BACKFILL_BATCH = 500;

/** The split ids of an order's JSON (read from stored JSON too: anything that is not one is skipped). */
function splitIds(splits: unknown): string[] {
  if (!Array.isArray(splits)) return [];
  return splits.map((split) => (split as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string');
}

/** Inserts the rows of `order`'s splits that are not there yet (all or nothing, with the order's write). */
export async function indexSplits(
  trx: Transaction<StoreDatabase> | Kysely<unknown>,
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
  let insert = (trx as unknown as SplitRows).insertInto(schema.orderSplits).values(rows);
  insert =
    schema.engine === 'mysql'
      ? insert.ignore()
      : insert.onConflict((oc) => oc.columns(['provider', 'split_id', 'order_id']).doNothing());
  await insert.execute();
}

/** The ids of the orders of `provider` with a split `splitId`, at most `MAX_SPLIT_ORDERS`. */
export async function ordersWithSplit(
  db: Kysely<StoreDatabase>,
  schema: SqlSchema,
  provider: string,
  splitId: string,
): Promise<string[]> {
  const rows = await (db as unknown as SplitRows)
    .selectFrom(schema.orderSplits)
    .select('order_id')
    .where('provider', '=', provider)
    .where('split_id', '=', splitId)
    .orderBy('order_id')
    .limit(MAX_SPLIT_ORDERS)
    .execute();
  return rows.map((row) => row.order_id);
}

/**
 * Migration `0009_create_order_splits`: the split index, filled from the orders stored before it
 * (a store written by a facade that already splits).
 */
export function splitIndexMigration(schema: SqlSchema): Migration {
  const { engine, orders, orderSplits, prefix } = schema;
  const binaryText = (type: string) => (engine === 'postgres' ? sql.raw(`${type} collate "C"`) : sql.raw(type));
  return {
    async up(db: Kysely<unknown>) {
      let table = db.schema
        .createTable(orderSplits)
        .addColumn('provider', binaryText('varchar(64)'), (col) => col.notNull())
        .addColumn('split_id', binaryText('varchar(64)'), (col) => col.notNull())
        .addColumn('order_id', binaryText('varchar(64)'), (col) => col.notNull())
        .addPrimaryKeyConstraint(`${prefix}order_splits_pk`, ['provider', 'split_id', 'order_id']);
      if (engine === 'mysql') table = table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`);
      await table.execute();
      const stored = db as unknown as Kysely<Record<string, { id: string; provider: string; data: string }>>;
      let after = '';
      for (;;) {
        const batch = await stored
          .selectFrom(orders)
          .select(['id', 'provider', 'data'])
          .where('id', '>', after)
          .where('data', 'like', '%"splits"%')
          .orderBy('id')
          .limit(BACKFILL_BATCH)
          .execute();
        for (const row of batch) {
          const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as { splits?: unknown };
          await indexSplits(db, schema, { id: row.id, provider: row.provider, splits: data.splits as Order['splits'] });
        }
        const last = batch.at(-1);
        if (!last || batch.length < BACKFILL_BATCH) break;
        after = last.id;
      }
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable(orderSplits).execute();
    },
  };
}
