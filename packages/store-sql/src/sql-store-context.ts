/**
 * What every SQL store of this package shares: its connection (given, or built from a URL or a
 * pool), its tables, its timeouts, its migrations on first use, its transactions and the wrapping
 * of driver errors.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { type Kysely, sql } from 'kysely';
import { databaseFromPool, databaseFromUrl } from './sql-connection.js';
import { classifyDriverError, toStoreError } from './sql-errors.js';
import {
  inSchema,
  resolveSchema,
  runMigrations,
  type SqlSchema,
  type SqlSchemaOptions,
  type StoreDatabase,
} from './sql-schema.js';
import {
  type MysqlFlavour,
  readMysqlFlavour,
  resolveTimeouts,
  runTransaction,
  type StoreTimeouts,
  sqliteBusyTimeout,
  type TransactionMode,
} from './sql-transaction.js';

/**
 * Where a SQL store's database is, and how it behaves: the options shared by `createSqlStore`
 * and `createSqlCheckoutStore`. Give exactly one of `db`, `pool` or `url` (or `db` with the
 * `pool` it runs on, so the store can guard it).
 *
 * @example
 * ```ts
 * const options: SqlConnectionOptions = { url: process.env.DATABASE_URL, schema: 'shop' };
 * ```
 */
export interface SqlConnectionOptions<DB = unknown> extends SqlSchemaOptions {
  /**
   * A Kysely instance on PostgreSQL (`PostgresDialect`), MySQL/MariaDB (`MysqlDialect`) or SQLite
   * (`SqliteDialect`). The store never closes it: `db.destroy()` is the caller's. On PostgreSQL
   * and MySQL pass `pool` too (the pool the dialect runs on) or call `guardPool` on it yourself,
   * so a dropped connection cannot crash the process.
   */
  readonly db?: Kysely<DB> | undefined;
  /**
   * A `pg.Pool` or a mysql2 pool (`createPool` from `mysql2`). The store guards it (see
   * `guardPool`); without `db` it builds its Kysely instance on it. The store never ends it.
   */
  readonly pool?: object | undefined;
  /**
   * A `postgres://` or `mysql://` URL: the store builds (and guards) its own pool, with
   * `poolSize` connections, loading `pg` or `mysql2`. Or `sqlite:<file>` (`sqlite::memory:` for
   * a database in memory): an embedded file through `libsql`, in WAL mode. `close()` ends it.
   */
  readonly url?: string | undefined;
  /** Connections of the pool the store builds from `url` (default 10). */
  readonly poolSize?: number | undefined;
  /** Run the migrations on first use (default `true`). Set `false` when the deploy step runs `migrateToLatest`. */
  readonly migrate?: boolean | undefined;
  /**
   * Longest wait for a row lock held by another session, in each store transaction (default
   * 2000 ms): PostgreSQL `lock_timeout`, InnoDB `innodb_lock_wait_timeout` (whole seconds), SQLite
   * busy timeout. Past it the call fails with `StoreError` `store_timeout` (retryable).
   */
  readonly lockTimeoutMs?: number | undefined;
  /**
   * Longest run of one statement in each store transaction (default 10000 ms): PostgreSQL
   * `statement_timeout`, MariaDB `max_statement_time`, MySQL `max_execution_time`. Past it the call
   * fails with `StoreError` `store_timeout` (retryable).
   */
  readonly statementTimeoutMs?: number | undefined;
}

/** Whether a driver error is a unique-key violation (PostgreSQL, MySQL/MariaDB, SQLite). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return (
    e.code === '23505' ||
    e.code === 'ER_DUP_ENTRY' ||
    e.errno === 1062 ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/**
 * Whether a driver error says the transaction lost a deadlock or a serialization conflict, or
 * SQLite was busy, so that running it again is safe and may succeed. A lock wait that ran past the
 * lock timeout is not retried here: the caller gets `store_timeout` at once.
 */
