// One of the four instances of the multi-instance test. Usage (from packages/store-sql):
//   tsx test/processes/multi-child.ts TARGET PREFIX INDEX WORK_FILE START_AT_MS
// Its own facade, fake provider (the shared secret verifies every notification) and relay over the
// shared database: it applies every notification, refunds 40% of the first orders, runs the
// reconciler, relays events until the default group has none left, and prints what it delivered.
import { readFileSync } from 'node:fs';
import { createPayments, createReconciler, type NotificationInput } from '../../../core/src/index.js';
import type { OutboxEventType } from '../../../core/src/store-kit/index.js';
import { createFakeProvider } from '../../../core/src/testing/index.js';
import { createSqlStore } from '../../src/index.js';
import { connect } from './connect.js';
import { accountOf, merchantOf, multiMerchants } from './multi-merchants.js';

const [target, tablePrefix, index, workFile, startAt] = process.argv.slice(2);
if (!target || !tablePrefix || !index || !workFile || !startAt)
  throw new Error('usage: multi-child.ts TARGET PREFIX INDEX WORK_FILE START_AT_MS');
const work = JSON.parse(readFileSync(workFile, 'utf8')) as {
  orders: { id: string; amount: number }[];
  notifications: NotificationInput[];
  refundOrders: number;
};
const db = connect(target, 6);
const store = createSqlStore({ db, tablePrefix, migrate: false });
const fake = createFakeProvider({ secret: 'multi-instance-secret', instantRefunds: true, merchants: true });
const payments = createPayments({
  providers: [fake],
  store,
  merchants: multiMerchants(),
  relay: { leaseMs: 60_000, pollIntervalMs: 50, batchSize: 50 },
});
const delivered: string[] = [];
const types: OutboxEventType[] = [
  'order.created',
  'order.pending',
  'order.paid',
  'order.refunded',
  'order.closed',
  'order.failed',
  'order.anomaly',
  'refund.failed',
];
for (const type of types) payments.on(type, ({ eventId }) => void delivered.push(eventId));

// This instance's gateway knows every payment, paid with the transaction id the notifications carry.
for (const { id, amount } of work.orders) {
  const merchant = merchantOf(Number(id.slice('multi'.length)));
  await fake.createPayment({
    ...(merchant ? { merchant: accountOf(merchant) } : {}),
    orderId: id,
    createdAt: new Date(),
    method: 'qr',
    amount,
    currency: 'CNY',
    subject: 'Tea',
    notifyUrl: null,
    returnUrl: null,
    expiresAt: null,
    buyerId: null,
    authCode: null,
    clientIp: null,
    providerOptions: {},
  });
  fake.sandbox.pay(id, { transactionId: `txn${id}` });
}
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function pool<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
}
const rejected: string[] = [];
const refunds = { succeeded: 0, refused: 0 };
await Promise.all([
  pool(work.notifications, 8, async (notification) => {
    const result = await payments.handleNotification('fake', notification);
    if (!result.ok) rejected.push(String(result.error));
  }),
  pool(work.orders.slice(0, work.refundOrders), 4, async ({ id, amount }) => {
    for (let attempt = 0; attempt < 400; attempt++) {
      try {
        await payments.refund(id, { amount: (amount * 4) / 10, refundId: `r${index}x${id}` });
        refunds.succeeded++;
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'refund_exceeds_paid') {
          refunds.refused++;
          return;
        }
        if (code !== 'invalid_transition') throw error;
        await sleep(10); // not paid yet here: the notification is still on its way
      }
    }
    throw new Error(`order ${id} never became refundable`);
  }),
  (async () => {
    const reconciler = createReconciler({ payments, store, pendingAfterMs: 0, closeExpired: false, concurrency: 4 });
    for (let run = 0; run < 3; run++) {
      await reconciler.runOnce();
      await sleep(50);
    }
  })(),
]);

// Relay until the default group has nothing left (the other instances relay too).
const tables = db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>;
process.stderr.write(`work done: refunds ${JSON.stringify(refunds)}, ${rejected.length} rejected\n`);
for (;;) {
  const [events, acked] = await Promise.all([
    tables
      .selectFrom(`${tablePrefix}outbox`)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow(),
    tables
      .selectFrom(`${tablePrefix}outbox_claims`)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('group_name', '=', 'default')
      .where('acked_at', 'is not', null)
      .executeTakeFirstOrThrow(),
  ]);
  if (Number(events.n) === Number(acked.n)) break;
  await sleep(50);
}
await payments.relay?.stop();
process.stdout.write(`${JSON.stringify({ delivered, rejected, refunds })}\n`);
await db.destroy();
