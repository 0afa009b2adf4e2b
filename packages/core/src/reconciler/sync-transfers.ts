/**
 * The transfers part of a reconciler run: {@link reconcileTransfers} with the reconciler's
 * settings, claims and provider backoff, when the facade can `syncTransfer`.
 *
 * @packageDocumentation
 */
import { reconcileTransfers } from '../movement-reconciler.js';
import type { ReconcileRunResult } from '../reconciler.js';
import { backOffProvider } from './provider-backoff.js';
import type { ReconcilerContext } from './reconciler-context.js';

/**
 * Syncs the transfers not settled (none without `payments.syncTransfer`).
 *
 * @example
 * ```ts
 * const transfers = await syncTransfers(context);
 * ```
 */
export async function syncTransfers(context: ReconcilerContext): Promise<ReconcileRunResult> {
  const { payments, store, now, backoff, emit } = context;
  const { transferPendingAfterMs, transferResendAfterMs, maxOrders, merchant, claims, owner, claimLeaseMs } =
    context.settings;
  if (!payments.syncTransfer) return { examined: 0, changed: 0, failed: 0, deferred: 0 };
  return await reconcileTransfers({
    store,
    payments: { syncTransfer: payments.syncTransfer.bind(payments) },
    now,
    pendingAfterMs: transferPendingAfterMs,
    resendAfterMs: transferResendAfterMs,
    maxTransfers: maxOrders,
    ...(merchant === undefined ? {} : { merchant }),
    claims,
    owner,
    claimLeaseMs,
    deferred: (provider) => (backoff.get(provider)?.until ?? 0) > now().getTime(),
    failed: (provider, error) => backOffProvider(context, provider, error),
    succeeded: (provider) => backoff.delete(provider),
    emit,
    resumeAt: context.resumeAt,
  });
}
