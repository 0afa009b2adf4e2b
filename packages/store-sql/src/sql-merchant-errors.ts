/**
 * The errors the SQL merchant directory throws for a merchant it cannot resolve.
 *
 * @packageDocumentation
 */
import { HutongError, type HutongErrorCode } from '@hutong/core';

/** The codes of the directory contract. */
export type SqlMerchantErrorCode = 'unknown_merchant' | 'merchant_disabled' | 'merchant_not_enabled';

const MESSAGES: Record<SqlMerchantErrorCode, (merchant: string, provider: string) => string> = {
  unknown_merchant: (merchant) => `merchant ${merchant} is not in the directory`,
  merchant_not_enabled: (merchant, provider) => `merchant ${merchant} has no account at ${provider}`,
  merchant_disabled: (merchant, provider) => `merchant ${merchant} is disabled at ${provider}`,
};

/** The error the directory contract names for `code`. */
export function merchantError(code: SqlMerchantErrorCode, merchant: string, provider: string): HutongError {
  return new HutongError(code as unknown as HutongErrorCode, MESSAGES[code](merchant, provider));
}
