/**
 * The checkout's options: one schema (core's `z`, read with `parseWithSchema` like every adapter's
 * options), checked against {@link CheckoutOptions} at compile time, then resolved into what the
 * checkout's operations share.
 *
 * @packageDocumentation
 */
import type {
  AnyProvider,
  CreatePaymentInput,
  CreatePaymentOutput,
  PaymentMethod,
  Payments,
  WalletOAuth,
} from '@hutong/core';
import { ValidationError } from '@hutong/core';
import { parseWithSchema, type SchemaOutput, warnOnceInProduction, z } from '@hutong/core/provider-utils';
import type { CheckoutLocale } from './checkout-i18n.js';
import { CHECKOUT_WALLETS, type CheckoutWallet, type PayerAmountBounds } from './checkout-session.js';
import { type CheckoutStore, MemoryCheckoutStore } from './checkout-store.js';
import type { CheckoutOptions, CheckoutWallets, WechatOAuth } from './checkout-types.js';

/** Default lifetime of a session: 30 minutes, in seconds. */
export const DEFAULT_SESSION_TTL_SECONDS = 30 * 60;

/** Longest lifetime of a session: 24 hours, in seconds. */
export const MAX_SESSION_TTL_SECONDS = 24 * 60 * 60;

/**
 * Default bounds of an amount the payer types on a static code, in fen: 0.01 to 500 yuan. 500 yuan
 * is the central bank's daily cap per payer for static codes (条码支付业务规范, 银发〔2017〕296号).
 */
export const DEFAULT_PAYER_AMOUNT: PayerAmountBounds = { min: 1, max: 50_000 };

/** The metadata key that ties an order to its checkout session. */
export const CHECKOUT_SESSION_METADATA_KEY = 'hutong_checkout_session';

/** The method each wallet uses in each place. */
export const METHODS = {
  alipay: { inWallet: 'h5', oauth: 'jsapi', desktop: 'page' },
  wechatpay: { inWallet: 'jsapi', oauth: 'jsapi', desktop: 'qr' },
  unionpay: { inWallet: 'h5', oauth: 'h5', desktop: 'page' },
} as const satisfies Record<CheckoutWallet, { inWallet: PaymentMethod; oauth: PaymentMethod; desktop: PaymentMethod }>;

const isFunction = (value: unknown): boolean => typeof value === 'function';
const has = (value: unknown, key: string): boolean =>
  typeof value === 'object' && value !== null && isFunction((value as Record<string, unknown>)[key]);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const oauth = <T>() =>
  z.optional(
    z.custom<T>(
      (value) => has(value, 'authorizeUrl') && (has(value, 'buyerId') || has(value, 'openid')),
      'must be a WalletOAuth (authorizeUrl and buyerId)',
    ),
  );
const providerId = z.string().check(z.minLength(1));

