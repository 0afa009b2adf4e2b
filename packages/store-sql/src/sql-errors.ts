/**
 * The reading of driver errors (pg, mysql2, better-sqlite3 and drivers with its API) into
 * `StoreError` (from `@hutong/core`), the one error a SQL store lets through for a database failure.
 *
 * @packageDocumentation
 */
import { HutongError, StoreError, type StoreErrorCode, ValidationError } from '@hutong/core';

interface DriverError {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly fatal?: unknown;
  readonly message?: unknown;
}

/** PostgreSQL SQLSTATEs and MySQL/MariaDB error numbers, by what they mean to the store. */
const PG_TIMEOUT = new Set(['55P03', '57014']);
const PG_CONFLICT = new Set(['40001', '40P01']);
const PG_INVALID_TEXT = new Set(['22021', '22P05', '22P02', '22001']);
const MYSQL_TIMEOUT = new Set([1205, 1969, 3024]);
const MYSQL_CONFLICT = new Set([1213]);
const MYSQL_UNAVAILABLE = new Set([1040, 1053, 1927, 2002, 2003, 2006, 2013, 4031]);
const MYSQL_INVALID_TEXT = new Set([1366, 1300, 1406]);
const NODE_UNAVAILABLE = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);
/** Errors pg and mysql2 raise without a code when a connection is gone or cannot be had. */
const UNAVAILABLE_MESSAGE =
  /connection terminated|not queryable|timeout exceeded when trying to connect|connection is in closed state|pool is closed|cannot use a pool after calling end|connection lost|connection ended|client was closed/i;

/** What a driver error means to the store, or `invalid_text` for input the database refused as text. */
export function classifyDriverError(error: unknown): StoreErrorCode | 'invalid_text' {
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  const code = typeof e.code === 'string' ? e.code : '';
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  if (PG_TIMEOUT.has(code) || (errno !== undefined && MYSQL_TIMEOUT.has(errno))) return 'store_timeout';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'store_timeout';
  if (PG_CONFLICT.has(code) || (errno !== undefined && MYSQL_CONFLICT.has(errno))) return 'store_conflict';
  if (PG_INVALID_TEXT.has(code) || (errno !== undefined && MYSQL_INVALID_TEXT.has(errno))) return 'invalid_text';
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
    return 'store_unavailable';
  }
  if (NODE_UNAVAILABLE.has(code) || (errno !== undefined && MYSQL_UNAVAILABLE.has(errno)) || e.fatal === true) {
    return 'store_unavailable';
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'store_unavailable';
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return 'store_unavailable';
  return 'store_error';
}

const MESSAGES: Record<StoreErrorCode, string> = {
  store_unavailable: 'the database is unavailable (connection refused, lost or ended)',
  store_timeout: 'the database did not answer in time (a lock wait or a statement ran past its timeout)',
  store_conflict: 'the database aborted the transaction (deadlock or serialization conflict)',
  store_error: 'the database failed',
};

/**
 * Any failure as a hutong error: a hutong error as it is, a driver error as a {@link StoreError}
 * (or a `ValidationError` for text the database refused). The driver's message is not copied:
 * it may quote the values of the statement.
 */
export function toStoreError(error: unknown, operation: string): HutongError {
  if (HutongError.isInstance(error)) return error;
  const kind = classifyDriverError(error);
  if (kind === 'invalid_text') {
    return new ValidationError('input', 'holds text the database cannot store (a NUL byte or invalid Unicode)', {
      cause: error,
    });
  }
  const code = (error as DriverError | null)?.code;
  const detail = typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? ` [${code}]` : '';
  return new StoreError(kind, `${operation}: ${MESSAGES[kind]}${detail}`, { cause: error });
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a string can be stored and compared as text by every engine: no NUL byte (PostgreSQL
 * refuses it) and no lone UTF-16 surrogate (no UTF-8 form).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** Throws a `ValidationError` on `field` unless `value` is storable text. */
export function checkStorableText(value: string, field: string): string {
  if (!isStorableText(value)) {
    throw new ValidationError(field, 'holds a NUL byte or invalid Unicode, which no order or session can have');
  }
  return value;
}
