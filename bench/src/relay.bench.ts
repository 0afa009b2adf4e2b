/**
 * The outbox relay beside the webhook handler on the same store. First the rate at which the facade
 * applies `order.paid` notifications (8 in flight, relay off), then the rate at which the relay
 * delivers those events to an `order.paid` listener; goal: at least twice the production rate.
 * Then a burst of 5,000 notifications over HTTP to the webhook handler of a server whose relay runs
 * meanwhile, as in production: the lag from the burst's last answer until every `order.paid`
 * reached its listener; goal: at most 2 s. PostgreSQL when a server answers
 * (HUTONG_TEST_POSTGRES_URL or the default URL), then SQLite in a file. On PostgreSQL the plan of
 * the claim query is printed after the burst.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPayments, type Order, type OrderStore, type PaymentEvent } from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { createSqlStore, migrateToLatest } from '@hutong/store-sql';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import Database from 'libsql';
import pg from 'pg';
import { type Comparison, floorProvider, type Measurement, report } from './harness.js';

const IN_FLIGHT = 8;
const PRODUCED = 3000;
const BURST = 5000;
const HTTP_IN_FLIGHT = 32;

function pendingOrder(id: string): Order {
  const at = new Date().toISOString();
  return sampleOrder({
    id,
    provider: 'bench',
    subject: 'Tea',
    status: 'pending',
    version: 2,
    createdAt: at,
    updatedAt: at,
  });
}

async function createOrders(store: OrderStore, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 200)
    await Promise.all(ids.slice(i, i + 200).map((id) => store.create(pendingOrder(id))));
}

function notifications(ids: readonly string[], offset: number): PaymentEvent[] {
  return ids.map((orderId, i) => ({
    type: 'payment.succeeded',
    orderId,
    amount: 1999,
    providerTransactionId: `t${offset + i}`,
  }));
}

const rate = (name: string, count: number, ms: number): Measurement => ({
  name,
  opsPerSecond: (count * 1000) / ms,
  nsPerOp: (ms * 1e6) / count,
});

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return true;
}

/** Production rate, then the relay's delivery rate over the same events. */
async function rates(name: string, db: Kysely<unknown>, prefix: string): Promise<[Measurement, Measurement]> {
  const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
  const ids = Array.from({ length: PRODUCED }, (_, i) => `r${String(i).padStart(9, '0')}`);
  await createOrders(store, ids);
  const events = notifications(ids, 0);
  const producer = createPayments({
    providers: [floorProvider('bench', (request) => events[Number(request.body)] as PaymentEvent)],
    store,
    relay: false,
  });
  const headers = { 'content-type': 'application/json' };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let k = next++; k < PRODUCED; k = next++) {
        const result = await producer.handleNotification('bench', { headers, body: String(k) });
        if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
      }
    }),
  );
  const produced = rate(
    `${name}: webhook handler produces order.paid, ${IN_FLIGHT} in flight`,
    PRODUCED,
    performance.now() - started,
  );

  const consumer = createPayments({
    providers: [floorProvider('bench', () => events[0] as PaymentEvent)],
    store,
    relay: { autoStart: false, pollIntervalMs: 50 },
  });
  let delivered = 0;
  consumer.on('order.paid', () => {
    delivered++;
  });
  const relayStarted = performance.now();
  consumer.relay?.start();
  if (!(await until(() => delivered >= PRODUCED, 120_000))) throw new Error(`only ${delivered} delivered`);
  const deliveredRate = rate(
    `${name}: relay delivers order.paid to a listener`,
    PRODUCED,
    performance.now() - relayStarted,
  );
  await consumer.relay?.stop();
  return [produced, deliveredRate];
}

