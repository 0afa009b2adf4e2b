/**
 * WeChat Pay statuses, mapped exhaustively; an unknown status is an error, never a default.
 *
 * @packageDocumentation
 */
import type { PaymentStatusEvent, RefundStatusEvent } from '@hutong/core';
import { ValidationError } from '@hutong/core';

/** `trade_state` of a transaction. */
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

/** `status` / `refund_status` of a refund. */
export type WechatpayRefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

/**
 * Refund status → core event. `ABNORMAL` (the refund could not reach the buyer's account) needs
 * the merchant to act, so the money counts as not refunded.
 */
export const WECHATPAY_REFUND_STATUS = {
  SUCCESS: 'refund.succeeded',
  CLOSED: 'refund.failed',
  PROCESSING: 'refund.pending',
  ABNORMAL: 'refund.failed',
} as const satisfies Record<WechatpayRefundStatus, RefundStatusEvent['type']>;

function lookup<M extends Record<string, string>>(map: M, value: unknown, field: string, what: string): M[keyof M] {
  if (typeof value === 'string' && Object.hasOwn(map, value)) return map[value as keyof M];
  throw new ValidationError(field, `is not a known WeChat Pay ${what}: ${JSON.stringify(value)}`);
}

/**
 * Looks a `trade_state` up; throws {@link ValidationError} for one WeChat Pay never documented.
 *
 * @example
 * ```ts
 * wechatpayTradeState('USERPAYING', 'trade_state'); // 'payment.pending'
 * ```
 */
export function wechatpayTradeState(value: unknown, field: string): PaymentStatusEvent['type'] {
  return lookup(WECHATPAY_TRADE_STATE, value, field, 'trade state');
}

/**
 * Looks a refund status up; throws {@link ValidationError} for an unknown one.
 *
 * @example
 * ```ts
 * wechatpayRefundStatus('PROCESSING', 'status'); // 'refund.pending'
 * ```
 */
export function wechatpayRefundStatus(value: unknown, field: string): RefundStatusEvent['type'] {
  return lookup(WECHATPAY_REFUND_STATUS, value, field, 'refund status');
}
