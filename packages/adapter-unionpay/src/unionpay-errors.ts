/**
 * ACP response codes (`respCode`, and `origRespCode` in queries), mapped once and exhaustively:
 * which are successes, which mean "not known yet, query later", and which are failures with a
 * normalised code. A code missing from the table is not guessed at: the reply is malformed.
 * Also the numeric ISO 4217 currency codes UnionPay sends (`currencyCode`).
 *
 * @packageDocumentation
 */
import { type NormalizedProviderCode, ProviderApiError } from '@hutong/core';

/** What an ACP code means for the transaction it reports. */
export type UnionpayCodeMeaning =
  | { readonly outcome: 'succeeded' }
  | { readonly outcome: 'pending' }
  | { readonly outcome: 'failed'; readonly normalizedCode: NormalizedProviderCode };

const SUCCEEDED = { outcome: 'succeeded' } as const;
const PENDING = { outcome: 'pending' } as const;
const failed = (normalizedCode: NormalizedProviderCode) => ({ outcome: 'failed', normalizedCode }) as const;

/**
 * Every documented ACP code. `00` success; `A6` success with a defect (partial data); `03` timeout,
 * `04` state unknown, `05` accepted, result later (and `70`, a transaction still being processed):
 * query later, nothing is settled. Everything else is a failure with its normalised meaning.
 */
export const UNIONPAY_RESPONSE_CODES = {
  '00': SUCCEEDED,
  A6: SUCCEEDED,
  '03': PENDING,
  '04': PENDING,
  '05': PENDING,
  '70': PENDING,
  '01': failed('unknown'),
  '02': failed('system_busy'),
  '06': failed('system_busy'),
  '10': failed('invalid_request'),
  '11': failed('invalid_signature'),
  '12': failed('invalid_request'),
  '13': failed('invalid_request'),
  '14': failed('invalid_request'),
  '30': failed('permission_denied'),
  '31': failed('permission_denied'),
  '32': failed('permission_denied'),
  '33': failed('invalid_request'),
  '34': failed('not_found'),
  '35': failed('not_found'),
  '36': failed('invalid_request'),
  '37': failed('rate_limited'),
  '38': failed('permission_denied'),
  '39': failed('invalid_request'),
  '40': failed('invalid_request'),
  '41': failed('invalid_request'),
  '42': failed('closed'),
  '43': failed('permission_denied'),
  '44': failed('invalid_request'),
  '45': failed('refund_rejected'),
  '60': failed('unknown'),
  '61': failed('invalid_request'),
  '62': failed('permission_denied'),
  '63': failed('permission_denied'),
  '64': failed('insufficient_balance'),
  '65': failed('invalid_request'),
  '66': failed('invalid_request'),
  '67': failed('permission_denied'),
  '68': failed('permission_denied'),
  '69': failed('invalid_request'),
  '71': failed('invalid_request'),
  '72': failed('permission_denied'),
  '73': failed('invalid_request'),
  '74': failed('system_busy'),
  '75': failed('system_busy'),
  '76': failed('invalid_request'),
  '77': failed('permission_denied'),
  '78': failed('permission_denied'),
  '79': failed('invalid_request'),
  '80': failed('system_busy'),
  '98': failed('not_found'),
  '99': failed('unknown'),
} as const satisfies Readonly<Record<string, UnionpayCodeMeaning>>;

/** A documented ACP code. */
export type UnionpayResponseCode = keyof typeof UNIONPAY_RESPONSE_CODES;

/**
 * The meaning of a code, or `undefined` for a code UnionPay does not document (the caller treats
 * the message as malformed).
 *
 * @example
 * ```ts
 * unionpayCodeMeaning('05'); // { outcome: 'pending' }
 * unionpayCodeMeaning('Z9'); // undefined
 * ```
 */
export function unionpayCodeMeaning(code: string | undefined): UnionpayCodeMeaning | undefined {
  return code !== undefined && Object.hasOwn(UNIONPAY_RESPONSE_CODES, code)
    ? UNIONPAY_RESPONSE_CODES[code as UnionpayResponseCode]
    : undefined;
}

/** Codes of an accepted or successful request. */
export const UNIONPAY_SUCCESS_CODES: ReadonlySet<string> = codesWith('succeeded');

/** Codes whose outcome is not known yet: query later. */
export const UNIONPAY_PENDING_CODES: ReadonlySet<string> = codesWith('pending');

function codesWith(outcome: UnionpayCodeMeaning['outcome']): ReadonlySet<string> {
  return new Set(
    Object.entries(UNIONPAY_RESPONSE_CODES)
      .filter(([, meaning]) => meaning.outcome === outcome)
      .map(([code]) => code),
  );
}

/**
 * Turns a verified refusal (or a "query later" code) into a `ProviderApiError`. Pending codes
 * are retryable: the outcome is unknown, so nothing is marked failed.
 *
 * @example
 * ```ts
 * unionpayError('unionpay', '34', '查无此交易').normalizedCode; // 'not_found'
 * ```
 */
export function unionpayError(
  provider: string,
  respCode: string,
  respMsg?: string,
  httpStatus?: number,
): ProviderApiError {
  const meaning = unionpayCodeMeaning(respCode);
  return new ProviderApiError({
    provider,
    providerCode: respCode,
    providerMessage: respMsg,
    normalizedCode: meaning?.outcome === 'failed' ? meaning.normalizedCode : 'system_busy',
    retryable: meaning?.outcome === 'pending' || undefined,
    httpStatus,
  });
}

/** The numeric ISO 4217 codes UnionPay sends in `currencyCode`, as alphabetic codes. */
export const UNIONPAY_CURRENCIES = {
  '036': 'AUD',
  '124': 'CAD',
  '156': 'CNY',
  '344': 'HKD',
  '392': 'JPY',
  '410': 'KRW',
  '446': 'MOP',
  '458': 'MYR',
  '554': 'NZD',
  '643': 'RUB',
  '702': 'SGD',
  '756': 'CHF',
  '764': 'THB',
  '826': 'GBP',
  '840': 'USD',
  '901': 'TWD',
  '978': 'EUR',
} as const satisfies Readonly<Record<string, string>>;

/**
 * The ISO 4217 alphabetic code of a `currencyCode`, or `undefined` for one not in
 * {@link UNIONPAY_CURRENCIES} (the caller refuses the message).
 *
 * @example
 * ```ts
 * unionpayCurrency('156'); // 'CNY'
 * unionpayCurrency('840'); // 'USD'
 * ```
 */
export function unionpayCurrency(currencyCode: string | undefined): string | undefined {
  return currencyCode !== undefined && Object.hasOwn(UNIONPAY_CURRENCIES, currencyCode)
    ? UNIONPAY_CURRENCIES[currencyCode as keyof typeof UNIONPAY_CURRENCIES]
    : undefined;
}
