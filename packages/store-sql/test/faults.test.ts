/**
 * Database faults never crash the process: a child process pays 300 orders through the webhook
 * handler, as a wallet delivers (again after a 5xx), while the test kills its database connections
 * (`pg_terminate_backend`, `KILL CONNECTION`) for a second. The child must stay up, refuse the
 * notifications it could not store with a retryable `StoreError` (never crash), pay every order exactly once, and answer the next notification
 * promptly, while its outbox relay (an `order.paid` listener) runs through the outage and delivers
 * every order's event. Both ways a store gets its pool are tried: built from a URL, and passed by
 * the merchant.
 */
import type { Kysely } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { killChild, spawnChild } from './child-process.js';
import { connect } from './processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

const ORDERS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Rows = Record<string, Record<string, string | number | null>>;

/** Kills the child's connections once; returns how many. */
type Killer = (admin: Kysely<unknown>) => Promise<number>;

async function payThroughOutage(options: {
  adminUrl: string;
  childUrl: string;
  mode: 'url' | 'pool';
  prefix: string;
  kill: Killer;
}): Promise<void> {
  const { adminUrl, childUrl, mode, prefix, kill } = options;
  const admin = connect(adminUrl, 1);
  const child = spawnChild('test/processes/fault-child.ts', [mode, childUrl, prefix, String(ORDERS)]);
  try {
    await child.waitFor('BURST', 60_000);
    let killed = 0;
    for (const until = Date.now() + 1000; Date.now() < until; ) {
      killed += await kill(admin);
      await sleep(100);
    }
    await child.waitFor('DONE', 90_000);
    expect(killed).toBeGreaterThan(0);
    // The outage reached the wallet as a refusal (so it delivers again), each a retryable
    // StoreError, never a raw driver error; and the process stayed up.
    const rejected = child.lines.filter((l) => l.startsWith('REJECTED '));
    expect(rejected.length).toBeGreaterThan(0);
    expect(new Set(rejected)).toEqual(new Set(['REJECTED StoreError store_unavailable true']));
    const statuses = child.lines.filter((l) => l.startsWith('STATUS '));
    expect(statuses.length).toBe(ORDERS + rejected.length);
    // What the wallet saw: 200 once stored, else 503 (so it delivers again), never a 4xx.
    expect(new Set(statuses)).toEqual(new Set(['STATUS 200', 'STATUS 503']));
    expect(child.alive()).toBe(true);
    expect(child.stderr()).not.toMatch(/Unhandled 'error' event/);
    // Recovered: the next payment goes through at once.
    child.send('again');
    const [, status, ms] = (await child.waitFor('AGAIN', 10_000)).split(' ');
    expect(status).toBe('200');
    expect(Number(ms)).toBeLessThan(1000);
    // The relay ran through the outage too: every order.paid reached the listener (at least once;
    // a delivery whose acknowledgement was lost comes again with the same event id).
    child.send('delivered');
    const [, delivered, deliveries] = (await child.waitFor('DELIVERED', 40_000)).split(' ');
    expect(Number(delivered)).toBe(ORDERS + 1);
    expect(Number(deliveries)).toBeGreaterThanOrEqual(ORDERS + 1);
    expect(child.alive()).toBe(true);
    // Every order paid, exactly once: one order.paid event each.
    const tables = admin as unknown as Kysely<Rows>;
    const orders = await tables.selectFrom(`${prefix}orders`).select(['id', 'status']).execute();
    expect(orders).toHaveLength(ORDERS + 1);
    expect(orders.every((o) => o.status === 'paid')).toBe(true);
    const paid = await tables
      .selectFrom(`${prefix}outbox`)
      .select('order_id')
      .where('type', '=', 'order.paid')
      .execute();
    expect(paid).toHaveLength(ORDERS + 1);
    expect(new Set(paid.map((p) => p.order_id)).size).toBe(ORDERS + 1);
  } finally {
    await killChild(child);
    expect(child.alive()).toBe(false);
    await dropStoreTables(admin, prefix);
    await admin.destroy();
  }
}

describeServerSuite('PostgreSQL (faults)', 'postgres', (url) => {
  const withName = (name: string) => `${url}${url.includes('?') ? '&' : '?'}application_name=${name}`;
  const killer =
    (name: string): Killer =>
    async (admin) => {
      const { rows } = await (await import('kysely')).sql<{ pid: number }>`
        select pg_terminate_backend(pid) as pid from pg_stat_activity where application_name = ${name}`.execute(admin);
      return rows.length;
    };
  for (const mode of ['url', 'pool'] as const) {
    it(`a store whose pool ${mode === 'url' ? 'it built from a URL' : 'the merchant passed'} survives pg_terminate_backend mid-burst and pays each order once`, {
      timeout: 180_000,
    }, async () => {
      const name = `hutong_fault_${process.pid}_${mode}`;
      await payThroughOutage({
        adminUrl: url,
        childUrl: withName(name),
        mode,
        prefix: testPrefix(`pgfault${mode}`),
        kill: killer(name),
      });
    });
  }
});

describeServerSuite('MariaDB/MySQL (faults)', 'mysql', (url) => {
  const users: string[] = [];
  afterAll(async () => {
    const admin = connect(url, 1);
    const { sql } = await import('kysely');
    for (const user of users) await sql`drop user if exists ${sql.lit(user)}@'%'`.execute(admin);
    await admin.destroy();
  });
  for (const mode of ['url', 'pool'] as const) {
    it(`a store whose pool ${mode === 'url' ? 'it built from a URL' : 'the merchant passed'} survives KILL CONNECTION mid-burst and pays each order once`, {
      timeout: 180_000,
    }, async () => {
      // The child connects as its own user, so the test kills its connections and no one else's.
      const user = `hf${process.pid.toString(36)}${mode}`;
      users.push(user);
      const { sql } = await import('kysely');
      const admin = connect(url, 1);
      const database = new URL(url).pathname.slice(1);
      await sql`create user if not exists ${sql.lit(user)}@'%'`.execute(admin);
      await sql.raw(`grant all on \`${database}\`.* to '${user}'@'%'`).execute(admin);
      await admin.destroy();
      const childUrl = new URL(url);
      childUrl.username = user;
      childUrl.password = '';
      const kill: Killer = async (db) => {
        const { rows } = await sql<{
          id: number;
        }>`select id from information_schema.processlist where user = ${user}`.execute(db);
        for (const { id } of rows)
          await sql
            .raw(`kill connection ${Number(id)}`)
            .execute(db)
            .catch(() => undefined);
        return rows.length;
      };
      await payThroughOutage({
        adminUrl: url,
        childUrl: childUrl.toString(),
        mode,
        prefix: testPrefix(`myfault${mode}`),
        kill,
      });
    });
  }
});
