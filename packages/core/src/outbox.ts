/**
 * The transactional outbox: a store that offers one writes an order and the events of its change in
 * the same transaction, and a relay delivers those events to the facade's listeners at least once.
 * A crash between the commit and the listener then delays an event; it never loses it.
 *
 * @packageDocumentation
 */
import { hostname } from 'node:os';
import { ValidationError } from './errors.js';
import { generateId } from './order-id.js';
import type { PaymentsEventMap } from './payments-events.js';

/**
 * The facade events that follow a stored change of an order, and so go through the outbox with a
 * store that has one: every event but `notification.rejected`.
 *
 * @example
 * ```ts
 * const type: OutboxEventType = 'order.paid';
 * ```
 */
export type OutboxEventType = Exclude<keyof PaymentsEventMap, 'notification.rejected'>;

/**
 * What an outbox event stores: the listener payload of its type without `eventId` (the event's own
 * id) and without `error` (an `order.anomaly` listener gets its `AmountMismatchError` rebuilt from
 * the anomaly). Plain JSON.
 *
 * @example
 * ```ts
 * const payload: OutboxPayload<'order.refunded'> = { order, refund, fully: true };
 * ```
 */
export type OutboxPayload<T extends OutboxEventType> = Omit<PaymentsEventMap[T], 'eventId' | 'error'>;

/**
 * One event of the outbox. Its `id` is `<orderId>:<version>:<index>`: the order, the version the
 * change produced, and the event's place among that change's events. The same change always gets
 * the same ids, so listeners de-duplicate on it.
 *
 * @example
 * ```ts
 * const event: OutboxEvent = {
 *   id: 'order0000001:3:0', type: 'order.paid', orderId: 'order0000001',
 *   payload: { order }, createdAt: '2024-01-01T00:00:00.000Z',
 * };
 * ```
 */
export type OutboxEvent = {
  readonly [T in OutboxEventType]: {
    readonly id: string;
    readonly type: T;
    readonly orderId: string;
    readonly payload: OutboxPayload<T>;
    /** ISO-8601 time of the change. */
    readonly createdAt: string;
  };
}[OutboxEventType];

/**
 * An event handed out by {@link OrderOutbox.claimEvents}: leased to one consumer of one group until
 * it is acknowledged or the lease runs out.
 *
 * @example
 * ```ts
 * for (const event of claimed) if (event.attempts > 3) log.warn(event.id);
 * ```
 */
export type ClaimedOutboxEvent = OutboxEvent & {
  /** How many times this group has claimed it, this claim included (1 on the first delivery). */
  readonly attempts: number;
};

/**
 * Arguments of {@link OrderOutbox.claimEvents}.
 *
 * @example
 * ```ts
 * const options: ClaimEventsOptions = { group: 'default', consumer: 'web-1', limit: 100, leaseMs: 30_000 };
 * ```
 */
export interface ClaimEventsOptions {
  /**
   * The consumer group. Each event is delivered to every group once (at least once); within a
   * group, to one consumer at a time. 1 to 64 of `A-Z a-z 0-9 _ . : -`.
   */
  readonly group: string;
  /** Who claims (for leases and diagnostics), same characters as `group`. */
  readonly consumer: string;
  /** Most events to claim, 1 to 1000. */
  readonly limit: number;
  /** How long the claim holds, in milliseconds (at least 1). Unacknowledged after that, the event is claimable again. */
  readonly leaseMs: number;
}

/**
 * The outbox side of a store: what {@link createOutboxRelay} needs. A store offers it as
 * {@link OrderStore.outbox} when its `create` and `update` write the events they are given in the
 * same transaction as the order; `runOutboxStoreTests` in `@hutong/core/conformance` checks it.
 *
 * @example
 * ```ts
 * const events = await store.outbox.claimEvents({ group: 'default', consumer: 'web-1', limit: 100, leaseMs: 30_000 });
 * await store.outbox.ackEvents(events.map((event) => event.id), 'default');
 * ```
 */
export interface OrderOutbox {
  /**
   * Leases up to `limit` events that `group` has not acknowledged and that no consumer of `group`
   * holds a live lease on, oldest first (so one order's events come in the order they were written).
   */
  claimEvents(options: ClaimEventsOptions): Promise<ClaimedOutboxEvent[]>;
  /** Marks events delivered for `group`; returns how many were not acknowledged before. */
  ackEvents(ids: readonly string[], group: string): Promise<number>;
}

