/**
 * The memory {@link MerchantDirectory}: for tests, demos and platforms with a handful of shops
 * configured in code.
 *
 * @packageDocumentation
 */
import { MerchantError, ValidationError } from './errors.js';
import type { MerchantAccount, MerchantDirectory } from './merchant.js';
import { assertMerchantKey } from './merchant-key.js';

/**
 * A {@link MerchantDirectory} whose merchant keys are of type `M` (the platform's own key type, a
 * branded string for instance): `createPayments` takes its `M` for `createPayment({ merchant })`.
 * Type-level only, never present at run time.
 *
 * @example
 * ```ts
 * type ShopId = string & { readonly __brand: 'ShopId' };
 * const merchants: KeyedMerchantDirectory<ShopId> = createMemoryMerchantDirectory<ShopId>();
 * ```
 */
export interface KeyedMerchantDirectory<M extends string = string> extends MerchantDirectory {
  readonly '~merchant'?: M | undefined;
}

/** Checks an account before it is stored; returns a frozen copy. */
function checkedAccount(account: MerchantAccount, field: string): MerchantAccount {
  if (typeof account !== 'object' || account === null) throw new ValidationError(field, 'must be a MerchantAccount');
  assertMerchantKey(account.merchant, `${field}.merchant`);
  if (typeof account.provider !== 'string' || account.provider.length === 0) {
    throw new ValidationError(`${field}.provider`, 'must be a provider id');
  }
  if (typeof account.accountId !== 'string' || account.accountId.length === 0) {
    throw new ValidationError(`${field}.accountId`, 'must be the id the wallet knows the merchant by');
  }
  if (typeof account.enabled !== 'boolean') throw new ValidationError(`${field}.enabled`, 'must be a boolean');
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(account.fields ?? {})) {
    if (typeof value !== 'string') throw new ValidationError(`${field}.fields.${key}`, 'must be a string');
    fields[key] = value;
  }
  return Object.freeze({ ...account, fields: Object.freeze(fields) });
}

/**
 * Looks up `merchant` at `provider` in `accounts` (one merchant's accounts by provider), throwing
 * the {@link MerchantError} the directory contract names. Shared by every directory
 * implementation so they refuse alike.
 *
 * @example
 * ```ts
 * const account = accountOrThrow('shop-42', 'wechatpay', await loadAccounts('shop-42'));
 * ```
 */
export function accountOrThrow(
  merchant: string,
  provider: string,
  accounts: readonly MerchantAccount[],
): MerchantAccount {
  if (accounts.length === 0) {
    throw new MerchantError('unknown_merchant', merchant, provider, `merchant ${merchant} is not in the directory`);
  }
  const account = accounts.find((candidate) => candidate.provider === provider);
  if (!account) {
    throw new MerchantError(
      'merchant_not_enabled',
      merchant,
      provider,
      `merchant ${merchant} has no account at ${provider}`,
    );
  }
  if (!account.enabled) {
    throw new MerchantError('merchant_disabled', merchant, provider, `merchant ${merchant} is disabled at ${provider}`);
  }
  return account;
}

/**
 * A {@link MerchantDirectory} in memory, seeded with `accounts`. Accounts are checked and frozen
 * when stored, so no caller changes one behind the directory's back. Everything is lost when the
 * process exits: a platform keeps its merchants in a durable directory (`@hutong/store-sql`).
 *
 * @example
 * ```ts
 * import { createMemoryMerchantDirectory, createPayments } from '@hutong/core';
 *
 * const merchants = createMemoryMerchantDirectory([
 *   { merchant: 'shop-42', provider: 'wechatpay', accountId: '1900000109', name: '老王煎饼', enabled: true, fields: {} },
 * ]);
 * const payments = createPayments({ providers: [wechatpay({ mode: 'partner', ... })], merchants });
 * ```
 */
export function createMemoryMerchantDirectory<M extends string = string>(
  accounts: readonly MerchantAccount[] = [],
): KeyedMerchantDirectory<M> {
  const byMerchant = new Map<string, Map<string, MerchantAccount>>();
  const store = (account: MerchantAccount, field: string) => {
    const checked = checkedAccount(account, field);
    let forMerchant = byMerchant.get(checked.merchant);
    if (!forMerchant) {
      forMerchant = new Map();
      byMerchant.set(checked.merchant, forMerchant);
    }
    forMerchant.set(checked.provider, checked);
  };
  accounts.forEach((account, index) => {
    store(account, `accounts.${index}`);
  });
  return {
    async resolve(merchant, provider) {
      return accountOrThrow(merchant, provider, [...(byMerchant.get(merchant)?.values() ?? [])]);
    },
    async put(account) {
      store(account, 'account');
    },
    async list(merchant) {
      return [...(byMerchant.get(merchant)?.values() ?? [])];
    },
  };
}
