/**
 * The tables of platform mode, money movement and statements (issues 23–25), as migrations
 * `0005`–`0008` of the store's versioned migrations: the orders' `merchant` and `pending_splits`
 * columns (backfilled from the stored orders), the merchant directory, transfers, and statement
 * results.
 *
 * @packageDocumentation
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlSchema } from './sql-schema.js';

/** Columns of the merchants table: one row per merchant and provider; `fields` sealed (AES-256-GCM). */
export interface MerchantsTable {
  merchant: string;
  provider: string;
  account_id: string;
  name: string | null;
  /** 1 or 0. */
  enabled: number;
  /** The id of the encryption key that sealed `fields`. */
  key_id: string;
  /** `v1.<iv>.<ciphertext and tag>` (base64url): the account's `fields` as JSON, encrypted. */
  fields: string;
  /** Epoch milliseconds. */
  updated_at: number;
}

/** Columns of the transfers table; `data` is the whole transfer as JSON text. */
export interface TransfersTable {
  id: string;
  provider: string;
  merchant: string | null;
  status: string;
  version: number;
  /** Epoch milliseconds. */
  updated_at: number;
  /** Epoch milliseconds. */
  created_at: number;
  data: string;
}

/** Columns of the statement results table; `merchant` is `''` for the provider's own statement. */
export interface StatementResultsTable {
  provider: string;
  /** `YYYY-MM-DD`. */
  statement_date: string;
  merchant: string;
  /** Epoch milliseconds. */
  reconciled_at: number;
  data: string;
}

/** What the platform migrations read of an order's JSON to fill the new columns. */
interface StoredOrderFields {
  readonly merchant?: unknown;
  readonly splits?: unknown;
}

/** The number of `pending` splits of an order (the `pending_splits` column). */
export function pendingSplitCount(splits: unknown): number {
  if (!Array.isArray(splits)) return 0;
  return splits.filter((split) => (split as { status?: unknown } | null)?.status === 'pending').length;
}

/** Rows read per batch by the backfill of `0005`. */
const BACKFILL_BATCH = 500;

/** The migrations `0005`–`0008`, by name. */
export function platformMigrations(schema: SqlSchema): Record<string, Migration> {
  const { engine, prefix, orders, merchants, transfers, statementResults } = schema;
  const binaryText = (type: string) => (engine === 'postgres' ? sql.raw(`${type} collate "C"`) : sql.raw(type));
  const json = engine === 'mysql' ? sql.raw('longtext') : sql.raw('text');
  const mysqlTable = <T extends { modifyEnd(node: ReturnType<typeof sql>): T }>(table: T): T =>
    engine === 'mysql' ? table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`) : table;
  const index = (db: Kysely<unknown>, name: string, table: string, columns: string[]) =>
    db.schema.createIndex(`${prefix}${name}`).on(table).columns(columns).execute();
  return {
    '0005_orders_merchant_splits': {
      async up(db: Kysely<unknown>) {
        // SQLite takes one column per ALTER TABLE.
        await db.schema
          .alterTable(orders)
          .addColumn('merchant', binaryText('varchar(64)'))
          .execute();
        await db.schema
          .alterTable(orders)
          .addColumn('pending_splits', 'integer', (col) => col.notNull().defaultTo(0))
          .execute();
        // Orders stored before this migration may already carry a merchant or splits in their
        // JSON (a store written by a newer facade before the migration ran): fill the columns from it.
        const rows = db as unknown as Kysely<Record<string, { id: string; data: string; merchant: string | null; pending_splits: number }>>;
        let after = '';
        for (;;) {
          const batch = await rows
            .selectFrom(orders)
            .select(['id', 'data'])
            .where('id', '>', after)
            .where((eb) => eb.or([eb('data', 'like', '%"merchant"%'), eb('data', 'like', '%"splits"%')]))
            .orderBy('id')
            .limit(BACKFILL_BATCH)
            .execute();
          for (const row of batch) {
            const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as StoredOrderFields;
            const merchant = typeof data.merchant === 'string' ? data.merchant : null;
            const pending = pendingSplitCount(data.splits);
            if (merchant === null && pending === 0) continue;
            await rows
              .updateTable(orders)
              .set({ merchant, pending_splits: pending })
              .where('id', '=', row.id)
              .execute();
          }
          const last = batch.at(-1);
          if (!last || batch.length < BACKFILL_BATCH) break;
          after = last.id;
        }
        await index(db, 'orders_merchant_idx', orders, ['merchant', 'updated_at', 'id']);
        await index(db, 'orders_pending_splits_idx', orders, ['pending_splits', 'updated_at']);
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex(`${prefix}orders_pending_splits_idx`).on(orders).execute();
        await db.schema.dropIndex(`${prefix}orders_merchant_idx`).on(orders).execute();
        await db.schema.alterTable(orders).dropColumn('pending_splits').execute();
        await db.schema.alterTable(orders).dropColumn('merchant').execute();
      },
    },
    '0006_create_merchants': {
      async up(db: Kysely<unknown>) {
        await mysqlTable(
          db.schema
            .createTable(merchants)
            .addColumn('merchant', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('provider', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('account_id', binaryText('varchar(128)'), (col) => col.notNull())
            .addColumn('name', 'text')
            .addColumn('enabled', 'integer', (col) => col.notNull())
            .addColumn('key_id', binaryText('varchar(32)'), (col) => col.notNull())
            .addColumn('fields', json, (col) => col.notNull())
            .addColumn('updated_at', 'bigint', (col) => col.notNull())
            .addPrimaryKeyConstraint(`${prefix}merchants_pk`, ['merchant', 'provider']),
        ).execute();
        // rotate() finds the rows sealed under an older key.
        await index(db, 'merchants_key_idx', merchants, ['key_id']);
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(merchants).execute();
      },
    },
    '0007_create_transfers': {
      async up(db: Kysely<unknown>) {
        await mysqlTable(
          db.schema
            .createTable(transfers)
            .addColumn('id', binaryText('varchar(64)'), (col) => col.primaryKey())
            .addColumn('provider', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('merchant', binaryText('varchar(64)'))
            .addColumn('status', 'varchar(32)', (col) => col.notNull())
            .addColumn('version', 'integer', (col) => col.notNull())
            .addColumn('updated_at', 'bigint', (col) => col.notNull())
            .addColumn('created_at', 'bigint', (col) => col.notNull())
            .addColumn('data', json, (col) => col.notNull()),
        ).execute();
        await index(db, 'transfers_updated_idx', transfers, ['updated_at', 'id']);
        await index(db, 'transfers_status_updated_idx', transfers, ['status', 'updated_at', 'id']);
        await index(db, 'transfers_provider_status_idx', transfers, ['provider', 'status', 'updated_at']);
        await index(db, 'transfers_merchant_idx', transfers, ['merchant', 'updated_at', 'id']);
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(transfers).execute();
      },
    },
    '0008_create_statement_results': {
      async up(db: Kysely<unknown>) {
        await mysqlTable(
          db.schema
            .createTable(statementResults)
            .addColumn('provider', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('statement_date', binaryText('varchar(10)'), (col) => col.notNull())
            .addColumn('merchant', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('reconciled_at', 'bigint', (col) => col.notNull())
            .addColumn('data', json, (col) => col.notNull())
            .addPrimaryKeyConstraint(`${prefix}statement_results_pk`, ['provider', 'statement_date', 'merchant']),
        ).execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(statementResults).execute();
      },
    },
  };
}
