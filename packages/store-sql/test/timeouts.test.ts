/**
 * Lock and statement timeouts: another session holds five order rows with `SELECT ... FOR UPDATE`
 * (for up to 20 s). Notifications for the other orders keep completing in milliseconds; those for
 * the locked orders fail in about the lock timeout (2 s by default) with a retryable `StoreError`
 * `store_timeout`, instead of waiting for the lock and pinning the pool's connections.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPayments } from '@hutong/core';
import { createFakeProvider } from '@hutong/core/testing';
import { createSqlStore, StoreError } from '@hutong/store-sql';
import { Kysely, SqliteDialect, sql } from 'kysely';
import Database from 'libsql';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

const HOLD_MS = 20_000;

async function lockedRows(url: string, prefix: string): Promise<void> {
  const db = connect(url, 10);
  const holder = connect(url, 1);
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  try {
    const fake = createFakeProvider({ secret: 'timeout-test-secret' });
    const store = createSqlStore({ db, tablePrefix: prefix });
    const payments = createPayments({ providers: [fake], store });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const orderId = `lock${process.pid.toString(36)}x${i}`;
      await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100 + i, subject: 'Tea', orderId });
      ids.push(orderId);
    }
    const locked = ids.slice(0, 5);
    const free = ids.slice(5);
    // Another session takes the five rows and sits on them.
    let holding: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const holderDone = holder.transaction().execute(async (trx) => {
      // One row at a time, by primary key (on a tiny table a scan would lock more than these rows).
      for (const id of locked) {
        await sql`select id from ${sql.table(`${prefix}orders`)} where id = ${id} for update`.execute(trx);
      }
      holding();
      await Promise.race([released, new Promise((resolve) => setTimeout(resolve, HOLD_MS))]);
    });
    await held;

    const notify = async (orderId: string) => {
      const started = Date.now();
      const result = await payments.handleNotification('fake', fake.sandbox.pay(orderId));
      return { result, ms: Date.now() - started };
    };
    const lockedRuns = Promise.all(locked.map(notify));
    // Meanwhile the other orders are paid at once, one after another.
    for (const orderId of free) {
      const { result, ms } = await notify(orderId);
      expect(result.ok ? 'paid' : result.error).toBe('paid');
      expect(ms).toBeLessThan(500);
    }
    for (const { result, ms } of await lockedRuns) {
      expect(result.ok).toBe(false);
      const error = result.ok ? undefined : result.error;
      expect(StoreError.isInstance(error) && [error.code, error.retryable]).toEqual(['store_timeout', true]);
      expect(ms).toBeGreaterThan(1_500);
      expect(ms).toBeLessThan(5_000);
    }
    release();
    await holderDone;
    // Once the lock is gone the wallet's next delivery goes through.
    for (const orderId of locked) expect((await notify(orderId)).result.ok).toBe(true);
  } finally {
    release();
    await dropStoreTables(db, prefix);
    await db.destroy();
    await holder.destroy();
  }
}

/**
 * The statement timeout on its own: the lock timeout set far above it (5 s), the statement
 * timeout at 500 ms, and one order's row held by another session. The notification's statement is
 * cut at the statement timeout (PostgreSQL `statement_timeout`, MariaDB `max_statement_time`),
 * well before the lock timeout, as a retryable `store_timeout`.
 */
async function statementCutOff(url: string, prefix: string): Promise<void> {
  const db = connect(url, 4);
  const holder = connect(url, 1);
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  try {
    const fake = createFakeProvider({ secret: 'timeout-test-secret' });
    const store = createSqlStore({ db, tablePrefix: prefix, lockTimeoutMs: 5_000, statementTimeoutMs: 500 });
    const payments = createPayments({ providers: [fake], store });
    const orderId = `stmt${process.pid.toString(36)}x1`;
    await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea', orderId });
    let holding: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const holderDone = holder.transaction().execute(async (trx) => {
      await sql`select id from ${sql.table(`${prefix}orders`)} where id = ${orderId} for update`.execute(trx);
      holding();
      await Promise.race([released, new Promise((resolve) => setTimeout(resolve, HOLD_MS))]);
    });
    await held;
    const started = Date.now();
    const result = await payments.handleNotification('fake', fake.sandbox.pay(orderId));
    const ms = Date.now() - started;
    const error = result.ok ? undefined : result.error;
    expect(StoreError.isInstance(error) && [error.code, error.retryable]).toEqual(['store_timeout', true]);
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(ms).toBeLessThan(3_000); // the 5 s lock timeout did not decide it
    release();
    await holderDone;
    expect((await payments.handleNotification('fake', fake.sandbox.pay(orderId))).ok).toBe(true);
  } finally {
    release();
    await dropStoreTables(db, prefix);
    await db.destroy();
    await holder.destroy();
  }
}

describeServerSuite('PostgreSQL (timeouts)', 'postgres', (url) => {
  it('cuts a statement off at statementTimeoutMs (500 ms) with store_timeout, below the lock timeout (5 s)', {
    timeout: 60_000,
  }, async () => {
    await statementCutOff(url, testPrefix('pgstmt'));
  });

  it('fails notifications of rows another session holds in about 2 s with store_timeout; others stay fast', {
    timeout: 60_000,
  }, async () => {
    await lockedRows(url, testPrefix('pglock'));
  });
});

describeServerSuite('MariaDB/MySQL (timeouts)', 'mysql', (url) => {
  it('cuts a statement off at statementTimeoutMs (500 ms) with store_timeout, below the lock timeout (5 s)', {
    timeout: 60_000,
  }, async () => {
    await statementCutOff(url, testPrefix('mystmt'));
  });

  it('fails notifications of rows another session holds in about 2 s with store_timeout; others stay fast', {
    timeout: 60_000,
  }, async () => {
    await lockedRows(url, testPrefix('mylock'));
  });
});

describe('SQLite (timeouts)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'hutong-timeouts-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('fails a write in about lockTimeoutMs with store_timeout while another connection holds the write lock', async () => {
    const file = join(directory, 'orders.db');
    const store = createSqlStore({ url: `sqlite:${file}`, lockTimeoutMs: 300 });
    await store.ready();
    const other = new Database(file);
    try {
      const fake = createFakeProvider({ secret: 'timeout-test-secret' });
      const payments = createPayments({ providers: [fake], store });
      const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea' });
      other.exec('begin immediate');
      const started = Date.now();
      const result = await payments.handleNotification('fake', fake.sandbox.pay(order.id));
      const ms = Date.now() - started;
      other.exec('rollback');
      const error = result.ok ? undefined : result.error;
      expect(StoreError.isInstance(error) && [error.code, error.retryable]).toEqual(['store_timeout', true]);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(1_500);
      const again = await payments.handleNotification('fake', fake.sandbox.pay(order.id));
      expect(again.ok ? 'ok' : again.error).toBe('ok');
    } finally {
      other.close();
      await store.close();
    }
  });

  it('refuses a timeout that is not a positive integer of milliseconds', () => {
    const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    for (const [field, value] of [
      ['lockTimeoutMs', 0],
      ['lockTimeoutMs', 1.5],
      ['statementTimeoutMs', -1],
    ] as const) {
      expect(() => createSqlStore({ db, [field]: value })).toThrow(field);
    }
  });
});
