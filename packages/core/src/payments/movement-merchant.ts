/**
 * The sub-merchant side of money movement, until platform mode reaches splits and transfers: a
 * split of a sub-merchant's order, a transfer for a sub-merchant and a movement notification that
 * names a sub-merchant are refused, so money never moves from or to the wrong account.
 *
 * @packageDocumentation
 */
import { UnsupportedOperationError, ValidationError } from '../errors.js';
import type { MerchantAccount } from '../merchant.js';
import type { AnyProvider } from './payments-types.js';

/**
 * The account money moves from for `merchant` (a platform's key), `null` for the provider's own.
 * Throws `UnsupportedOperationError` for a sub-merchant: the facade does not resolve merchant keys
 * for splits and transfers yet.
 */
export function movementMerchant(provider: AnyProvider, merchant: string | null | undefined): MerchantAccount | null {
  if (merchant === null || merchant === undefined) return null;
  throw new UnsupportedOperationError(provider.id, 'splits and transfers of a sub-merchant (platform mode)');
}

/**
 * Refuses a movement notification the wallet signed for a sub-merchant (its `account`): only the
 * provider's own splits and transfers are kept, so it cannot be about one of them.
 */
export function bindMovementAccount(provider: AnyProvider, account: string | undefined): void {
  if (account === undefined) return;
  throw new ValidationError(
    'notification.account',
    `${provider.id} reports a split or transfer of a sub-merchant; only the provider's own are kept`,
  );
}
