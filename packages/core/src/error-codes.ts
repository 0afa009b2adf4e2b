/**
 * Mapping a wallet's own error codes to {@link ProviderApiError}s with a normalised code, so that
 * retryability and the facade's decisions are the same for every wallet.
 *
 * @packageDocumentation
 */
import { type NormalizedProviderCode, ProviderApiError } from './errors.js';

/** Options of {@link createErrorCodeMapper}. */
export interface ErrorCodeMapperOptions<Code extends string> {
  /** Provider id, for the errors. */
  provider: string;
  /** The wallet's codes and what each means. Codes not listed map to `fallback`. */
  codes: Readonly<Record<Code, NormalizedProviderCode>>;
  /** What an unlisted code means. Default `unknown` (not retryable). */
  fallback?: NormalizedProviderCode | undefined;
}

/** What a reply said, for {@link ErrorCodeMapper}. */
export interface WalletErrorReply {
  /** The wallet's code (`ORDER_NOT_EXIST`, `34`). */
  code: string;
  /** The wallet's message, safe to log (never a secret). */
  message?: string | undefined;
  /** HTTP status of the reply, when it came over HTTP. */
  httpStatus?: number | undefined;
  /** The wallet's request id, to quote to its support. */
  requestId?: string | undefined;
}

/** Turns a wallet's error reply into a {@link ProviderApiError}; `normalize` gives the code alone. */
export interface ErrorCodeMapper<Code extends string> {
  /** The normalised code of a wallet code (the fallback for an unlisted one). */
  normalize(code: Code | (string & {})): NormalizedProviderCode;
  /** The error for a verified error reply. */
  toError(reply: WalletErrorReply): ProviderApiError;
}

/**
 * Builds the mapper from one table, `satisfies`-checked by the caller if the wallet's codes are a
 * closed set. Retryability follows from the normalised code (`system_busy`, `rate_limited`).
 *
 * @example
 * ```ts
 * const mywalletErrors = createErrorCodeMapper({
 *   provider: 'mywallet',
 *   codes: { ORDER_NOT_EXIST: 'not_found', ORDER_PAID: 'already_paid', BUSY: 'system_busy', SIGN_ERROR: 'invalid_signature' },
 * });
 * const error = mywalletErrors.toError({ code: 'BUSY', message: 'try later', httpStatus: 503 });
 * error.retryable; // true
 * ```
 */
export function createErrorCodeMapper<Code extends string>(
  options: ErrorCodeMapperOptions<Code>,
): ErrorCodeMapper<Code> {
  const table = new Map<string, NormalizedProviderCode>(
    Object.entries(options.codes) as [string, NormalizedProviderCode][],
  );
  const fallback = options.fallback ?? 'unknown';
  const normalize = (code: string): NormalizedProviderCode => table.get(code) ?? fallback;
  return {
    normalize,
    toError(reply) {
      return new ProviderApiError({
        provider: options.provider,
        providerCode: reply.code,
        providerMessage: reply.message,
        normalizedCode: normalize(reply.code),
        httpStatus: reply.httpStatus,
        requestId: reply.requestId,
      });
    },
  };
}
