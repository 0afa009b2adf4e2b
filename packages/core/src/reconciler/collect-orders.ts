/**
 * Which orders a reconciler run handles: the listings through {@link OrderStore.listOrders} (expired
 * and stuck `created` orders to close; stale `pending` orders, pending refunds and pending splits to
 * sync), each order once, at most `maxOrdersPerRun`, the sync listings going on from where the
 * last run stopped.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';
import type { Order } from '../order.js';
import type { ListOrdersQuery, OrderStore } from '../order-store.js';
import type { ReconcileAction } from '../reconciler.js';
import { hasPendingSplit } from '../split-amounts.js';
import type { ReconcilerContext } from './reconciler-context.js';

/**
 * The orders of a run, by id, with what to do with each.
 *
 * @example
 * ```ts
 * const work: ReconcileWork = new Map();
 * ```
 */
export type ReconcileWork = Map<string, { order: Order; action: ReconcileAction }>;

/**
 * Adds the orders of one listing to `into` (those `accept` takes, not there yet), page by page,
 * until it holds `maxOrdersPerRun`. With `rotation`, the listing starts where the last run's
 * stopped for room, and the next run goes on from where this one stops.
 *
 * @example
 * ```ts
 * await collectOrders(context, { status: 'pending' }, 'sync', work, () => true, 'pending');
 * ```
 */
export async function collectOrders(
  context: ReconcilerContext,
  query: ListOrdersQuery,
  action: ReconcileAction,
  into: ReconcileWork,
  accept: (order: Order) => boolean = () => true,
  rotation?: string,
): Promise<void> {
  const { store, resumeAt } = context;
  const { maxOrders, merchant } = context.settings;
  if (into.size >= maxOrders) return;
  let cursor: string | null = (rotation === undefined ? undefined : resumeAt.get(rotation)) ?? null;
  do {
    // A page never holds more orders than there is room for, so a full run ends at a page's end.
    const limit = Math.min(1000, Math.max(1, maxOrders - into.size));
    const filters = { ...query, ...(merchant === undefined ? {} : { merchant }), limit };
    const page = await listPage(store, filters, cursor);
    for (const order of page.orders) {
      if (into.size >= maxOrders) break;
      if (!into.has(order.id) && accept(order)) into.set(order.id, { order, action });
    }
    cursor = page.cursor;
  } while (cursor !== null && into.size < maxOrders);
  if (rotation === undefined) return;
  // Stopped for room: the next run goes on from here. Reached the end: it starts from the oldest.
  if (cursor === null) resumeAt.delete(rotation);
  else resumeAt.set(rotation, cursor);
}

function listPage(store: OrderStore, filters: ListOrdersQuery, cursor: string | null) {
  return store.listOrders({ ...filters, cursor }).catch((error: unknown) => {
    // A store that binds its cursors to the exact query refuses the last run's: start over.
    if (cursor === null || !ValidationError.isInstance(error)) throw error;
    return store.listOrders({ ...filters, cursor: null });
  });
}

/**
 * Every order due at `at` (epoch ms): expired ones (with `closeExpired`) and `created` ones
 * unchanged for `createdAfterMs` to close, then `pending` ones, pending refunds and pending
 * splits unchanged long enough to sync.
 *
 * @example
 * ```ts
 * const work = await collectDueOrders(context, Date.now());
 * ```
 */
export async function collectDueOrders(context: ReconcilerContext, at: number): Promise<ReconcileWork> {
  const { closeExpired, createdAfterMs, pendingAfterMs, refundPendingAfterMs, splitPendingAfterMs } = context.settings;
  const work: ReconcileWork = new Map();
  if (closeExpired) {
    await collectOrders(context, { status: ['created', 'pending'], expiresBefore: new Date(at) }, 'close', work);
  }
  await collectOrders(context, { status: 'created', updatedBefore: new Date(at - createdAfterMs) }, 'close', work);
  const all = () => true;
  const pendingDue = { status: 'pending' as const, updatedBefore: new Date(at - pendingAfterMs) };
  await collectOrders(context, pendingDue, 'sync', work, all, 'pending');
  const refundsDue = { hasPendingRefunds: true, updatedBefore: new Date(at - refundPendingAfterMs) };
  await collectOrders(context, refundsDue, 'sync', work, all, 'refunds');
  // Checked here too: a store that does not know the filter yet must not make every order a sync.
  const splitsDue = { hasPendingSplits: true, updatedBefore: new Date(at - splitPendingAfterMs) };
  await collectOrders(context, splitsDue, 'sync', work, hasPendingSplit, 'splits');
  return work;
}
