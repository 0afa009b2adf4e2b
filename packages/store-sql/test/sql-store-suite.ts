/**
 * The tests every engine runs: the core's `runOrderStoreTests` plus what only a SQL store has
 * (migrations, concurrent migrators, the stored columns, byte-wise ids, concurrent creates).
 */
import type { Order } from '@hutong/core';
import { ConflictError, ValidationError } from '@hutong/core';
import {
  runOrderClaimsTests,
  runOrderStoreGetManyTests,
  runOrderStoreTests,
  runOutboxStoreTests,
  runSplitOrderStoreTests,
  runStatementResultStoreTests,
  runTransferStoreTests,
} from '@hutong/core/conformance';
import { encodeOrderCursor } from '@hutong/core/store-kit';
import { sampleOrder } from '@hutong/core/testing';
import { createSqlStore, migrateToLatest, StoreError } from '@hutong/store-sql';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { skipUnavailable } from '../../../tests/support/unavailable.js';
import type { ServerTargets } from './server-urls.js';
import { runSqlPlatformTests } from './sql-platform-suite.js';
import { runSqlSplitIndexTests } from './sql-split-index-suite.js';

declare module 'vitest' {
  interface TaskMeta {
    /** The server suite a test belongs to, read by `scripts/summary-reporter.ts`. */
    serverSuite?: string;
    /** Set on the one test a server suite registers when it does not run: why. */
    serverSuiteNotRun?: string;
  }
}

/** The store's migrations, in the order they run. */
const MIGRATIONS = [
  '0001_create_orders',
  '0002_create_outbox',
  '0003_outbox_cursors',
  '0004_create_checkout',
  '0005_orders_merchant_splits',
  '0006_create_merchants',
  '0007_create_transfers',
  '0008_create_statement_results',
  '0009_create_order_splits',
  '0010_order_splits_trade',
];

/** Any table, for reading what the store wrote. */
type Tables = Record<string, Record<string, string | number | null>>;
const tables = (db: Kysely<unknown>) => db as unknown as Kysely<Tables>;

/** How a suite reaches its database. */
export interface SqlStoreSuite {
  /** e.g. `PostgreSQL`. */
  readonly name: string;
  /** A new Kysely instance (its own connections) on the suite's one database. */
  connect(): Kysely<unknown>;
  /** Table prefix of this test file, unique to it and to this process. */
  readonly prefix: string;
  /**
   * Runs `migrateToLatest` from four instances at once and returns what each applied. Default:
   * four Kysely instances in this process (each with its own connections).
   */
  migrateConcurrently?(tablePrefix: string): Promise<string[][]>;
}

/** A table prefix unique to one test file in one process, so parallel runs never share tables. */
export function testPrefix(name: string): string {
  return `t${process.pid.toString(36)}_${name}_`;
}

/** Drops the tables of one prefix, if there. */
export async function dropStoreTables(db: Kysely<unknown>, prefix: string): Promise<void> {
  for (const table of [
    'orders',
    'outbox_claims',
    'outbox_cursors',
    'outbox',
    'order_claims',
    'checkout_tokens',
    'checkout_attempts',
    'checkout_sessions',
    'merchants',
    'transfers',
    'statement_results',
    'order_splits',
    'migrations',
    'migration_lock',
  ]) {
    await db.schema.dropTable(`${prefix}${table}`).ifExists().execute();
  }
}

/**
 * Registers a server-backed suite: its tests when the global setup found a server, otherwise one
 * test, named for why the suite did not run, that reports itself skipped (and fails under
 * `CI=true`, where every suite must run: tests/support/unavailable.ts).
 */
export function describeServerSuite(name: string, engine: keyof ServerTargets, suite: (url: string) => void): void {
  const target = inject('hutongServers')[engine];
  describe(`${name} suite`, () => {
    if (target.url === null) {
      const note = target.note;
      it(`${name} suite: not run (${note})`, (context) => {
        context.task.meta.serverSuite = name;
        context.task.meta.serverSuiteNotRun = note;
        skipUnavailable(context, `the ${name} suite did not run: ${note}`);
      });
      return;
    }
    const url = target.url;
    beforeEach(({ task }) => {
      task.meta.serverSuite = name;
    });
    suite(url);
  });
}

