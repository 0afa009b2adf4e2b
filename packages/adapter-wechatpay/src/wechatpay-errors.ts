/**
 * WeChat Pay error bodies (`{code, message, detail}`), mapped once onto hutong's normalised codes.
 *
 * @packageDocumentation
 */
import { type NormalizedProviderCode, ProviderApiError } from '@hutong/core';

/**
 * WeChat Pay error codes with a normalised meaning.
 *
 * @group Protocol
 * @example
 * ```ts
 * WECHATPAY_ERROR_CODES.ORDERPAID; // 'already_paid'
 * ```
 */
export const WECHATPAY_ERROR_CODES: Readonly<Record<string, NormalizedProviderCode>> = {
  ORDER_NOT_EXIST: 'not_found',
  RESOURCE_NOT_EXISTS: 'not_found',
  ORDERNOTEXIST: 'not_found',
  ORDERPAID: 'already_paid',
  ORDERCLOSED: 'closed',
  NOTENOUGH: 'insufficient_balance',
  // Profit sharing and merchant transfers.
  NOT_FOUND: 'not_found',
  NOT_ENOUGH: 'insufficient_balance',
  RECEIVER_INVALID: 'invalid_request',
  RECEIVER_MISMATCH: 'invalid_request',
  INVALID_REQUEST_RECEIVER: 'invalid_request',
  ACCOUNT_ABNORMAL: 'permission_denied',
  SIGN_ERROR: 'invalid_signature',
  SYSTEM_ERROR: 'system_busy',
  SYSTEMERROR: 'system_busy',
  BANKERROR: 'system_busy',
  FREQUENCY_LIMITED: 'rate_limited',
  PARAM_ERROR: 'invalid_request',
  AUTH_CODE_INVALID: 'invalid_request',
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

/**
 * A WeChat Pay error body.
 *
 * @group Protocol
 * @example
 * ```ts
 * const body: WechatpayErrorBody = { code: 'ORDERPAID', message: '订单已支付' };
 * ```
 */
export interface WechatpayErrorBody {
  code?: string | undefined;
  message?: string | undefined;
  detail?: unknown;
}

/**
 * Turns a verified error reply into a `ProviderApiError` naming `provider` (the provider id)
 * and carrying WeChat Pay's `Request-ID`, which its support asks for.
 *
 * @group Protocol
 * @example
 * ```ts
 * wechatpayError({ code: 'ORDERPAID', message: '订单已支付' }, 400).normalizedCode; // 'already_paid'
 * ```
 */
export function wechatpayError(
  body: WechatpayErrorBody,
  httpStatus: number,
  provider = 'wechatpay',
  requestId?: string,
): ProviderApiError {
  const code = typeof body.code === 'string' && body.code ? body.code : `HTTP_${httpStatus}`;
  const known = Object.hasOwn(WECHATPAY_ERROR_CODES, code) ? WECHATPAY_ERROR_CODES[code] : undefined;
  const normalizedCode = known ?? (httpStatus >= 500 ? 'system_busy' : 'unknown');
  const providerMessage = typeof body.message === 'string' ? body.message : undefined;
  const error = new ProviderApiError({
    provider,
    providerCode: code,
    providerMessage,
    normalizedCode,
    httpStatus,
    requestId,
  });
  if (code === 'SIGN_ERROR' && httpStatus === 401) error.message += `: ${signErrorHint(providerMessage)}`;
  return error;
}

/**
 * What to check when WeChat Pay refuses a request's signature (401 `SIGN_ERROR`): the serial and
 * the key the request was signed with, the one WeChat names first. It names options, never quotes
 * them (no key material, no serial).
 *
 * @group Protocol
 * @example
 * ```ts
 * signErrorHint('商户证书序列号有误。请使用签名私钥匹配的证书序列号'); // 'check options.merchantSerialNo: ...'
 * ```
 */
export function signErrorHint(providerMessage: string | undefined): string {
  const serial =
    'options.merchantSerialNo must be the serial of the merchant API certificate whose private key is options.privateKey ' +
    '(`openssl x509 -in apiclient_cert.pem -noout -serial`; not a platform certificate or a PUB_KEY_ID_)';
  const key = "options.privateKey must be that certificate's private key (apiclient_key.pem)";
  const clock = "the server's clock must be within 5 minutes of WeChat Pay's";
  const message = providerMessage ?? '';
  if (/序列号/.test(message)) return `check ${serial}; and ${key}`;
  if (/timestamp|时间/.test(message)) return `check ${clock}; then ${serial}; and ${key}`;
  if (/商户号/.test(message))
    return `check options.mchId (the merchant id the certificate belongs to); then ${serial}; and ${key}`;
  return `check ${key}; and ${serial}`;
}
