/**
 * Sending a recorded refund to the wallet: by `payments.refund` right after recording it, and by
 * the reconciler again (same refund id) when the wallet never received it.
 *
 * @packageDocumentation
 */
import type { HutongError } from '../errors.js';
import type { Order, Refund } from '../order.js';
import { refundSplitReturns } from '../refund-split-returns.js';
import { applyEvent } from './apply-event.js';
import { merchantOf } from './merchant-accounts.js';
import type { PaymentsContext } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { callProvider, isDefinitiveRefusal } from './provider-call.js';

/**
 * Sends the refund `refund` of `order` and applies the wallet's answer. A refusal the wallet stated
 * marks the refund failed (and is thrown); any other failure leaves it pending (and is thrown).
 */
export async function sendRefund(
  context: PaymentsContext,
  provider: AnyProvider,
  order: Order,
  refund: Pick<Refund, 'id' | 'amount' | 'reason'>,
): Promise<Order> {
  const orderId = order.id;
  const send = provider.refund as NonNullable<AnyProvider['refund']>;
  let status: Awaited<ReturnType<typeof send>>;
  // Resolved before the call: a merchant refused here (disabled since) leaves the refund pending.
  const merchant = await merchantOf(context, provider, order);
  const splitReturns = refundSplitReturns(order, refund.id);
  try {
    status = await callProvider(provider, () =>
      send.call(provider, {
        orderId,
        order,
        refundId: refund.id,
        amount: refund.amount,
        reason: refund.reason,
        // The same returns on every send of this refund, the reconciler's resend included.
        ...(splitReturns.length > 0 ? { splitReturns } : {}),
        ...merchant,
      }),
    );
  } catch (error) {
    if (isDefinitiveRefusal(error as HutongError)) {
      await applyEvent(context, {
        type: 'refund.failed',
        orderId,
        refundId: refund.id,
        reason: (error as HutongError).code,
      });
    }
    throw error;
  }
  return (await applyEvent(context, status, provider.id)).order;
}
