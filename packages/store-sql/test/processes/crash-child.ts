// One process of the crash test. Usage (from packages/store-sql):
//   node --import tsx test/processes/crash-child.ts MODE TARGET PREFIX ORDER_ID
// - `pay`: creates and pays ORDER_ID through the facade on the SQL store; its `order.paid` listener
//   prints `LISTENER <eventId> <pid>` and never returns (the others print `DELIVERED <type> <eventId>`), so the parent can SIGKILL the process after the
//   commit and before the fulfilment.
// - `deliver`: a restarted instance: its listeners print `DELIVERED <type> <eventId>` for every event
//   they complete; it prints `DRAINED` once a relay pass finds nothing left, and exits.
import { createPayments } from '../../../core/src/index.js';
import { createFakeProvider } from '../../../core/src/testing/index.js';
import { createSqlStore } from '../../src/index.js';
import { connect, countOpenEvents } from './connect.js';

const [mode, target, tablePrefix, orderId] = process.argv.slice(2);
if (!mode || !target || !tablePrefix || !orderId) throw new Error('usage: crash-child.ts MODE TARGET PREFIX ORDER_ID');
const db = connect(target);
const store = createSqlStore({ db, tablePrefix });
const fake = createFakeProvider({ secret: 'crash-test-secret' });
const payments = createPayments({
  providers: [fake],
  store,
  // The first life holds its claims for 10 s, so a machine too busy to acknowledge order.created
  // within a short lease never sees it claimed again (and delivered twice) before the kill; the
  // restarted life waits that lease out on order.paid, whose claim died with the first.
  relay: { autoStart: false, leaseMs: mode === 'pay' ? 10_000 : 500, pollIntervalMs: 20 },
});
const say = (line: string) => process.stdout.write(`${line}\n`);

if (mode === 'pay') {
  payments.on('order.created', ({ eventId }) => void say(`DELIVERED order.created ${eventId}`));
  payments.on('order.pending', ({ eventId }) => void say(`DELIVERED order.pending ${eventId}`));
  payments.on('order.paid', ({ eventId }) => {
    say(`LISTENER ${eventId} ${process.pid}`);
    return new Promise<void>(() => undefined); // the fulfilment never finishes: the parent kills us here
  });
  payments.relay?.start();
  const { order } = await payments.createPayment({
    provider: 'fake',
    method: 'qr',
    amount: 1999,
    subject: 'Tea',
    orderId,
  });
  // Let the relay acknowledge order.created and order.pending first (it acknowledges in batches),
  // so the only event in flight when the parent kills us is order.paid.
  while ((await countOpen()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const result = await payments.handleNotification('fake', fake.sandbox.pay(order.id));
  say(`COMMITTED ${result.order?.status}`);
  // Stay up like a server does (the relay's timer does not hold the process), until killed.
  setInterval(() => undefined, 1000);
} else if (mode === 'deliver') {
  for (const type of ['order.created', 'order.pending', 'order.paid'] as const) {
    payments.on(type, ({ eventId }) => void say(`DELIVERED ${type} ${eventId}`));
  }
  // Wait out the dead process's lease, then relay until nothing is left.
  for (;;) {
    const delivered = (await payments.relay?.runOnce()) ?? 0;
    if (delivered === 0) {
      if ((await countOpen()) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  say('DRAINED');
  await db.destroy();
} else {
  throw new Error(`unknown mode ${mode}`);
}

/** Events the default group has not acknowledged. */
function countOpen(): Promise<number> {
  return countOpenEvents(db, tablePrefix as string);
}
