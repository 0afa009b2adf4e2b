/**
 * `payments.close`: closes an unpaid order at the provider, then in the store.
 *
 * @packageDocumentation
 */
import { ProviderApiError } from '../errors.js';
import type { Order } from '../order.js';
import { assertCanClose } from '../order-state-machine.js';
import { applyEvent } from './apply-event.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { callProvider, requireCapability } from './provider-call.js';
import { syncOrder } from './sync-order.js';

/** Closes the order at the provider; a payment made meanwhile is recorded before the error. */
export async function closeOrder(context: PaymentsContext, orderId: string): Promise<Order> {
  const order = await getOrder(context, orderId);
  assertCanClose(order);
  const provider = providerById(context, order.provider);
  requireCapability(provider, 'close');
  const closePayment = provider.closePayment as NonNullable<AnyProvider['closePayment']>;
  try {
    await callProvider(provider, () => closePayment.call(provider, { orderId, order }));
  } catch (error) {
    // Paid in the meantime: record the payment before reporting the failed close.
    if (ProviderApiError.isInstance(error) && error.normalizedCode === 'already_paid' && provider.capabilities.query) {
      await syncOrder(context, orderId);
    }
    throw error;
  }
  return (await applyEvent(context, { type: 'payment.closed', orderId }, provider.id)).order;
}
