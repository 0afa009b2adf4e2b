/**
 * Notifications applied through the SQL store (facade + state machine + `createSqlStore`: read the
 * order, compare-and-set update, insert the outbox row, in one transaction), 8 in flight, beside the
 * same transaction issued straight through the driver with no hutong code. PostgreSQL when a server
 * answers (HUTONG_TEST_POSTGRES_URL or the default URL), and SQLite in a file through libsql (the
 * embedded default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPayments, type Order, type PaymentEvent } from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { createSqlStore, migrateToLatest } from '@hutong/store-sql';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import Libsql from 'libsql';
import pg from 'pg';
import { type Comparison, floorProvider, type Measurement, measureInterleaved, report } from './harness.js';

const IN_FLIGHT = 8;
const BATCHES = 40; // per sample: 320 notifications
const SAMPLES = 5;
const PER_CASE = IN_FLIGHT * BATCHES * (SAMPLES + 1);

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

/** What the direct path writes: the same row and outbox event hutong writes. */
function paid(order: Order, txn: string): Order {
  const at = new Date().toISOString();
  return {
    ...order,
    status: 'paid',
    paidAmount: order.amount,
    providerTransactionId: txn,
    paidAt: at,
    version: order.version + 1,
    updatedAt: at,
  };
}

async function benchEngine(
  name: string,
  db: Kysely<unknown>,
  direct: (id: string, i: number) => Promise<void>,
): Promise<boolean> {
  const prefix = `bench${process.pid}_`;
  await migrateToLatest(db, { tablePrefix: prefix });
  const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
  const events: PaymentEvent[] = [];
  const payments = createPayments({
    providers: [floorProvider('bench', (request) => events[Number(request.body)] as PaymentEvent)],
    store,
    relay: false,
  });
  const hutongIds: string[] = [];
  const directIds: string[] = [];
  for (let i = 0; i < PER_CASE; i++) {
    hutongIds.push(`h${String(i).padStart(9, '0')}`);
    directIds.push(`d${String(i).padStart(9, '0')}`);
  }
  for (let i = 0; i < PER_CASE; i += 200) {
    await Promise.all(
      [...hutongIds.slice(i, i + 200), ...directIds.slice(i, i + 200)].map((id) => store.create(pendingOrder(id))),
    );
  }
  for (const [i, id] of hutongIds.entries()) {
    events.push({ type: 'payment.succeeded', orderId: id, amount: 1999, providerTransactionId: `t${i}` });
  }
  const headers = { 'content-type': 'application/json' };
  const batch = (run: (k: number) => Promise<void>) => (i: number) =>
    Promise.all(Array.from({ length: IN_FLIGHT }, (_, j) => run(i * IN_FLIGHT + j)));
  const [hutong, raw] = (await measureInterleaved(
    [
      {
        name: `${name}: hutong notification (facade + SQL store + outbox), ${IN_FLIGHT} in flight`,
        fn: batch(async (k) => {
          const result = await payments.handleNotification('bench', { headers, body: String(k) });
          if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
        }),
        iterations: BATCHES,
      },
      {
        name: `${name}: same transaction through the driver, ${IN_FLIGHT} in flight`,
        fn: batch((k) => direct(`${prefix}|${directIds[k]}`, k)),
        iterations: BATCHES,
      },
    ],
    { samples: SAMPLES },
  )) as [Measurement, Measurement];
  const perNotification = (m: Measurement): Measurement => ({
    ...m,
    opsPerSecond: m.opsPerSecond * IN_FLIGHT,
    nsPerOp: m.nsPerOp / IN_FLIGHT,
  });
  const measurements = [perNotification(hutong), perNotification(raw)];
  const comparisons: Comparison[] = [
    {
      label: `${name}: hutong ÷ driver (rate)`,
      ratio: hutong.opsPerSecond / raw.opsPerSecond,
      kind: 'min',
      target: 0.7,
    },
  ];
  for (const table of [
    'outbox_claims',
    'outbox',
    'order_claims',
    'orders',
    'checkout_tokens',
    'checkout_attempts',
    'checkout_sessions',
    'migrations',
    'migration_lock',
  ]) {
    await db.schema.dropTable(`${prefix}${table}`).ifExists().execute();
  }
  return report(`Notifications through the SQL store on ${name}`, measurements, comparisons);
}

