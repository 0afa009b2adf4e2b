/**
 * The outbox relay: claims events in batches, delivers them (several orders at once, one order's
 * events in order, each delivery under a deadline), acknowledges and releases in batches, backs
 * failed events off, and prunes what its group acknowledged once the retention period has passed.
 *
 * @packageDocumentation
 */
import { TimeoutError, ValidationError } from './errors.js';
import {
  type ClaimedOutboxEvent,
  checkLease,
  checkOutboxName,
  defaultConsumerName,
  type OrderOutbox,
  type OutboxEventType,
} from './outbox-events.js';

/**
 * What a failure reported to {@link OutboxRelayOptions.onError} concerns.
 *
 * @example
 * ```ts
 * const context: OutboxRelayErrorContext = { event, timedOut: true };
 * ```
 */
export interface OutboxRelayErrorContext {
  /** The event whose delivery failed; absent for a store failure (claim, acknowledge, release, prune). */
  readonly event?: ClaimedOutboxEvent | undefined;
  /** The event was acknowledged undelivered after `maxAttempts`. */
  readonly gaveUp?: boolean | undefined;
  /** The delivery did not settle within `deliveryTimeoutMs` (the error is a `TimeoutError`). */
  readonly timedOut?: boolean | undefined;
}

/**
 * Options of {@link createOutboxRelay}. Durations are in milliseconds.
 *
 * @example
 * ```ts
 * const options: OutboxRelayOptions = { outbox: store.outbox, deliver: async (event) => publish(event) };
 * ```
 */
export interface OutboxRelayOptions {
  /** Where the events are. */
  readonly outbox: OrderOutbox;
  /**
   * Delivers one event. Resolving (with anything but `false`) acknowledges it; `false`, a throw, or
   * not settling within `deliveryTimeoutMs` releases it, to be tried again after a backoff. `signal`
   * aborts at the deadline and when `stop()` gives up waiting.
   */
  readonly deliver: (event: ClaimedOutboxEvent, context: { readonly signal: AbortSignal }) => unknown;
  /**
   * Which event types are delivered (default: all). Events of other types are acknowledged with
   * the next batch, without a delivery and without a round trip of their own.
   */
  readonly accepts?: ((type: OutboxEventType) => boolean) | undefined;
  /**
   * The consumer group (default `default`): instances that share a group share its events, each
   * event going to one of them. Give each instance its own stable group to deliver every event to
   * every instance.
   */
  readonly group?: string | undefined;
  /** This consumer's name. Default: host, process id and a random part. */
  readonly consumer?: string | undefined;
  /** Most events claimed (and held) at once. Default 200. */
  readonly batchSize?: number | undefined;
  /**
   * How long a claim holds before another consumer may take the event. Default 60 000; keep it
   * above `deliveryTimeoutMs`.
   */
  readonly leaseMs?: number | undefined;
  /** Pause after a claim that found less than it asked for, in `start()` mode. Default 1000. */
  readonly pollIntervalMs?: number | undefined;
  /**
   * Claims of one event after which it is acknowledged even though delivery failed (it is then
   * reported to `onError` with `gaveUp: true`). Default 10.
   */
  readonly maxAttempts?: number | undefined;
  /**
   * Deadline of one delivery. Default 30 000. Also the longest a write of acknowledgements and
   * releases holds the next one: a store call stuck longer is reported (a `TimeoutError`) and its
   * acknowledgements are tried again by the next write.
   */
  readonly deliveryTimeoutMs?: number | undefined;
  /** Orders whose events are delivered at the same time (one order's events go one after the other). Default 16. */
  readonly concurrency?: number | undefined;
  /** First retry delay of a failed event; doubled at each attempt, with jitter. Default 1000. */
  readonly retryDelayMs?: number | undefined;
  /** Longest retry delay. Default 300 000 (5 minutes). */
  readonly maxRetryDelayMs?: number | undefined;
  /**
   * How long `stop()` waits for deliveries in progress before it releases their events and
   * resolves. Default 5000.
   */
  readonly drainTimeoutMs?: number | undefined;
  /**
   * Acknowledged events older than this are deleted, with their claims, in `start()` mode: in
   * batches of `pruneBatchSize`, every `pruneIntervalMs`. Default 7 days; `false` keeps every event.
   */
  readonly retentionMs?: number | false | undefined;
  /** Pause between two pruning rounds in `start()` mode. Default 60 000. */
  readonly pruneIntervalMs?: number | undefined;
  /** Events deleted per statement when pruning. Default 500. */
  readonly pruneBatchSize?: number | undefined;
  /** The clock the retention period is measured on (epoch milliseconds). Default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Failures: a delivery that threw or timed out, an event given up, or a store call that failed. */
  readonly onError?: ((error: unknown, context: OutboxRelayErrorContext) => void) | undefined;
}

