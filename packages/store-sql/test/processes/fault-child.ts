// One process of the fault test. Usage (from packages/store-sql):
//   node --import tsx test/processes/fault-child.ts MODE URL PREFIX COUNT
// MODE `url`: the store builds its pool from URL; `pool`: the test builds the driver's pool and
// passes it. Creates COUNT orders, prints `BURST`, then delivers each order's payment notification
// through the webhook handler as a wallet does (again after a 5xx, every 50 ms), COUNT at a time.
// Prints `STATUS <code>` for each answer, `REJECTED <name> <code> <retryable>` for each refused one, `DONE` when every order got a 200; then, for each line
// `again` on stdin, pays one more order and prints `AGAIN <status> <ms>`. An `order.paid` listener
// runs all along (so the outbox relay claims and acknowledges through the outage, as in
// production); each line `delivered` on stdin prints `DELIVERED <orders> <deliveries>` once every
// order paid so far reached it (or after 30 s). Stays up until killed.
import { createInterface } from 'node:readline';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createPayments } from '../../../core/src/index.js';
import { createFakeProvider } from '../../../core/src/testing/index.js';
import { createSqlStore } from '../../src/index.js';

const [mode, url, tablePrefix, countText] = process.argv.slice(2);
if (!mode || !url || !tablePrefix || !countText) throw new Error('usage: fault-child.ts MODE URL PREFIX COUNT');
const count = Number(countText);
const pool =
  mode === 'pool'
    ? url.startsWith('postgres')
      ? new pg.Pool({ connectionString: url, max: 4 })
      : createPool({ uri: url, connectionLimit: 4 })
    : undefined;
const store = createSqlStore(pool ? { pool, tablePrefix } : { url, tablePrefix, poolSize: 4 });
const fake = createFakeProvider({ secret: 'fault-test-secret' });
const payments = createPayments({ providers: [fake], store });
const webhook = payments.webhookHandler('fake');
// What the store threw while the database was away (the handler answered it with an error status).
payments.on('notification.rejected', ({ error }) => {
  const e = error as { name?: string; code?: string; retryable?: boolean };
  say(`REJECTED ${e.name} ${e.code} ${e.retryable}`);
});
const say = (line: string) => process.stdout.write(`${line}\n`);
// The relay starts with this listener: it claims, delivers and acknowledges while connections die.
const paidOrders = new Set<string>();
let paidDeliveries = 0;
payments.on('order.paid', ({ order }) => {
  paidOrders.add(order.id);
  paidDeliveries++;
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function create(index: number): Promise<string> {
  for (;;) {
    try {
      const { order } = await payments.createPayment({
        provider: 'fake',
        method: 'qr',
        amount: 100 + index,
        subject: 'Tea',
        orderId: `fault${process.pid.toString(36)}x${index.toString(36)}x${Date.now().toString(36)}`,
      });
      return order.id;
    } catch {
      await sleep(50);
    }
  }
}

/** Delivers the payment of one order until the merchant answers 200, as a wallet retries. */
async function deliver(orderId: string): Promise<number> {
  const notification = fake.sandbox.pay(orderId);
  for (;;) {
    const response = await webhook(
      new Request('http://127.0.0.1/webhooks/fake', {
        method: 'POST',
        headers: notification.headers as Record<string, string>,
        body: notification.body as BodyInit,
      }),
    );
    say(`STATUS ${response.status}`);
    if (response.status === 200) return response.status;
    await sleep(50);
  }
}

const ids: string[] = [];
for (let i = 0; i < count; i++) ids.push(await create(i));
say('BURST');
await Promise.all(ids.map(deliver));
say('DONE');

let extra = 0;
createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line.trim() === 'delivered') {
    const until = Date.now() + 30_000;
    while (paidOrders.size < count + extra && Date.now() < until) await sleep(50);
    say(`DELIVERED ${paidOrders.size} ${paidDeliveries}`);
    return;
  }
  if (line.trim() !== 'again') return;
  const started = Date.now();
  const orderId = await create(count + ++extra);
  const status = await deliver(orderId);
  say(`AGAIN ${status} ${Date.now() - started}`);
});
setInterval(() => undefined, 1000);
