/**
 * The tables of `@hutong/store-sql`, their versioned migrations, and the engine they run on.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import {
  type Kysely,
  type Migration,
  type MigrationResult,
  Migrator,
  MysqlAdapter,
  PostgresAdapter,
  SqliteAdapter,
  sql,
} from 'kysely';
import { checkoutMigration } from './sql-checkout-schema.js';
import { platformMigrations } from './sql-platform-schema.js';
import { backfillSplitRows, splitIndexMigration, splitTradeMigration } from './sql-split-index.js';

/**
 * The engines the store knows: `postgres` (and PostgreSQL-compatible engines on Kysely's
 * PostgreSQL dialect), `mysql` (MySQL and MariaDB) and `sqlite`.
 *
 * @example
 * ```ts
 * const engine: SqlEngine = 'sqlite';
 * ```
 */
export type SqlEngine = 'postgres' | 'mysql' | 'sqlite';

/**
 * Options shared by {@link migrateToLatest} and `createSqlStore`.
 *
 * @example
 * ```ts
 * const options: SqlSchemaOptions = { tablePrefix: 'shop_' };
 * ```
 */
export interface SqlSchemaOptions {
  /**
   * Prefix of every table the store creates: `<prefix>orders`, `<prefix>migrations` and
   * `<prefix>migration_lock`. Letters, digits and `_`, starting with a letter, at most 32
   * characters. Default `hutong_`.
   */
  readonly tablePrefix?: string | undefined;
  /**
   * The engine, when Kysely's adapter does not tell (a third-party dialect). Default: read from
   * the adapter of `db` (PostgreSQL, MySQL or SQLite).
   */
  readonly engine?: SqlEngine | undefined;
  /**
   * The schema (PostgreSQL) or database (MySQL/MariaDB) that holds every table of the store,
   * migration tables included; created if missing. Every statement names it, so the connection's
   * `search_path` (or current database) never decides where rows go: two stores with different
   * schemas never see each other's rows. Letters, digits and `_`, starting with a letter, at most
   * 63 characters. Not on SQLite. Default: none (the connection's default schema).
   */
  readonly schema?: string | undefined;
}

/** Columns of the orders table; `data` is the whole order as JSON text. */
export interface OrdersTable {
  id: string;
  provider: string;
  status: string;
  version: number;
  /** Number of refunds still `pending`. */
  pending_refunds: number;
  /** The order's merchant (platform mode), or null (migration `0005`). */
  merchant: string | null;
  /** Number of splits `pending` or with a `pending` return (migration `0005`). */
  pending_splits: number;
  /** Epoch milliseconds, or null. */
  expires_at: number | null;
  /** Epoch milliseconds. */
  updated_at: number;
  /** Epoch milliseconds. */
  created_at: number;
  data: string;
}

/** Columns of the outbox table: one row per event, `seq` in insertion order. */
export interface OutboxTable {
  seq: number;
  id: string;
  order_id: string;
  type: string;
  payload: string;
  created_at: number;
}

/** Columns of the outbox claims table: one row per event and consumer group that claimed it. */
export interface OutboxClaimsTable {
  group_name: string;
  event_seq: number;
  consumer: string;
  token: string;
  /** Epoch milliseconds. */
  lease_until: number;
  attempts: number;
  /** Epoch milliseconds, or null until acknowledged. */
  acked_at: number | null;
}

/**
 * Columns of the outbox cursors table: per consumer group, the seq below which every event is
 * claimed (`floor_seq`), and the candidate for the next floor with the time it was observed.
 */
export interface OutboxCursorsTable {
  group_name: string;
  floor_seq: number;
  pending_seq: number;
  /** Epoch milliseconds. */
  pending_at: number;
}

/** Columns of the order claims table (the reconciler's leases). */
export interface OrderClaimsTable {
  order_id: string;
  owner: string;
  /** Epoch milliseconds. */
  lease_until: number;
}

/** The database as the store sees it: its tables under names chosen at run time. */
export type StoreDatabase = Record<string, OrdersTable>;

/** The default {@link SqlSchemaOptions.tablePrefix}. */
const DEFAULT_TABLE_PREFIX = 'hutong_';
const PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const SCHEMA_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/**
 * The Kysely instance whose statements name the store's schema (when it has one): tables, indexes
 * and the migration tables.
 */
