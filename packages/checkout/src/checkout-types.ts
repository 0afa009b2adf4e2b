/**
 * The checkout's public types: its options, the input and output of its operations, and what a
 * link visit leads to. The code that implements them lives one concern per file beside this one.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyProvider, NextAction, Order, Payments, WalletOAuth } from '@hutong/core';
import type { CheckoutEventType, CheckoutListener } from './checkout-events.js';
import type { CheckoutLocale } from './checkout-i18n.js';
import type { CheckoutAttempt, CheckoutSession, CheckoutWallet } from './checkout-session.js';
import type { CheckoutStore } from './checkout-store.js';

/**
 * WeChat's web OAuth in the shape the checkout took before {@link WalletOAuth}: `openid(code)`
 * instead of `buyerId(code)`. Still accepted; `wechatpayOAuth(...)` from `@hutong/adapter-wechatpay`
 * has both.
 *
 * @deprecated Pass a {@link WalletOAuth} (`buyerId(code)` gives the openid).
 * @example
 * ```ts
 * const oauth: WechatOAuth = {
 *   authorizeUrl: (redirectUri, state) =>
 *     `https://open.weixin.qq.com/connect/oauth2/authorize?appid=${appId}&redirect_uri=${encodeURIComponent(redirectUri)}` +
 *     `&response_type=code&scope=snsapi_base&state=${state}#wechat_redirect`,
 *   openid: async (code) => (await fetchAccessToken(code)).openid,
 * };
 * ```
 */
export interface WechatOAuth {
  /** Where to send the buyer: WeChat's authorize page, which comes back to `redirectUri` with `code` and `state`. */
  authorizeUrl(redirectUri: string, state: string): string;
  /** The buyer's openid for the app id the payments use, from the `code` WeChat returned. */
  openid(code: string): Promise<string>;
}

/**
 * Alipay's silent web OAuth, now the one shape both wallets share.
 *
 * @deprecated Use {@link WalletOAuth} from `@hutong/core` (the same shape).
 * @example
 * ```ts
 * const oauth: AlipayOAuth = alipayProvider.oauth();
 * ```
 */
export type AlipayOAuth = WalletOAuth;

/**
 * Which provider pays for each wallet (ids of the facade's providers), and the OAuth that in-wallet
 * payments need (`provider.oauth(...)` of the Alipay and WeChat Pay adapters). A wallet left out is
 * not offered.
 *
 * @example
 * ```ts
 * const wallets: CheckoutWallets<'alipay' | 'wechatpay' | 'unionpay'> = {
 *   alipay: { provider: 'alipay' },
 *   wechatpay: { provider: 'wechatpay', oauth: wechatOAuth },
 *   unionpay: { provider: 'unionpay' },
 * };
 * ```
 */
export interface CheckoutWallets<Id extends string = string> {
  /** Alipay: `h5` inside the Alipay app (JSAPI when `oauth` is set), `page` on a desktop. */
  alipay?: { provider: Id; oauth?: WalletOAuth | undefined } | undefined;
  /**
   * WeChat Pay: `jsapi` inside WeChat (needs `oauth`; without it, a native code to long-press), a
   * `qr` (native) code on a desktop.
   */
  wechatpay?: { provider: Id; oauth?: WalletOAuth | WechatOAuth | undefined } | undefined;
  /** UnionPay: `h5` inside Cloud QuickPass and UnionPay-family apps, `page` on a desktop. */
  unionpay?: { provider: Id } | undefined;
}

/**
 * Options of `createCheckout`, checked at run time by the schema in `checkout-options.ts`
 * (unknown keys are refused).
 *
 * @example
 * ```ts
 * createCheckout({
 *   payments,
 *   secret: process.env.CHECKOUT_SECRET,
 *   baseUrl: 'https://shop.example/pay',
 *   wallets: { alipay: { provider: 'alipay' }, unionpay: { provider: 'unionpay' } },
 *   allowedReturnUrls: ['https://shop.example/orders/'],
 *   merchantName: '老王煎饼',
 * });
 * ```
 */
