/**
 * The unified checkout: one signed link (and its QR code) that any wallet can pay, routed by the
 * app it is opened in, with pay-for-me and static codes, on top of the payments facade.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AnyProvider,
  assertAmount,
  type CreatePaymentInput,
  type CreatePaymentOutput,
  generateId,
  type NextAction,
  type Order,
  type PaymentMethod,
  type Payments,
  parseYuan,
  type Refund,
  ValidationError,
} from '@hutong/core';
import { createNodeHandler } from '@hutong/core/provider-utils';
import { CheckoutEmitter, type CheckoutEventType, type CheckoutListener } from './checkout-events.js';
import { createNonce, htmlResponse } from './checkout-html.js';
import { type CheckoutLocale, messagesFor, negotiateLocale } from './checkout-i18n.js';
import {
  alipayJsapiPage,
  amountPage,
  attemptPage,
  attemptState,
  cashierPage,
  formPage,
  messagePage,
  type PageContext,
  wechatJsapiPage,
} from './checkout-pages.js';
import { renderQrSvg } from './checkout-qr.js';
import {
  CHECKOUT_WALLETS,
  type CheckoutAnomaly,
  type CheckoutAttempt,
  type CheckoutSession,
  type CheckoutWallet,
  type PayerAmountBounds,
} from './checkout-session.js';
import {
  createOAuthState,
  OAUTH_STATE_TTL_SECONDS,
  signLink,
  verifyLink,
  verifyOAuthState,
} from './checkout-signing.js';
import { type CheckoutStore, MemoryCheckoutStore } from './checkout-store.js';
import { type BrowserContext, detectWallet } from './wallet-detection.js';

/** Default lifetime of a session: 30 minutes, in seconds. */
export const DEFAULT_SESSION_TTL_SECONDS = 30 * 60;

/** Longest lifetime of a session: 24 hours, in seconds. */
export const MAX_SESSION_TTL_SECONDS = 24 * 60 * 60;

/**
 * Default bounds of an amount the payer types on a static code, in fen: 0.01 to 500 yuan. 500 yuan
 * is the central bank's daily cap per payer for static codes (条码支付业务规范, 银发〔2017〕296号).
 */
export const DEFAULT_PAYER_AMOUNT: PayerAmountBounds = { min: 1, max: 50_000 };

/** How long one attempt of a reusable session stays payable, in milliseconds. */
const ATTEMPT_TTL_MS = 30 * 60 * 1000;

/** The metadata key that ties an order to its checkout session. */
export const CHECKOUT_SESSION_METADATA_KEY = 'hutong_checkout_session';

/**
 * WeChat's web OAuth (`snsapi_base`): the buyer's openid for a `jsapi` payment, without a consent
 * screen. `wechatpayOAuth({ appId, appSecret })` from `@hutong/adapter-wechatpay` provides it; a
 * test stub of this shape does too.
 *
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
 * Alipay's silent web OAuth (`auth_base`, then `alipay.system.oauth.token`); when configured, Alipay
 * visitors pay by JSAPI instead of `h5`. `alipayProvider.oauth()` from `@hutong/adapter-alipay`
 * provides it; a test stub of this shape does too.
 *
 * @example
 * ```ts
 * const oauth: AlipayOAuth = {
 *   authorizeUrl: (redirectUri, state) =>
 *     `https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?app_id=${appId}&scope=auth_base` +
 *     `&redirect_uri=${encodeURIComponent(redirectUri)}&state=${state}`,
 *   buyerId: async (code) => (await alipayOAuthToken(code)).openId,
 * };
 * ```
 */
export interface AlipayOAuth {
  /** Where to send the buyer: Alipay's authorize page, which comes back with `auth_code` and `state`. */
  authorizeUrl(redirectUri: string, state: string): string;
  /** The buyer's user id or open id, from the `auth_code` Alipay returned. */
  buyerId(code: string): Promise<string>;
}

/**
 * Which provider pays for each wallet (ids of the facade's providers), and the OAuth halves that
 * in-wallet payments need. A wallet left out is not offered.
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
  alipay?: { provider: Id; oauth?: AlipayOAuth | undefined } | undefined;
  /** WeChat Pay: `jsapi` inside WeChat (needs `oauth`), a `qr` (native) code on a desktop. */
  wechatpay?: { provider: Id; oauth?: WechatOAuth | undefined } | undefined;
  /** UnionPay: `h5` inside Cloud QuickPass and UnionPay-family apps, `page` on a desktop. */
  unionpay?: { provider: Id } | undefined;
}