export function inSchema<DB>(db: Kysely<DB>, schema: SqlSchema): Kysely<DB> {
  return schema.schema === undefined ? db : db.withSchema(schema.schema);
}

/** Resolved table names and engine. */
export interface SqlSchema {
  readonly engine: SqlEngine;
  readonly orders: string;
  readonly outbox: string;
  readonly outboxClaims: string;
  readonly outboxCursors: string;
  readonly orderClaims: string;
  readonly migrations: string;
  readonly migrationLock: string;
  readonly checkoutSessions: string;
  readonly checkoutAttempts: string;
  readonly checkoutTokens: string;
  readonly merchants: string;
  readonly transfers: string;
  readonly statementResults: string;
  /** The split index (`order_splits`, migrations `0009` and `0010`). */
  readonly orderSplits: string;
  readonly prefix: string;
  /** The schema (PostgreSQL) or database (MySQL) of every table, or undefined for the connection's default. */
  readonly schema: string | undefined;
}

/** Checks the options and names the tables. */
export function resolveSchema(db: Kysely<unknown>, options: SqlSchemaOptions = {}): SqlSchema {
  const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new ValidationError(
      'tablePrefix',
      'must start with a letter and hold at most 32 ASCII letters, digits and underscores',
    );
  }
  const engine = options.engine ?? detectEngine(db);
  const schema = options.schema;
  if (schema !== undefined) {
    if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
      throw new ValidationError(
        'schema',
        'must start with a letter and hold at most 63 ASCII letters, digits and underscores',
      );
    }
    if (engine === 'sqlite') throw new ValidationError('schema', 'is not supported on SQLite (one file, one schema)');
  }
  return {
    engine,
    schema,
    orders: `${prefix}orders`,
    outbox: `${prefix}outbox`,
    outboxClaims: `${prefix}outbox_claims`,
    outboxCursors: `${prefix}outbox_cursors`,
    orderClaims: `${prefix}order_claims`,
    migrations: `${prefix}migrations`,
    migrationLock: `${prefix}migration_lock`,
    checkoutSessions: `${prefix}checkout_sessions`,
    checkoutAttempts: `${prefix}checkout_attempts`,
    checkoutTokens: `${prefix}checkout_tokens`,
    merchants: `${prefix}merchants`,
    transfers: `${prefix}transfers`,
    statementResults: `${prefix}statement_results`,
    orderSplits: `${prefix}order_splits`,
    prefix,
  };
}

function detectEngine(db: Kysely<unknown>): SqlEngine {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  throw new ValidationError(
    'engine',
    'could not tell the engine from the Kysely dialect: pass engine: "postgres" | "mysql" | "sqlite"',
  );
}

/**
 * The migrations, oldest first. Names sort in the order they run; a released migration is never
 * edited, only followed by a new one.
 */