/** The burst over HTTP, with the relay running in the server; returns the lag in ms (or null). */
async function burst(
  db: Kysely<unknown>,
  prefix: string,
): Promise<{ lag: number | null; burstMs: number; delivered: number }> {
  const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
  const ids = Array.from({ length: BURST }, (_, i) => `b${String(i).padStart(9, '0')}`);
  await createOrders(store, ids);
  const events = notifications(ids, PRODUCED);
  const payments = createPayments({
    providers: [floorProvider('bench', (request) => events[Number(request.body)] as PaymentEvent)],
    store,
    relay: { pollIntervalMs: 100 },
  });
  let delivered = 0;
  payments.on('order.paid', () => {
    delivered++;
  });
  const handler = payments.webhookHandler('bench');
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const response = await handler(
      new Request(`http://127.0.0.1${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      }),
    );
    res.writeHead(response.status);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  // Longer than any pause of the client, so a kept-alive connection is never closed under its request.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: HTTP_IN_FLIGHT }, async () => {
        for (let k = next++; k < BURST; k = next++) {
          const response = await fetch(`http://127.0.0.1:${port}/webhooks/bench`, { method: 'POST', body: String(k) });
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`notification ${k} answered ${response.status}`);
        }
      }),
    );
    const ended = performance.now();
    const reached = await until(() => delivered >= BURST, 60_000);
    return { lag: reached ? performance.now() - ended : null, burstMs: ended - started, delivered };
  } finally {
    await payments.relay?.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function benchEngine(name: string, db: Kysely<unknown>, explain: boolean): Promise<boolean> {
  const prefix = `relaybench${process.pid}_`;
  await migrateToLatest(db, { tablePrefix: prefix });
  try {
    const [produced, delivered] = await rates(name, db, prefix);
    const { lag, burstMs, delivered: reached } = await burst(db, prefix);
    const comparisons: Comparison[] = [
      {
        label: `${name}: relay ÷ webhook handler (rate)`,
        ratio: delivered.opsPerSecond / produced.opsPerSecond,
        kind: 'min',
        target: 2,
      },
      {
        label: `${name}: ${BURST} over HTTP in ${(burstMs / 1000).toFixed(2)} s; lag to the last order.paid (s)`,
        ratio: lag === null ? Number.POSITIVE_INFINITY : lag / 1000,
        kind: 'max',
        target: 2,
      },
    ];
    if (lag === null)
      console.log(`  (${reached} of ${BURST} order.paid reached the listener within 60 s of the burst)`);
    const ok = report(`The outbox relay beside the webhook handler on ${name}`, [produced, delivered], comparisons);
    if (explain) await printPlan(db, prefix);
    return ok;
  } finally {
    for (const table of [
      'outbox_claims',
      'outbox_cursors',
      'outbox',
      'order_claims',
      'orders',
      'migrations',
      'migration_lock',
    ]) {
      await db.schema.dropTable(`${prefix}${table}`).ifExists().execute();
    }
  }
}

/** The plans of the claim's statements on PostgreSQL, with the outbox as the burst left it. */
async function printPlan(db: Kysely<unknown>, prefix: string): Promise<void> {
  const { rows: count } = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${prefix}outbox`)}`.execute(
    db,
  );
  console.log(`  claim plans on PostgreSQL, ${count[0]?.n} events claimed and acknowledged:`);
  const plans = [
    sql`explain select max(event_seq) from ${sql.table(`${prefix}outbox_claims`)} where group_name = 'default'`,
    sql`explain select seq from ${sql.table(`${prefix}outbox`)} where seq > 100000 order by seq limit 200 for update skip locked`,
    sql`explain select event_seq from ${sql.table(`${prefix}outbox_claims`)} where group_name = 'default' and acked_at is null and lease_until <= 0 order by event_seq limit 200 for update skip locked`,
  ];
  for (const plan of plans) {
    const { rows } = await plan.execute(db);
    const lines = (rows as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']);
    console.log(
      `    ${lines
        .filter((line) => /Scan|Limit/.test(line))
        .map((line) => line.trim().replace(/\s+\(cost.*$/, ''))
        .join(' / ')}`,
    );
  }
}

export async function benchRelay(): Promise<boolean> {
  let ok = true;
  const url = process.env.HUTONG_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const probe = new pg.Pool({ connectionString: url, max: 1 });
  let answered = url !== 'off';
  try {
    if (answered) await probe.query('select 1');
  } catch {
    answered = false;
  }
  await probe.end().catch(() => undefined);
  if (answered) {
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) }),
    });
    try {
      ok = (await benchEngine('PostgreSQL', db, true)) && ok;
    } finally {
      await db.destroy();
    }
  } else {
    console.log(`\nThe outbox relay beside the webhook handler on PostgreSQL: not run (no server answered at ${url})`);
  }

  const directory = mkdtempSync(join(tmpdir(), 'hutong-relay-bench-'));
  try {
    // WAL with synchronous=NORMAL, as docs/production.md advises for SQLite: a commit does not
    // wait for the disk, and readers do not wait for the writer.
    const database = new Database(join(directory, 'relay.db'));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    try {
      ok = (await benchEngine('SQLite', db, false)) && ok;
    } finally {
      await db.destroy();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return ok;
}
