/**
 * Where a UnionPay transaction stands, as hutong events: every outcome an ACP code can have (see
 * `UNIONPAY_RESPONSE_CODES` in `-errors`) mapped, exhaustively, to the payment and refund event it
 * is. Queries (`origRespCode`) and notifications (`respCode`) both go through these maps.
 *
 * @packageDocumentation
 */
import type { PaymentStatusEvent, RefundStatusEvent } from '@hutong/core/provider-utils';
import { type UnionpayCodeMeaning, unionpayCodeMeaning } from './unionpay-errors.js';

/** What an ACP code says of its transaction: done, not known yet (query later), or refused. */
export type UnionpayOutcome = UnionpayCodeMeaning['outcome'];

/**
 * The payment event of each outcome of a consume (txnType 01); `closed` is a refusal whose code
 * means the trade is closed (`42`), which ends the order closed, not failed.
 *
 * @example
 * ```ts
 * UNIONPAY_PAYMENT_STATUS.pending; // 'payment.pending'
 * ```
 */
export const UNIONPAY_PAYMENT_STATUS = {
  succeeded: 'payment.succeeded',
  pending: 'payment.pending',
  failed: 'payment.failed',
  closed: 'payment.closed',
} as const satisfies Record<UnionpayOutcome | 'closed', PaymentStatusEvent['type']>;

/** Whether a refusal code says the trade is closed (its normalised meaning is `closed`). */
function closes(code: string): boolean {
  const meaning = unionpayCodeMeaning(code);
  return meaning?.outcome === 'failed' && meaning.normalizedCode === 'closed';
}

/**
 * The refund event of each outcome of a refund (04) or consume undo (31).
 *
 * @example
 * ```ts
 * UNIONPAY_REFUND_STATUS.failed; // 'refund.failed'
 * ```
 */
export const UNIONPAY_REFUND_STATUS = {
  succeeded: 'refund.succeeded',
  pending: 'refund.pending',
  failed: 'refund.failed',
} as const satisfies Record<UnionpayOutcome, RefundStatusEvent['type']>;

/** A transaction as a query or a notification found it. */
export type UnionpayTransactionState =
  | { outcome: 'pending' }
  | { outcome: 'failed'; origRespCode: string }
  | { outcome: 'succeeded'; queryId: string; amount: number; currency: string | undefined };

/**
 * The payment event of a consume's state.
 *
 * @example
 * ```ts
 * unionpayPaymentEvent('a1b2c3d4', { outcome: 'failed', origRespCode: '01' });
 * // { type: 'payment.failed', orderId: 'a1b2c3d4', reason: '01' }
 * unionpayPaymentEvent('a1b2c3d4', { outcome: 'failed', origRespCode: '42' });
 * // { type: 'payment.closed', orderId: 'a1b2c3d4' }
 * ```
 */
export function unionpayPaymentEvent(orderId: string, state: UnionpayTransactionState): PaymentStatusEvent {
  switch (state.outcome) {
    case 'pending':
      return { type: UNIONPAY_PAYMENT_STATUS.pending, orderId };
    case 'failed':
      return closes(state.origRespCode)
        ? { type: UNIONPAY_PAYMENT_STATUS.closed, orderId }
        : { type: UNIONPAY_PAYMENT_STATUS.failed, orderId, reason: state.origRespCode };
    case 'succeeded':
      return {
        type: UNIONPAY_PAYMENT_STATUS.succeeded,
        orderId,
        amount: state.amount,
        providerTransactionId: state.queryId,
        ...(state.currency ? { currency: state.currency } : {}),
      };
  }
}

/**
 * The refund event of a refund's (or undo's) state; `amount` is what was asked, for a pending one.
 *
 * @example
 * ```ts
 * unionpayRefundEvent({ orderId: 'a1b2c3d4', refundId: 'r1b2c3d4', amount: 500 }, { outcome: 'pending' });
 * // { type: 'refund.pending', orderId: 'a1b2c3d4', refundId: 'r1b2c3d4', amount: 500 }
 * ```
 */
export function unionpayRefundEvent(
  refund: { orderId: string; refundId: string; amount: number },
  state: UnionpayTransactionState,
): RefundStatusEvent {
  const { orderId, refundId } = refund;
  switch (state.outcome) {
    case 'pending':
      return { type: UNIONPAY_REFUND_STATUS.pending, orderId, refundId, amount: refund.amount };
    case 'failed':
      return { type: UNIONPAY_REFUND_STATUS.failed, orderId, refundId, reason: state.origRespCode };
    case 'succeeded':
      return {
        type: UNIONPAY_REFUND_STATUS.succeeded,
        orderId,
        refundId,
        amount: state.amount,
        providerRefundId: state.queryId,
      };
  }
}
