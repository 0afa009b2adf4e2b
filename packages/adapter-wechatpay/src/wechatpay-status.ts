/**
 * WeChat Pay statuses, mapped exhaustively; an unknown status is an error, never a default.
 *
 * @packageDocumentation
 */
import type {
  PaymentStatusEvent,
  RefundStatusEvent,
  SplitReceiverStatus,
  SplitReturnStatusEvent,
  TransferStatusEvent,
} from '@hutong/core/provider-utils';

/**
 * `trade_state` of a transaction.
 *
 * @group Protocol
 * @example
 * ```ts
 * const state: WechatpayTradeState = 'NOTPAY';
 * ```
 */
export type WechatpayTradeState =
  | 'SUCCESS'
  | 'REFUND'
  | 'NOTPAY'
  | 'CLOSED'
  | 'REVOKED'
  | 'USERPAYING'
  | 'PAYERROR'
  | 'ACCEPT';

/**
 * `trade_state` → core event. `REFUND` is a paid transaction with refunds (refunds are tracked on
 * their own); `REVOKED` is a reversed payment-code payment; `USERPAYING` the buyer entering a
 * password; `ACCEPT` received, awaiting deduction.
 *
 * @group Protocol
 * @example
 * ```ts
 * WECHATPAY_TRADE_STATE.NOTPAY; // 'payment.pending'
 * ```
 */
export const WECHATPAY_TRADE_STATE = {
  SUCCESS: 'payment.succeeded',
  REFUND: 'payment.succeeded',
  NOTPAY: 'payment.pending',
  CLOSED: 'payment.closed',
  REVOKED: 'payment.closed',
  USERPAYING: 'payment.pending',
  PAYERROR: 'payment.failed',
  ACCEPT: 'payment.pending',
} as const satisfies Record<WechatpayTradeState, PaymentStatusEvent['type']>;

/**
 * `status` / `refund_status` of a refund.
 *
 * @group Protocol
 * @example
 * ```ts
 * const status: WechatpayRefundStatus = 'ABNORMAL'; // the money counts as not refunded
 * ```
 */
export type WechatpayRefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

/**
 * Refund status → core event. `ABNORMAL` (the refund could not reach the buyer's account) needs
 * the merchant to act, so the money counts as not refunded.
 *
 * @group Protocol
 * @example
 * ```ts
 * WECHATPAY_REFUND_STATUS.ABNORMAL; // 'refund.failed'
 * ```
 */
export const WECHATPAY_REFUND_STATUS = {
  SUCCESS: 'refund.succeeded',
  CLOSED: 'refund.failed',
  PROCESSING: 'refund.pending',
  ABNORMAL: 'refund.failed',
} as const satisfies Record<WechatpayRefundStatus, RefundStatusEvent['type']>;

/**
 * Looks a `trade_state` up; `undefined` for one WeChat Pay never documented (the caller decides
 * whose fault it is: a malformed reply, or a refused notification).
 *
 * @group Protocol
 * @example
 * ```ts
 * wechatpayTradeState('USERPAYING'); // 'payment.pending'
 * ```
 */
export function wechatpayTradeState(value: unknown): PaymentStatusEvent['type'] | undefined {
  return typeof value === 'string' && Object.hasOwn(WECHATPAY_TRADE_STATE, value)
    ? WECHATPAY_TRADE_STATE[value as WechatpayTradeState]
    : undefined;
}

/**
 * Looks a refund status up; `undefined` for an unknown one.
 *
 * @group Protocol
 * @example
 * ```ts
 * wechatpayRefundStatus('PROCESSING'); // 'refund.pending'
 * ```
 */
export function wechatpayRefundStatus(value: unknown): RefundStatusEvent['type'] | undefined {
  return typeof value === 'string' && Object.hasOwn(WECHATPAY_REFUND_STATUS, value)
    ? WECHATPAY_REFUND_STATUS[value as WechatpayRefundStatus]
    : undefined;
}

/**
 * `state` of a profit-sharing order (分账单): `PROCESSING` until every receiver is settled, then
 * `FINISHED` (each receiver's `result` says how).
 *
 * @group Protocol
 * @example
 * ```ts
 * const state: WechatpaySplitState = 'FINISHED';
 * ```
 */
export type WechatpaySplitState = 'PROCESSING' | 'FINISHED';

/**
 * A receiver's `result` in a profit-sharing order → its status. `CLOSED`: WeChat Pay could not pay
 * the receiver (its `fail_reason` says why) and the amount stayed with the merchant.
 *
 * @group Protocol
 * @example
 * ```ts
 * WECHATPAY_SPLIT_RECEIVER_RESULT.CLOSED; // 'closed'
 * ```
 */
export const WECHATPAY_SPLIT_RECEIVER_RESULT = {
  PENDING: 'pending',
  SUCCESS: 'succeeded',
  CLOSED: 'closed',
} as const satisfies Record<'PENDING' | 'SUCCESS' | 'CLOSED', SplitReceiverStatus>;

/**
 * `result` of a profit-sharing return (分账回退) → its status.
 *
 * @group Protocol
 * @example
 * ```ts
 * WECHATPAY_SPLIT_RETURN_RESULT.FAILED; // 'failed'
 * ```
 */
export const WECHATPAY_SPLIT_RETURN_RESULT = {
  PROCESSING: 'pending',
  SUCCESS: 'succeeded',
  FAILED: 'failed',
} as const satisfies Record<'PROCESSING' | 'SUCCESS' | 'FAILED', SplitReturnStatusEvent['status']>;

/**
 * `state` of a merchant transfer (商家转账, the 2025 API).
 *
 * @group Protocol
 * @example
 * ```ts
 * const state: WechatpayTransferState = 'WAIT_USER_CONFIRM';
 * ```
 */
export type WechatpayTransferState =
  | 'ACCEPTED'
  | 'PROCESSING'
  | 'WAIT_USER_CONFIRM'
  | 'TRANSFERING'
  | 'SUCCESS'
  | 'FAIL'
  | 'CANCELING'
  | 'CANCELLED';

/**
 * Transfer `state` → status. `ACCEPTED` (received), `PROCESSING` (being checked), `TRANSFERING`
 * (paying, WeChat's spelling) and `CANCELING` (a cancel under way, not yet final) are all
 * `processing`; `WAIT_USER_CONFIRM` is `pending_confirmation` (the payee confirms in WeChat with the
 * `package_info`); `SUCCESS`, `FAIL` and `CANCELLED` are final.
 *
 * @group Protocol
 * @example
 * ```ts
 * WECHATPAY_TRANSFER_STATE.WAIT_USER_CONFIRM; // 'pending_confirmation'
 * ```
 */
export const WECHATPAY_TRANSFER_STATE = {
  ACCEPTED: 'processing',
  PROCESSING: 'processing',
  WAIT_USER_CONFIRM: 'pending_confirmation',
  TRANSFERING: 'processing',
  SUCCESS: 'succeeded',
  FAIL: 'failed',
  CANCELING: 'processing',
  CANCELLED: 'cancelled',
} as const satisfies Record<WechatpayTransferState, TransferStatusEvent['status']>;
