/**
 * Sessions of a platform's sub-merchant: the wallets that merchant can take (the configured ones
 * its account at the provider is enabled for) and the name the cashier shows, from the payments
 * facade's merchants directory (through its cache).
 *
 * @packageDocumentation
 */
import { type MerchantAccount, MerchantError } from '@hutong/core';
import { assertMerchantKey } from '@hutong/core/store-kit';
import type { CheckoutContext } from './checkout-context.js';
import { CHECKOUT_WALLETS, type CheckoutSession } from './checkout-session.js';
import type { CheckoutWallets } from './checkout-types.js';

/** What a session of a merchant can offer: its wallets and its name. */
export interface MerchantView {
  readonly wallets: CheckoutWallets;
  /** The name on its pages: a merchant account's `name`, else none (never the platform's `merchantName`). */
  readonly merchantName: string | null;
}

/** The merchant's enabled account at each configured wallet's provider (refused ones left out). */
async function enabledAccounts(
  context: CheckoutContext,
  merchant: string,
): Promise<{ wallets: CheckoutWallets; accounts: MerchantAccount[] }> {
  const directory = context.payments.merchants;
  if (!directory) {
    throw new MerchantError(
      'merchant_unsupported',
      merchant,
      'checkout',
      'the payments facade has no merchants directory',
    );
  }
  const wallets: Record<string, unknown> = {};
  const accounts: MerchantAccount[] = [];
  for (const wallet of CHECKOUT_WALLETS) {
    const config = context.wallets[wallet];
    if (!config) continue;
    const provider = context.payments.provider(config.provider);
    if (provider.capabilities.merchants !== true) continue;
    try {
      accounts.push(directory.peek(merchant, config.provider) ?? (await directory.resolve(merchant, config.provider)));
      wallets[wallet] = config;
    } catch (error) {
      if (!MerchantError.isInstance(error)) throw error;
    }
  }
  return { wallets: wallets as CheckoutWallets, accounts };
}

/**
 * Checks a new session's merchant: known, and enabled at one configured wallet at least; throws
 * {@link MerchantError} (`unknown_merchant`, `merchant_not_enabled`) before the session is stored.
 */
export async function checkSessionMerchant(context: CheckoutContext, merchant: unknown): Promise<string> {
  const key = assertMerchantKey(merchant, 'merchant');
  const { accounts } = await enabledAccounts(context, key);
  if (accounts.length > 0) return key;
  const known = (await context.payments.merchants?.list(key)) ?? [];
  throw new MerchantError(
    known.length === 0 ? 'unknown_merchant' : 'merchant_not_enabled',
    key,
    'checkout',
    known.length === 0
      ? `merchant ${key} is not in the directory`
      : `merchant ${key} has no enabled account at any wallet of this checkout`,
  );
}

/** The session's wallets and name: the checkout's own without a merchant, the merchant's with one. */
export async function merchantView(context: CheckoutContext, session: CheckoutSession): Promise<MerchantView> {
  if (session.merchant === undefined) return { wallets: context.wallets, merchantName: context.merchantName };
  const { wallets, accounts } = await enabledAccounts(context, session.merchant);
  let name = accounts.find((account) => account.name)?.name;
  if (name === undefined) {
    const all = (await context.payments.merchants?.list(session.merchant)) ?? [];
    name = all.find((account) => account.name)?.name;
  }
  return { wallets, merchantName: name ?? null };
}

/** The context of a visit to `session`: with a merchant, only its wallets and its name. */
export async function sessionContext(context: CheckoutContext, session: CheckoutSession): Promise<CheckoutContext> {
  if (session.merchant === undefined) return context;
  return { ...context, ...(await merchantView(context, session)) };
}