/** The schema of {@link CheckoutOptions}; TSDoc of each field is on the interface. */
export const checkoutOptionsSchema = z.strictObject({
  payments: z.custom<Payments<AnyProvider>>(
    (value) => has(value, 'createPayment') && has(value, 'on') && has(value, 'provider'),
    'must be a payments facade (createPayments)',
  ),
  secret: z.string().check(z.minLength(32, 'must be at least 32 characters')),
  baseUrl: httpUrl.check(z.refine((value) => !/[?#]/.test(value), 'must have no query or fragment')),
  wallets: z.strictObject({
    alipay: z.optional(z.strictObject({ provider: providerId, oauth: oauth<WalletOAuth>() })),
    wechatpay: z.optional(z.strictObject({ provider: providerId, oauth: oauth<WalletOAuth | WechatOAuth>() })),
    unionpay: z.optional(z.strictObject({ provider: providerId })),
  }),
  store: z.optional(
    z.custom<CheckoutStore>(
      (value) => has(value, 'getSession') && has(value, 'updateSession') && has(value, 'useOnce'),
      'must be a CheckoutStore',
    ),
  ),
  locale: z.optional(z.enum(['zh-CN', 'en'])),
  merchantName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(64))),
  allowedReturnUrls: z.optional(z.array(httpUrl)),
  refundDuplicatePayments: z.optional(z.boolean()),
  now: z.optional(z.custom<() => Date>(isFunction, 'must be a function')),
  onError: z.optional(z.custom<(error: unknown, context: string) => void>(isFunction, 'must be a function')),
});

/**
 * The schema and the public interface cannot drift apart: this fails to compile unless the schema
 * has exactly the interface's keys and what it returns is a {@link CheckoutOptions}.
 */
type SchemaMatchesOptions<O = SchemaOutput<typeof checkoutOptionsSchema>> = [O] extends [CheckoutOptions]
  ? [keyof O] extends [keyof CheckoutOptions]
    ? [keyof CheckoutOptions] extends [keyof O]
      ? true
      : false
    : false
  : false;
/** Compile-time proof of {@link SchemaMatchesOptions}. */
export const OPTIONS_MATCH_SCHEMA: SchemaMatchesOptions = true;

/** What every operation of a checkout shares, from its options. */
export interface ResolvedCheckoutOptions {
  readonly secret: string;
  /** `baseUrl` without a trailing slash (`https://shop.example/pay`). */
  readonly baseHref: string;
  /** Its path without a trailing slash (`/pay`, or `''`). */
  readonly basePath: string;
  /** Its origin: every URL the checkout reads or writes is on it. */
  readonly origin: string;
  readonly store: CheckoutStore;
  readonly now: () => Date;
  readonly onError: (error: unknown, context: string) => void;
  readonly refundDuplicates: boolean;
  readonly defaultLocale: CheckoutLocale;
  readonly merchantName: string | null;
  readonly allowedReturnUrls: readonly URL[];
  readonly payments: Payments<AnyProvider>;
  readonly createPayment: (input: CreatePaymentInput) => Promise<CreatePaymentOutput>;
  readonly wallets: CheckoutWallets;
}

/** Library code never logs by itself: without an `onError`, background failures are dropped. */
function ignoreError(): void {}

/** The warning's code, for `process.on('warning')` filters. */
export const MEMORY_CHECKOUT_STORE_WARNING = 'HUTONG_MEMORY_CHECKOUT_STORE';

/**
 * One Node warning per process when a production process keeps its sessions in memory (a
 * {@link MemoryCheckoutStore}, the default), as core warns of its memory order store. Library code
 * never logs: the warning goes through Node's warning channel. Runtimes without
 * `process.emitWarning` get none.
 */
function warnOfMemoryStoreInProduction(store: CheckoutStore): void {
  if (!(store instanceof MemoryCheckoutStore)) return;
  warnOnceInProduction(
    MEMORY_CHECKOUT_STORE_WARNING,
    'createCheckout keeps its sessions in memory (MemoryCheckoutStore, the default store) with ' +
      'NODE_ENV=production: after a restart or a deploy every shared link, pay-for-me link and printed ' +
      'static code answers 404, and other instances do not see them. Pass a durable store, e.g. ' +
      "createSqlCheckoutStore from '@hutong/store-sql'.",
  );
}

/** Each configured wallet's provider is of that wallet and takes the methods the checkout uses. */
function checkWallets(payments: Payments<AnyProvider>, wallets: CheckoutWallets): void {
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
}

/**
 * Checks a checkout's options and resolves their defaults.
 *
 * @throws {@link ValidationError} naming the first bad option.
 * @example
 * ```ts
 * const resolved = resolveCheckoutOptions({ payments, secret, baseUrl: 'https://shop.example/pay', wallets });
 * resolved.origin; // 'https://shop.example'
 * ```
 */
export function resolveCheckoutOptions<P extends AnyProvider>(input: CheckoutOptions<P>): ResolvedCheckoutOptions {
  const options = parseWithSchema(checkoutOptionsSchema, input);
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const payments = options.payments;
  checkWallets(payments, options.wallets);
  const store = options.store ?? new MemoryCheckoutStore();
  warnOfMemoryStoreInProduction(store);
  return {
    secret: options.secret,
    baseHref: `${base.origin}${basePath}`,
    basePath,
    origin: base.origin,
    store,
    now: options.now ?? (() => new Date()),
    onError: options.onError ?? ignoreError,
    refundDuplicates: options.refundDuplicatePayments !== false,
    defaultLocale: options.locale ?? 'zh-CN',
    merchantName: options.merchantName ?? null,
    allowedReturnUrls: (options.allowedReturnUrls ?? []).map((url) => new URL(url)),
    payments,
    createPayment: payments.createPayment as unknown as ResolvedCheckoutOptions['createPayment'],
    wallets: options.wallets,
  };
}
