/**
 * The relay's options checked, once, with their defaults filled in.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';
import {
  checkLease,
  checkOutboxName,
  defaultConsumerName,
  type OrderOutbox,
  type OutboxEventType,
} from '../outbox-events.js';
import type { OutboxRelayOptions } from './relay-types.js';

const DAY_MS = 86_400_000;

/** The checked options of one relay; durations in milliseconds. */
export interface RelaySettings {
  readonly outbox: OrderOutbox;
  readonly deliver: OutboxRelayOptions['deliver'];
  readonly accepts: ((type: OutboxEventType) => boolean) | undefined;
  readonly group: string;
  readonly consumer: string;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly maxAttempts: number;
  readonly deliveryTimeoutMs: number;
  readonly concurrency: number;
  readonly retryDelayMs: number;
  /** At most a day, whatever was asked. */
  readonly maxRetryDelayMs: number;
  readonly drainTimeoutMs: number;
  readonly retentionMs: number | false;
  readonly pruneIntervalMs: number;
  readonly pruneBatchSize: number;
  readonly now: () => number;
  /** Pause before failed acknowledgements are tried again: a quarter of the lease, from 50 ms to 1 s. */
  readonly ackRetryMs: number;
}

function integerOption(value: number | undefined, fallback: number, field: string, min = 0): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < min)
    throw new ValidationError(field, `must be an integer of at least ${min}`);
  return result;
}

/** Checks `options` (a `ValidationError` names the first wrong one) and fills in the defaults. */
export function relaySettings(options: OutboxRelayOptions): RelaySettings {
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
  return {
    outbox,
    deliver,
    accepts,
    group,
    consumer,
    batchSize,
    leaseMs,
    pollIntervalMs,
    maxAttempts,
    deliveryTimeoutMs,
    concurrency,
    retryDelayMs,
    maxRetryDelayMs,
    drainTimeoutMs,
    retentionMs,
    pruneIntervalMs,
    pruneBatchSize,
    now: options.now ?? Date.now,
    ackRetryMs: Math.max(50, Math.min(1000, Math.floor(leaseMs / 4))),
  };
}
