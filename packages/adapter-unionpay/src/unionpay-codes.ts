/**
 * ACP response codes (`respCode`, and `origRespCode` in queries), mapped once: which are final
 * successes, which mean "not known yet, query later", and which are failures with a normalised code.
 *
 * @packageDocumentation
 */
import { type NormalizedProviderCode, ProviderApiError } from '@hutong/core';

/** Codes of an accepted or successful request. `A6` is a success with a defect (partial data). */
export const UNIONPAY_SUCCESS_CODES: ReadonlySet<string> = new Set(['00', 'A6']);

/** Codes whose outcome is not known yet: query later. */
export const UNIONPAY_PENDING_CODES: ReadonlySet<string> = new Set(['03', '04', '05', '70']);

/** Every documented ACP failure code with its normalised meaning. */
export const UNIONPAY_ERROR_CODES: Readonly<Record<string, NormalizedProviderCode>> = {
  '01': 'unknown',
  '02': 'system_busy',
  '03': 'system_busy',
  '04': 'system_busy',
  '05': 'system_busy',
  '06': 'system_busy',
  '10': 'invalid_request',
  '11': 'invalid_signature',
  '12': 'invalid_request',
  '13': 'invalid_request',
  '14': 'invalid_request',
  '30': 'permission_denied',
  '31': 'permission_denied',
  '32': 'permission_denied',
  '33': 'invalid_request',
  '34': 'not_found',
  '35': 'not_found',
  '36': 'invalid_request',
  '37': 'rate_limited',
  '38': 'permission_denied',
  '39': 'invalid_request',
  '40': 'invalid_request',
  '41': 'invalid_request',
  '42': 'closed',
  '43': 'permission_denied',
  '44': 'invalid_request',
  '45': 'refund_rejected',
  '60': 'unknown',
  '61': 'invalid_request',
  '62': 'permission_denied',
  '63': 'permission_denied',
  '64': 'insufficient_balance',
  '65': 'invalid_request',
  '66': 'invalid_request',
  '67': 'permission_denied',
  '68': 'permission_denied',
  '69': 'invalid_request',
  '70': 'system_busy',
  '71': 'invalid_request',
  '72': 'permission_denied',
  '73': 'invalid_request',
  '74': 'system_busy',
  '75': 'system_busy',
  '76': 'invalid_request',
  '77': 'permission_denied',
  '78': 'permission_denied',
  '79': 'invalid_request',
  '80': 'system_busy',
  '98': 'not_found',
  '99': 'unknown',
};

/**
 * Turns a verified failure reply into a {@link ProviderApiError}. Pending codes (`03`, `04`, `05`)
 * are retryable: the outcome is unknown, so nothing is marked failed.
 *
 * @example
 * ```ts
 * unionpayError('34', '查无此交易').normalizedCode; // 'not_found'
 * ```
 */
export function unionpayError(respCode: string, respMsg?: string, httpStatus?: number): ProviderApiError {
  return new ProviderApiError({
    provider: 'unionpay',
    providerCode: respCode,
    providerMessage: respMsg,
    normalizedCode: UNIONPAY_ERROR_CODES[respCode] ?? 'unknown',
    retryable: UNIONPAY_PENDING_CODES.has(respCode) || undefined,
    httpStatus,
  });
}
