/**
 * WeChat Pay error bodies (`{code, message, detail}`), mapped once onto hutong's normalised codes.
 *
 * @packageDocumentation
 */
import { type NormalizedProviderCode, ProviderApiError } from '@hutong/core';

/** WeChat Pay error codes with a normalised meaning. */
export const WECHATPAY_ERROR_CODES: Readonly<Record<string, NormalizedProviderCode>> = {
  ORDER_NOT_EXIST: 'not_found',
  RESOURCE_NOT_EXISTS: 'not_found',
  ORDERNOTEXIST: 'not_found',
  ORDERPAID: 'already_paid',
  ORDERCLOSED: 'closed',
  NOTENOUGH: 'insufficient_balance',
  SIGN_ERROR: 'invalid_signature',
  SYSTEM_ERROR: 'system_busy',
  SYSTEMERROR: 'system_busy',
  BANKERROR: 'system_busy',
  FREQUENCY_LIMITED: 'rate_limited',
  PARAM_ERROR: 'invalid_request',
  INVALID_REQUEST: 'invalid_request',
  OUT_TRADE_NO_USED: 'invalid_request',
  NO_AUTH: 'permission_denied',
  APPID_MCHID_NOT_MATCH: 'permission_denied',
  MCH_NOT_EXISTS: 'permission_denied',
  ACCOUNTERROR: 'permission_denied',
  RULE_LIMIT: 'permission_denied',
  TRADE_ERROR: 'refund_rejected',
  USER_ACCOUNT_ABNORMAL: 'refund_rejected',
};

/** A WeChat Pay error body. */
export interface WechatpayErrorBody {
  code?: string;
  message?: string;
  detail?: unknown;
}

/**
 * Turns a verified error reply into a {@link ProviderApiError}.
 *
 * @example
 * ```ts
 * wechatpayError({ code: 'ORDERPAID', message: '订单已支付' }, 400).normalizedCode; // 'already_paid'
 * ```
 */
export function wechatpayError(body: WechatpayErrorBody, httpStatus: number): ProviderApiError {
  const code = body.code ?? `HTTP_${httpStatus}`;
  const normalizedCode = WECHATPAY_ERROR_CODES[code] ?? (httpStatus >= 500 ? 'system_busy' : 'unknown');
  return new ProviderApiError({
    provider: 'wechatpay',
    providerCode: code,
    providerMessage: body.message,
    normalizedCode,
    httpStatus,
  });
}