function isTransient(error: unknown): boolean {
  const kind = classifyDriverError(error);
  if (kind === 'store_conflict') return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const TRANSIENT_ATTEMPTS = 8;

/**
 * Runs `run` again (with a short random backoff) while it fails with a transient error. With
 * `lockTimeoutMs`, a SQLite busy error that came after waiting that long (the busy timeout ran
 * out) is not retried: it is the lock timeout, and the caller gets it at once.
 */
export async function retryTransient<T>(run: () => Promise<T>, lockTimeoutMs?: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    try {
      return await run();
    } catch (error) {
      const waitedOut = lockTimeoutMs !== undefined && Date.now() - started >= lockTimeoutMs;
      if (!isTransient(error) || waitedOut || attempt >= TRANSIENT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20 * attempt));
    }
  }
}

/** The resolved connection, tables and policies of one store. */
export class SqlStoreContext {
  /** The Kysely instance whose statements name the store's schema. */
  readonly db: Kysely<StoreDatabase>;
  /** The Kysely instance as given or built (no schema plugin): for migrations. */
  readonly #root: Kysely<unknown>;
  readonly schema: SqlSchema;
  readonly timeouts: StoreTimeouts;
  readonly #migrate: boolean;
  readonly #owned: boolean;
  #ready: Promise<void> | undefined;
  #flavour: Promise<MysqlFlavour> | undefined;

  constructor(options: SqlConnectionOptions) {
    if (!options || typeof options !== 'object') throw new ValidationError('options', 'must be an object');
    const { db, pool, url } = options;
    let root: Kysely<unknown>;
    let engine = options.engine;
    if (db !== undefined) {
      if (typeof (db as { selectFrom?: unknown })?.selectFrom !== 'function') {
        throw new ValidationError('db', 'must be a Kysely instance');
      }
      if (url !== undefined) throw new ValidationError('url', 'give db or url, not both');
      if (pool !== undefined) databaseFromPool(pool);
      root = db as Kysely<unknown>;
      this.#owned = false;
    } else if (pool !== undefined) {
      if (url !== undefined) throw new ValidationError('url', 'give pool or url, not both');
      const built = databaseFromPool(pool);
      root = built.db;
      engine ??= built.engine;
      this.#owned = false;
    } else if (url !== undefined) {
      const size = options.poolSize ?? 10;
      if (!Number.isInteger(size) || size < 1 || size > 1000) {
        throw new ValidationError('poolSize', 'must be an integer from 1 to 1000');
      }
      const built = databaseFromUrl(url, size);
      root = built.db;
      engine ??= built.engine;
      this.#owned = true;
    } else {
      throw new ValidationError('db', 'give a Kysely instance (db), a driver pool (pool) or a database URL (url)');
    }
    this.#root = root;
    this.schema = resolveSchema(root, { ...options, engine });
    this.timeouts = resolveTimeouts(options);
    this.db = inSchema(root, this.schema) as unknown as Kysely<StoreDatabase>;
    this.#migrate = options.migrate ?? true;
  }

  /** Migrates (when asked) and sets the SQLite busy timeout, once; a failure is retried on the next call. */
  ready(): Promise<void> {
    this.#ready ??= this.#prepare().then(
      () => undefined,
      (error: unknown) => {
        // The next call tries again (the database may have been briefly down).
        this.#ready = undefined;
        throw toStoreError(error, 'migrating the store');
      },
    );
    return this.#ready;
  }

  async #prepare(): Promise<void> {
    if (this.schema.engine === 'sqlite') await sql.raw(sqliteBusyTimeout(this.timeouts)).execute(this.#root);
    if (this.#migrate) await runMigrations(this.#root, this.schema);
  }

  /** Runs `run` in a transaction with the store's timeouts, retrying deadlocks. */
  transaction<T>(mode: TransactionMode, run: (trx: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
    const context = {
      db: this.db,
      engine: this.schema.engine,
      timeouts: this.timeouts,
      flavour: () => this.flavour(),
    };
    return retryTransient(() => runTransaction(context, mode, run), this.timeouts.lockTimeoutMs);
  }

  /** MySQL or MariaDB, read once. */
  flavour(): Promise<MysqlFlavour> {
    this.#flavour ??= readMysqlFlavour(this.db).catch((error: unknown) => {
      this.#flavour = undefined;
      throw error;
    });
    return this.#flavour;
  }

  /** Runs one operation of the store: after `ready`, with any driver failure as a hutong error. */
  async run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await body();
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  /** Ends the pool the store built from `url`; a given `db` or `pool` is left open. */
  async close(): Promise<void> {
    if (this.#owned) await this.#root.destroy();
  }
}
