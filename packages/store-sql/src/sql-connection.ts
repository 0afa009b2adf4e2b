/**
 * The connections of a SQL store: the guard that keeps a dropped connection from crashing the
 * process, and the Kysely instance the store builds itself from a URL or a driver pool.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';

/** The part of a pg or mysql2 pool (or client, or connection) the guard uses: an event emitter. */
interface Emitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount?(event: string): number;
}

const guarded = new WeakSet<object>();
const ignore = (): void => {};

function isEmitter(value: unknown): value is Emitter {
  return typeof value === 'object' && value !== null && typeof (value as Emitter).on === 'function';
}

function guardEmitter(target: unknown): void {
  if (!isEmitter(target) || guarded.has(target)) return;
  guarded.add(target);
  // A connection that drops while idle or checked out emits 'error'; with no listener Node throws
  // it out of the event loop and the process dies. The query that was running (if any) fails by
  // itself, with the same error, and the pool discards the connection.
  target.on('error', ignore);
}

/** Whether `pool` looks like a `pg.Pool` (pg-pool). */
function isPgPool(pool: object): boolean {
  return typeof (pool as { connect?: unknown }).connect === 'function' && 'totalCount' in pool;
}

/** Whether `pool` looks like a mysql2 callback pool (`createPool` from `mysql2`). */
function isMysqlPool(pool: object): boolean {
  return typeof (pool as { getConnection?: unknown }).getConnection === 'function' && 'config' in pool;
}

/**
 * Keeps a dropped database connection from crashing the process: listens for `'error'` on a
 * `pg.Pool` or a mysql2 pool and on every connection it opens, from now on (pg-pool removes its
 * own listener from a checked-out client, and Kysely adds none, so a `pg_terminate_backend`, a
 * `KILL CONNECTION` or a server restart would otherwise be an unhandled `'error'` event). The
 * failed query still fails, as a `StoreError` through the store, and the pool opens a new
 * connection for the next one. `createSqlStore` calls it on the pool you give it (`pool`) and on
 * the pool it builds from `url`; call it yourself on any other pool of the same database.
 * Returns the pool.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { guardPool } from '@hutong/store-sql';
 *
 * const pool = guardPool(new pg.Pool({ connectionString }));
 * ```
 */
export function guardPool<P>(pool: P): P {
  if (!isEmitter(pool)) throw new ValidationError('pool', 'must be a pg.Pool or a mysql2 pool');
  if (guarded.has(pool)) return pool;
  guardEmitter(pool);
  // pg-pool: 'connect' for each new client (before its first query), 'acquire' on each checkout.
  // mysql2: 'connection' for each new connection, 'acquire' on each checkout.
  pool.on('connect', guardEmitter);
  pool.on('connection', guardEmitter);
  pool.on('acquire', guardEmitter);
  // Connections already open (idle in the pool) before the guard.
  for (const list of ['_clients', '_allConnections', '_freeConnections']) {
    const open = (pool as unknown as Record<string, unknown>)[list];
    const items = Array.isArray(open) ? open : (open as { toArray?: () => unknown[] } | undefined)?.toArray?.();
    for (const item of items ?? []) guardEmitter(item);
  }
  return pool;
}

/** The engine a pool or URL is for. */
export type PoolEngine = 'postgres' | 'mysql' | 'sqlite';

/** A Kysely instance on a driver pool, guarded. */
export function databaseFromPool(pool: object): { db: Kysely<unknown>; engine: PoolEngine } {
  guardPool(pool);
  if (isPgPool(pool)) {
    return { db: new Kysely({ dialect: new PostgresDialect({ pool: pool as never }) }), engine: 'postgres' };
  }
  if (isMysqlPool(pool)) {
    return { db: new Kysely({ dialect: new MysqlDialect({ pool: pool as never }) }), engine: 'mysql' };
  }
  throw new ValidationError('pool', 'must be a pg.Pool or a mysql2 pool (createPool from mysql2, not mysql2/promise)');
}

/** Default connections of a pool the store builds from a URL. */
const DEFAULT_POOL_SIZE = 10;
/** Default deadline of opening a connection, in a pool the store builds. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * An embedded SQLite file through `libsql` (prebuilt binaries from the npm registry, the
 * better-sqlite3 API), in WAL mode, loaded on first use.
 */
function sqliteFromPath(path: string): Kysely<unknown> {
  if (path.length === 0) throw new ValidationError('url', 'sqlite: needs a file name (sqlite:orders.db) or :memory:');
  const database = async () => {
    const module = await import('libsql');
    const Database = (module as unknown as { default?: typeof module }).default ?? module;
    const db = new (Database as unknown as new (path: string) => InstanceType<typeof import('libsql')>)(path);
    if (path !== ':memory:') db.exec('pragma journal_mode = wal');
    return execTransactionControl(db) as never;
  };
  return new Kysely({ dialect: new SqliteDialect({ database }) });
}

/** BEGIN, COMMIT, ROLLBACK and END, which the store's transactions send as statements. */
const TRANSACTION_CONTROL = /^\s*(?:begin|commit|rollback|end)\b/i;

/**
 * A libsql database whose transaction-control statements run through `exec`: libsql does not reset
 * a prepared statement that failed with SQLITE_BUSY, so a BEGIN IMMEDIATE refused past the busy
 * timeout would stay "in progress" and every later COMMIT on the connection would fail. `exec`
 * finalises what it runs. (Writes inside the store's transactions never wait: BEGIN IMMEDIATE takes
 * the write lock first.)
 */
function execTransactionControl<D extends { prepare(sql: string): unknown; exec(sql: string): unknown }>(
  database: D,
): D {
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property !== 'prepare') {
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (sqlText: string) => {
        if (!TRANSACTION_CONTROL.test(sqlText)) return target.prepare(sqlText);
        return {
          reader: false,
          run: () => {
            target.exec(sqlText);
            return { changes: 0, lastInsertRowid: 0 };
          },
          all: () => {
            target.exec(sqlText);
            return [];
          },
        };
      };
    },
  });
}

/**
 * A Kysely instance on a pool the store builds (guarded) from a `postgres://` or `mysql://` URL,
 * or on an embedded SQLite file from `sqlite:<file>`; the driver (`pg`, `mysql2` or `libsql`) is
 * loaded on first use.
 */
export function databaseFromUrl(
  url: string,
  poolSize = DEFAULT_POOL_SIZE,
): { db: Kysely<unknown>; engine: PoolEngine } {
  if (typeof url !== 'string') throw new ValidationError('url', 'must be a postgres://, mysql:// or sqlite: URL');
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'sqlite') return { db: sqliteFromPath(url.slice('sqlite:'.length)), engine: 'sqlite' };
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const pool = async () => {
      const pg = (await import('pg')).default;
      return guardPool(
        new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }),
      );
    };
    return { db: new Kysely({ dialect: new PostgresDialect({ pool }) }), engine: 'postgres' };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    const pool = async () => {
      const mysql = await import('mysql2');
      const create = mysql.createPool ?? (mysql as unknown as { default: typeof mysql }).default.createPool;
      const uri = scheme === 'mariadb' ? `mysql${url.slice(scheme.length)}` : url;
      return guardPool(create({ uri, connectionLimit: poolSize, connectTimeout: CONNECT_TIMEOUT_MS }));
    };
    return { db: new Kysely({ dialect: new MysqlDialect({ pool }) }), engine: 'mysql' };
  }
  throw new ValidationError('url', 'must start with postgres://, postgresql://, mysql://, mariadb:// or sqlite:');
}
