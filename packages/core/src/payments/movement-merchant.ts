/**
 * The sub-merchant side of money movement (platform mode): a split of a sub-merchant's order and a
 * transfer for a sub-merchant carry that merchant's account, resolved through the facade's
 * directory as every payment call does; a movement notification is bound to the merchant of the
 * split's order or of the transfer, so money never moves from or to the wrong account.
 *
 * @packageDocumentation
 */
import type { MerchantAccount } from '../merchant.js';
import type { MoneyMovementEvent } from '../money-movement.js';
import { bindNotificationAccount, merchantAccount } from './merchant-accounts.js';
import type { PaymentsContext } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';

/**
 * The account money moves from for `merchant` (a platform's key), `null` for the provider's own.
 * Throws `MerchantError` as payments do (unknown, disabled, not enabled, a provider without
 * platform mode, no directory).
 */
export async function movementMerchant(
  context: PaymentsContext,
  provider: AnyProvider,
  merchant: string | null | undefined,
): Promise<MerchantAccount | null> {
  if (merchant === null || merchant === undefined) return null;
  return await merchantAccount(context, provider, merchant);
}

/** What a provider request about a split of `order` adds for its merchant (nothing for the provider's own). */
export async function splitMerchant(
  context: PaymentsContext,
  provider: AnyProvider,
  merchant: string | undefined,
): Promise<{ merchant?: MerchantAccount }> {
  const account = await movementMerchant(context, provider, merchant);
  return account ? { merchant: account } : {};
}

/**
 * Binds a verified movement notification's `account` (the sub-merchant the wallet signed) to the
 * merchant of what it is about: the split's order, or the transfer. A message for sub-merchant B
 * about A's split or transfer, or one naming a sub-merchant about the provider's own, throws
 * `MerchantError` `merchant_mismatch`. A record the store does not have is left to the apply
 * step, which refuses it.
 */
export async function bindMovementAccount(
  context: PaymentsContext,
  provider: AnyProvider,
  event: MoneyMovementEvent,
  account: string | undefined,
): Promise<void> {
  if (event.type === 'transfer.status') {
    const transfer = await context.store.transfers?.get(event.transferId);
    if (!transfer) return;
    const order = { id: transfer.id, merchant: transfer.merchant ?? undefined };
    await bindNotificationAccount(context, provider, order as Parameters<typeof bindNotificationAccount>[2], account);
    return;
  }
  const order = event.orderId === '' ? undefined : await context.store.get(event.orderId);
  if (!order) {
    if (account === undefined) return;
    // Nothing to bind a sub-merchant's message to: it cannot be applied to anything either.
    await bindNotificationAccount(
      context,
      provider,
      { id: event.orderId } as Parameters<typeof bindNotificationAccount>[2],
      account,
    );
    return;
  }
  await bindNotificationAccount(context, provider, order, account);
}
