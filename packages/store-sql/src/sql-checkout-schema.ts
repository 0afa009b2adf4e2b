/**
 * The tables of the SQL checkout store: sessions, their attempts, and used one-time tokens (OAuth
 * states), as one migration of the store's versioned migrations.
 *
 * @packageDocumentation
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlSchema } from './sql-schema.js';

/** Columns of the checkout sessions table; `data` is the whole session as JSON text. */
export interface CheckoutSessionsTable {
  id: string;
  status: string;
  version: number;
  /** Epoch milliseconds. */
  expires_at: number;
  data: string;
}

/** Columns of the checkout attempts table; `seq` keeps insertion order, `data` is the attempt as JSON. */
export interface CheckoutAttemptsTable {
  seq: number;
  order_id: string;
  session_id: string;
  data: string;
}

/** Columns of the used one-time tokens table. */
export interface CheckoutTokensTable {
  token: string;
  /** Epoch milliseconds; the row may be deleted after it. */
  expires_at: number;
}

/** The migration that creates the checkout tables (`0004_create_checkout`). */
export function checkoutMigration(schema: SqlSchema): Migration {
  const { engine, prefix, checkoutSessions, checkoutAttempts, checkoutTokens } = schema;
  const binaryText = (type: string) => (engine === 'postgres' ? sql.raw(`${type} collate "C"`) : sql.raw(type));
  const json = engine === 'mysql' ? sql.raw('longtext') : sql.raw('text');
  const mysqlTable = <T extends { modifyEnd(node: ReturnType<typeof sql>): T }>(table: T): T =>
    engine === 'mysql' ? table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`) : table;
  return {
    async up(db: Kysely<unknown>) {
      await mysqlTable(
        db.schema
          .createTable(checkoutSessions)
          .addColumn('id', binaryText('varchar(64)'), (col) => col.primaryKey())
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          .addColumn('version', 'integer', (col) => col.notNull())
          .addColumn('expires_at', 'bigint', (col) => col.notNull())
          .addColumn('data', json, (col) => col.notNull()),
      ).execute();
      await db.schema
        .createIndex(`${prefix}checkout_sessions_expiry_idx`)
        .on(checkoutSessions)
        .columns(['status', 'expires_at'])
        .execute();
      await mysqlTable(
        db.schema
          .createTable(checkoutAttempts)
          .addColumn('seq', engine === 'postgres' ? 'bigserial' : engine === 'mysql' ? 'bigint' : 'integer', (col) =>
            engine === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
          )
          .addColumn('order_id', binaryText('varchar(64)'), (col) => col.notNull().unique())
          .addColumn('session_id', binaryText('varchar(64)'), (col) => col.notNull())
          .addColumn('data', json, (col) => col.notNull()),
      ).execute();
      await db.schema
        .createIndex(`${prefix}checkout_attempts_session_idx`)
        .on(checkoutAttempts)
        .columns(['session_id', 'seq'])
        .execute();
      await mysqlTable(
        db.schema
          .createTable(checkoutTokens)
          .addColumn('token', binaryText('varchar(255)'), (col) => col.primaryKey())
          .addColumn('expires_at', 'bigint', (col) => col.notNull()),
      ).execute();
      await db.schema
        .createIndex(`${prefix}checkout_tokens_expiry_idx`)
        .on(checkoutTokens)
        .columns(['expires_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable(checkoutTokens).execute();
      await db.schema.dropTable(checkoutAttempts).execute();
      await db.schema.dropTable(checkoutSessions).execute();
    },
  };
}
