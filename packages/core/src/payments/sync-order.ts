/**
 * `payments.sync`: asks the provider for the payment's state, and for each pending refund's, and
 * applies what it says.
 *
 * @packageDocumentation
 */
import type { Order } from '../order.js';
import { applyEvent } from './apply-event.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { callProvider, requireCapability } from './provider-call.js';

/** Queries the payment and its pending refunds at the provider and applies the answers. */
export async function syncOrder(context: PaymentsContext, orderId: string): Promise<Order> {
  const order = await getOrder(context, orderId);
  const provider = providerById(context, order.provider);
  requireCapability(provider, 'query');
  const queryPayment = provider.queryPayment as NonNullable<AnyProvider['queryPayment']>;
  const status = await callProvider(provider, () => queryPayment.call(provider, { orderId, order }));
  let latest = (await applyEvent(context, status, provider.id)).order;
  if (provider.capabilities.refundQuery && provider.queryRefund) {
    const queryRefund = provider.queryRefund;
    for (const refund of latest.refunds) {
      if (refund.status !== 'pending') continue;
      const current = latest;
      const event = await callProvider(provider, () =>
        queryRefund.call(provider, { orderId, order: current, refundId: refund.id }),
      );
      latest = (await applyEvent(context, event, provider.id)).order;
    }
  }
  return latest;
}
