/**
 * `payments.sync`: asks the provider for the payment's state, and for each pending refund's, and
 * applies what it says; with `resendRefundsAfterMs` (the reconciler's), sends a refund the wallet
 * never received again, under the same refund id.
 *
 * @packageDocumentation
 */
import { ProviderApiError } from '../errors.js';
import type { Order, Refund } from '../order.js';
import { hasPendingRefundReturns } from '../refund-split-returns.js';
import { applyEvent } from './apply-event.js';
import { merchantOf } from './merchant-accounts.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import type { AnyProvider, SyncOptions } from './payments-types.js';
import { callProvider, isDefinitiveRefusal, requireCapability } from './provider-call.js';
import { sendRefund } from './refund-send.js';
import { syncSplits } from './sync-splits.js';

/** Whether the wallet answered that it has no such refund (it never received the request). */
function unknownToWallet(error: unknown): boolean {
  return ProviderApiError.isInstance(error) && error.normalizedCode === 'not_found';
}

/**
 * A pending refund the wallet does not know. Past the grace period its request never arrived (a
 * crash between the commit and the call, or a request lost on the way): it is sent again with the
 * same id, which every wallet takes as the same refund (Alipay `out_request_no`, WeChat Pay
 * `out_refund_no`, UnionPay the refund's `orderId`). A refusal of that request marks it failed,
 * which settles it. Within the grace period the first request may still be on its way: left as is.
 */
async function resendUnknownRefund(
  context: PaymentsContext,
  provider: AnyProvider,
  order: Order,
  refund: Refund,
  graceMs: number,
): Promise<Order> {
  if (context.now().getTime() - Date.parse(refund.updatedAt) < graceMs) return order;
  try {
    return await sendRefund(context, provider, order, refund);
  } catch (error) {
    if (isDefinitiveRefusal(error as ProviderApiError)) return getOrder(context, order.id);
    throw error;
  }
}

/** Queries the payment and its pending refunds at the provider and applies the answers. */
export async function syncOrder(context: PaymentsContext, orderId: string, options: SyncOptions = {}): Promise<Order> {
  const order = await getOrder(context, orderId);
  const provider = providerById(context, order.provider);
  requireCapability(provider, 'query');
  const queryPayment = provider.queryPayment as NonNullable<AnyProvider['queryPayment']>;
  const merchant = await merchantOf(context, provider, order);
  const status = await callProvider(provider, () => queryPayment.call(provider, { orderId, order, ...merchant }));
  let latest = (await applyEvent(context, status, provider.id)).order;
  if (provider.capabilities.refundQuery && provider.queryRefund) {
    const queryRefund = provider.queryRefund;
    for (const refund of latest.refunds) {
      // Pending, or settled without saying what became of its split returns (a failed refund
      // fails its returns): asked (again).
      if (refund.status !== 'pending' && !hasPendingRefundReturns(latest, refund.id)) continue;
      const current = latest;
      let event: Awaited<ReturnType<typeof queryRefund>>;
      try {
        event = await callProvider(provider, () =>
          queryRefund.call(provider, { orderId, order: current, refundId: refund.id, ...merchant }),
        );
      } catch (error) {
        const grace = options.resendRefundsAfterMs;
        if (grace === undefined || !unknownToWallet(error)) throw error;
        latest = await resendUnknownRefund(context, provider, current, refund, grace);
        continue;
      }
      latest = (await applyEvent(context, event, provider.id)).order;
    }
  }
  return syncSplits(context, provider, latest, options);
}