/**
 * Arguments of {@link OrderClaims.claimOrders}.
 *
 * @example
 * ```ts
 * const options: ClaimOrdersOptions = { owner: 'reconciler-web-1', leaseMs: 60_000 };
 * ```
 */
export interface ClaimOrdersOptions {
  /** Who claims; same characters as {@link ClaimEventsOptions.group}. */
  readonly owner: string;
  /** How long the claim holds, in milliseconds, unless released first. */
  readonly leaseMs: number;
}

/**
 * Short leases on orders, so several reconcilers share the work without handling one order twice
 * at the same time. A store offers it as {@link OrderStore.claims}.
 *
 * @example
 * ```ts
 * const mine = await store.claims.claimOrders(ids, { owner: 'web-1', leaseMs: 60_000 });
 * try { for (const id of mine) await payments.sync(id); } finally { await store.claims.releaseOrders(mine, 'web-1'); }
 * ```
 */
export interface OrderClaims {
  /**
   * Claims those of `ids` that nobody else holds a live claim on (a claim of `owner` itself is
   * renewed); returns the ids claimed. Ids need not exist as orders.
   */
  claimOrders(ids: readonly string[], options: ClaimOrdersOptions): Promise<string[]>;
  /** Gives up `owner`'s claims on `ids` (others' claims are left alone). */
  releaseOrders(ids: readonly string[], owner: string): Promise<void>;
}

const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Checks a group, consumer or owner name; throws `ValidationError` naming `field`.
 *
 * @example
 * ```ts
 * checkOutboxName('default', 'group'); // 'default'
 * ```
 */
export function checkOutboxName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new ValidationError(field, 'must be 1 to 64 of A-Z a-z 0-9 _ . : -');
  }
  return name;
}

/**
 * Checks {@link ClaimEventsOptions}; every store calls it, so all refuse the same arguments.
 *
 * @example
 * ```ts
 * checkClaimEventsOptions({ group: 'default', consumer: 'a', limit: 0, leaseMs: 1000 }); // ValidationError { field: 'limit' }
 * ```
 */
export function checkClaimEventsOptions(options: ClaimEventsOptions): ClaimEventsOptions {
  checkOutboxName(options?.group, 'group');
  checkOutboxName(options.consumer, 'consumer');
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 1000) {
    throw new ValidationError('limit', 'must be an integer from 1 to 1000');
  }
  checkLease(options.leaseMs);
  return options;
}

/**
 * Checks a lease length in milliseconds: a positive integer of at most a day.
 *
 * @example
 * ```ts
 * checkLease(30_000); // 30000
 * ```
 */
export function checkLease(leaseMs: unknown, field = 'leaseMs'): number {
  if (!Number.isInteger(leaseMs) || (leaseMs as number) < 1 || (leaseMs as number) > 86_400_000) {
    throw new ValidationError(field, 'must be an integer from 1 to 86400000 (milliseconds)');
  }
  return leaseMs as number;
}

/**
 * The id of the `index`-th event of the change that produced `version` of order `orderId`.
 *
 * @example
 * ```ts
 * outboxEventId('order0000001', 3, 0); // 'order0000001:3:0'
 * ```
 */
export function outboxEventId(orderId: string, version: number, index: number): string {
  return `${orderId}:${version}:${index}`;
}

/**
 * A consumer name unique to this process: host, process id and a random part.
 *
 * @example
 * ```ts
 * defaultConsumerName(); // 'web-1:4242:Ab3dE5'
 * ```
 */
export function defaultConsumerName(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 32) || 'host';
  return `${host}:${process.pid}:${generateId().slice(0, 8)}`;
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
   * Delivers one event. Resolving (with anything but `false`) acknowledges it; `false` or a throw
   * leaves it unacknowledged, to be claimed again when its lease runs out.
   */
  readonly deliver: (event: ClaimedOutboxEvent) => unknown;
  /**
   * The consumer group (default `default`): instances that share a group share its events, each
   * event going to one of them. Give each instance its own stable group to deliver every event to
   * every instance.
   */
  readonly group?: string | undefined;
  /** This consumer's name. Default: host, process id and a random part. */
  readonly consumer?: string | undefined;
  /** Events claimed at once. Default 100. */
  readonly batchSize?: number | undefined;
  /** How long a claim holds before another consumer may take the event. Default 30 000. */
  readonly leaseMs?: number | undefined;
  /** Pause after a run that found less than a batch, in `start()` mode. Default 1000. */
  readonly pollIntervalMs?: number | undefined;
  /**
   * Claims of one event after which it is acknowledged even though delivery failed (it is then
   * reported to `onError` with `gaveUp: true`). Default 10.
   */
  readonly maxAttempts?: number | undefined;
  /** Failures: a delivery that threw, or a run that could not claim or acknowledge. */
  readonly onError?:
    | ((error: unknown, context: { event?: ClaimedOutboxEvent | undefined; gaveUp?: boolean | undefined }) => void)
    | undefined;
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
  /** One claim-deliver-acknowledge pass; resolves with the number of events acknowledged. */
  runOnce(): Promise<number>;
  /** Runs until {@link OutboxRelay.stop}: again at once after a full batch, else after `pollIntervalMs`. */
  start(): void;
  /** Stops `start()` mode; resolves once the pass in progress has acknowledged what it delivered. */
  stop(): Promise<void>;
  /** In `start()` mode, runs a pass now instead of waiting for the poll (events were just written). */
  wake(): void;
  /** Whether `start()` mode is on. */
  readonly running: boolean;
  readonly group: string;
  readonly consumer: string;
}

