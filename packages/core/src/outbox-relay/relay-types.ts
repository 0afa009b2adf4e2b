/**
 * What a relay is given and what it offers: {@link OutboxRelayOptions}, {@link OutboxRelay} and
 * the context of a reported failure.
 *
 * @packageDocumentation
 */
import type { ClaimedOutboxEvent, OrderOutbox, OutboxEventType } from '../outbox-events.js';

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
