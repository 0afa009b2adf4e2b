/**
 * `@hutong/checkout`: one link and one QR code that Alipay, WeChat Pay and UnionPay can all pay,
 * routed by the app it is opened in; pay-for-me (找朋友帮忙付) with exactly-once completion; static
 * codes (码牌); server-rendered pages for any web server.
 *
 * @example
 * ```ts
 * import { createCheckout } from '@hutong/checkout';
 * const checkout = createCheckout({ payments, secret, baseUrl: 'https://shop.example/pay', wallets });
 * const { url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
 * ```
 *
 * @packageDocumentation
 */
export { createCheckout, routeLinkVisit } from './checkout.js';
export type { CheckoutEventMap, CheckoutEventType, CheckoutListener } from './checkout-events.js';
export type { CheckoutLocale } from './checkout-i18n.js';
export {
  CHECKOUT_SESSION_METADATA_KEY,
  DEFAULT_PAYER_AMOUNT,
  DEFAULT_SESSION_TTL_SECONDS,
  MAX_SESSION_TTL_SECONDS,
} from './checkout-options.js';
export { type QrSvgOptions, renderQrPng, renderQrSvg, renderQrText } from './checkout-qr.js';
export {
  CHECKOUT_WALLETS,
  type CheckoutAnomaly,
  type CheckoutAttempt,
  type CheckoutSession,
  type CheckoutSessionStatus,
  type CheckoutWallet,
  type PayerAmountBounds,
} from './checkout-session.js';
export { type CheckoutStore, MemoryCheckoutStore } from './checkout-store.js';
export type {
  AlipayOAuth,
  Checkout,
  CheckoutOption,
  CheckoutOptions,
  CheckoutWallets,
  CreateSessionInput,
  CreateSessionOutput,
  LinkVisit,
  LinkVisitInput,
  WechatOAuth,
} from './checkout-types.js';
export { type BrowserContext, detectWallet } from './wallet-detection.js';
