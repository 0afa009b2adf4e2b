/**
 * Claiming: one pass over one batch (`runOnce`), and the loop of `start()` mode that claims again
 * as soon as half a batch settled, else after the poll interval or a `wake()`.
 *
 * @packageDocumentation
 */
import { flush } from './acknowledge-and-release.js';
import { dispatch } from './order-chains.js';
import { pending, type RelayContext, until } from './relay-context.js';
import { sleep } from './relay-signal.js';

/** Claims up to `limit` events and hands them to their orders' chains; returns how many came. */
async function claim(context: RelayContext, limit: number): Promise<number> {
  const { outbox, group, consumer, leaseMs } = context;
  const events = await outbox.claimEvents({ group, consumer, limit, leaseMs });
  dispatch(context, events);
  return events.length;
}

/** Claims until `stop()`; a failed claim is reported and tried again after the pause. */
export async function loop(context: RelayContext): Promise<void> {
  const { run, batchSize } = context;
  while (run.running) {
    const room = batchSize - pending(context);
    let claimed = 0;
    if (room > 0) {
      try {
        claimed = await claim(context, room);
      } catch (error) {
        context.report(error, {});
      }
    }
    if (!run.running) break;
    if (claimed < room) {
      // Nothing more to claim now: wait for the poll, or for a write to wake us.
      if (run.woken) run.woken = false;
      else await Promise.race([sleep(context.pollIntervalMs), run.wakeUp.promise]);
      run.woken = false;
    } else {
      // A full batch: claim more once half of it settled, so events flow past a slow delivery.
      await until(context, () => pending(context) <= batchSize / 2 || !run.running);
    }
  }
}

/** One claim-deliver-acknowledge pass over one batch; resolves with the number acknowledged. */
export async function runOnce(context: RelayContext): Promise<number> {
  const before = context.writes.acknowledged;
  await claim(context, context.batchSize);
  await until(context, () => pending(context) === 0);
  await flush(context);
  return context.writes.acknowledged - before;
}