/**
 * A relay from an {@link OrderOutbox} to a delivery function.
 *
 * @example
 * ```ts
 * const relay = createOutboxRelay({ outbox: store.outbox, deliver });
 * relay.start();
 * process.on('SIGTERM', () => relay.stop());
 * ```
 */
export interface OutboxRelay {
  /**
   * One claim-deliver-acknowledge pass over one batch; resolves, once every delivery of the batch
   * settled or timed out, with the number of events acknowledged.
   */
  runOnce(): Promise<number>;
  /** Runs until {@link OutboxRelay.stop}: claims again as soon as there is room, else after `pollIntervalMs`. */
  start(): void;
  /**
   * Stops `start()` mode. Resolves within `drainTimeoutMs` (plus one store call) whatever the
   * listeners do: deliveries that settle by then are acknowledged, the rest released.
   */
  stop(): Promise<void>;
  /** In `start()` mode, claims now instead of waiting for the poll (events were just written). */
  wake(): void;
  /**
   * One pruning round: deletes, in batches, the events this group acknowledged that are older
   * than `retentionMs`; returns how many. 0 with `retentionMs: false`.
   */
  prune(): Promise<number>;
  /** Whether `start()` mode is on. */
  readonly running: boolean;
  readonly group: string;
  readonly consumer: string;
}

function integerOption(value: number | undefined, fallback: number, field: string, min = 0): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < min)
    throw new ValidationError(field, `must be an integer of at least ${min}`);
  return result;
}

const DAY_MS = 86_400_000;
/** At most this many batches in one pruning round, so a round never runs long. */
const PRUNE_BATCHES_PER_ROUND = 20;

/** A resolvable promise, for the loop to wait on "something changed". */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
  });
}

type Outcome = 'delivered' | 'failed' | 'timeout';

/** The events of one order waiting for (or in) delivery, delivered one after the other. */
interface Chain {
  readonly orderId: string;
  readonly events: ClaimedOutboxEvent[];
}

