/**
 * The `schema` option: two stores in one database with different schemas (PostgreSQL) or databases
 * (MySQL/MariaDB) never see each other's rows, whatever the connection's `search_path` (the split
 * index's upsert included), and the schema is created when missing.
 */
import type { Split } from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { createSqlCheckoutStore, createSqlStore } from '@hutong/store-sql';
import { Kysely, MysqlDialect, PostgresDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { connect } from './processes/connect.js';
import { describeServerSuite, testPrefix } from './sql-store-suite.js';

const tag = process.pid.toString(36);

const shopSplit: Split = {
  id: 'shopSplit',
  amount: 100,
  status: 'pending',
  receivers: [{ type: 'merchant', account: '1900000109', amount: 100, description: 'fee', status: 'pending' }],
  finish: false,
  providerSplitId: null,
  returns: [],
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
};

function postgres(url: string, searchPath: string): Kysely<unknown> {
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${searchPath}` });
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}

describeServerSuite('PostgreSQL (schemas)', 'postgres', (url) => {
  const shop = `hz${tag}_shop`;
  const other = `hz${tag}_other`;
  const prefix = testPrefix('pgschema');
  const opened: Kysely<unknown>[] = [];
  const open = (searchPath: string) => {
    const db = postgres(url, searchPath);
    opened.push(db);
    return db;
  };
  afterAll(async () => {
    const admin = connect(url, 1);
    for (const schema of [shop, other]) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin);
    for (const table of [
      'orders',
      'outbox_claims',
      'outbox',
      'order_claims',
      'outbox_cursors',
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
      await sql`drop table if exists ${sql.table(`public.${prefix}${table}`)}`.execute(admin);
    }
    await admin.destroy();
    for (const db of opened) await db.destroy();
  });

  it('keeps two stores with different schemas apart, whatever the search_path', async () => {
    // A store on `public` (no schema) and one whose connection searches `other` first, then public.
    const publicStore = createSqlStore({ db: open('public'), tablePrefix: prefix });
    const shopStore = createSqlStore({ db: open(`${other},public`), tablePrefix: prefix, schema: shop });
    const otherStore = createSqlStore({ db: open(other), tablePrefix: prefix, schema: other });
    await publicStore.create(sampleOrder({ id: 'publicOrder1' }));
    await shopStore.create(sampleOrder({ id: 'shopOrder001' }));
    await otherStore.create(sampleOrder({ id: 'otherOrder01' }));
    const ids = async (store: typeof publicStore) => (await store.listOrders()).orders.map((o) => o.id);
    expect(await ids(publicStore)).toEqual(['publicOrder1']);
    expect(await ids(shopStore)).toEqual(['shopOrder001']);
    expect(await ids(otherStore)).toEqual(['otherOrder01']);
    expect(await shopStore.get('publicOrder1')).toBeUndefined();
    // The rows are where the schema says, migration tables included.
    const admin = open('public');
    const tables = await sql<{ table_schema: string; table_name: string }>`
      select table_schema, table_name from information_schema.tables
      where table_schema in (${shop}, ${other}) and table_name like ${`${prefix}%`} order by 1, 2`.execute(admin);
    const names = (schema: string) => tables.rows.filter((r) => r.table_schema === schema).map((r) => r.table_name);
    expect(names(shop)).toContain(`${prefix}orders`);
    expect(names(shop)).toContain(`${prefix}migrations`);
    expect(names(other)).toContain(`${prefix}migrations`);
  });

  it('keeps the outbox, its claims and cursors, and the checkout tables in the schema too, whatever the search_path', async () => {
    // public's tables exist (the test above made them); the store's connection searches other, then public.
    const shopStore = createSqlStore({ db: open(`${other},public`), tablePrefix: prefix, schema: shop });
    const order = sampleOrder({ id: 'shopOutbox01' });
    const event = {
      id: `${order.id}:1:0`,
      type: 'order.created' as const,
      orderId: order.id,
      payload: { order },
      createdAt: order.createdAt,
    };
    await shopStore.create(order, [event]);
    const claimed = await shopStore.outbox.claimEvents({
      group: 'default',
      consumer: 'c1',
      limit: 10,
      leaseMs: 60_000,
    });
    expect(claimed.map((e) => e.id)).toContain(event.id);
    expect(await shopStore.outbox.ackEvents([event.id], 'default')).toBe(1);
    // The next claim looks behind the last claimed event for late commits, and writes the group's cursor.
    expect(
      await shopStore.outbox.claimEvents({ group: 'default', consumer: 'c1', limit: 10, leaseMs: 60_000 }),
    ).toEqual([]);
    const checkout = createSqlCheckoutStore({ db: open(`${other},public`), tablePrefix: prefix, schema: shop });
    const session = { id: 'shopSession1', version: 1, status: 'open', expiresAt: '2030-01-01T00:00:00.000Z' };
    await checkout.createSession(session);
    expect(await checkout.getSession(session.id)).toEqual(session);
    expect(await checkout.useOnce('shopState001', new Date('2030-01-01T00:00:00Z'))).toBe(true);
    // The split index: a row written before the order's trade was known gets it on the next write.
    const splitOrder = sampleOrder({ id: 'shopSplit001', status: 'paid', splits: [shopSplit] });
    await shopStore.create(splitOrder);
    await shopStore.update({ ...splitOrder, providerTransactionId: 'txnShop0001', version: 2 }, 1);
    const found = await shopStore.findOrdersBySplit(splitOrder.provider, 'shopSplit', 'txnShop0001');
    expect(found.map((o) => o.id)).toEqual([splitOrder.id]);
    // Counted by schema-qualified name: everything in shop, nothing in public.
    const admin = open('public');
    const count = async (schema: string, table: string, where = sql`true`) => {
      const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${schema}.${prefix}${table}`)}
        where ${where}`.execute(admin);
      return Number(rows[0]?.n);
    };
    const counts = async (schema: string) => [
      await count(schema, 'outbox', sql`order_id = ${order.id}`),
      await count(schema, 'outbox_claims'),
      await count(schema, 'outbox_cursors'),
      await count(schema, 'checkout_sessions'),
      await count(schema, 'checkout_tokens'),
      await count(schema, 'order_splits', sql`trade = 'txnShop0001'`),
    ];
    expect(await counts(shop)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await counts('public')).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('starts with search_path set to a schema that does not exist yet', async () => {
    const alone = `hz${tag}_alone`;
    const store = createSqlStore({ db: open(alone), tablePrefix: prefix, schema: alone });
    try {
      await store.create(sampleOrder({ id: 'aloneOrder01' }));
      expect((await store.get('aloneOrder01'))?.id).toBe('aloneOrder01');
    } finally {
      const admin = open('public');
      await sql`drop schema if exists ${sql.id(alone)} cascade`.execute(admin);
    }
  });
});

describeServerSuite('MariaDB/MySQL (schemas)', 'mysql', (url) => {
  const shop = `hz${tag}_shop`;
  const prefix = testPrefix('myschema');
  const opened: Kysely<unknown>[] = [];
  afterAll(async () => {
    const admin = connect(url, 1);
    await sql`drop database if exists ${sql.id(shop)}`.execute(admin);
    for (const table of [
      'orders',
      'outbox_claims',
      'outbox',
      'order_claims',
      'outbox_cursors',
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
      await sql`drop table if exists ${sql.table(`${prefix}${table}`)}`.execute(admin);
    }
    await admin.destroy();
    for (const db of opened) await db.destroy();
  });

  it('keeps a store in another database apart from the connection’s own, and creates it', async () => {
    const open = () => {
      const db = new Kysely<unknown>({
        dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 2 }) }),
      });
      opened.push(db);
      return db;
    };
    const here = createSqlStore({ db: open(), tablePrefix: prefix });
    const there = createSqlStore({ db: open(), tablePrefix: prefix, schema: shop });
    await here.create(sampleOrder({ id: 'hereOrder001' }));
    await there.create(sampleOrder({ id: 'thereOrder01' }));
    expect((await here.listOrders()).orders.map((o) => o.id)).toEqual(['hereOrder001']);
    expect((await there.listOrders()).orders.map((o) => o.id)).toEqual(['thereOrder01']);
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from ${sql.table(`${shop}.${prefix}orders`)}`.execute(open());
    expect(Number(rows[0]?.n)).toBe(1);
  });
});
