/**
 * Writing what settled: acknowledgements and releases gathered into one write at a time, failed
 * acknowledgements tried again until their lease has run out, and no write held for ever behind a
 * store call that does not settle.
 *
 * @packageDocumentation
 */
import { TimeoutError } from '../errors.js';
import type { RelayContext, Release } from './relay-context.js';

/**
 * Flushes on the next turn of the event loop, so whatever settles meanwhile goes in the same call;
 * while a flush waits on the store, what settles gathers for the next one. An acknowledgement
 * never waits behind a slow delivery.
 */
export function scheduleFlush(context: RelayContext): void {
  const { writes } = context;
  if (writes.flushScheduled) return;
  writes.flushScheduled = true;
  const timer = setTimeout(() => {
    writes.flushScheduled = false;
    void flush(context);
  }, 0);
  timer.unref?.();
}

/** Keeps `ids`, whose acknowledgement failed or did not settle, for the next flushes. */
function retryAcks(context: RelayContext, ids: readonly string[]): void {
  const { writes } = context;
  const at = Date.now();
  for (const id of ids) {
    const until = writes.ackRetryUntil.get(id) ?? at + context.leaseMs;
    if (until <= at) {
      writes.ackRetryUntil.delete(id);
      continue;
    }
    writes.ackRetryUntil.set(id, until);
    writes.ackRetries.push(id);
  }
  if (writes.ackRetryTimer || writes.ackRetries.length === 0) return;
  writes.ackRetryTimer = setTimeout(() => {
    writes.ackRetryTimer = undefined;
    scheduleFlush(context);
  }, context.ackRetryMs);
  writes.ackRetryTimer.unref?.();
}

/** Acknowledges `ids` in one call; on failure reports it and keeps them for a later flush. */
async function ack(context: RelayContext, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { writes } = context;
  try {
    await context.outbox.ackEvents(ids, context.group);
    writes.acknowledged += ids.length;
    for (const id of ids) writes.ackRetryUntil.delete(id);
    return ids.length;
  } catch (error) {
    // Tried again with a later flush; still claimed here until their lease runs out.
    context.report(error, {});
    retryAcks(context, ids);
    return 0;
  }
}

/**
 * Writes the new acknowledgements `ids`, then those tried again (`retried`, in a call of their
 * own), then `released` (one call per kind).
 */
async function write(
  context: RelayContext,
  ids: string[],
  retried: string[],
  released: readonly Release[],
): Promise<number> {
  const { outbox, group } = context;
  const acked = (await ack(context, ids)) + (await ack(context, retried));
  const kinds = new Map<string, { delayMs: number; attempted: boolean; ids: string[] }>();
  for (const { id, delayMs, attempted } of released) {
    const key = `${delayMs}:${attempted}`;
    const kind = kinds.get(key) ?? { delayMs, attempted, ids: [] };
    kind.ids.push(id);
    kinds.set(key, kind);
  }
  for (const { delayMs, attempted, ids: part } of kinds.values()) {
    try {
      await outbox.releaseEvents(part, { group, delayMs, attempted });
    } catch (error) {
      // Unreleased, they are claimable again once their lease runs out.
      context.report(error, {});
    }
  }
  return acked;
}

/**
 * Writes the acknowledgements and releases gathered so far. One write at a time, but none waits
 * for ever behind a stuck one: past `deliveryTimeoutMs` it is reported and left to settle on its
 * own, and its acknowledgements go again with the next write.
 */
export function flush(context: RelayContext): Promise<number> {
  const { writes, deliveryTimeoutMs } = context;
  writes.flushing = writes.flushing.then(async () => {
    const ids = writes.acks;
    const retried = writes.ackRetries;
    const released = writes.releases;
    writes.acks = [];
    writes.ackRetries = [];
    writes.releases = [];
    if (ids.length === 0 && retried.length === 0 && released.length === 0) return 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deliveryTimeoutMs);
      timer.unref?.();
    });
    const outcome = await Promise.race([write(context, ids, retried, released), deadline]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return outcome;
    context.report(
      new TimeoutError(deliveryTimeoutMs, `the outbox did not acknowledge or release within ${deliveryTimeoutMs} ms`),
      {},
    );
    retryAcks(context, [...ids, ...retried]);
    return 0;
  });
  return writes.flushing;
}
