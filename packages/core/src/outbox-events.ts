/**
 * The events of the transactional outbox and the contract of a store's outbox side: what a store
 * writes, how a relay claims, acknowledges, releases and prunes.
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
 * Arguments of {@link OrderOutbox.releaseEvents}.
 *
 * @example
 * ```ts
 * const options: ReleaseEventsOptions = { group: 'default', delayMs: 2_000 };
 * ```
 */
export interface ReleaseEventsOptions {
  /** The group whose claims are released. */
  readonly group: string;
  /** The events become claimable again after this many milliseconds (0: at once), at most a day. */
  readonly delayMs: number;
  /**
   * Whether the claim counted as a delivery attempt (default `true`). `false` for events released
   * without being tried (they waited behind a failed event of their order, or the relay stopped):
   * their next claim carries the same `attempts` as the last.
   */
  readonly attempted?: boolean | undefined;
}

/**
 * Arguments of {@link OrderOutbox.pruneEvents}.
 *
 * @example
 * ```ts
 * const options: PruneEventsOptions = { group: 'default', limit: 500 };
 * ```
 */
export interface PruneEventsOptions {
  /**
   * Only events this group has acknowledged (the relay passes its own). Without it, events are
   * deleted acknowledged or not.
   */
  readonly group?: string | undefined;
  /**
   * How many of the oldest events (by the order they were written) are looked at: those of them
   * that qualify are deleted, in one short transaction that locks only their rows. 1 to 10 000,
   * default 500. Call again while it returns `limit`.
   */
  readonly limit?: number | undefined;
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
   * Its cost must not grow with the number of events already acknowledged.
   */
  claimEvents(options: ClaimEventsOptions): Promise<ClaimedOutboxEvent[]>;
  /** Marks events delivered for `group`, all in one call; returns how many were not acknowledged before. */
  ackEvents(ids: readonly string[], group: string): Promise<number>;
  /**
   * Ends `group`'s leases on these unacknowledged events early: claimable again after
   * `delayMs` (a retry's backoff) instead of when the lease runs out. Returns how many were released.
   */
  releaseEvents(ids: readonly string[], options: ReleaseEventsOptions): Promise<number>;
  /**
   * Deletes, among the `limit` oldest events, those written before `before` (by their
   * `createdAt`), with all their claims; returns how many. The cost depends on `limit` only, never
   * on the size of the outbox. See {@link PruneEventsOptions}.
   */
  pruneEvents(before: Date, options?: PruneEventsOptions): Promise<number>;
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
 * Checks {@link ReleaseEventsOptions}; every store calls it, so all refuse the same arguments.
 *
 * @example
 * ```ts
 * checkReleaseEventsOptions({ group: 'default', delayMs: -1 }); // ValidationError { field: 'delayMs' }
 * ```
 */
export function checkReleaseEventsOptions(ids: unknown, options: ReleaseEventsOptions): ReleaseEventsOptions {
  if (!Array.isArray(ids)) throw new ValidationError('ids', 'must be a list of event ids');
  checkOutboxName(options?.group, 'group');
  const { delayMs } = options;
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 86_400_000) {
    throw new ValidationError('delayMs', 'must be an integer from 0 to 86400000 (milliseconds)');
  }
  return options;
}

/**
 * Checks the arguments of {@link OrderOutbox.pruneEvents}; returns the cut-off in epoch milliseconds.
 *
 * @example
 * ```ts
 * checkPruneEventsOptions(new Date('2024-01-01T00:00:00Z'), { limit: 500 }); // 1704067200000
 * ```
 */
export function checkPruneEventsOptions(before: unknown, options: PruneEventsOptions = {}): number {
  const ms = before instanceof Date ? before.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new ValidationError('before', 'must be a valid Date');
  if (options.group !== undefined) checkOutboxName(options.group, 'group');
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000)) {
    throw new ValidationError('limit', 'must be an integer from 1 to 10000');
  }
  return ms;
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
