/**
 * One reconciler run: collect the due orders, handle them `concurrency` at a time (leaving those
 * whose provider is in backoff), then sync the transfers.
 *
 * @packageDocumentation
 */
import type { ReconcileRunResult } from '../reconciler.js';
import { collectDueOrders } from './collect-orders.js';
import { reconcileOrder } from './handle-order.js';
import { isOrderDeferred } from './provider-backoff.js';
import type { ReconcilerContext } from './reconciler-context.js';
import { syncTransfers } from './sync-transfers.js';

/**
 * Runs once and counts what the run did.
 *
 * @example
 * ```ts
 * const { changed, failed } = await runReconcilerOnce(context);
 * ```
 */
export async function runReconcilerOnce(context: ReconcilerContext): Promise<ReconcileRunResult> {
  const { now } = context;
  const work = await collectDueOrders(context, now().getTime());
  const counts = { changed: 0, failed: 0 };
  let deferred = 0;
  const queue = [...work.values()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (isOrderDeferred(context, next.order, now().getTime())) {
        deferred++;
        continue;
      }
      await reconcileOrder(context, next, counts);
    }
  };
  await Promise.all(Array.from({ length: Math.min(context.settings.concurrency, queue.length) }, worker));
  const transfers = await syncTransfers(context);
  return {
    examined: work.size + transfers.examined,
    changed: counts.changed + transfers.changed,
    failed: counts.failed + transfers.failed,
    deferred: deferred + transfers.deferred,
  };
}
