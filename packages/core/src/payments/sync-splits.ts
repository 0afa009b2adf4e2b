/**
 * Settling an order's pending splits and split returns by asking the wallet, as `payments.sync`
 * does for refunds: with `resendSplitsAfterMs` (the reconciler's), a split or return the wallet
 * never received is sent again under the same id.
 *
 * @packageDocumentation
 */

import { type HutongError, ProviderApiError } from '../errors.js';
import type { SplitReturn } from '../money-movement.js';
import type { Order } from '../order.js';
import { applyEvent } from './apply-event.js';
import { splitMerchant } from './movement-merchant.js';
import { getOrder, type PaymentsContext } from './payments-context.js';
import type { AnyProvider, SyncOptions } from './payments-types.js';
import { callProvider, isDefinitiveRefusal } from './provider-call.js';
import { splitOf } from './split-order.js';
import { bindReturnReply, bindSplitReply, sendSplit, sendSplitReturn } from './split-send.js';

function unknownToWallet(error: unknown): boolean {
  return ProviderApiError.isInstance(error) && error.normalizedCode === 'not_found';
}

/** Sends again what the wallet does not know, once past the grace period; a refusal settles it as failed. */
async function resend(
  context: PaymentsContext,
  order: Order,
  updatedAt: string,
  graceMs: number,
  send: () => Promise<Order>,
): Promise<Order> {
  if (context.now().getTime() - Date.parse(updatedAt) < graceMs) return order;
  try {
    return await send();
  } catch (error) {
    if (isDefinitiveRefusal(error as HutongError)) return getOrder(context, order.id);
    throw error;
  }
}

/**
 * Queries each pending split and pending split return of `order` and applies the answers. Does
 * nothing for a provider without `capabilities.split`.
 */
export async function syncSplits(
  context: PaymentsContext,
  provider: AnyProvider,
  order: Order,
  options: SyncOptions = {},
): Promise<Order> {
  if (!provider.capabilities.split || !provider.querySplit) return order;
  const querySplit = provider.querySplit;
  const merchant = await splitMerchant(context, provider, order.merchant);
  const grace = options.resendSplitsAfterMs;
  let latest = order;
  for (const { id } of order.splits ?? []) {
    const split = splitOf(latest, id);
    if (split.status === 'pending') {
      const current = latest;
      try {
        const event = await callProvider(provider, () =>
          querySplit.call(provider, { orderId: current.id, order: current, split, ...merchant }),
        );
        bindSplitReply(provider, current, split, event);
        latest = (await applyEvent(context, event, provider.id)).order;
      } catch (error) {
        if (grace === undefined || !unknownToWallet(error)) throw error;
        latest = await resend(context, current, split.updatedAt, grace, () =>
          sendSplit(context, provider, current, split),
        );
      }
    }
    latest = await syncReturns(context, provider, latest, id, grace);
  }
  return latest;
}

async function syncReturns(
  context: PaymentsContext,
  provider: AnyProvider,
  order: Order,
  splitId: string,
  grace: number | undefined,
): Promise<Order> {
  const queryReturn = provider.queryReturn;
  const merchant = await splitMerchant(context, provider, order.merchant);
  if (!queryReturn) return order;
  let latest = order;
  // A return within a refund settles with that refund (queried above, as refunds are), never alone.
  const pending = splitOf(latest, splitId).returns.filter((r) => r.status === 'pending' && r.refundId === undefined);
  for (const { id } of pending) {
    const current = latest;
    const split = splitOf(current, splitId);
    const splitReturn = split.returns.find((r) => r.id === id) as SplitReturn;
    try {
      const event = await callProvider(provider, () =>
        queryReturn.call(provider, { orderId: current.id, order: current, split, returnId: id, ...merchant }),
      );
      bindReturnReply(provider, current, split, event);
      latest = (await applyEvent(context, event, provider.id)).order;
    } catch (error) {
      if (grace === undefined || !unknownToWallet(error)) throw error;
      latest = await resend(context, current, splitReturn.updatedAt, grace, () =>
        sendSplitReturn(context, provider, current, split, splitReturn),
      );
    }
  }
  return latest;
}