export interface CheckoutOptions<P extends AnyProvider = AnyProvider> {
  /** The payments facade; attempts are its orders. */
  payments: Payments<P>;
  /** At least 32 characters: signs links and OAuth states (HMAC-SHA256). Rotating it voids every link. */
  secret: string;
  /** The absolute http(s) URL the handler is mounted at; links are `${baseUrl}/<session>/<signature>`. */
  baseUrl: string;
  /** The provider for each wallet. */
  wallets: CheckoutWallets<P['id']>;
  /**
   * Where sessions and attempts live. Default: a new `MemoryCheckoutStore`, which forgets them
   * at a restart (a Node warning says so once when `NODE_ENV` is `production`).
   */
  store?: CheckoutStore | undefined;
  /** Language of the pages when the buyer asks for none. Default `zh-CN`. */
  locale?: CheckoutLocale | undefined;
  /** The shop's name, shown on every page above what is paid (1 to 64 characters). Default: none. */
  merchantName?: string | undefined;
  /** URL prefixes a session's `returnUrl` may start with (same origin, path prefix). Default: none. */
  allowedReturnUrls?: readonly string[] | undefined;
  /** Refund a payment that arrives after the session completed. Default `true`. */
  refundDuplicatePayments?: boolean | undefined;
  /** The clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /**
   * Receives errors thrown by event listeners and by background work (closing a session's other
   * attempts, refunding a duplicate payment, serving a request), with what was being done. The
   * checkout never logs by itself: without `onError` these are dropped. Default: none.
   */
  onError?: ((error: unknown, context: string) => void) | undefined;
}

/**
 * Input of {@link Checkout.createSession}.
 *
 * @example
 * ```ts
 * const input: CreateSessionInput = { amount: 4200, subject: '晚饭 AA', expiresIn: 3600 };
 * ```
 */
export interface CreateSessionInput {
  /** Amount in fen. Required, unless the session is reusable and the payer types it. */
  amount?: number | undefined;
  /** Bounds of a typed amount (reusable, no `amount`). Default `DEFAULT_PAYER_AMOUNT`. */
  payerAmount?: { min?: number | undefined; max?: number | undefined } | undefined;
  /** What the buyer pays for (1 to 127 characters). */
  subject: string;
  /** Seconds until the link expires: default 1 800 (30 minutes), at least 60, at most 86 400 (24 hours). */
  expiresIn?: number | undefined;
  /** A static code (码牌): every visit pays its own attempt. Default `false`. */
  reusable?: boolean | undefined;
  /** Reusable sessions: complete after this many payments. Default: no limit. */
  maxCompletions?: number | undefined;
  /** Where the paid page sends the buyer back; must start with one of `allowedReturnUrls`. */
  returnUrl?: string | undefined;
  /** The merchant's own data, copied onto each attempt's order. */
  metadata?: Record<string, string> | undefined;
  /**
   * Platform mode: the sub-merchant the session is for (the platform's key). Its attempts are that
   * merchant's orders, only the wallets it is enabled at are offered, and the pages show its name
   * (a `MerchantAccount.name`) instead of `merchantName`. Unknown, or enabled at none of the
   * checkout's wallets: a `MerchantError` before the session is stored.
   */
  merchant?: string | undefined;
}

/**
 * Result of {@link Checkout.createSession}: the session and its signed link.
 *
 * @example
 * ```ts
 * const { session, url }: CreateSessionOutput = await checkout.createSession({ amount: 100, subject: 'Tea' });
 * ```
 */
export interface CreateSessionOutput {
  session: CheckoutSession;
  /** The link to share or show as a QR code. */
  url: string;
}

/**
 * A link visit, as the checkout would answer it.
 *
 * @example
 * ```ts
 * const visit: LinkVisitInput = { url, userAgent: 'Mozilla/5.0 … AlipayClient/10.5.0' };
 * ```
 */
export interface LinkVisitInput {
  /** The URL visited (a link, or one of the routes under it). */
  url: string | URL;
  /** The browser's User-Agent. */
  userAgent?: string | null | undefined;
}

