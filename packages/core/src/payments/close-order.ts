/**
 * `payments.close`: closes an unpaid order at the provider, then in the store.
 *
 * @packageDocumentation
 */
import { ProviderApiError } from '../errors.js';
import type { Order } from '../order.js';
import { assertCanClose } from '../order-state-machine.js';
import { applyEvent } from './apply-event.js';
import { merchantOf } from './merchant-accounts.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { callProvider, requireCapability } from './provider-call.js';
import { syncOrder } from './sync-order.js';

/**
 * Whether a close the wallet answered "no such trade" can close the order here: when no buyer can
 * hold a way to pay it. A `created` order's create call never completed (the buyer got no action);
 * past its `expiresAt` the wallet, told the expiry, takes no payment. Any other order may still be
 * paid (a page the buyer has not opened yet): the error stands.
 */
function nothingToClose(error: unknown, order: Order, now: Date): boolean {
  if (!ProviderApiError.isInstance(error) || error.normalizedCode !== 'not_found') return false;
  if (order.status === 'created') return true;
  return order.expiresAt !== null && Date.parse(order.expiresAt) <= now.getTime();
}

/**
 * Closes the order at the provider; a payment made meanwhile is recorded before the error. A
 * wallet that has no such trade closes nothing, and the order is closed when no buyer can pay it
 * (see `nothingToClose`).
 */
export async function closeOrder(context: PaymentsContext, orderId: string): Promise<Order> {
  const order = await getOrder(context, orderId);
  assertCanClose(order);
  const provider = providerById(context, order.provider);
  requireCapability(provider, 'close');
  const closePayment = provider.closePayment as NonNullable<AnyProvider['closePayment']>;
  const merchant = await merchantOf(context, provider, order);
  try {
    await callProvider(provider, () => closePayment.call(provider, { orderId, order, ...merchant }));
  } catch (error) {
    // Paid in the meantime: record the payment before reporting the failed close.
    if (ProviderApiError.isInstance(error) && error.normalizedCode === 'already_paid' && provider.capabilities.query) {
      await syncOrder(context, orderId);
    }
    if (!nothingToClose(error, order, context.now())) throw error;
  }
  return (await applyEvent(context, { type: 'payment.closed', orderId }, provider.id)).order;
}
