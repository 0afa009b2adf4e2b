/**
 * The order record hutong keeps for every payment. Orders are plain, JSON-serialisable, immutable
 * values: the state machine returns a new order for every change and never edits one in place.
 *
 * @packageDocumentation
 */
import type { Currency } from './money.js';
import type { Split } from './money-movement.js';
import type { PaymentMethod } from './payment-method.js';

/**
 * The status of an order:
 * - `created`: recorded, the provider not yet asked;
 * - `pending`: the provider has the payment, the buyer has not paid yet;
 * - `paid`: a verified payment of the full amount;
 * - `partially_refunded` / `refunded`: paid, then part or all refunded;
 * - `closed`: closed or expired unpaid;
 * - `failed`: the provider refused the payment.
 */
export type OrderStatus = 'created' | 'pending' | 'paid' | 'partially_refunded' | 'refunded' | 'closed' | 'failed';

/** Every {@link OrderStatus}, in lifecycle order. */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'created',
  'pending',
  'paid',
  'partially_refunded',
  'refunded',
  'closed',
  'failed',
];

/** The status of one refund: `pending` counts against the refundable amount until it settles. */
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One refund of an order.
 *
 * @example
 * ```ts
 * const { refund } = await payments.refund(order.id, { refundId: 'refund0001', amount: 500 });
 * refund.status; // 'pending' | 'succeeded' | 'failed'
 * ```
 */
export interface Refund {
  /** The merchant's refund id (Alipay `out_request_no`, WeChat `out_refund_no`). */
  readonly id: string;
  /** Refunded amount in fen. */
  readonly amount: number;
  readonly status: RefundStatus;
  /** The provider's id for this refund, once known. */
  readonly providerRefundId: string | null;
  /** The merchant's reason, as sent to the provider. */
  readonly reason: string | null;
  /**
   * The order's cumulative refunded total right after this refund, when the provider reports one
   * (Alipay's `refund_fee`): it places the refund in the provider's sequence of refunds.
   */
  readonly refundedTotal?: number | undefined;
  /**
   * True when the amount is derived from the provider's cumulative totals: a refund made outside
   * hutong (the merchant portal) that the provider reported only as a total. It is the difference
   * to the refund reported before it, and is revised if an earlier refund is reported late.
   */
  readonly derivedAmount?: boolean | undefined;
  /** ISO-8601 time the refund was recorded. */
  readonly createdAt: string;
  /** ISO-8601 time of the refund's last change. */
  readonly updatedAt: string;
}

/**
 * Kinds of anomaly: verified facts the merchant must act on by hand.
 * - `amount_mismatch`: a verified payment of another amount (the order is not marked paid);
 * - `currency_mismatch`: a verified payment in another currency than the order's (not marked paid);
 * - `paid_after_closed` / `paid_after_failed`: paid although closed or failed (refund or ship);
 * - `duplicate_payment`: a second, different provider transaction for an order already paid;
 * - `refund_amount_mismatch`: a refund settled for another amount than requested;
 * - `refund_exceeds_paid`: the provider reported refunds beyond the paid amount (not applied);
 * - `split_return_not_taken`: a refund succeeded, but the wallet did not take part of it from the
 *   split receivers named (`splitReturns`): the merchant paid that part; settle it with them.
 */
export type OrderAnomalyCode =
  | 'amount_mismatch'
  | 'currency_mismatch'
  | 'paid_after_closed'
  | 'paid_after_failed'
  | 'duplicate_payment'
  | 'refund_amount_mismatch'
  | 'refund_exceeds_paid'
  | 'split_return_not_taken';

/**
 * A recorded anomaly. Anomalies are recorded once (by {@link OrderAnomaly.key}) and never removed.
 *
 * @example
 * ```ts
 * payments.on('order.anomaly', ({ order, anomaly }) => notifyOps(order.id, anomaly.code));
 * ```
 */
export interface OrderAnomaly {
  readonly code: OrderAnomalyCode;
  /** Human-readable description, free of secrets. */
  readonly message: string;
  /** Deduplication key: the same fact reported twice is recorded once. */
  readonly key: string;
  /** ISO-8601 time the anomaly was detected. */
  readonly detectedAt: string;
  /** The provider transaction involved, when there is one. */
  readonly providerTransactionId: string | null;
  /** The amount the provider reported, in fen, when it matters. */
  readonly amount: number | null;
}

/**
 * An order: what was asked, what the provider verifiably reported, and a `version` that rises by
 * exactly one with every change (the store's compare-and-set token).
 *
 * @example
 * ```ts
 * const order = await payments.getOrder('o_123');
 * if (order.status === 'paid') ship(order);
 * ```
 */
export interface Order {
  readonly id: string;
  /** Provider id, e.g. `alipay`. */
  readonly provider: string;
  /**
   * The platform's key for the sub-merchant this order belongs to (platform mode); absent for an
   * order of the provider's own account.
   */
  readonly merchant?: string | undefined;
  readonly method: PaymentMethod;
  /** Amount to pay, in fen. */
  readonly amount: number;
  readonly currency: Currency;
  readonly subject: string;
  readonly status: OrderStatus;
  /** Verified paid amount in fen: 0 until paid, then `amount`. */
  readonly paidAmount: number;
  /** Sum of succeeded refunds, in fen. */
  readonly refundedAmount: number;
  /** The provider's transaction id, once paid or known. */
  readonly providerTransactionId: string | null;
  readonly refunds: readonly Refund[];
  /** The order's splits (profit sharing), oldest first; absent until the first. */
  readonly splits?: readonly Split[] | undefined;
  readonly anomalies: readonly OrderAnomaly[];
  /** Starts at 1, rises by exactly one with each change. */
  readonly version: number;
  /** The buyer's id at the provider (WeChat `openid`, Alipay `buyer_id`), when given or learned. */
  readonly buyerId: string | null;
  /** ISO-8601 time after which the buyer can no longer pay, when set. */
  readonly expiresAt: string | null;
  /** ISO-8601 time of the verified payment. */
  readonly paidAt: string | null;
  /** The notification URL sent to the provider. */
  readonly notifyUrl: string | null;
  /** Where the buyer returns after paying (page and h5). */
  readonly returnUrl: string | null;
  /** The merchant's own key/value data, stored with the order. */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * What the provider recorded for later calls on this payment (the WeChat Pay app id it was made
   * with, ...). Adapters read it; merchants need not.
   */
  readonly providerData: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}
