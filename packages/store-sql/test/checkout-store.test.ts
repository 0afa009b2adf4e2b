/**
 * The checkout store conformance suite (`@hutong/checkout/conformance`) against the memory store and
 * `createSqlCheckoutStore` on SQLite (a file), PostgreSQL and MariaDB/MySQL, with a restart (a second
 * store on the same tables) for the SQL ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckoutAttempt, type CheckoutSession, createCheckout, MemoryCheckoutStore } from '@hutong/checkout';
import { runCheckoutStoreTests } from '@hutong/checkout/conformance';
import { createPayments } from '@hutong/core';
import { createFakeProvider } from '@hutong/core/testing';
import { createSqlCheckoutStore } from '@hutong/store-sql';
import { Kysely, SqliteDialect, sql } from 'kysely';
import Database from 'libsql';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

const CHECKOUT_TABLES = ['checkout_tokens', 'checkout_attempts', 'checkout_sessions'];

/** Registers the suite on one database: each test gets empty tables; `reopenStore` a second store on them. */
function runOnDatabase(name: string, open: () => Kysely<unknown>, prefix: string): void {
  const databases: Kysely<unknown>[] = [];
  const db = () => {
    const opened = open();
    databases.push(opened);
    return opened;
  };
  let shared: Kysely<unknown> | undefined;
  afterAll(async () => {
    if (shared) {
      for (const table of CHECKOUT_TABLES)
        await sql`drop table if exists ${sql.table(`${prefix}${table}`)}`.execute(shared);
      await dropStoreTables(shared, prefix);
    }
    for (const opened of databases) await opened.destroy();
  });
  runCheckoutStoreTests({
    name,
    async createStore() {
      shared ??= db();
      const store = createSqlCheckoutStore<CheckoutSession, CheckoutAttempt>({ db: shared, tablePrefix: prefix });
      await store.ready();
      for (const table of CHECKOUT_TABLES) await sql`delete from ${sql.table(`${prefix}${table}`)}`.execute(shared);
      return store;
    },
    reopenStore: () => createSqlCheckoutStore<CheckoutSession, CheckoutAttempt>({ db: db(), tablePrefix: prefix }),
  });
}

runCheckoutStoreTests({ name: 'MemoryCheckoutStore', createStore: () => new MemoryCheckoutStore() });

describe('createSqlCheckoutStore on SQLite (file)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'hutong-checkout-store-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const file = join(directory, 'checkout.db');
  runOnDatabase(
    'createSqlCheckoutStore on SQLite (file)',
    () => new Kysely({ dialect: new SqliteDialect({ database: new Database(file) }) }),
    'ckout_',
  );

  it('is what createCheckout takes as its store: a session outlives the process that made it', async () => {
    const first = new Kysely({ dialect: new SqliteDialect({ database: new Database(join(directory, 'restart.db')) }) });
    const fake = createFakeProvider({ id: 'alipay', wallet: 'alipay' });
    const make = (db: Kysely<unknown>) =>
      createCheckout({
        payments: createPayments({ providers: [fake] }),
        secret: 'test-secret-0123456789abcdefghijklmnop',
        baseUrl: 'https://shop.example/pay',
        wallets: { alipay: { provider: 'alipay' } },
        // Typed from the checkout's own store interface, no cast.
        store: createSqlCheckoutStore({ db }),
      });
    const { session } = await make(first).createSession({ amount: 4200, subject: 'Tea' });
    await first.destroy();
    const second = new Kysely({
      dialect: new SqliteDialect({ database: new Database(join(directory, 'restart.db')) }),
    });
    try {
      expect((await make(second).getSession(session.id))?.subject).toBe('Tea');
    } finally {
      await second.destroy();
    }
  });
});

describe('createSqlCheckoutStore on libsql (url: sqlite:<file>)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'hutong-checkout-libsql-'));
  const stores: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const open = () => {
    const store = createSqlCheckoutStore<CheckoutSession, CheckoutAttempt>({
      url: `sqlite:${join(directory, `c${stores.length}.db`)}`,
    });
    stores.push(store);
    return store;
  };
  let last = '';
  runCheckoutStoreTests({
    name: 'createSqlCheckoutStore on libsql',
    createStore() {
      last = join(directory, `c${stores.length}.db`);
      return open();
    },
    reopenStore() {
      const store = createSqlCheckoutStore<CheckoutSession, CheckoutAttempt>({ url: `sqlite:${last}` });
      stores.push(store);
      return store;
    },
  });
});

describeServerSuite('PostgreSQL (checkout store)', 'postgres', (url) => {
  runOnDatabase('createSqlCheckoutStore on PostgreSQL', () => connect(url, 4), testPrefix('pgckout'));
});

describeServerSuite('MariaDB/MySQL (checkout store)', 'mysql', (url) => {
  runOnDatabase('createSqlCheckoutStore on MariaDB/MySQL', () => connect(url, 4), testPrefix('myckout'));
});