/**
 * Options of {@link createCheckout}.
 *
 * @example
 * ```ts
 * createCheckout({
 *   payments,
 *   secret: process.env.CHECKOUT_SECRET,
 *   baseUrl: 'https://shop.example/pay',
 *   wallets: { alipay: { provider: 'alipay' }, unionpay: { provider: 'unionpay' } },
 *   allowedReturnUrls: ['https://shop.example/orders/'],
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
  /** Where sessions and attempts live. Default: a new {@link MemoryCheckoutStore}. */
  store?: CheckoutStore | undefined;
  /** Language of the pages when the buyer asks for none. Default `zh-CN`. */
  locale?: CheckoutLocale | undefined;
  /** URL prefixes a session's `returnUrl` may start with (same origin, path prefix). Default: none. */
  allowedReturnUrls?: readonly string[] | undefined;
  /** Refund a payment that arrives after the session completed. Default `true`. */
  refundDuplicatePayments?: boolean | undefined;
  /** The clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /**
   * Receives errors thrown by event listeners and by background work (closing a session's other
   * attempts, refunding a duplicate payment), with what was being done. The checkout never logs by
   * itself: without `onError` these are dropped. Default: none.
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
  /** Bounds of a typed amount (reusable, no `amount`). Default {@link DEFAULT_PAYER_AMOUNT}. */
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
}

/** Result of {@link Checkout.createSession}: the session and its signed link. */
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
  | { type: 'cashier'; session: CheckoutSession; amount: number; options: { wallet: CheckoutWallet; url: string }[] }
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
 * The checkout returned by {@link createCheckout}.
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
  /** Serves every page under `baseUrl` (web-standard `Request` → `Response`). */
  handler(request: Request): Promise<Response>;
  /** The same for Node's `http` (and Express, Fastify, ...). */
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

/** The method each wallet uses in each place. */
const METHODS = {
  alipay: { inWallet: 'h5', oauth: 'jsapi', desktop: 'page' },
  wechatpay: { inWallet: 'jsapi', oauth: 'jsapi', desktop: 'qr' },
  unionpay: { inWallet: 'h5', oauth: 'h5', desktop: 'page' },
} as const satisfies Record<CheckoutWallet, { inWallet: PaymentMethod; oauth: PaymentMethod; desktop: PaymentMethod }>;

function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(field, 'must be a positive integer');
  }
  return value;
}