/**
 * A way to pay offered on a page: a wallet and the link that starts paying with it.
 *
 * @example
 * ```ts
 * const visit = await checkout.visit({ url, userAgent });
 * if (visit.type === 'cashier') for (const option of visit.options) console.log(option.wallet, option.url);
 * ```
 */
export interface CheckoutOption {
  wallet: CheckoutWallet;
  url: string;
}

/**
 * Where a link visit leads, discriminated by `type`: what {@link Checkout.handler} renders.
 *
 * @example
 * ```ts
 * const visit = await checkout.visit({ url, userAgent });
 * if (visit.type === 'payment') console.log(visit.wallet, visit.action.type);
 * ```
 */
export type LinkVisit =
  /** A tampered or unknown link, or no such route. */
  | { type: 'not_found' }
  /** The session's time ran out. */
  | { type: 'expired'; session: CheckoutSession }
  /** The session is already paid (as often as it may be). */
  | { type: 'completed'; session: CheckoutSession }
  /** A static code without an amount: the payer types one. `invalid` when a typed one was refused. */
  | { type: 'amount_required'; session: CheckoutSession; invalid: boolean }
  /** A desktop browser: the link's QR code and what works without a wallet app. */
  | { type: 'cashier'; session: CheckoutSession; amount: number; options: CheckoutOption[] }
  /**
   * Inside WeChat without WeChat OAuth configured (no openid, so no `jsapi`): a WeChat Pay native
   * code the buyer long-presses, and the other wallets that work in WeChat's browser.
   */
  | { type: 'in_wechat'; session: CheckoutSession; amount: number; options: CheckoutOption[] }
  /** Inside WeChat or Alipay: the wallet's OAuth first, for the buyer's id. */
  | { type: 'oauth_redirect'; session: CheckoutSession; wallet: CheckoutWallet; url: string }
  /** An OAuth return with a bad, expired or reused `state`, or no code. */
  | { type: 'oauth_refused'; session: CheckoutSession }
  /** An attempt was made: the wallet's next action. */
  | {
      type: 'payment';
      session: CheckoutSession;
      wallet: CheckoutWallet;
      attempt: CheckoutAttempt;
      order: Order;
      action: NextAction;
    };

/**
 * The checkout returned by `createCheckout`.
 *
 * @example
 * ```ts
 * const checkout: Checkout = createCheckout({ payments, secret, baseUrl, wallets });
 * createServer(checkout.nodeHandler).listen(3000);
 * ```
 */
export interface Checkout {
  /** Creates a session and its signed link. */
  createSession(input: CreateSessionInput): Promise<CreateSessionOutput>;
  /** The stored session, or `undefined`. */
  getSession(id: string): Promise<CheckoutSession | undefined>;
  /** A session's attempts, oldest first. */
  listAttempts(sessionId: string): Promise<CheckoutAttempt[]>;
  /** The signed link of a session. */
  linkFor(sessionId: string): string;
  /**
   * Routes a link visit to a wallet action without rendering it: what the handler does before it
   * writes HTML, and what a benchmark of routing times.
   */
  visit(input: LinkVisitInput): Promise<LinkVisit>;
  /**
   * Serves every page under `baseUrl` (web-standard `Request` → `Response`). The request's path and
   * query are read on `baseUrl`'s origin: its host is never trusted.
   */
  handler(request: Request): Promise<Response>;
  /**
   * The same for Node's `http` (and Express, Fastify, ...). Never throws or rejects: a malformed
   * request (a method `Request` refuses, a target that is not a path) is answered 4xx.
   */
  nodeHandler(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Marks open sessions past their expiry as expired (closing their open attempts); returns how many. */
  expireSessions(): Promise<number>;
  /** Subscribes to a checkout event; returns the unsubscribe function. */
  on<T extends CheckoutEventType>(type: T, listener: CheckoutListener<T>): () => void;
  /** Stops listening to the facade's events. */
  dispose(): void;
  /** The store in use. */
  readonly store: CheckoutStore;
}
