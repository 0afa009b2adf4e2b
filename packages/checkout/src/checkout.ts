/**
 * The unified checkout: one signed link (and its QR code) that any wallet can pay, routed by the
 * app it is opened in, with pay-for-me and static codes, on top of the payments facade.
 *
 * `createCheckout` only wires: options (`checkout-options.ts`), sessions (`checkout-sessions.ts`),
 * completion (`checkout-completion.ts`), routing (`checkout-routing.ts`), OAuth
 * (`checkout-oauth.ts`), rendering (`checkout-render.ts`) and the HTTP handlers
 * (`checkout-handler.ts`), each taking the small {@link CheckoutContext}.
 *
 * @packageDocumentation
 */
import type { AnyProvider } from '@hutong/core';
import { onOrderPaid } from './checkout-completion.js';
import { type CheckoutContext, linkFor } from './checkout-context.js';
import { CheckoutEmitter } from './checkout-events.js';
import { createCheckoutNodeHandler, handleRequest } from './checkout-handler.js';
import { resolveCheckoutOptions } from './checkout-options.js';
import { visit } from './checkout-routing.js';
import { createSession, expireSessions } from './checkout-sessions.js';
import type { Checkout, CheckoutOptions, LinkVisit, LinkVisitInput } from './checkout-types.js';

/**
 * Creates a unified checkout on a payments facade: one signed link per session that Alipay, WeChat
 * Pay and UnionPay can all pay, routed by the app it is opened in. Completion is wired to the
 * facade's `order.paid` event.
 *
 * @example
 * ```ts
 * import { createCheckout } from '@hutong/checkout';
 *
 * const checkout = createCheckout({
 *   payments,
 *   secret: process.env.CHECKOUT_SECRET as string,
 *   baseUrl: 'https://shop.example/pay',
 *   merchantName: '老王煎饼',
 *   wallets: {
 *     alipay: { provider: 'alipay' },
 *     wechatpay: { provider: 'wechatpay', oauth: wechatOAuth },
 *     unionpay: { provider: 'unionpay' },
 *   },
 * });
 * const { url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
 * checkout.on('checkout.completed', ({ session, order }) => fulfil(session.id, order.id));
 * http.createServer(checkout.nodeHandler).listen(3000);
 * ```
 */
export function createCheckout<P extends AnyProvider>(options: CheckoutOptions<P>): Checkout {
  const resolved = resolveCheckoutOptions(options);
  const emitter = new CheckoutEmitter((error, type) => resolved.onError(error, `a listener of ${type}`));
  const context: CheckoutContext = { ...resolved, emitter };
  const unsubscribe = context.payments.on('order.paid', ({ order }) => onOrderPaid(context, order));
  return {
    createSession: (input) => createSession(context, input),
    getSession: (id) => context.store.getSession(id),
    listAttempts: (sessionId) => context.store.listAttempts(sessionId),
    linkFor: (sessionId) => linkFor(context, sessionId),
    visit: (input) => visit(context, input),
    handler: (request) => handleRequest(context, request),
    nodeHandler: createCheckoutNodeHandler(context),
    expireSessions: () => expireSessions(context),
    on: (type, listener) => emitter.on(type, listener),
    dispose: unsubscribe,
    store: context.store,
  };
}

/**
 * Routes one link visit to its wallet action, as {@link Checkout.handler} does before rendering:
 * the hook `pnpm bench` times (without the wallet's network when the providers are fakes).
 *
 * @example
 * ```ts
 * const started = performance.now();
 * const visit = await routeLinkVisit(checkout, { url, userAgent: 'AlipayClient/10.5.0' });
 * console.log(visit.type, performance.now() - started);
 * ```
 */
export function routeLinkVisit(checkout: Checkout, input: LinkVisitInput): Promise<LinkVisit> {
  return checkout.visit(input);
}
