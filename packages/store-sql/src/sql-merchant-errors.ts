/**
 * The errors the SQL merchant directory throws for a merchant it cannot resolve: core's
 * `MerchantError` (platform mode), with the codes of the `MerchantDirectory` contract.
 *
 * @packageDocumentation
 */
import * as core from '@hutong/core';
import { HutongError, type HutongErrorCode } from '@hutong/core';

/** The codes of the directory contract. */
export type SqlMerchantErrorCode = 'unknown_merchant' | 'merchant_disabled' | 'merchant_not_enabled';

const MESSAGES: Record<SqlMerchantErrorCode, (merchant: string, provider: string) => string> = {
  unknown_merchant: (merchant) => `merchant ${merchant} is not in the directory`,
  merchant_not_enabled: (merchant, provider) => `merchant ${merchant} has no account at ${provider}`,
  merchant_disabled: (merchant, provider) => `merchant ${merchant} is disabled at ${provider}`,
};

type MerchantErrorConstructor = new (
  code: SqlMerchantErrorCode,
  merchant: string,
  provider: string,
  message: string,
) => HutongError;

/**
 * Core's `MerchantError`, read at run time: the platform-mode branch of `@hutong/core` adds it
 * while this package is built against a core without it. Until then the same codes come on a
 * plain `HutongError`. (Once core exports it, import it directly and drop the fallback.)
 */
const MerchantError = (core as unknown as { readonly MerchantError?: MerchantErrorConstructor }).MerchantError;

/** The error the directory contract names for `code`; its message names the merchant and provider only. */
export function merchantError(code: SqlMerchantErrorCode, merchant: string, provider: string): HutongError {
  const message = MESSAGES[code](merchant, provider);
  return MerchantError
    ? new MerchantError(code, merchant, provider, message)
    : new HutongError(code as unknown as HutongErrorCode, message);
}