function outboxPayload(order: Order): string {
  return JSON.stringify({ order });
}

export async function benchStore(): Promise<boolean> {
  let ok = true;
  // PostgreSQL: pg's pool, BEGIN / SELECT / UPDATE ... WHERE version / INSERT outbox / COMMIT.
  const url = process.env.HUTONG_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const pool = new pg.Pool({ connectionString: url, max: IN_FLIGHT });
  let answered = url !== 'off';
  try {
    if (answered) await pool.query('select 1');
  } catch {
    answered = false;
  }
  if (answered) {
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: IN_FLIGHT }) }),
    });
    const postgresOk = await benchEngine('PostgreSQL', db, async (key, i) => {
      const [prefix, id] = key.split('|') as [string, string];
      const client = await pool.connect();
      try {
        const { rows } = await client.query(`select data, version from ${prefix}orders where id = $1`, [id]);
        const order = JSON.parse(rows[0].data) as Order;
        const next = paid(order, `t${i}`);
        await client.query('begin');
        const updated = await client.query(
          `update ${prefix}orders set status = $1, version = $2, updated_at = $3, data = $4 where id = $5 and version = $6`,
          [next.status, next.version, Date.parse(next.updatedAt), JSON.stringify(next), id, order.version],
        );
        if (updated.rowCount !== 1) throw new Error('lost the compare-and-set');
        await client.query(
          `insert into ${prefix}outbox (id, order_id, type, payload, created_at) values ($1, $2, $3, $4, $5)`,
          [`${id}:${next.version}:0`, id, 'order.paid', outboxPayload(next), Date.parse(next.updatedAt)],
        );
        await client.query('commit');
      } finally {
        client.release();
      }
    });
    ok = postgresOk && ok;
    await db.destroy();
  } else {
    console.log(`\nNotifications through the SQL store on PostgreSQL: not run (no server answered at ${url})`);
  }
  await pool.end().catch(() => undefined);

  // SQLite in a file through libsql (the embedded default: prebuilt from the npm registry, the
  // better-sqlite3 API), directly, one transaction per notification. better-sqlite3 itself is not
  // installed here: it compiles from source where no prebuilt binary is reachable.
  ok = (await benchSqlite('libsql', Libsql)) && ok;
  return ok;
}

async function benchSqlite(driver: string, Database: typeof Libsql): Promise<boolean> {
  let ok = true;
  const directory = mkdtempSync(join(tmpdir(), 'hutong-bench-'));
  try {
    const file = join(directory, 'bench.db');
    const raw = new Database(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const statements = new Map<string, ReturnType<typeof raw.transaction>>();
    const sqliteOk = await benchEngine(`SQLite (${driver})`, db, async (key, i) => {
      const [prefix, id] = key.split('|') as [string, string];
      let tx = statements.get(prefix);
      if (!tx) {
        const select = raw.prepare(`select data, version from ${prefix}orders where id = ?`);
        const update = raw.prepare(
          `update ${prefix}orders set status = ?, version = ?, updated_at = ?, data = ? where id = ? and version = ?`,
        );
        const insert = raw.prepare(
          `insert into ${prefix}outbox (id, order_id, type, payload, created_at) values (?, ?, ?, ?, ?)`,
        );
        tx = raw.transaction((orderId: string, n: number) => {
          const row = select.get(orderId) as { data: string };
          const order = JSON.parse(row.data) as Order;
          const next = paid(order, `t${n}`);
          const result = update.run(
            next.status,
            next.version,
            Date.parse(next.updatedAt),
            JSON.stringify(next),
            orderId,
            order.version,
          );
          if (result.changes !== 1) throw new Error('lost the compare-and-set');
          insert.run(
            `${orderId}:${next.version}:0`,
            orderId,
            'order.paid',
            outboxPayload(next),
            Date.parse(next.updatedAt),
          );
        });
        statements.set(prefix, tx);
      }
      tx(id, i);
    });
    ok = sqliteOk && ok;
    await db.destroy();
    raw.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return ok;
}
