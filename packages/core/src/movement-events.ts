/**
 * The events of money moving out, as the payments facade emits them: a split settled, failed or
 * closed, a split return settled or failed, a transfer waiting for its payee, settled, failed or
 * cancelled. Like order events, each follows the stored change it reports, goes through the outbox
 * with a store that has one, and carries an `eventId` to de-duplicate on. Transfers in events never
 * carry the payee's real name.
 *
 * @packageDocumentation
 */
import type { Split, SplitReturn, Transfer } from './money-movement.js';
import type { Order } from './order.js';

/**
 * Split and transfer event names and their payloads (part of `PaymentsEventMap`).
 *
 * @example
 * ```ts
 * payments.on('split.succeeded', ({ order, split }) => markCommissionPaid(order.id, split.id));
 * payments.on('transfer.succeeded', ({ transfer }) => markPaidOut(transfer.id));
 * ```
 */
export interface MoneyMovementEventMap {
  /** Every receiver of the split was paid. */
  'split.succeeded': { order: Order; split: Split; eventId: string };
  /** The wallet refused the split; nothing moved, its amount is available again. */
  'split.failed': { order: Order; split: Split; eventId: string };
  /** The wallet closed the split; what was not split went back to the merchant. */
  'split.closed': { order: Order; split: Split; eventId: string };
  /** A receiver gave back part of a split (`splitReturn`). */
  'split.returned': { order: Order; split: Split; splitReturn: SplitReturn; eventId: string };
  /** A split return failed; the receiver keeps the money. */
  'split.return_failed': { order: Order; split: Split; splitReturn: SplitReturn; eventId: string };
  /** The payee must confirm the transfer in the wallet's app (`transfer.confirmation`). */
  'transfer.pending_confirmation': { transfer: Transfer; eventId: string };
  /** The payee was paid. */
  'transfer.succeeded': { transfer: Transfer; eventId: string };
  /** The wallet refused or failed the transfer (`transfer.failReason`). */
  'transfer.failed': { transfer: Transfer; eventId: string };
  /** The transfer was cancelled before the payee confirmed it. */
  'transfer.cancelled': { transfer: Transfer; eventId: string };
}

/**
 * The outbox key of a transfer's events (their `orderId`): `transfer:<transferId>`. Order ids are
 * letters and digits only, so it is never an order's; the relay keeps one transfer's events in order.
 *
 * @example
 * ```ts
 * transferOutboxKey('payout0001'); // 'transfer:payout0001'
 * ```
 */
export function transferOutboxKey(transferId: string): string {
  return `transfer:${transferId}`;
}
