/**
 * How driver errors read as `StoreError` codes (the fault, timeout and text suites show each path on
 * the real servers; this pins the table, engine by engine).
 */
import { ValidationError } from '@hutong/core';
import { StoreError } from '@hutong/store-sql';
import { describe, expect, it } from 'vitest';
import { toStoreError } from '../src/sql-errors.js';

const driverError = (fields: Record<string, unknown>, message = 'driver quotes the value s3cr3t-buyer') =>
  Object.assign(new Error(message), fields);

describe('toStoreError', () => {
  const cases: [string, Record<string, unknown>, string, boolean][] = [
    ['pg admin_shutdown (a restart)', { code: '57P01' }, 'store_unavailable', true],
    ['pg connection failure', { code: '08006' }, 'store_unavailable', true],
    ['refused', { code: 'ECONNREFUSED' }, 'store_unavailable', true],
    ['mysql KILL CONNECTION', { errno: 1927, code: 'ER_CONNECTION_KILLED' }, 'store_unavailable', true],
    ['mysql lost connection', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }, 'store_unavailable', true],
    ['pg lock_not_available', { code: '55P03' }, 'store_timeout', true],
    ['pg statement timeout', { code: '57014' }, 'store_timeout', true],
    ['innodb lock wait timeout', { errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' }, 'store_timeout', true],
    ['mariadb max_statement_time', { errno: 1969 }, 'store_timeout', true],
    ['mysql max_execution_time', { errno: 3024 }, 'store_timeout', true],
    ['sqlite busy', { code: 'SQLITE_BUSY' }, 'store_timeout', true],
    ['pg deadlock', { code: '40P01' }, 'store_conflict', true],
    ['mysql deadlock', { errno: 1213 }, 'store_conflict', true],
    ['pg undefined table', { code: '42P01' }, 'store_error', false],
    ['anything else', {}, 'store_error', false],
  ];
  for (const [name, fields, code, retryable] of cases) {
    it(`reads ${name} as ${code}`, () => {
      const error = toStoreError(driverError(fields), 'reading an order');
      expect(StoreError.isInstance(error) && [error.code, error.retryable]).toEqual([code, retryable]);
      // The driver's message (which may quote values) stays in `cause`, out of the message.
      expect(error.message).not.toMatch(/s3cr3t/);
      expect(error.cause).toBeInstanceOf(Error);
    });
  }

  it('reads the connection errors pg raises without a code', () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'Client has encountered a connection error and is not queryable',
    ]) {
      expect((toStoreError(new Error(message), 'x') as StoreError).code).toBe('store_unavailable');
    }
  });

  it('reads text the database refused (PostgreSQL 22021, MySQL 1366) as a ValidationError', () => {
    for (const fields of [{ code: '22021' }, { errno: 1366 }]) {
      expect(ValidationError.isInstance(toStoreError(driverError(fields), 'x'))).toBe(true);
    }
  });

  it('passes a hutong error through unchanged', () => {
    const error = new ValidationError('id', 'is bad');
    expect(toStoreError(error, 'x')).toBe(error);
  });
});