function httpUrl(value: unknown, field: string): URL {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be an http(s) URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(field, 'must be an http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError(field, 'must be an http(s) URL');
  return url;
}

function isAllowedReturnUrl(url: URL, allowed: readonly URL[]): boolean {
  return allowed.some((prefix) => url.origin === prefix.origin && url.pathname.startsWith(prefix.pathname));
}

/** Library code never logs by itself: without an `onError`, background failures are dropped. */
function ignoreError(): void {}

let warnedMemoryStore = false;

/** One Node warning per process when a production process keeps its sessions in memory. */
function warnMemoryStoreInProduction(): void {
  const env = typeof process === 'undefined' ? undefined : process.env?.NODE_ENV;
  if (env !== 'production' || warnedMemoryStore || typeof process.emitWarning !== 'function') return;
  warnedMemoryStore = true;
  process.emitWarning(
    '@hutong/checkout keeps its sessions in a MemoryCheckoutStore (no `store` option): after a restart or ' +
      'a deploy every shared link, pay-for-me link and printed static code answers 404, and several ' +
      'processes do not see each other’s sessions. Pass a persistent `store` (the SQL checkout store of ' +
      '@hutong/store-sql).',
    { type: 'HutongWarning', code: 'HUTONG_MEMORY_CHECKOUT_STORE' },
  );
}

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
  if (typeof options.secret !== 'string' || options.secret.length < 32) {
    throw new ValidationError('secret', 'must be at least 32 characters');
  }
  const base = httpUrl(options.baseUrl, 'baseUrl');
  if (base.search || base.hash) throw new ValidationError('baseUrl', 'must have no query or fragment');
  const baseHref = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const basePath = base.pathname.replace(/\/+$/, '');
  const secret = options.secret;
  if (!options.store) warnMemoryStoreInProduction();
  const store = options.store ?? new MemoryCheckoutStore();
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? ignoreError;
  const refundDuplicates = options.refundDuplicatePayments !== false;
  const defaultLocale = options.locale ?? 'zh-CN';
  const allowedReturnUrls = (options.allowedReturnUrls ?? []).map((url, index) =>
    httpUrl(url, `allowedReturnUrls.${index}`),
  );
  const payments = options.payments as unknown as Payments<AnyProvider>;
  const createPayment = payments.createPayment as unknown as (
    input: CreatePaymentInput,
  ) => Promise<CreatePaymentOutput>;
  const wallets = options.wallets as CheckoutWallets;
  for (const wallet of CHECKOUT_WALLETS) {
    const config = wallets[wallet];
    if (!config) continue;
    const provider = payments.provider(config.provider);
    if (provider.wallet !== wallet) {
      throw new ValidationError(`wallets.${wallet}.provider`, `${provider.id} is a ${provider.wallet} provider`);
    }
    const methods = METHODS[wallet];
    const needed = [methods.inWallet, methods.desktop, ...('oauth' in config && config.oauth ? [methods.oauth] : [])];
    for (const method of needed) {
      if (!provider.capabilities.methods.includes(method)) {
        throw new ValidationError(`wallets.${wallet}.provider`, `${provider.id} does not take ${method} payments`);
      }
    }
  }
  if (!CHECKOUT_WALLETS.some((wallet) => wallets[wallet])) {
    throw new ValidationError('wallets', 'must configure at least one wallet');
  }
  const emitter = new CheckoutEmitter((error, type) => onError(error, `a listener of ${type}`));

  const linkFor = (sessionId: string) => `${baseHref}/${sessionId}/${signLink(secret, sessionId)}`;
  const attemptUrl = (sessionId: string, orderId: string) => `${linkFor(sessionId)}/a/${orderId}`;

  // ── sessions ──────────────────────────────────────────────────────────────

  async function createSession(input: CreateSessionInput): Promise<CreateSessionOutput> {
    if (typeof input !== 'object' || input === null) throw new ValidationError('input', 'must be an object');
    const reusable = input.reusable === true;
    const subject = typeof input.subject === 'string' ? input.subject.trim() : '';
    if (subject.length < 1 || subject.length > 127) throw new ValidationError('subject', 'must be 1 to 127 characters');
    let amount: number | null = null;
    let payerAmount: PayerAmountBounds | null = null;
    if (input.amount !== undefined) {
      assertAmount(input.amount, 'amount');
      amount = input.amount;
      if (input.payerAmount !== undefined)
        throw new ValidationError('payerAmount', 'is only for sessions without amount');
    } else if (reusable) {
      const min = input.payerAmount?.min ?? DEFAULT_PAYER_AMOUNT.min;
      const max = input.payerAmount?.max ?? DEFAULT_PAYER_AMOUNT.max;
      assertAmount(min, 'payerAmount.min');
      assertAmount(max, 'payerAmount.max');
      if (min > max) throw new ValidationError('payerAmount', 'min must not be above max');
      payerAmount = { min, max };
    } else {
      throw new ValidationError('amount', 'is required unless the session is reusable');
    }
    const ttl = input.expiresIn ?? DEFAULT_SESSION_TTL_SECONDS;
    if (!Number.isSafeInteger(ttl) || ttl < 60 || ttl > MAX_SESSION_TTL_SECONDS) {
      throw new ValidationError('expiresIn', `must be whole seconds from 60 to ${MAX_SESSION_TTL_SECONDS}`);
    }
    let maxCompletions: number | null = 1;
    if (reusable) {
      maxCompletions =
        input.maxCompletions === undefined ? null : positiveInteger(input.maxCompletions, 'maxCompletions');
    } else if (input.maxCompletions !== undefined && input.maxCompletions !== 1) {
      throw new ValidationError('maxCompletions', 'must be 1 (or left out) unless the session is reusable');
    }
    let returnUrl: string | null = null;
    if (input.returnUrl !== undefined) {
      const url = httpUrl(input.returnUrl, 'returnUrl');
      if (!isAllowedReturnUrl(url, allowedReturnUrls)) {
        throw new ValidationError('returnUrl', 'is not on the checkout’s allowedReturnUrls');
      }
      returnUrl = url.href;
    }
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.metadata ?? {})) {
      if (typeof value !== 'string') throw new ValidationError(`metadata.${key}`, 'must be a string');
      metadata[key] = value;
    }
    const at = now();
    const session: CheckoutSession = {
      id: generateId(),
      amount,
      payerAmount,
      subject,
      status: 'open',
      reusable,
      maxCompletions,
      completedBy: [],
      anomalies: [],
      returnUrl,
      metadata,
      expiresAt: new Date(at.getTime() + ttl * 1000).toISOString(),
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      version: 1,
    };
    await store.createSession(session);
    return { session, url: linkFor(session.id) };
  }

  /** Applies `change` to the stored session with compare-and-set, re-reading when another writer won. */
  async function changeSession(
    id: string,
    change: (session: CheckoutSession) => Partial<CheckoutSession> | undefined,
  ): Promise<{ before: CheckoutSession; after: CheckoutSession } | undefined> {
    for (let round = 0; round < 32; round++) {
      const before = await store.getSession(id);
      if (!before) return undefined;
      const patch = change(before);
      if (!patch) return undefined;
      const after: CheckoutSession = {
        ...before,
        ...patch,
        version: before.version + 1,
        updatedAt: now().toISOString(),
      };
      if (await store.updateSession(after, before.version)) return { before, after };
    }
    throw new Error(`checkout session ${id} kept changing`);
  }

  function isFull(session: CheckoutSession): boolean {
    return session.maxCompletions !== null && session.completedBy.length >= session.maxCompletions;
  }

  /** Closes the session's attempts that can still be paid (all but `keep`). */
  async function closeOpenAttempts(sessionId: string): Promise<void> {
    for (const attempt of await store.listAttempts(sessionId)) {
      try {
        const order = await payments.getOrder(attempt.orderId);
        if (order.status === 'created' || order.status === 'pending') await payments.close(order.id);
      } catch (error) {
        // Paid in the meantime (the wallet refused the close): the facade recorded the payment, and
        // `order.paid` handles it as a duplicate. A normal race, not an error.
        const now = await payments.getOrder(attempt.orderId).catch(() => undefined);
        if (now && now.status !== 'created' && now.status !== 'pending') continue;
        onError(error, `closing attempt ${attempt.orderId}`);
      }
    }
  }

  async function expireSession(id: string): Promise<CheckoutSession | undefined> {
    const changed = await changeSession(id, (session) =>
      session.status === 'open' && Date.parse(session.expiresAt) <= now().getTime() ? { status: 'expired' } : undefined,
    );
    if (!changed) return undefined;
    await emitter.emit('checkout.expired', { session: changed.after });
    await closeOpenAttempts(id);
    return changed.after;
  }

  /** `order.paid` of an attempt: completes its session once, or records (and refunds) a duplicate. */
  async function onOrderPaid(order: Order): Promise<void> {
    const attempt = await store.getAttempt(order.id);
    if (!attempt) return;
    let duplicate: CheckoutAnomaly | undefined;
    const changed = await changeSession(attempt.sessionId, (session) => {
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
        refundId: refundDuplicates ? generateId() : null,
        detectedAt: now().toISOString(),
      };
      return { anomalies: [...session.anomalies, duplicate] };
    });
    if (!changed) return;
    const { after: session } = changed;
    if (!duplicate) {
      await emitter.emit('checkout.completed', { session, attempt, order });
      if (session.status === 'completed') await closeOpenAttempts(session.id);
      return;
    }
    let refund: Refund | null = null;
    let error: unknown;
    if (duplicate.refundId !== null) {
      try {
        const refunded = await payments.refund(order.id, {
          amount: order.paidAmount,
          refundId: duplicate.refundId,
          reason: 'duplicate payment of a checkout session',
        });
        refund = refunded.refund;
      } catch (caught) {
        error = caught;
        onError(caught, `refunding duplicate payment ${order.id}`);
      }
    }
    const latest = (await payments.getOrder(order.id).catch(() => order)) as Order;
    await emitter.emit(
      'checkout.duplicate_payment',
      error === undefined
        ? { session, attempt, order: latest, refund }
        : { session, attempt, order: latest, refund, error },
    );
  }

  const unsubscribe = payments.on('order.paid', ({ order }) => onOrderPaid(order));

  // ── routing a visit ───────────────────────────────────────────────────────

  interface Route {
    session: CheckoutSession;
    rest: string[];
  }

  /** The session a URL's signed link names, and the route under it; `undefined` when not found. */
  async function resolve(url: URL): Promise<Route | undefined> {
    if (basePath && !url.pathname.startsWith(`${basePath}/`)) return undefined;
    const [sessionId = '', mac = '', ...rest] = url.pathname.slice(basePath.length + 1).split('/');
    if (!/^[A-Za-z0-9]{8,32}$/.test(sessionId) || !verifyLink(secret, sessionId, mac)) return undefined;
    const session = await store.getSession(sessionId);
    if (!session) return undefined;
    return { session, rest };
  }

  function payableAmount(session: CheckoutSession, url: URL): number | 'missing' | 'invalid' {
    if (session.amount !== null) return session.amount;
    const typed = url.searchParams.get('amount');
    if (typed === null || typed === '') return 'missing';
    try {
      const fen = parseYuan(typed, 'amount');
      const bounds = session.payerAmount ?? DEFAULT_PAYER_AMOUNT;
      return fen >= bounds.min && fen <= bounds.max ? fen : 'invalid';
    } catch {
      return 'invalid';
    }
  }

  /** The link (or a route under it) keeping the typed amount and language. */
  function linkWith(session: CheckoutSession, path: string, url: URL, amount: number): string {
    const target = new URL(`${linkFor(session.id)}${path}`);
    if (session.amount === null) target.searchParams.set('amount', (amount / 100).toFixed(2));
    const lang = url.searchParams.get('lang');
    if (lang) target.searchParams.set('lang', lang);
    return target.href;
  }

  async function makeAttempt(
    session: CheckoutSession,
    wallet: CheckoutWallet,
    method: PaymentMethod,
    amount: number,
    buyerId?: string,
  ): Promise<LinkVisit> {
    const config = wallets[wallet] as { provider: string };
    const at = now();
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
    await store.addAttempt(attempt);
    const expiresAt = Math.min(Date.parse(session.expiresAt), at.getTime() + ATTEMPT_TTL_MS);
    const { order, action } = await createPayment({
      provider: config.provider,
      method,
      amount,
      subject: session.subject,
      orderId,
      expiresAt: new Date(expiresAt),
      metadata: { ...session.metadata, [CHECKOUT_SESSION_METADATA_KEY]: session.id },
      ...(method === 'page' || method === 'h5' ? { returnUrl: attemptUrl(session.id, orderId) } : {}),
      ...(buyerId === undefined ? {} : { buyerId }),
    });
    return { type: 'payment', session, wallet, attempt, order, action: action as NextAction };
  }

  function cashier(session: CheckoutSession, url: URL, amount: number): LinkVisit {
    const options = CHECKOUT_WALLETS.filter((wallet) => wallets[wallet]).map((wallet) => ({
      wallet,
      url: linkWith(session, `/go/${wallet}`, url, amount),
    }));
    return { type: 'cashier', session, amount, options };
  }

  async function visit(input: LinkVisitInput): Promise<LinkVisit> {
    const url = new URL(input.url);
    const route = await resolve(url);
    if (!route) return { type: 'not_found' };
    let { session } = route;
    const { rest } = route;
    if (session.status === 'open' && Date.parse(session.expiresAt) <= now().getTime()) {
      session = (await expireSession(session.id)) ?? ((await store.getSession(session.id)) as CheckoutSession);
    }
    if (session.status === 'expired') return { type: 'expired', session };
    if (session.status === 'completed') return { type: 'completed', session };
    const amount = payableAmount(session, url);
    if (typeof amount !== 'number') return { type: 'amount_required', session, invalid: amount === 'invalid' };

    if (rest.length === 0) return routeByWallet(session, url, amount, detectWallet(input.userAgent));
    const [kind, name] = rest;
    const wallet = CHECKOUT_WALLETS.find((w) => w === name);
    if (rest.length !== 2 || !wallet || !wallets[wallet]) return { type: 'not_found' };
    if (kind === 'go') return makeAttempt(session, wallet, METHODS[wallet].desktop, amount);
    if (kind === 'oauth') return oauthReturn(session, url, wallet, amount);
    return { type: 'not_found' };
  }

  async function routeByWallet(
    session: CheckoutSession,
    url: URL,
    amount: number,
    context: BrowserContext,
  ): Promise<LinkVisit> {
    switch (context) {
      case 'alipay': {
        const config = wallets.alipay;
        if (!config) return cashier(session, url, amount);
        if (config.oauth) return oauthRedirect(session, url, 'alipay', amount, config.oauth);
        return makeAttempt(session, 'alipay', METHODS.alipay.inWallet, amount);
      }
      case 'wechatpay': {
        const config = wallets.wechatpay;
        // Without OAuth there is no openid, and no way to pay inside WeChat: show the cashier.
        if (!config?.oauth) return cashier(session, url, amount);
        return oauthRedirect(session, url, 'wechatpay', amount, config.oauth);
      }
      case 'unionpay':
        if (!wallets.unionpay) return cashier(session, url, amount);
        return makeAttempt(session, 'unionpay', METHODS.unionpay.inWallet, amount);
      case 'browser':
        return cashier(session, url, amount);
    }
  }

  function oauthRedirect(
    session: CheckoutSession,
    url: URL,
    wallet: CheckoutWallet,
    amount: number,
    oauth: WechatOAuth | AlipayOAuth,
  ): LinkVisit {
    const redirectUri = linkWith(session, `/oauth/${wallet}`, url, amount);
    const state = createOAuthState(secret, session.id, now().getTime());
    return { type: 'oauth_redirect', session, wallet, url: oauth.authorizeUrl(redirectUri, state) };
  }

  async function oauthReturn(
    session: CheckoutSession,
    url: URL,
    wallet: CheckoutWallet,
    amount: number,
  ): Promise<LinkVisit> {
    const state = url.searchParams.get('state') ?? '';
    // WeChat returns `code`; Alipay returns `auth_code`.
    const code = url.searchParams.get('code') ?? url.searchParams.get('auth_code');
    const verified = verifyOAuthState(secret, session.id, state, now().getTime());
    if (!verified || !code) return { type: 'oauth_refused', session };
    const fresh = await store.useOnce(verified.nonce, new Date((verified.expiresAt + OAUTH_STATE_TTL_SECONDS) * 1000));
    if (!fresh) return { type: 'oauth_refused', session };
    if (wallet === 'wechatpay' && wallets.wechatpay?.oauth) {
      const openid = await wallets.wechatpay.oauth.openid(code);
      return makeAttempt(session, 'wechatpay', METHODS.wechatpay.oauth, amount, openid);
    }
    if (wallet === 'alipay' && wallets.alipay?.oauth) {
      const buyerId = await wallets.alipay.oauth.buyerId(code);
      return makeAttempt(session, 'alipay', METHODS.alipay.oauth, amount, buyerId);
    }
    return { type: 'not_found' };
  }

  // ── rendering ─────────────────────────────────────────────────────────────

  function pageContext(request: Request, url: URL): PageContext {
    const locale = negotiateLocale(url, request.headers.get('accept-language'), defaultLocale);
    return { locale, messages: messagesFor(locale), nonce: createNonce(), url };
  }

  function message(context: PageContext, status: number, title: string, hint?: string): Response {
    return htmlResponse(messagePage(context, title, hint), context.nonce, { status });
  }

  async function attemptRoute(request: Request, url: URL, route: Route): Promise<Response> {
    const [, orderId = '', extra, ...more] = route.rest;
    const attempt = await store.getAttempt(orderId);
    const context = pageContext(request, url);
    if (!attempt || attempt.sessionId !== route.session.id || more.length > 0 || (extra && extra !== 'status')) {
      return message(context, 404, context.messages.notFound);
    }
    const order = await payments.getOrder(orderId);
    const session = route.session;
    const state = attemptState(order, session);
    if (extra === 'status') {
      return Response.json(
        { state, order: order.status, session: session.status },
        { headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } },
      );
    }
    const page = attemptPage(context, session, order, {
      self: url.href,
      status: `${url.origin}${url.pathname}/status`,
      retry: linkWith(session, '', url, order.amount),
      back: session.returnUrl,
    });
    return htmlResponse(page, context.nonce);
  }

  function render(request: Request, url: URL, result: LinkVisit): Response {
    const context = pageContext(request, url);
    const m = context.messages;
    switch (result.type) {
      case 'not_found':
        return message(context, 404, m.notFound);
      case 'expired':
        return message(context, 410, m.expired, m.expiredHint);
      case 'completed':
        return message(context, 200, m.completedByOther);
      case 'oauth_refused':
        return message(context, 400, m.error);
      case 'oauth_redirect':
        return new Response(null, { status: 302, headers: { location: result.url, 'cache-control': 'no-store' } });
      case 'amount_required': {
        const browser = detectWallet(request.headers.get('user-agent')) === 'browser';
        const qr = browser ? renderQrSvg(linkFor(result.session.id), { label: m.scan }) : null;
        const page = amountPage(context, result.session, `${url.origin}${url.pathname}`, qr, result.invalid);
        return htmlResponse(page, context.nonce, { status: result.invalid ? 400 : 200 });
      }
      case 'cashier': {
        const link = linkWith(result.session, '', url, result.amount);
        const qrLink = new URL(link);
        qrLink.searchParams.delete('lang');
        const qr = renderQrSvg(qrLink.href, { label: m.scan });
        const options = result.options.map((option) => ({ wallet: option.wallet, href: option.url }));
        return htmlResponse(cashierPage(context, result.session, result.amount, qr, options), context.nonce);
      }
      case 'payment':
        return renderPayment(context, url, result);
    }
  }

  function renderPayment(context: PageContext, url: URL, result: Extract<LinkVisit, { type: 'payment' }>): Response {
    const { session, order, action } = result;
    const next =
      attemptUrl(session.id, order.id) +
      (url.searchParams.get('lang') ? `?lang=${context.locale === 'en' ? 'en' : 'zh'}` : '');
    switch (action.type) {
      case 'redirect':
        return new Response(null, { status: 303, headers: { location: action.url, 'cache-control': 'no-store' } });
      case 'form':
        return htmlResponse(formPage(context, session, order.amount, action), context.nonce, {
          formOrigins: [new URL(action.url).origin],
        });
      case 'jsapi':
        if (result.wallet === 'alipay') {
          const tradeNo = String((action.params as Record<string, unknown>).tradeNO ?? '');
          return htmlResponse(alipayJsapiPage(context, session, order.amount, tradeNo, next), context.nonce);
        }
        return htmlResponse(wechatJsapiPage(context, session, order.amount, action.params, next), context.nonce);
      case 'qr': {
        const page = attemptPage(context, session, order, {
          self: next,
          status: `${attemptUrl(session.id, order.id)}/status`,
          retry: linkWith(session, '', url, order.amount),
          back: session.returnUrl,
          qrSvg: renderQrSvg(action.content, { label: context.messages.scanWechat }),
        });
        return htmlResponse(page, context.nonce);
      }
      default:
        return message(context, 500, context.messages.error);
    }
  }

  async function handler(request: Request): Promise<Response> {
    // The request's path and query only, on the configured origin: never a host the request named
    // (a `Host` header, an absolute target), and a path starting `//` stays a path of this origin.
    const requested = new URL(request.url);
    const url = new URL(`${base.origin}${requested.pathname}${requested.search}`);
    if (request.method === 'POST') {
      // A wallet's cashier may send the buyer back by POST (UnionPay posts its signed front return to
      // `frontUrl`): the page is the attempt's, rendered from the stored order, so see it by GET.
      const route = await resolve(url).catch(() => undefined);
      if (route && route.rest[0] === 'a' && route.rest.length === 2) {
        return new Response(null, { status: 303, headers: { location: url.href, 'cache-control': 'no-store' } });
      }
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
    }
    try {
      const route = await resolve(url);
      if (route && route.rest[0] === 'a') return await attemptRoute(request, url, route);
      const result = await visit({ url, userAgent: request.headers.get('user-agent') });
      return render(request, url, result);
    } catch (error) {
      onError(error, `serving ${url.pathname}`);
      const context = pageContext(request, url);
      return message(context, 500, context.messages.error);
    }
  }

  // Node's `http`: the request URL is built on the configured origin; malformed requests (methods
  // the WHATWG Request refuses, bad targets) are answered 4xx before the handler, and nothing escapes.
  const nodeHandler = createNodeHandler(handler, {
    origin: base.origin,
    maxBodyBytes: 64 * 1024,
    onError: (error) => onError(error, 'serving a Node request'),
  });

  return {
    createSession,
    getSession: (id) => store.getSession(id),
    listAttempts: (sessionId) => store.listAttempts(sessionId),
    linkFor,
    visit,
    handler,
    nodeHandler,
    async expireSessions() {
      let count = 0;
      for (;;) {
        const due = await store.listExpiredSessions(now(), 100);
        if (due.length === 0) return count;
        for (const session of due) if (await expireSession(session.id)) count++;
      }
    },
    on: (type, listener) => emitter.on(type, listener),
    dispose: unsubscribe,
    store,
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