function nonNegativeInteger(value: number | undefined, fallback: number, field: string, min = 0): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < min)
    throw new ValidationError(field, `must be an integer of at least ${min}`);
  return result;
}

/**
 * Creates an {@link OutboxRelay}: claims a batch of events for its group, delivers them one after
 * the other in the order they were written, and acknowledges each as soon as it is delivered. Delivery is at least
 * once: a process that dies after delivering and before acknowledging delivers again after the
 * lease, so receivers de-duplicate by `event.id`. `createPayments` makes one for stores with an
 * outbox (`payments.relay`); use this directly to deliver events elsewhere (a queue, a webhook).
 *
 * @example
 * ```ts
 * import { createOutboxRelay } from '@hutong/core';
 *
 * const relay = createOutboxRelay({
 *   outbox: store.outbox,
 *   group: 'warehouse',
 *   deliver: async (event) => { await queue.publish(event.type, event.payload, { dedupeId: event.id }); },
 * });
 * relay.start();
 * ```
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { outbox, deliver } = options;
  if (!outbox || typeof outbox.claimEvents !== 'function')
    throw new ValidationError('outbox', 'must be an OrderOutbox');
  const group = checkOutboxName(options.group ?? 'default', 'group');
  const consumer = checkOutboxName(options.consumer ?? defaultConsumerName(), 'consumer');
  const batchSize = nonNegativeInteger(options.batchSize, 100, 'batchSize', 1);
  const leaseMs = checkLease(options.leaseMs ?? 30_000);
  const pollIntervalMs = nonNegativeInteger(options.pollIntervalMs, 1000, 'pollIntervalMs');
  const maxAttempts = nonNegativeInteger(options.maxAttempts, 10, 'maxAttempts', 1);
  const report = (
    error: unknown,
    context: { event?: ClaimedOutboxEvent | undefined; gaveUp?: boolean | undefined },
  ) => {
    try {
      options.onError?.(error, context);
    } catch {
      // A reporter's failure must not stop the relay.
    }
  };

  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<unknown> | undefined;
  let again = false;

  async function runOnce(): Promise<number> {
    const events = await outbox.claimEvents({ group, consumer, limit: batchSize, leaseMs });
    let done = 0;
    for (const event of events) {
      let delivered: boolean;
      try {
        delivered = (await deliver(event)) !== false;
      } catch (error) {
        delivered = false;
        report(error, { event });
      }
      if (!delivered && event.attempts >= maxAttempts) {
        report(new ValidationError('event', `${event.id} was not delivered after ${event.attempts} attempts`), {
          event,
          gaveUp: true,
        });
        delivered = true;
      }
      if (delivered) {
        // Acknowledged one by one: a crash later in the batch redelivers only what was not done.
        // An acknowledgement that fails leaves the event to be delivered again after its lease.
        try {
          await outbox.ackEvents([event.id], group);
          done++;
        } catch (error) {
          report(error, {});
        }
      }
    }
    if (events.length >= batchSize) again = true;
    return done;
  }

  const schedule = (delay: number) => {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(loop, delay);
    timer.unref?.();
  };

  async function loop(): Promise<void> {
    timer = undefined;
    if (!running || inFlight) return;
    again = false;
    const run = runOnce().catch((error: unknown) => report(error, {}));
    inFlight = run;
    await run;
    inFlight = undefined;
    schedule(again ? 0 : pollIntervalMs);
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    wake() {
      if (!running) return;
      if (inFlight) again = true;
      else schedule(0);
    },
    get running() {
      return running;
    },
    group,
    consumer,
  };
}
