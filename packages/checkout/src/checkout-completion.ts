/**
 * Completion: the facade's `order.paid` of an attempt completes its session exactly once (a
 * compare-and-set on the session); a payment beyond that is recorded as a duplicate and refunded.
 *
 * @packageDocumentation
 */
import { generateId, type Order, type Refund } from '@hutong/core';
import type { CheckoutContext } from './checkout-context.js';
import type { CheckoutAnomaly, CheckoutSession } from './checkout-session.js';
import { changeSession, closeOpenAttempts } from './checkout-sessions.js';

function isFull(session: CheckoutSession): boolean {
  return session.maxCompletions !== null && session.completedBy.length >= session.maxCompletions;
}

/** `order.paid` of an attempt: completes its session once, or records (and refunds) a duplicate. */
export async function onOrderPaid(context: CheckoutContext, order: Order): Promise<void> {
  const attempt = await context.store.getAttempt(order.id);
  if (!attempt) return;
  let duplicate: CheckoutAnomaly | undefined;
  const changed = await changeSession(context, attempt.sessionId, (session) => {
    duplicate = undefined;
    if (session.completedBy.includes(order.id) || session.anomalies.some((a) => a.orderId === order.id)) {
      return undefined;
    }
    if (!isFull(session)) {
      const completedBy = [...session.completedBy, order.id];
      const full = session.maxCompletions !== null && completedBy.length >= session.maxCompletions;
      // A payment made in time completes an expired session too: the order was payable until then.
      return { completedBy, status: full ? 'completed' : session.status === 'expired' ? 'expired' : 'open' };
    }
    duplicate = {
      code: 'duplicate_payment',
      orderId: order.id,
      amount: order.paidAmount,
      refundId: context.refundDuplicates ? generateId() : null,
      detectedAt: context.now().toISOString(),
    };
    return { anomalies: [...session.anomalies, duplicate] };
  });
  if (!changed) return;
  const { after: session } = changed;
  if (!duplicate) {
    await context.emitter.emit('checkout.completed', { session, attempt, order });
    if (session.status === 'completed') await closeOpenAttempts(context, session.id);
    return;
  }
  let refund: Refund | null = null;
  let error: unknown;
  if (duplicate.refundId !== null) {
    try {
      const refunded = await context.payments.refund(order.id, {
        amount: order.paidAmount,
        refundId: duplicate.refundId,
        reason: 'duplicate payment of a checkout session',
      });
      refund = refunded.refund;
    } catch (caught) {
      error = caught;
      context.onError(caught, `refunding duplicate payment ${order.id}`);
    }
  }
  const latest = (await context.payments.getOrder(order.id).catch(() => order)) as Order;
  await context.emitter.emit(
    'checkout.duplicate_payment',
    error === undefined
      ? { session, attempt, order: latest, refund }
      : { session, attempt, order: latest, refund, error },
  );
}
