/**
 * What a split order holds: how much of what was paid is split to receivers, and how much is left
 * to split or to refund. One rule for splits and refunds alike: what is split (pending and
 * succeeded receivers, less what came back through succeeded returns) plus what is refunded
 * (pending refunds included) never exceeds what was paid.
 *
 * @packageDocumentation
 */
import type { Split, SplitReturn } from './money-movement.js';
import type { Order } from './order.js';

/**
 * Whether a return no longer counts as split: it succeeded, or it is pending within a refund (whose
 * pending amount already counts as refunded; if the refund fails, the return fails with it).
 */
function returnedFrom(splitReturn: SplitReturn): boolean {
  return splitReturn.status === 'succeeded' || (splitReturn.status === 'pending' && splitReturn.refundId !== undefined);
}

/**
 * What a split holds of the order, in fen: its pending and succeeded receivers, less what they
 * returned (succeeded returns, and pending returns within a refund). A return of its own still
 * counts as split until it succeeds.
 *
 * @example
 * ```ts
 * splitHeld(split); // 300 for a pending split of one receiver of 300 fen
 * ```
 */
export function splitHeld(split: Split): number {
  let held = 0;
  for (const receiver of split.receivers) {
    if (receiver.status === 'pending' || receiver.status === 'succeeded') held += receiver.amount;
  }
  for (const splitReturn of split.returns) if (returnedFrom(splitReturn)) held -= splitReturn.amount;
  return held;
}

/**
 * What all the order's splits hold, in fen: their pending and succeeded receivers, less what
 * succeeded returns brought back and what pending returns within a refund give back.
 *
 * @example
 * ```ts
 * splitAmount(order); // 0 for an order never split
 * ```
 */
export function splitAmount(order: Order): number {
  let held = 0;
  for (const split of order.splits ?? []) held += splitHeld(split);
  return held;
}

/**
 * What is left to split or to refund, in fen: paid, less succeeded and pending refunds, less what
 * the splits hold.
 *
 * @example
 * ```ts
 * unsplitAmount(order); // 1699 after a split of 300 of a paid order of 1999
 * ```
 */
export function unsplitAmount(order: Order): number {
  let refunds = 0;
  for (const refund of order.refunds) if (refund.status !== 'failed') refunds += refund.amount;
  return order.paidAmount - refunds - splitAmount(order);
}

/**
 * Whether an order has a split or a split return still `pending` (the filter
 * `ListOrdersQuery.hasPendingSplits`).
 *
 * @example
 * ```ts
 * if (hasPendingSplit(order)) await payments.sync(order.id);
 * ```
 */
export function hasPendingSplit(order: Order): boolean {
  for (const split of order.splits ?? []) {
    if (split.status === 'pending') return true;
    if (split.returns.some((splitReturn) => splitReturn.status === 'pending')) return true;
  }
  return false;
}

/**
 * What one receiver of a split can still return, in fen: what it received, less its pending and
 * succeeded returns. 0 for a receiver that has not received (yet).
 *
 * @example
 * ```ts
 * returnableAmount(split, '1900000109'); // 300
 * ```
 */
export function returnableAmount(split: Split, account: string): number {
  const receiver = split.receivers.find((r) => r.account === account);
  if (receiver?.status !== 'succeeded') return 0;
  let returned = 0;
  for (const splitReturn of split.returns) {
    if (splitReturn.account === account && splitReturn.status !== 'failed') returned += splitReturn.amount;
  }
  return receiver.amount - returned;
}
