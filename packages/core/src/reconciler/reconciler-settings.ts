/**
 * The reconciler's options, checked once and with their defaults filled in (durations in
 * milliseconds), as `createReconciler` reads them.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';
import { assertMerchantKey } from '../merchant-key.js';
import type { OrderStore } from '../order-store.js';
import { checkLease, checkOutboxName, defaultConsumerName } from '../outbox.js';
import type { ReconcilerOptions } from '../reconciler.js';

/**
 * The checked options of a reconciler.
 *
 * @example
 * ```ts
 * const { maxOrders, concurrency } = reconcilerSettings(options);
 * ```
 */
export interface ReconcilerSettings {
  readonly pendingAfterMs: number;
  readonly refundPendingAfterMs: number;
  readonly refundResendAfterMs: number;
  readonly createdAfterMs: number;
  readonly splitPendingAfterMs: number;
  readonly splitResendAfterMs: number;
  readonly transferPendingAfterMs: number;
  readonly transferResendAfterMs: number;
  readonly concurrency: number;
  /** `maxOrdersPerRun`. */
  readonly maxOrders: number;
  readonly intervalMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly closeExpired: boolean;
  /** The store's claims, unless `claims: false` (or the store has none). */
  readonly claims: OrderStore['claims'];
  readonly owner: string;
  readonly claimLeaseMs: number;
  readonly merchant: string | undefined;
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 0 || (field === 'concurrency' && result < 1)) {
    throw new ValidationError(field, 'must be a non-negative integer (concurrency at least 1)');
  }
  return result;
}

/**
 * Checks the options (a `ValidationError` names the first bad one) and fills in the defaults.
 *
 * @example
 * ```ts
 * const settings = reconcilerSettings({ payments, store, pendingAfterMs: 120_000 });
 * ```
 */
export function reconcilerSettings(options: ReconcilerOptions): ReconcilerSettings {
  const pendingAfterMs = positiveInteger(options.pendingAfterMs, 60_000, 'pendingAfterMs');
  const refundPendingAfterMs = positiveInteger(options.refundPendingAfterMs, 60_000, 'refundPendingAfterMs');
  const refundResendAfterMs = positiveInteger(options.refundResendAfterMs, 300_000, 'refundResendAfterMs');
  const createdAfterMs = positiveInteger(options.createdAfterMs, 600_000, 'createdAfterMs');
  const splitPendingAfterMs = positiveInteger(options.splitPendingAfterMs, 60_000, 'splitPendingAfterMs');
  const splitResendAfterMs = positiveInteger(options.splitResendAfterMs, 300_000, 'splitResendAfterMs');
  const transferPendingAfterMs = positiveInteger(options.transferPendingAfterMs, 60_000, 'transferPendingAfterMs');
  const transferResendAfterMs = positiveInteger(options.transferResendAfterMs, 300_000, 'transferResendAfterMs');
  const concurrency = positiveInteger(options.concurrency, 4, 'concurrency');
  const maxOrders = positiveInteger(options.maxOrdersPerRun, 1000, 'maxOrdersPerRun');
  const intervalMs = positiveInteger(options.intervalMs, 30_000, 'intervalMs');
  const backoffInitialMs = positiveInteger(options.backoffInitialMs, 1000, 'backoffInitialMs');
  const backoffMaxMs = positiveInteger(options.backoffMaxMs, 300_000, 'backoffMaxMs');
  return {
    pendingAfterMs,
    refundPendingAfterMs,
    refundResendAfterMs,
    createdAfterMs,
    splitPendingAfterMs,
    splitResendAfterMs,
    transferPendingAfterMs,
    transferResendAfterMs,
    concurrency,
    maxOrders,
    intervalMs,
    backoffInitialMs,
    backoffMaxMs,
    closeExpired: options.closeExpired ?? true,
    claims: options.claims === false ? undefined : options.store.claims,
    owner: checkOutboxName(options.owner ?? defaultConsumerName(), 'owner'),
    claimLeaseMs: checkLease(options.claimLeaseMs ?? 300_000, 'claimLeaseMs'),
    merchant: options.merchant === undefined ? undefined : assertMerchantKey(options.merchant, 'merchant'),
  };
}