function migrations(schema: SqlSchema): Record<string, Migration> {
  const { engine, orders, prefix, outbox, outboxClaims, outboxCursors, orderClaims } = schema;
  const mysqlTable = <T extends { modifyEnd(node: ReturnType<typeof sql>): T }>(table: T): T =>
    engine === 'mysql' ? table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`) : table;
  // Ids and statuses compare byte by byte on every engine, as the memory store compares them:
  // listing order, cursors and unique ids must not depend on a server's default collation.
  const binaryText = (type: string) => (engine === 'postgres' ? sql.raw(`${type} collate "C"`) : sql.raw(type));
  return {
    '0001_create_orders': {
      async up(db: Kysely<unknown>) {
        let table = db.schema
          .createTable(orders)
          .addColumn('id', binaryText('varchar(64)'), (col) => col.primaryKey())
          .addColumn('provider', binaryText('varchar(64)'), (col) => col.notNull())
          .addColumn('status', 'varchar(32)', (col) => col.notNull())
          .addColumn('version', 'integer', (col) => col.notNull())
          .addColumn('pending_refunds', 'integer', (col) => col.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('updated_at', 'bigint', (col) => col.notNull())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addColumn('data', engine === 'mysql' ? sql.raw('longtext') : 'text', (col) => col.notNull());
        if (engine === 'mysql') table = table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`);
        await table.execute();
        const index = (name: string, columns: string[]) =>
          db.schema.createIndex(`${prefix}${name}`).on(orders).columns(columns).execute();
        await index('orders_updated_idx', ['updated_at', 'id']);
        await index('orders_status_updated_idx', ['status', 'updated_at', 'id']);
        await index('orders_provider_status_idx', ['provider', 'status', 'updated_at']);
        await index('orders_expires_idx', ['expires_at']);
        await index('orders_pending_refunds_idx', ['pending_refunds', 'updated_at']);
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(orders).execute();
      },
    },
    '0002_create_outbox': {
      async up(db: Kysely<unknown>) {
        // Events in insertion order; `seq` orders delivery, `id` (<orderId>:<version>:<index>) is
        // unique so one change can never store its events twice.
        await mysqlTable(
          db.schema
            .createTable(outbox)
            .addColumn('seq', engine === 'postgres' ? 'bigserial' : engine === 'mysql' ? 'bigint' : 'integer', (col) =>
              engine === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
            )
            .addColumn('id', binaryText('varchar(100)'), (col) => col.notNull().unique())
            .addColumn('order_id', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('type', 'varchar(32)', (col) => col.notNull())
            .addColumn('payload', engine === 'mysql' ? sql.raw('longtext') : 'text', (col) => col.notNull())
            .addColumn('created_at', 'bigint', (col) => col.notNull()),
        ).execute();
        await db.schema.createIndex(`${prefix}outbox_order_idx`).on(outbox).columns(['order_id', 'seq']).execute();
        // A row per (group, event) once the group has claimed the event: the lease, the attempts,
        // and when it was acknowledged.
        await mysqlTable(
          db.schema
            .createTable(outboxClaims)
            .addColumn('group_name', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('event_seq', 'bigint', (col) => col.notNull())
            .addColumn('consumer', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('token', binaryText('varchar(40)'), (col) => col.notNull())
            .addColumn('lease_until', 'bigint', (col) => col.notNull())
            .addColumn('attempts', 'integer', (col) => col.notNull())
            .addColumn('acked_at', 'bigint')
            .addPrimaryKeyConstraint(`${prefix}outbox_claims_pk`, ['group_name', 'event_seq']),
        ).execute();
        await db.schema
          .createIndex(`${prefix}outbox_claims_open_idx`)
          .on(outboxClaims)
          .columns(['group_name', 'acked_at', 'lease_until'])
          .execute();
        await db.schema.createIndex(`${prefix}outbox_claims_token_idx`).on(outboxClaims).columns(['token']).execute();
        // The reconciler's leases on orders.
        await mysqlTable(
          db.schema
            .createTable(orderClaims)
            .addColumn('order_id', binaryText('varchar(64)'), (col) => col.primaryKey())
            .addColumn('owner', binaryText('varchar(64)'), (col) => col.notNull())
            .addColumn('lease_until', 'bigint', (col) => col.notNull()),
        ).execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(orderClaims).execute();
        await db.schema.dropTable(outboxClaims).execute();
        await db.schema.dropTable(outbox).execute();
      },
    },
    '0003_outbox_cursors': {
      async up(db: Kysely<unknown>) {
        // Where each group's claims start looking for events committed late (see sql-outbox.ts),
        // so a claim never scans the events already claimed.
        await mysqlTable(
          db.schema
            .createTable(outboxCursors)
            .addColumn('group_name', binaryText('varchar(64)'), (col) => col.primaryKey())
            .addColumn('floor_seq', 'bigint', (col) => col.notNull())
            .addColumn('pending_seq', 'bigint', (col) => col.notNull())
            .addColumn('pending_at', 'bigint', (col) => col.notNull()),
        ).execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(outboxCursors).execute();
      },
    },
    '0004_create_checkout': checkoutMigration(schema),
    ...platformMigrations(schema),
    '0009_create_order_splits': splitIndexMigration(schema),
    '0010_order_splits_trade': splitTradeMigration(schema),
  };
}

/** How long a SQLite migration waits for another process's migration to finish, in milliseconds. */
const MIGRATION_BUSY_TIMEOUT_MS = 30_000;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs the migrations not yet applied (up to and including `target`, when given: tests of a
 * migration start from the one before it); returns the names it applied.
 */
export async function runMigrations(db: Kysely<unknown>, schema: SqlSchema, target?: string): Promise<string[]> {
  const migrate = async (on: Kysely<unknown>) => {
    const migrator = new Migrator({
      db: inSchema(on, schema),
      provider: { getMigrations: async () => migrations(schema) },
      migrationTableName: schema.migrations,
      migrationLockTableName: schema.migrationLock,
      // Kysely creates this schema if missing, and names it in every statement on its tables.
      ...(schema.schema === undefined ? {} : { migrationTableSchema: schema.schema }),
    });
    const { error, results } = await (target === undefined ? migrator.migrateToLatest() : migrator.migrateTo(target));
    if (error) throw error;
    return (results ?? [])
      .filter((result: MigrationResult) => result.status === 'Success')
      .map((result: MigrationResult) => result.migrationName);
  };
  // PostgreSQL and MySQL: Kysely's migrator serialises concurrent migrators with a lock (an
  // advisory lock, GET_LOCK). SQLite: Kysely takes no lock and no transaction, so the whole run
  // goes in one BEGIN IMMEDIATE transaction: a second process waits for the write lock (the
  // driver's busy timeout), then finds the migrations applied; SQLITE_BUSY past that is retried.
  if (schema.engine !== 'sqlite') return migrate(db);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.connection().execute(async (connection) => {
        // Wait for another process's migration rather than fail at once (a connection's busy timeout
        // is 0 unless set), so BEGIN IMMEDIATE is not refused: a driver may leave a refused
        // statement in progress on the connection (libsql does).
        const { rows } = await sql<Record<string, unknown>>`pragma busy_timeout`.execute(connection);
        const previous = Number(Object.values(rows[0] ?? {}).find((value) => typeof value === 'number') ?? 0);
        await sql.raw(`pragma busy_timeout = ${Math.max(previous, MIGRATION_BUSY_TIMEOUT_MS)}`).execute(connection);
        try {
          await sql`begin immediate`.execute(connection);
          const applied = await migrate(connection);
          await sql`commit`.execute(connection);
          return applied;
        } catch (error) {
          // Whichever statement failed (BEGIN, a migration, COMMIT), nothing stays open on the
          // connection: libsql leaves a failed BEGIN or COMMIT inside its transaction.
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        } finally {
          await sql.raw(`pragma busy_timeout = ${previous}`).execute(connection);
        }
      });
    } catch (error) {
      if (!isBusy(error) || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
    }
  }
}