/**
 * Creates an {@link OutboxRelay}: claims a batch of events for its group, delivers the events of
 * up to `concurrency` orders at once (each order's in the order they were written), each under a
 * deadline, and acknowledges them in batches. A delivery that fails or times out releases its event
 * (and the later events of its order) for a retry after an exponential backoff, while the other
 * orders' events keep flowing. Delivery is at least once: a process that dies after delivering
 * and before acknowledging delivers again after the lease, so receivers de-duplicate by `event.id`.
 * `createPayments` makes one for stores with an outbox (`payments.relay`); use this directly to
 * deliver events elsewhere (a queue, a webhook).
 *
 * @example
 * ```ts
 * import { createOutboxRelay } from '@hutong/core';
 *
 * const relay = createOutboxRelay({
 *   outbox: store.outbox,
 *   group: 'warehouse',
 *   deliver: async (event, { signal }) => {
 *     await queue.publish(event.type, event.payload, { dedupeId: event.id, signal });
 *   },
 * });
 * relay.start();
 * ```
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  // One closure of about 420 lines on purpose: the chains, the held orders and the pending
  // acknowledgements are state every step shares. Each step is its own function of under 60 lines:
  // deliverOne, runChain, dispatch, retryAcks, ack, write, flush, loop, prune, stop.
  const { outbox, deliver, accepts } = options;
  if (!outbox || typeof outbox.claimEvents !== 'function')
    throw new ValidationError('outbox', 'must be an OrderOutbox');
  const group = checkOutboxName(options.group ?? 'default', 'group');
  const consumer = checkOutboxName(options.consumer ?? defaultConsumerName(), 'consumer');
  const batchSize = integerOption(options.batchSize, 200, 'batchSize', 1);
  const leaseMs = checkLease(options.leaseMs ?? 60_000);
  const pollIntervalMs = integerOption(options.pollIntervalMs, 1000, 'pollIntervalMs');
  const maxAttempts = integerOption(options.maxAttempts, 10, 'maxAttempts', 1);
  const deliveryTimeoutMs = checkLease(options.deliveryTimeoutMs ?? 30_000, 'deliveryTimeoutMs');
  const concurrency = integerOption(options.concurrency, 16, 'concurrency', 1);
  const retryDelayMs = integerOption(options.retryDelayMs, 1000, 'retryDelayMs');
  const maxRetryDelayMs = Math.min(integerOption(options.maxRetryDelayMs, 300_000, 'maxRetryDelayMs'), DAY_MS);
  const drainTimeoutMs = integerOption(options.drainTimeoutMs, 5000, 'drainTimeoutMs');
  const retentionMs =
    options.retentionMs === false ? false : integerOption(options.retentionMs, 7 * DAY_MS, 'retentionMs', 1);
  const pruneIntervalMs = integerOption(options.pruneIntervalMs, 60_000, 'pruneIntervalMs', 1);
  const pruneBatchSize = integerOption(options.pruneBatchSize, 500, 'pruneBatchSize', 1);
  if (pruneBatchSize > 10_000) throw new ValidationError('pruneBatchSize', 'must be at most 10000');
  const now = options.now ?? Date.now;
  const report = (error: unknown, context: OutboxRelayErrorContext) => {
    try {
      options.onError?.(error, context);
    } catch {
      // A reporter's failure must not stop the relay.
    }
  };

  // Events claimed and not yet settled, by order; the chains waiting for a delivery slot.
  const chains = new Map<string, Chain>();
  const waiting: Chain[] = [];
  const claimedIds = new Set<string>();
  let delivering = 0;
  // Orders with an event backing off: their later events wait until then (epoch ms).
  const heldUntil = new Map<string, number>();
  // Settled, to be written with the next flush.
  let acks: string[] = [];
  let releases: { id: string; delayMs: number; attempted: boolean }[] = [];
  let acknowledged = 0;
  // Bumped by stop() when it stops waiting: deliveries of an older generation settle nothing.
  let generation = 0;
  let changed = signal();
  let wakeUp = signal();
  let woken = false;
  let running = false;
  let stopping = false;
  let loopDone: Promise<void> | undefined;
  let pruneTimer: ReturnType<typeof setTimeout> | undefined;
  let pruning: Promise<number> | undefined;
  let flushing: Promise<number> = Promise.resolve(0);
  let flushScheduled = false;
  // Acknowledgements that failed: tried again with the next flushes until the lease they were
  // claimed under has surely run out (then the event is claimed and delivered again anyway).
  const ackRetryUntil = new Map<string, number>();
  // Those to try again, apart from new ones: a row the store cannot write must not hold the others.
  let ackRetries: string[] = [];
  const ackRetryMs = Math.max(50, Math.min(1000, Math.floor(leaseMs / 4)));
  let ackRetryTimer: ReturnType<typeof setTimeout> | undefined;

  const notify = () => {
    const current = changed;
    changed = signal();
    current.resolve();
  };
  const pending = () => claimedIds.size;

  const backoff = (attempts: number) => {
    const exponential = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempts - 1, 30));
    // Half fixed, half random: retries of a burst of failures spread out.
    return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
  };

  async function deliverOne(event: ClaimedOutboxEvent): Promise<Outcome> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deliveryTimeoutMs);
      timer.unref?.();
    });
    const attempt = (async (): Promise<Outcome> => {
      try {
        return (await deliver(event, { signal: controller.signal })) === false ? 'failed' : 'delivered';
      } catch (error) {
        report(error, { event });
        return 'failed';
      }
    })();
    const outcome = await Promise.race([attempt, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const error = new TimeoutError(
        deliveryTimeoutMs,
        `the delivery of ${event.id} did not settle within ${deliveryTimeoutMs} ms`,
      );
      controller.abort(error);
      report(error, { event, timedOut: true });
    }
    return outcome;
  }

  /** Puts the events back for later: claimable after `delayMs`, counted as attempts or not. */
  function release(events: readonly ClaimedOutboxEvent[], delayMs: number, attempted: boolean): void {
    for (const event of events) {
      releases.push({ id: event.id, delayMs, attempted });
      claimedIds.delete(event.id);
    }
  }

  function settle(event: ClaimedOutboxEvent): void {
    acks.push(event.id);
    claimedIds.delete(event.id);
  }

  async function runChain(chain: Chain): Promise<void> {
    const started = generation;
    try {
      for (let event = chain.events.shift(); event; event = chain.events.shift()) {
        if (stopping) {
          release([event, ...chain.events.splice(0)], 0, false);
          break;
        }
        const outcome = await deliverOne(event);
        // stop() gave up on this delivery and released its event: another instance owns it now.
        if (started !== generation) {
          // stop() emptied this chain; anything left goes back uncounted.
          const rest = chain.events.splice(0);
          for (const other of rest) releases.push({ id: other.id, delayMs: 0, attempted: false });
          if (rest.length > 0) scheduleFlush();
          break;
        }
        if (outcome === 'delivered') {
          settle(event);
        } else if (event.attempts >= maxAttempts) {
          report(new ValidationError('event', `${event.id} was not delivered after ${event.attempts} attempts`), {
            event,
            gaveUp: true,
          });
          settle(event);
        } else {
          // The order's later events wait behind this one, so the order's events stay in order.
          const delayMs = backoff(event.attempts);
          heldUntil.set(chain.orderId, Date.now() + delayMs);
          release([event], delayMs, true);
          release(chain.events.splice(0), delayMs, false);
        }
        scheduleFlush();
        notify();
      }
    } finally {
      // A chain of an older generation was detached by stop(): the order's chain, if any, is a new one.
      if (chains.get(chain.orderId) === chain) chains.delete(chain.orderId);
      if (started === generation) delivering--;
      pump();
      notify();
    }
  }

  function pump(): void {
    while (delivering < concurrency && waiting.length > 0) {
      const chain = waiting.shift() as Chain;
      delivering++;
      void runChain(chain);
    }
  }

  function dispatch(events: readonly ClaimedOutboxEvent[]): void {
    const at = Date.now();
    for (const [orderId, until] of heldUntil) if (until <= at) heldUntil.delete(orderId);
    for (const event of events) {
      // Claimed again while still being delivered here (its lease ran out): the delivery in progress settles it.
      if (claimedIds.has(event.id)) continue;
      claimedIds.add(event.id);
      if (accepts && !accepts(event.type)) {
        settle(event);
        continue;
      }
      const until = heldUntil.get(event.orderId);
      if (until !== undefined && !chains.has(event.orderId)) {
        release([event], Math.max(0, until - at), false);
        continue;
      }
      let chain = chains.get(event.orderId);
      if (!chain) {
        chain = { orderId: event.orderId, events: [] };
        chains.set(event.orderId, chain);
        waiting.push(chain);
      }
      chain.events.push(event);
    }
    pump();
    if (acks.length > 0 || releases.length > 0) scheduleFlush();
    notify();
  }

  /**
   * Flushes on the next turn of the event loop, so whatever settles meanwhile goes in the same call;
   * while a flush waits on the store, what settles gathers for the next one. An acknowledgement
   * never waits behind a slow delivery.
   */
  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    const timer = setTimeout(() => {
      flushScheduled = false;
      void flush();
    }, 0);
    timer.unref?.();
  }

  /** Keeps `ids`, whose acknowledgement failed or did not settle, for the next flushes. */
  function retryAcks(ids: readonly string[]): void {
    const at = Date.now();
    for (const id of ids) {
      const until = ackRetryUntil.get(id) ?? at + leaseMs;
      if (until <= at) {
        ackRetryUntil.delete(id);
        continue;
      }
      ackRetryUntil.set(id, until);
      ackRetries.push(id);
    }
    if (ackRetryTimer || ackRetries.length === 0) return;
    ackRetryTimer = setTimeout(() => {
      ackRetryTimer = undefined;
      scheduleFlush();
    }, ackRetryMs);
    ackRetryTimer.unref?.();
  }

  /** Acknowledges `ids` in one call; on failure reports it and keeps them for a later flush. */
  async function ack(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    try {
      await outbox.ackEvents(ids, group);
      acknowledged += ids.length;
      for (const id of ids) ackRetryUntil.delete(id);
      return ids.length;
    } catch (error) {
      // Tried again with a later flush; still claimed here until their lease runs out.
      report(error, {});
      retryAcks(ids);
      return 0;
    }
  }

  /**
   * Writes the new acknowledgements `ids`, then those tried again (`retried`, in a call of their
   * own), then `released` (one call per kind).
   */
  async function write(ids: string[], retried: string[], released: typeof releases): Promise<number> {
    const acked = (await ack(ids)) + (await ack(retried));
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
        report(error, {});
      }
    }
    return acked;
  }

  /**
   * Writes the acknowledgements and releases gathered so far. One write at a time, but none waits
   * for ever behind a stuck one: past `deliveryTimeoutMs` it is reported and left to settle on its
   * own, and its acknowledgements go again with the next write.
   */
  function flush(): Promise<number> {
    flushing = flushing.then(async () => {
      const ids = acks;
      const retried = ackRetries;
      const released = releases;
      acks = [];
      ackRetries = [];
      releases = [];
      if (ids.length === 0 && retried.length === 0 && released.length === 0) return 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), deliveryTimeoutMs);
        timer.unref?.();
      });
      const outcome = await Promise.race([write(ids, retried, released), deadline]);
      clearTimeout(timer);
      if (outcome !== 'timeout') return outcome;
      report(
        new TimeoutError(deliveryTimeoutMs, `the outbox did not acknowledge or release within ${deliveryTimeoutMs} ms`),
        {},
      );
      retryAcks([...ids, ...retried]);
      return 0;
    });
    return flushing;
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await changed.promise;
  }

  async function claim(limit: number): Promise<number> {
    const events = await outbox.claimEvents({ group, consumer, limit, leaseMs });
    dispatch(events);
    return events.length;
  }

  async function loop(): Promise<void> {
    while (running) {
      const room = batchSize - pending();
      let claimed = 0;
      if (room > 0) {
        try {
          claimed = await claim(room);
        } catch (error) {
          report(error, {});
        }
      }
      if (!running) break;
      if (claimed < room) {
        // Nothing more to claim now: wait for the poll, or for a write to wake us.
        if (woken) woken = false;
        else await Promise.race([sleep(pollIntervalMs), wakeUp.promise]);
        woken = false;
      } else {
        // A full batch: claim more once half of it settled, so events flow past a slow delivery.
        await until(() => pending() <= batchSize / 2 || !running);
      }
    }
  }

  async function prune(): Promise<number> {
    if (retentionMs === false) return 0;
    if (pruning) return pruning;
    pruning = (async () => {
      const before = new Date(now() - retentionMs);
      let total = 0;
      for (let round = 0; round < PRUNE_BATCHES_PER_ROUND; round++) {
        const deleted = await outbox.pruneEvents(before, { group, limit: pruneBatchSize });
        total += deleted;
        if (deleted < pruneBatchSize) break;
      }
      return total;
    })().finally(() => {
      pruning = undefined;
    });
    return pruning;
  }

  const schedulePrune = (delay: number) => {
    if (!running || retentionMs === false) return;
    pruneTimer = setTimeout(() => {
      prune()
        .catch((error: unknown) => report(error, {}))
        .finally(() => schedulePrune(pruneIntervalMs));
    }, delay);
    pruneTimer.unref?.();
  };

  return {
    async runOnce() {
      const before = acknowledged;
      await claim(batchSize);
      await until(() => pending() === 0);
      await flush();
      return acknowledged - before;
    },
    start() {
      if (running) return;
      running = true;
      stopping = false;
      woken = false;
      wakeUp = signal();
      loopDone = loop();
      schedulePrune(Math.min(pruneIntervalMs, 5000));
    },
    async stop() {
      if (!running && !loopDone) return;
      running = false;
      if (pruneTimer) clearTimeout(pruneTimer);
      pruneTimer = undefined;
      wakeUp.resolve();
      notify();
      const drained = Promise.all([loopDone, until(() => delivering === 0)]);
      await Promise.race([drained, sleep(drainTimeoutMs)]);
      loopDone = undefined;
      // Whatever is still waiting goes back at once, uncounted; what is still being delivered
      // after the drain time is released as a failed attempt.
      stopping = true;
      for (const chain of waiting.splice(0)) release(chain.events.splice(0), 0, false);
      for (const chain of chains.values()) release(chain.events.splice(0), 0, false);
      const inFlight = [...claimedIds];
      for (const id of inFlight) releases.push({ id, delayMs: 0, attempted: true });
      claimedIds.clear();
      // The deliveries still in progress belong to the old generation: their chains are forgotten
      // (a restart starts new ones for their orders) and they no longer hold a delivery slot.
      chains.clear();
      delivering = 0;
      generation++;
      await Promise.race([flush(), sleep(drainTimeoutMs)]);
      // Acknowledgements still failing wait for the next start() (or lapse with their lease).
      if (ackRetryTimer) clearTimeout(ackRetryTimer);
      ackRetryTimer = undefined;
      stopping = false;
    },
    wake() {
      if (!running) return;
      woken = true;
      const current = wakeUp;
      wakeUp = signal();
      current.resolve();
    },
    prune,
    get running() {
      return running;
    },
    group,
    consumer,
  };
}
