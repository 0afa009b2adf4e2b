import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runOrderStoreTests } from '@hutong/core/conformance';
import { sampleOrder } from '@hutong/core/testing';
import { createSqlStore } from '@hutong/store-sql';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'libsql';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runSqlStoreSuite, testPrefix } from './sql-store-suite.js';

// The conformance suites create up to 1000 orders one transaction at a time; in the file's
// rollback-journal mode each commit is an fsync, which takes far longer than vitest's default on a
// busy machine. Nothing here asserts a duration.
vi.setConfig({ testTimeout: 120_000 });

const directory = mkdtempSync(join(tmpdir(), 'hutong-store-sql-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function sqlite(file: string): Kysely<unknown> {
  return new Kysely({ dialect: new SqliteDialect({ database: new Database(file) }) });
}

describe('SQLite in memory', () => {
  const databases: Kysely<unknown>[] = [];
  afterAll(async () => {
    for (const db of databases) await db.destroy();
  });
  runOrderStoreTests({
    name: 'createSqlStore on SQLite in memory',
    createStore() {
      const db = sqlite(':memory:');
      databases.push(db);
      return createSqlStore({ db });
    },
  });
});

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

/** Four OS processes migrate one file at once (the driver is synchronous: one per process). */
async function migrateInProcesses(file: string, tablePrefix: string): Promise<string[][]> {
  const startAt = String(Date.now() + 4000);
  const run = () =>
    promisify(execFile)(tsx, ['test/processes/migrate-sqlite.ts', file, tablePrefix, startAt], { cwd: packageDir });
  const outputs = await Promise.all(Array.from({ length: 4 }, run));
  return outputs.map(({ stdout }) => JSON.parse(stdout) as string[]);
}

describe('SQLite in a file', () => {
  const file = join(directory, 'orders.db');
  runSqlStoreSuite({
    name: 'SQLite (file)',
    prefix: testPrefix('sqlite'),
    connect: () => sqlite(file),
    migrateConcurrently: (tablePrefix) => migrateInProcesses(file, tablePrefix),
  });

  it('keeps an order across closing and reopening the file', async () => {
    const file = join(directory, 'reopen.db');
    const first = sqlite(file);
    const order = sampleOrder({ id: 'durable00001', status: 'paid', paidAmount: 1999 });
    await createSqlStore({ db: first }).create(order);
    await first.destroy();
    const second = sqlite(file);
    try {
      expect(await createSqlStore({ db: second }).get(order.id)).toEqual(order);
    } finally {
      await second.destroy();
    }
  });
});

describe('SQLite through libsql (url: sqlite:<file>), the embedded default', () => {
  const file = join(directory, 'libsql.db');
  const stores: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
  });
  runOrderStoreTests({
    name: 'createSqlStore({ url: "sqlite:<file>" }) on libsql',
    async createStore() {
      const tablePrefix = `libsql${stores.length}_`;
      const store = createSqlStore({ url: `sqlite:${file}`, tablePrefix });
      stores.push(store);
      return store;
    },
  });

  it('keeps an order across closing and reopening the file, in WAL mode', async () => {
    const url = `sqlite:${join(directory, 'libsql-reopen.db')}`;
    const order = sampleOrder({ id: 'durableLib01', status: 'paid', paidAmount: 1999 });
    const first = createSqlStore({ url });
    await first.create(order);
    await first.close();
    const second = createSqlStore({ url });
    try {
      expect(await second.get(order.id)).toEqual(order);
    } finally {
      await second.close();
    }
    const raw = new Database(join(directory, 'libsql-reopen.db'), { readonly: true });
    expect(raw.prepare('PRAGMA journal_mode').get()).toMatchObject({ journal_mode: 'wal' });
    raw.close();
  });
});
