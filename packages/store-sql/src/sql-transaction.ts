/**
 * The store's transactions: each runs with a lock timeout and a statement timeout, so a row held
 * by another session (or a slow statement) fails one call in seconds instead of pinning the pool.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { type Kysely, sql } from 'kysely';
import type { SqlEngine, StoreDatabase } from './sql-schema.js';

/**
 * The deadlines of a store's transactions, in milliseconds.
 *
 * @example
 * ```ts
 * const timeouts: StoreTimeouts = { lockTimeoutMs: 2_000, statementTimeoutMs: 10_000 };
 * ```
 */
export interface StoreTimeouts {
  /** Longest wait for a row lock (PostgreSQL `lock_timeout`, InnoDB `innodb_lock_wait_timeout`, SQLite busy timeout). */
  readonly lockTimeoutMs: number;
  /** Longest run of one statement (PostgreSQL `statement_timeout`, MariaDB `max_statement_time`, MySQL `max_execution_time`). */
  readonly statementTimeoutMs: number;
}

/** Defaults that suit a webhook: a wallet waits about 5 s for an answer before it retries. */
export const DEFAULT_TIMEOUTS: StoreTimeouts = { lockTimeoutMs: 2_000, statementTimeoutMs: 10_000 };

/** Checks the timeout options; `0` is refused (it means "no limit" to every engine). */
export function resolveTimeouts(options: {
  readonly lockTimeoutMs?: number | undefined;
  readonly statementTimeoutMs?: number | undefined;
}): StoreTimeouts {
  const check = (value: number | undefined, field: keyof StoreTimeouts): number => {
    const ms = value ?? DEFAULT_TIMEOUTS[field];
    if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000) {
      throw new ValidationError(field, 'must be an integer number of milliseconds from 1 to 3600000');
    }
    return ms;
  };
  return {
    lockTimeoutMs: check(options.lockTimeoutMs, 'lockTimeoutMs'),
    statementTimeoutMs: check(options.statementTimeoutMs, 'statementTimeoutMs'),
  };
}

/** How a transaction starts. */
export interface TransactionMode {
  /** READ COMMITTED on PostgreSQL and MySQL (claims: no gap locks, each statement sees the latest commits). */
  readonly readCommitted?: boolean;
}

/** MySQL or MariaDB: they name the statement deadline differently. */
export type MysqlFlavour = 'mysql' | 'mariadb';

/** What a transaction needs to know of its store. */
export interface TransactionContext {
  readonly db: Kysely<StoreDatabase>;
  readonly engine: SqlEngine;
  readonly timeouts: StoreTimeouts;
  /** MySQL only: which server, read once. */
  readonly flavour: () => Promise<MysqlFlavour>;
}

/** The statement that opens a PostgreSQL transaction with its deadlines: one round trip. */
function postgresBegin({ lockTimeoutMs, statementTimeoutMs }: StoreTimeouts, mode: TransactionMode): string {
  // Integers checked by resolveTimeouts; no parameter, so pg sends it as one simple query.
  const isolation = mode.readCommitted ? ' isolation level read committed' : '';
  return `begin${isolation}; set local lock_timeout = ${lockTimeoutMs}; set local statement_timeout = ${statementTimeoutMs}`;
}

/** The statement that sets a MySQL/MariaDB session's deadlines before its transaction. */
function mysqlDeadlines({ lockTimeoutMs, statementTimeoutMs }: StoreTimeouts, flavour: MysqlFlavour): string {
  // InnoDB counts its lock wait in whole seconds (at least 1).
  const lockSeconds = Math.max(1, Math.ceil(lockTimeoutMs / 1000));
  const statement =
    flavour === 'mariadb'
      ? `max_statement_time = ${statementTimeoutMs / 1000}`
      : `max_execution_time = ${statementTimeoutMs}`;
  return `set session innodb_lock_wait_timeout = ${lockSeconds}, session ${statement}`;
}

/**
 * Runs `run` in a transaction on one connection, with the store's lock and statement timeouts:
 * `SET LOCAL` in the same round trip as `BEGIN` on PostgreSQL; the session variables before
 * `BEGIN` on MySQL/MariaDB; on SQLite the busy timeout set on the connection by the store. Commits
 * when `run` resolves, rolls back when it throws (and rethrows).
 */
export async function runTransaction<T>(
  context: TransactionContext,
  mode: TransactionMode,
  run: (trx: Kysely<StoreDatabase>) => Promise<T>,
): Promise<T> {
  const { db, engine, timeouts } = context;
  const flavour = engine === 'mysql' ? await context.flavour() : undefined;
  return db.connection().execute(async (connection) => {
    if (engine === 'postgres') {
      await sql.raw(postgresBegin(timeouts, mode)).execute(connection);
    } else if (engine === 'mysql') {
      await sql.raw(mysqlDeadlines(timeouts, flavour ?? 'mysql')).execute(connection);
      if (mode.readCommitted) await sql.raw('set transaction isolation level read committed').execute(connection);
      await sql.raw('begin').execute(connection);
    } else {
      // A BEGIN that fails (SQLITE_BUSY past the busy timeout) can leave a driver's connection inside
      // the transaction it was opening (libsql does not reset the statement): roll it back too.
      // Always IMMEDIATE: the write lock is taken (or refused) at BEGIN, so no write inside the
      // transaction waits on another connection or fails half-way with SQLITE_BUSY.
      await sql.raw('begin immediate').execute(connection).catch(rollbackAndRethrow(connection));
    }
    let result: T;
    try {
      result = await run(connection);
    } catch (error) {
      return rollbackAndRethrow(connection)(error);
    }
    await sql.raw('commit').execute(connection).catch(rollbackAndRethrow(connection));
    return result;
  });
}

/**
 * Rolls back what a failed statement may have left open on the connection, then rethrows its error:
 * a failed COMMIT or BEGIN must never leave the pooled connection inside a transaction.
 */
function rollbackAndRethrow(connection: Kysely<StoreDatabase>): (error: unknown) => Promise<never> {
  return async (error) => {
    await sql
      .raw('rollback')
      .execute(connection)
      .catch(() => undefined);
    throw error;
  };
}

/** Reads, once, whether a MySQL-dialect server is MariaDB. */
export async function readMysqlFlavour(db: Kysely<StoreDatabase>): Promise<MysqlFlavour> {
  const { rows } = await sql<{ v: string }>`select version() as v`.execute(db);
  return /mariadb/i.test(String(rows[0]?.v ?? '')) ? 'mariadb' : 'mysql';
}

/** The statement that sets a SQLite connection's busy timeout. */
export function sqliteBusyTimeout({ lockTimeoutMs }: StoreTimeouts): string {
  return `pragma busy_timeout = ${lockTimeoutMs}`;
}
