/**
 * Alipay's error codes, mapped once onto hutong's normalised vocabulary. `code` is the gateway
 * result (10000 success, 10003 waiting for the buyer, 20000 service unavailable, 40004 business
 * failure, ...); `sub_code` names the business reason.
 *
 * @packageDocumentation
 */
import { type NormalizedProviderCode, ProviderApiError } from '@hutong/core';

/** Business reasons (`sub_code`) with a normalised meaning. */
export const ALIPAY_SUB_CODES: Readonly<Record<string, NormalizedProviderCode>> = {
  'ACQ.TRADE_NOT_EXIST': 'not_found',
  'ACQ.TRADE_HAS_SUCCESS': 'already_paid',
  'ACQ.TRADE_HAS_FINISHED': 'already_paid',
  'ACQ.TRADE_HAS_CLOSE': 'closed',
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': 'insufficient_balance',
  'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': 'insufficient_balance',
  'ACQ.SELLER_BALANCE_NOT_ENOUGH': 'insufficient_balance',
  'isv.invalid-signature': 'invalid_signature',
  'isv.invalid-app-id': 'invalid_request',
  'isv.missing-signature': 'invalid_signature',
  'isv.code-invalid': 'invalid_request',
  'isv.refresh-token-invalid': 'invalid_request',
  'isv.grant-type-invalid': 'invalid_request',
  'isv.insufficient-isv-permissions': 'permission_denied',
  'ACQ.INVALID_PARAMETER': 'invalid_request',
  'ACQ.CONTEXT_INCONSISTENT': 'invalid_request',
  'ACQ.PAYMENT_AUTH_CODE_INVALID': 'invalid_request',
  'ACQ.EXIST_FORBIDDEN_WORD': 'invalid_request',
  'ACQ.TOTAL_FEE_EXCEED': 'invalid_request',
  'ACQ.ACCESS_FORBIDDEN': 'permission_denied',
  'ACQ.PARTNER_ERROR': 'permission_denied',
  'ACQ.TRADE_NOT_ALLOW_REFUND': 'refund_rejected',
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': 'refund_rejected',
  'ACQ.REASON_TRADE_BEEN_FREEZEN': 'refund_rejected',
  'ACQ.TRADE_STATUS_ERROR': 'refund_rejected',
  'ACQ.SYSTEM_ERROR': 'system_busy',
  'aop.ACQ.SYSTEM_ERROR': 'system_busy',
  'isp.unknow-error': 'system_busy',
  'ACQ.REQUEST_TOO_FAST': 'rate_limited',
  // A merchant's app_auth_token (service-provider mode): revoked, expired, or not for this method.
  'aop.invalid-app-auth-token': 'permission_denied',
  'aop.app-auth-token-time-out': 'permission_denied',
  'aop.invalid-app-auth-token-no-api': 'permission_denied',
  'isv.invalid-auth-relations': 'permission_denied',
  // Settlement (分账).
  'ACQ.ROYALTY_RECEIVER_INVALID': 'invalid_request',
  'ACQ.USER_NOT_EXIST': 'invalid_request',
  'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR': 'invalid_request',
  'ACQ.ILLEGAL_SETTLE_STATE': 'invalid_request',
  'ACQ.DISCORDANT_REPEAT_REQUEST': 'invalid_request',
  'ACQ.TXN_RESULT_ACCOUNT_BALANCE_NOT_ENOUGH': 'insufficient_balance',
  'ACQ.TRADE_SETTLE_ERROR': 'system_busy',
  // Royalty returned within a refund (退分账): the receiver has not allowed returns, or is unknown.
  'ACQ.REFUNDALLOC_UNAUTH_LIMIT': 'refund_rejected',
  'ACQ.REFUND_ROYALTY_PAYEE_ACCOUNT_NOT_EXIST': 'invalid_request',
  // Transfers (转账).
  PAYER_BALANCE_NOT_ENOUGH: 'insufficient_balance',
  PAYEE_NOT_EXIST: 'invalid_request',
  PAYEE_USER_INFO_ERROR: 'invalid_request',
  PAYMENT_INFO_INCONSISTENCY: 'invalid_request',
  ORDER_NOT_EXIST: 'not_found',
};

/** Gateway result codes with a normalised meaning when no `sub_code` decides. */
export const ALIPAY_CODES: Readonly<Record<string, NormalizedProviderCode>> = {
  '20000': 'system_busy',
  '20001': 'permission_denied',
  '40001': 'invalid_request',
  '40002': 'invalid_request',
  '40003': 'permission_denied',
  '40006': 'permission_denied',
};

/** A verified Alipay error body. */
export interface AlipayErrorBody {
  code?: string | undefined;
  msg?: string | undefined;
  sub_code?: string | undefined;
  sub_msg?: string | undefined;
}

/**
 * Turns a verified error body into a {@link ProviderApiError}; `requestId` is the gateway's
 * `trace_id` header, which Alipay's support asks for.
 *
 * @example
 * ```ts
 * alipayError({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' }).normalizedCode; // 'not_found'
 * ```
 */
export function alipayError(
  body: AlipayErrorBody,
  httpStatus?: number,
  provider = 'alipay',
  requestId?: string,
): ProviderApiError {
  const code = body.code ?? 'unknown';
  const normalizedCode =
    (body.sub_code && ALIPAY_SUB_CODES[body.sub_code]) || ALIPAY_CODES[code] || ('unknown' as const);
  return new ProviderApiError({
    provider,
    providerCode: body.sub_code ?? code,
    providerMessage: [body.msg, body.sub_msg].filter(Boolean).join(': ') || undefined,
    normalizedCode,
    httpStatus,
    requestId,
  });
}

/**
 * The refund Alipay has no record of: `alipay.trade.fastpay.refund.query` answered `10000` with no
 * refund data for the `out_request_no`, which Alipay documents as "not refunded" (never received,
 * or not executed), to be sent again under the same `out_request_no`. Reported as `not_found`, so
 * core's reconciler does exactly that; `providerCode` is the gateway's own `10000`.
 *
 * @example
 * ```ts
 * alipayRefundNotFound('alipay', 'refund0001').normalizedCode; // 'not_found'
 * ```
 */
export function alipayRefundNotFound(provider: string, refundId: string): ProviderApiError {
  return new ProviderApiError({
    provider,
    providerCode: '10000',
    providerMessage: `the refund query found no refund ${refundId} (not received or not executed)`,
    normalizedCode: 'not_found',
  });
}