/**
 * Brings the store's tables up to date, for teams that migrate in their deploy step (then create
 * the store with `migrate: false`). Safe when several processes run it at once: on PostgreSQL and
 * MySQL one waits for the other's lock, on SQLite for the other's write transaction. Returns the
 * names of the migrations it applied (none when already up to date).
 *
 * @example
 * ```ts
 * import { Kysely, PostgresDialect } from 'kysely';
 * import pg from 'pg';
 * import { migrateToLatest } from '@hutong/store-sql';
 *
 * const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString }) }) });
 * await migrateToLatest(db); // ['0001_create_orders'] the first time, [] after
 * ```
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, options: SqlSchemaOptions = {}): Promise<string[]> {
  const anyDb = db as unknown as Kysely<unknown>;
  return runMigrations(anyDb, resolveSchema(anyDb, options));
}

/**
 * Fills the split index (`<prefix>order_splits`) from the orders stored, again, after a rolling
 * deploy: processes of an older version that kept writing while the new one ran migration `0009`
 * wrote splits without index rows, and those running while it ran `0010` wrote rows without the
 * trade. Run it once every process runs the new version. It inserts only what is missing and fills
 * only unknown trades, so it is safe to run again and beside live traffic; it reads every order
 * whose JSON has splits, 500 at a time by id. Needs the migrations applied (`migrateToLatest`).
 * Takes the store's `tablePrefix` and `schema`; returns the number of orders with splits it read.
 *
 * @example
 * ```ts
 * import { backfillSplitIndex } from '@hutong/store-sql';
 * const read = await backfillSplitIndex(db, { tablePrefix: 'hutong_' }); // once the rollout is done
 * ```
 */
export async function backfillSplitIndex<DB>(db: Kysely<DB>, options: SqlSchemaOptions = {}): Promise<number> {
  const anyDb = db as unknown as Kysely<unknown>;
  const schema = resolveSchema(anyDb, options);
  return backfillSplitRows(inSchema(anyDb, schema), schema);
}
