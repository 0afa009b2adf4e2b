/**
 * One order of a reconciler run: claimed (when the store has claims) and checked unchanged since
 * it was listed, then closed or synced — a sync sending a refund or split the wallet never
 * received again, under the same id, once unchanged for `refundResendAfterMs` /
 * `splitResendAfterMs` — and released.
 *
 * @packageDocumentation
 */
import type { Order } from '../order.js';
import type { ReconcileAction } from '../reconciler.js';
import { backOffOrder, clearOrderBackoff } from './provider-backoff.js';
import { merchantOf, type ReconcilerContext } from './reconciler-context.js';

/**
 * What a run's orders came to so far.
 *
 * @example
 * ```ts
 * const counts: OrderCounts = { changed: 0, failed: 0 };
 * ```
 */
export interface OrderCounts {
  changed: number;
  failed: number;
}

/**
 * Closes or syncs the order; counts and reports a change (`order.changed`) or a failure
 * (`order.failed`, and the backoff of an outage).
 *
 * @example
 * ```ts
 * await handleOrder(context, order, 'sync', counts);
 * ```
 */
export async function handleOrder(
  context: ReconcilerContext,
  order: Order,
  action: ReconcileAction,
  counts: OrderCounts,
): Promise<void> {
  const { payments, emit } = context;
  const { refundResendAfterMs, splitResendAfterMs } = context.settings;
  try {
    const after = await (action === 'close'
      ? payments.close(order.id)
      : payments.sync(order.id, {
          resendRefundsAfterMs: refundResendAfterMs,
          resendSplitsAfterMs: splitResendAfterMs,
        }));
    clearOrderBackoff(context, order);
    if (after.version !== order.version) {
      counts.changed++;
      emit({ type: 'order.changed', action, from: order.status, order: after });
    }
  } catch (error) {
    counts.failed++;
    emit({ type: 'order.failed', action, orderId: order.id, ...merchantOf(order), error });
    backOffOrder(context, order, error);
  }
}

/**
 * Claims the order and checks nobody changed it since it was listed; false: leave it. Always true
 * without claims.
 *
 * @example
 * ```ts
 * if (!(await claimOrder(context, order))) return;
 * ```
 */
export async function claimOrder(context: ReconcilerContext, order: Order): Promise<boolean> {
  const { claims, owner, claimLeaseMs } = context.settings;
  if (!claims) return true;
  const [mine] = await claims.claimOrders([order.id], { owner, leaseMs: claimLeaseMs });
  if (mine === undefined) return false;
  const current = await context.store.get(order.id);
  if (current?.version === order.version) return true;
  await claims.releaseOrders([order.id], owner);
  return false;
}

/**
 * Claims, handles and releases one order, reporting `order.skipped` when another reconciler has it.
 *
 * @example
 * ```ts
 * await reconcileOrder(context, { order, action: 'close' }, counts);
 * ```
 */
export async function reconcileOrder(
  context: ReconcilerContext,
  next: { order: Order; action: ReconcileAction },
  counts: OrderCounts,
): Promise<void> {
  const { claims, owner } = context.settings;
  if (!(await claimOrder(context, next.order))) {
    context.emit({
      type: 'order.skipped',
      orderId: next.order.id,
      ...merchantOf(next.order),
      reason: 'claimed_elsewhere',
    });
    return;
  }
  try {
    await handleOrder(context, next.order, next.action, counts);
  } finally {
    if (claims) await claims.releaseOrders([next.order.id], owner).catch(() => undefined);
  }
}
