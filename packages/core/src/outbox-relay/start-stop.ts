/**
 * `start()` mode: starting the claim loop and the pruning, waking it, and stopping it: waiting
 * up to `drainTimeoutMs` for the deliveries in progress, then handing back whatever is still held.
 *
 * @packageDocumentation
 */
import { flush } from './acknowledge-and-release.js';
import { loop } from './claim-loop.js';
import { release } from './order-chains.js';
import { schedulePrune } from './prune-events.js';
import { notify, type RelayContext, until } from './relay-context.js';
import { signal, sleep } from './relay-signal.js';

/** Starts the claim loop and the pruning rounds, unless they run already. */
export function start(context: RelayContext): void {
  const { run } = context;
  if (run.running) return;
  run.running = true;
  context.delivery.stopping = false;
  run.woken = false;
  run.wakeUp = signal();
  run.loopDone = loop(context);
  schedulePrune(context, Math.min(context.pruneIntervalMs, 5000));
}

/** Ends the loop's pause now: events were just written. */
export function wake(context: RelayContext): void {
  const { run } = context;
  if (!run.running) return;
  run.woken = true;
  const current = run.wakeUp;
  run.wakeUp = signal();
  current.resolve();
}

/**
 * Whatever is still waiting goes back at once, uncounted; what is still being delivered after the
 * drain time is released as a failed attempt.
 */
function handBack(context: RelayContext): void {
  const { delivery, writes } = context;
  delivery.stopping = true;
  for (const chain of delivery.waiting.splice(0)) release(context, chain.events.splice(0), 0, false);
  for (const chain of delivery.chains.values()) release(context, chain.events.splice(0), 0, false);
  const inFlight = [...delivery.claimedIds];
  for (const id of inFlight) writes.releases.push({ id, delayMs: 0, attempted: true });
  delivery.claimedIds.clear();
  // The deliveries still in progress belong to the old generation: their chains are forgotten
  // (a restart starts new ones for their orders) and they no longer hold a delivery slot.
  delivery.chains.clear();
  delivery.delivering = 0;
  delivery.generation++;
}

/**
 * Stops `start()` mode within `drainTimeoutMs` (plus one store call): deliveries that settle by
 * then are acknowledged, the rest released.
 */
export async function stop(context: RelayContext): Promise<void> {
  const { run, delivery, writes, retention, drainTimeoutMs } = context;
  if (!run.running && !run.loopDone) return;
  run.running = false;
  if (retention.timer) clearTimeout(retention.timer);
  retention.timer = undefined;
  run.wakeUp.resolve();
  notify(context);
  const drained = Promise.all([run.loopDone, until(context, () => delivery.delivering === 0)]);
  await Promise.race([drained, sleep(drainTimeoutMs)]);
  run.loopDone = undefined;
  handBack(context);
  await Promise.race([flush(context), sleep(drainTimeoutMs)]);
  // Acknowledgements still failing wait for the next start() (or lapse with their lease).
  if (writes.ackRetryTimer) clearTimeout(writes.ackRetryTimer);
  writes.ackRetryTimer = undefined;
  delivery.stopping = false;
}
