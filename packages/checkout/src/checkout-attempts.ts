/**
 * Attempts: each payer's try at a session is an ordinary order of the facade, made for one wallet
 * and method, stored before the order so that its `order.paid` always finds its session.
 *
 * @packageDocumentation
 */
import { generateId, type NextAction, type PaymentMethod } from '@hutong/core';
import { attemptUrl, type CheckoutContext } from './checkout-context.js';
import { CHECKOUT_SESSION_METADATA_KEY } from './checkout-options.js';
import type { CheckoutAttempt, CheckoutSession, CheckoutWallet } from './checkout-session.js';
import type { LinkVisit } from './checkout-types.js';

/** How long one attempt of a reusable session stays payable, in milliseconds. */
const ATTEMPT_TTL_MS = 30 * 60 * 1000;

/** Makes an attempt (an order) for `wallet` by `method`; the visit is the wallet's next action. */
export async function makeAttempt(
  context: CheckoutContext,
  session: CheckoutSession,
  wallet: CheckoutWallet,
  method: PaymentMethod,
  amount: number,
  buyerId?: string,
): Promise<LinkVisit> {
  const config = context.wallets[wallet] as { provider: string };
  const at = context.now();
  const orderId = generateId();
  const attempt: CheckoutAttempt = {
    orderId,
    sessionId: session.id,
    wallet,
    provider: config.provider,
    method,
    amount,
    createdAt: at.toISOString(),
  };
  // Stored before the order, so that the order's `order.paid` always finds its session.
  await context.store.addAttempt(attempt);
  const expiresAt = Math.min(Date.parse(session.expiresAt), at.getTime() + ATTEMPT_TTL_MS);
  const { order, action } = await context.createPayment({
    provider: config.provider,
    method,
    amount,
    subject: session.subject,
    orderId,
    expiresAt: new Date(expiresAt),
    metadata: { ...session.metadata, [CHECKOUT_SESSION_METADATA_KEY]: session.id },
    ...(method === 'page' || method === 'h5' ? { returnUrl: attemptUrl(context, session.id, orderId) } : {}),
    ...(buyerId === undefined ? {} : { buyerId }),
    ...(session.merchant === undefined ? {} : { merchant: session.merchant }),
  });
  return { type: 'payment', session, wallet, attempt, order, action: action as NextAction };
}
