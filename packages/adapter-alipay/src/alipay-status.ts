/**
 * Alipay statuses, mapped exhaustively; an unknown status is an error, never a default.
 *
 * @packageDocumentation
 */

import { ValidationError } from '@hutong/core';
import type { PaymentStatusEvent } from '@hutong/core/provider-utils';

/** `trade_status` values of queries and notifications. */
export type AlipayTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';

/**
 * `trade_status` → core event type. `TRADE_FINISHED` is paid and no longer refundable;
 * `TRADE_CLOSED` is closed unpaid (a full refund also ends there, reported with `out_biz_no`).
 */
export const ALIPAY_TRADE_STATUS = {
  WAIT_BUYER_PAY: 'payment.pending',
  TRADE_CLOSED: 'payment.closed',
  TRADE_SUCCESS: 'payment.succeeded',
  TRADE_FINISHED: 'payment.succeeded',
} as const satisfies Record<AlipayTradeStatus, PaymentStatusEvent['type']>;

/**
 * Looks a trade status up; throws {@link ValidationError} for one Alipay never documented.
 *
 * @example
 * ```ts
 * alipayTradeStatus('TRADE_SUCCESS', 'trade_status'); // 'payment.succeeded'
 * ```
 */
export function alipayTradeStatus(value: unknown, field: string): PaymentStatusEvent['type'] {
  if (typeof value === 'string' && Object.hasOwn(ALIPAY_TRADE_STATUS, value)) {
    return ALIPAY_TRADE_STATUS[value as AlipayTradeStatus];
  }
  throw new ValidationError(field, `is not a known Alipay trade status: ${JSON.stringify(value)}`);
}

/** `refund_status` values of `alipay.trade.fastpay.refund.query` (absent while not settled). */
export type AlipayRefundStatus = 'REFUND_SUCCESS';

/** `refund_status` → core event type. */
export const ALIPAY_REFUND_STATUS = {
  REFUND_SUCCESS: 'refund.succeeded',
} as const satisfies Record<AlipayRefundStatus, 'refund.succeeded'>;
