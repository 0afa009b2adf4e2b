/**
 * Platform mode in the facade: the sub-merchant account each provider call carries, resolved from
 * the order's merchant through the cached directory, and the binding of a verified notification's
 * account to its order's merchant.
 *
 * @packageDocumentation
 */
import { MerchantError } from '../errors.js';
import type { MerchantAccount } from '../merchant.js';
import type { Order } from '../order.js';
import type { PaymentsContext } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';

/**
 * The account of `merchant` at `provider`, from the cache when fresh (no await on the hot path).
 * Throws {@link MerchantError}: `merchant_unsupported` for a provider without platform mode or a
 * facade without a directory, and the directory's `unknown_merchant`, `merchant_disabled`,
 * `merchant_not_enabled`.
 */
export function merchantAccount(
  context: PaymentsContext,
  provider: AnyProvider,
  merchant: string,
): MerchantAccount | Promise<MerchantAccount> {
  if (provider.capabilities.merchants !== true) {
    throw new MerchantError(
      'merchant_unsupported',
      merchant,
      provider.id,
      `${provider.id} cannot act for a sub-merchant (its capabilities.merchants is not true)`,
    );
  }
  const directory = context.merchants;
  if (!directory) {
    throw new MerchantError(
      'merchant_unsupported',
      merchant,
      provider.id,
      'no merchants directory is configured (createPayments({ merchants }))',
    );
  }
  return directory.peek(merchant, provider.id) ?? directory.resolve(merchant, provider.id);
}

/**
 * What a provider request about `order` adds for its merchant: `{ merchant: account }`, or nothing
 * for an order of the provider's own account (its requests stay exactly as they were).
 */
export async function merchantOf(
  context: PaymentsContext,
  provider: AnyProvider,
  order: Order,
): Promise<{ merchant?: MerchantAccount }> {
  if (order.merchant === undefined) return {};
  return { merchant: await merchantAccount(context, provider, order.merchant) };
}

/**
 * Binds a verified notification's `account` (the sub-merchant the wallet signed into it) to the
 * order it is about: an order of a merchant takes only that merchant's account at the provider, an
 * order of the provider's own takes only a message without one. Anything else is B's message
 * about A's order (or a direct one about a sub-merchant's): {@link MerchantError}
 * `merchant_mismatch`, and nothing applies.
 */
export function bindNotificationAccount(
  context: PaymentsContext,
  provider: AnyProvider,
  order: Order,
  account: string | undefined,
): void | Promise<void> {
  if (order.merchant === undefined) {
    if (account === undefined) return;
    throw new MerchantError(
      'merchant_mismatch',
      undefined,
      provider.id,
      `a notification for sub-merchant ${account} names order ${order.id}, an order of ${provider.id}'s own account`,
    );
  }
  const resolved = merchantAccount(context, provider, order.merchant);
  if (resolved instanceof Promise) return resolved.then((found) => checkAccount(provider, order, found, account));
  checkAccount(provider, order, resolved, account);
}

/** Throws `merchant_mismatch` unless `account` is the resolved account of the order's merchant. */
function checkAccount(provider: AnyProvider, order: Order, resolved: MerchantAccount, account: string | undefined) {
  if (account === resolved.accountId) return;
  throw new MerchantError(
    'merchant_mismatch',
    order.merchant,
    provider.id,
    account === undefined
      ? `a notification without a sub-merchant names order ${order.id} of merchant ${order.merchant}`
      : `a notification for sub-merchant ${account} names order ${order.id} of merchant ${order.merchant}`,
  );
}

/** Throws `merchant_mismatch` unless `order` belongs to `expected` (when a caller named one). */
export function assertOrderOf(order: Order, expected: string | undefined): void {
  if (expected === undefined || order.merchant === expected) return;
  throw new MerchantError(
    'merchant_mismatch',
    expected,
    order.provider,
    `order ${order.id} is not an order of merchant ${expected}`,
  );
}