/** Registers the conformance suite and the SQL store's own tests against one database. */
export function runSqlStoreSuite(suite: SqlStoreSuite): void {
  const { prefix } = suite;
  let db: Kysely<unknown>;
  const extraPrefixes: string[] = [];
  let counter = 0;
  /** A prefix no other test of this file uses: its tables start absent. */
  const freshPrefix = () => {
    const fresh = `${prefix}${++counter}_`;
    extraPrefixes.push(fresh);
    return fresh;
  };

  beforeAll(async () => {
    db = suite.connect();
    await dropStoreTables(db, prefix);
    await migrateToLatest(db, { tablePrefix: prefix });
  });

  afterAll(async () => {
    if (!db) return;
    for (const p of [prefix, ...extraPrefixes]) await dropStoreTables(db, p);
    await db.destroy();
  });

  runOrderStoreTests({
    name: `createSqlStore on ${suite.name}`,
    async createStore() {
      await tables(db).deleteFrom(`${prefix}orders`).execute();
      return createSqlStore({ db, tablePrefix: prefix, migrate: false });
    },
  });

  const emptyStore = async () => {
    for (const table of ['orders', 'order_splits', 'outbox_claims', 'outbox', 'order_claims']) {
      await tables(db).deleteFrom(`${prefix}${table}`).execute();
    }
    return createSqlStore({ db, tablePrefix: prefix, migrate: false });
  };
  runOutboxStoreTests({
    name: `createSqlStore on ${suite.name}`,
    createStore: emptyStore,
  });
  runOrderClaimsTests({ name: `createSqlStore on ${suite.name}`, createStore: emptyStore });
  runOrderStoreGetManyTests({ name: `createSqlStore on ${suite.name}`, createStore: emptyStore });
  runSplitOrderStoreTests({ name: `createSqlStore on ${suite.name}`, createStore: emptyStore });
  const emptyPlatformStore = async () => {
    for (const table of ['transfers', 'statement_results']) await tables(db).deleteFrom(`${prefix}${table}`).execute();
    return emptyStore();
  };
  runTransferStoreTests({
    name: `createSqlStore on ${suite.name}`,
    createStore: async () => (await emptyPlatformStore()).transfers,
  });
  runStatementResultStoreTests({ name: `createSqlStore on ${suite.name}`, createStore: emptyPlatformStore });
  runSqlPlatformTests(suite.name, () => db, prefix, freshPrefix);
  runSqlSplitIndexTests(suite.name, () => db, freshPrefix);

  describe(`createSqlStore on ${suite.name}`, () => {
    it('migrates on first use, once', async () => {
      const tablePrefix = freshPrefix();
      const store = createSqlStore({ db, tablePrefix });
      expect(await store.get('missing00001')).toBeUndefined();
      await store.create(sampleOrder({ id: 'migrated0001' }));
      expect(await migrateToLatest(db, { tablePrefix })).toEqual([]);
      const applied = await tables(db).selectFrom(`${tablePrefix}migrations`).select('name').execute();
      expect(applied).toEqual(MIGRATIONS.map((name) => ({ name })));
    });

    // Four processes (or instances) start, then migrate at once: slow to start on a busy machine.
    it('applies each migration exactly once when four instances migrate at the same time', {
      timeout: 180_000,
    }, async () => {
      const tablePrefix = freshPrefix();
      const applied = suite.migrateConcurrently
        ? await suite.migrateConcurrently(tablePrefix)
        : await (async () => {
            const instances = Array.from({ length: 4 }, () => suite.connect());
            try {
              return await Promise.all(instances.map((instance) => migrateToLatest(instance, { tablePrefix })));
            } finally {
              await Promise.all(instances.map((instance) => instance.destroy()));
            }
          })();
      expect(applied).toHaveLength(4);
      expect(applied.flat()).toEqual(MIGRATIONS);
      const store = createSqlStore({ db, tablePrefix, migrate: false });
      await store.create(sampleOrder({ id: 'afterConcurrent1' }));
      expect((await store.listOrders()).orders).toHaveLength(1);
      const recorded = await tables(db).selectFrom(`${tablePrefix}migrations`).select('name').execute();
      expect(recorded).toEqual(MIGRATIONS.map((name) => ({ name })));
    });

    it('with migrate: false touches no schema until migrateToLatest has run', async () => {
      const tablePrefix = freshPrefix();
      const store = createSqlStore({ db, tablePrefix, migrate: false });
      await expect(store.get('unmigrated01')).rejects.toThrow();
      expect(await migrateToLatest(db, { tablePrefix })).toEqual(MIGRATIONS);
      expect(await store.get('unmigrated01')).toBeUndefined();
    });

    it('stores the indexed columns beside the order as JSON', async () => {
      const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
      const order = sampleOrder({
        id: 'columns00001',
        provider: 'wechatpay',
        status: 'paid',
        paidAmount: 1999,
        expiresAt: '2024-01-01T00:30:00.000Z',
        updatedAt: '2024-01-01T00:10:00.000Z',
        refunds: [
          {
            id: 'refund000001',
            amount: 100,
            status: 'pending',
            providerRefundId: null,
            reason: null,
            createdAt: '2024-01-01T00:10:00.000Z',
            updatedAt: '2024-01-01T00:10:00.000Z',
          },
        ],
      });
      await store.create(order);
      const row = await tables(db)
        .selectFrom(`${prefix}orders`)
        .selectAll()
        .where('id', '=', order.id)
        .executeTakeFirstOrThrow();
      expect({ ...row, expires_at: Number(row.expires_at), updated_at: Number(row.updated_at) }).toMatchObject({
        id: order.id,
        provider: 'wechatpay',
        status: 'paid',
        version: 1,
        pending_refunds: 1,
        expires_at: Date.parse(order.expiresAt as string),
        updated_at: Date.parse(order.updatedAt),
      });
      expect(JSON.parse(String(row.data))).toEqual(order);
    });

    it('treats ids that differ only in case as two orders, listed in byte order', async () => {
      const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
      await store.create(sampleOrder({ id: 'caseOrder001', amount: 1 }));
      await store.create(sampleOrder({ id: 'CASEORDER001', amount: 2 }));
      expect((await store.get('caseOrder001'))?.amount).toBe(1);
      expect((await store.get('CASEORDER001'))?.amount).toBe(2);
      const { orders } = await store.listOrders({ updatedBefore: new Date('2030-01-01') });
      const listed = orders.map((o: Order) => o.id).filter((id) => id.toLowerCase() === 'caseorder001');
      expect(listed).toEqual(['CASEORDER001', 'caseOrder001']);
    });

    it('lets one of many concurrent creates of the same id win; the others get duplicate_order', async () => {
      const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.create(sampleOrder({ id: 'raceCreate01', amount: 100 + i }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(ConflictError.isInstance(result.reason) && result.reason.code).toBe('duplicate_order');
        }
      }
    });

    it('answers text no database can hold (NUL, a lone surrogate) with not-found or ValidationError, never a driver error', async () => {
      const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
      const field = async (promise: Promise<unknown>) => {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        return ValidationError.isInstance(error) ? error.field : error;
      };
      for (const bad of ['order\u0000one', 'order\ud800one']) {
        expect(await store.get(bad)).toBeUndefined();
        expect(await field(store.listOrders({ provider: bad }))).toBe('provider');
        expect(await field(store.listOrders({ cursor: encodeOrderCursor({ updatedAt: 1, id: bad }) }))).toBe('cursor');
        expect(await field(store.create(sampleOrder({ id: bad })))).toBe('order.id');
        expect(await field(store.update(sampleOrder({ id: bad, version: 2 }), 1))).toBe('order.id');
        expect(await field(store.claims.claimOrders([bad], { owner: 'worker1', leaseMs: 1000 }))).toBe('ids');
        await store.claims.releaseOrders([bad], 'worker1');
      }
    });

    it('wraps any other driver failure in a StoreError with a stable code', async () => {
      const store = createSqlStore({ db, tablePrefix: freshPrefix(), migrate: false });
      const error = await store.get('noTableYet01').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(StoreError.isInstance(error) && [error.code, error.retryable]).toEqual(['store_error', false]);
      expect(String((error as Error).message)).not.toMatch(/noTableYet01/);
    });

    it('refuses a table prefix that is not a plain identifier', () => {
      for (const tablePrefix of ['', '1abc', 'a-b', 'x'.repeat(33), 'a;drop table t']) {
        const error = (() => {
          try {
            createSqlStore({ db, tablePrefix });
          } catch (e) {
            return e;
          }
        })();
        expect(ValidationError.isInstance(error) && error.field, tablePrefix).toBe('tablePrefix');
      }
    });
  });
}
