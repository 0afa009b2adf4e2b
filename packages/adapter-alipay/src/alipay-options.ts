/**
 * The options of `alipay(options)`, validated once when the provider is created: keys parsed into
 * `KeyObject`s, certificate SNs computed, the gateway URL resolved.
 *
 * @packageDocumentation
 */
import type { KeyObject } from 'node:crypto';
import { type HttpHooks, ValidationError } from '@hutong/core';
import {
  endpointOption,
  loadRsaPrivateKey,
  loadRsaPublicKey,
  type MerchantDirectory,
  parseWithSchema,
  resolveEndpoint,
  type SchemaInput,
  samePublicKey,
  transportOptionsShape,
  z,
} from '@hutong/core/provider-utils';
import type { ZodMiniObject } from 'zod/mini';
import {
  alipayCertificateKey,
  alipayCertificateSn,
  alipayRootCertificateSn,
  splitPemCertificates,
} from './alipay-certificates.js';

/**
 * Alipay's gateways.
 *
 * @group Options
 * @example
 * ```ts
 * alipay({ ...keys, endpoint: 'sandbox' }); // ALIPAY_GATEWAYS.sandbox
 * ```
 */
export const ALIPAY_GATEWAYS = {
  production: 'https://openapi.alipay.com/gateway.do',
  sandbox: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do',
} as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * The fields every key mode shares, as the schema `alipay()` validates them with. The public
 * option types below are inferred from these shapes, so their TSDoc is written here, once.
 */
const baseShape = {
  /**
   * The provider id: in `createPayment({ provider })`, webhook routes and on orders. Default
   * `'alipay'`; set it to run several Alipay apps side by side (`'alipay-hk'`, `'alipay-sh'`).
   */
  id: z.optional(z.string().check(z.regex(ID, 'must be 1 to 64 letters, digits, "-" or "_"'))),
  /** The 16-digit app id. */
  appId: z.string().check(z.regex(/^\d{16}$/, 'must be the 16-digit Alipay app id')),
  /** The app private key: PEM (PKCS#1 or PKCS#8), or the bare base64 Alipay's key tool prints. */
  privateKey: z.string({ error: 'is required' }),
  /** The merchant's Alipay user id (`2088...`); notifications for another seller are refused. */
  sellerId: z.optional(
    z.string().check(z.regex(/^2088\d{12}$/, 'must be the 16-digit Alipay user id starting with 2088')),
  ),
  /**
   * Whether every payment must have a notify URL (default `true`): without one Alipay never sends
   * a webhook, so a payment is only ever learnt by `payments.sync`. Set `false` to accept that
   * explicitly (a shop that polls).
   */
  requireNotifyUrl: z.optional(z.boolean()),
  /** `'production'` (default), `'sandbox'` (Alipay's own sandbox), or a gateway URL. */
  endpoint: endpointOption(ALIPAY_GATEWAYS),
  ...transportOptionsShape,
  /** The `fetch` to use, e.g. a hutong sandbox's in-process fetch. */
  fetch: transportOptionsShape.fetch,
  /** Time limit per request in ms. Default 10 000. */
  timeoutMs: transportOptionsShape.timeoutMs,
  /** Further attempts of idempotent calls (queries, closes, refunds by `out_request_no`). Default 2. */
  retries: transportOptionsShape.retries,
  /** The clock (request timestamps). Default `() => new Date()`. */
  now: transportOptionsShape.now,
  /**
   * The service provider's partner id (返佣 `sys_service_provider_id`, a `2088...` id), put in
   * every payment's `extend_params` so that Alipay credits the service provider's rebate.
   */
  sysServiceProviderId: z.optional(
    z.string().check(z.regex(/^2088\d{12}$/, 'must be the 16-digit Alipay partner id starting with 2088')),
  ),
  /**
   * Service-provider (第三方应用 / ISV) mode: how calls for an authorised merchant
   * (`request.merchant`, whose `fields.appAuthToken` every call carries) keep their token fresh
   * and report a revoked one. See {@link AlipayAppAuthOptions}.
   */
  appAuth: z.optional(
    z.strictObject({
      directory: z.optional(
        z.custom<MerchantDirectory>(
          (value) =>
            typeof value === 'object' &&
            value !== null &&
            typeof (value as MerchantDirectory).put === 'function' &&
            typeof (value as MerchantDirectory).resolve === 'function',
          'must be a MerchantDirectory (resolve, put, list)',
        ),
      ),
      refreshMarginMs: z.optional(z.int().check(z.nonnegative())),
      onRevoked: z.optional(
        z.custom<(event: AlipayAuthorizationRevokedEvent) => void | Promise<void>>(
          (value) => typeof value === 'function',
          'must be a function',
        ),
      ),
    }),
  ),
};

/**
 * What `appAuth.onRevoked` receives when Alipay refuses a merchant's `app_auth_token` as invalid
 * or expired (`aop.invalid-app-auth-token`, `aop.app-auth-token-time-out`): the merchant must
 * authorise the app again. It names the merchant, never the token.
 *
 * @group Service providers
 * @example
 * ```ts
 * const onRevoked = (event: AlipayAuthorizationRevokedEvent) => console.warn(event.type, event.merchant);
 * ```
 */
export interface AlipayAuthorizationRevokedEvent {
  type: 'merchant.authorization_revoked';
  /** The provider id. */
  provider: string;
  /** The platform's merchant key. */
  merchant: string;
  /** The merchant's `auth_app_id`. */
  accountId: string;
  /** Alipay's `sub_code`. */
  providerCode: string;
}

/**
 * Service-provider (ISV) options of `alipay({ appAuth })`.
 *
 * @group Service providers
 * @example
 * ```ts
 * alipay({ ...keys, appAuth: { directory, refreshMarginMs: 7 * 86_400_000, onRevoked: (e) => alert(e.merchant) } });
 * ```
 */
export interface AlipayAppAuthOptions {
  /**
   * Where refreshed tokens are stored (`directory.put`). Given, a call for a merchant whose
   * `fields.expiresAt` is within `refreshMarginMs` refreshes the token first
   * (`alipay.open.auth.token.app`, `grant_type=refresh_token`).
   */
  directory?: MerchantDirectory | undefined;
  /** How long before `expiresAt` a token is refreshed. Default 7 days. */
  refreshMarginMs?: number | undefined;
  /**
   * Called (awaited, its errors swallowed) when Alipay refuses a merchant's token as invalid or
   * expired; the call itself throws `ProviderApiError` `permission_denied`.
   */
  onRevoked?: ((event: AlipayAuthorizationRevokedEvent) => void | Promise<void>) | undefined;
}

/** Public-key mode's own field. */
const publicKeyShape = {
  /**
   * Alipay's public key (支付宝公钥), PEM or bare base64 (public-key mode), not the app's own
   * public key. An app set up for certificates gives `appCert`, `alipayPublicCert` and
   * `alipayRootCert` instead ({@link AlipayCertificateOptions}).
   */
  alipayPublicKey: z.string(),
};

/** Certificate mode's own fields. */
const certificateShape = {
  /** The app's public-key certificate (`appCertPublicKey_<appId>.crt`), PEM. */
  appCert: z.string(),
  /**
   * Alipay's public-key certificate (`alipayCertPublicKey_RSA2.crt`), PEM. Give several (an array)
   * while Alipay rotates; replies pick one by `alipay_cert_sn`.
   */
  alipayPublicCert: z.union([z.string(), z.array(z.string()).check(z.minLength(1))]),
  /** Alipay's root certificate bundle (`alipayRootCert.crt`), PEM. */
  alipayRootCert: z.string(),
};

/**
 * The schema `alipay()` parses its options with: the shared fields and both modes' fields, each
 * optional; which mode is meant (exactly one) is checked after parsing, with a message naming
 * the fields. Unknown keys are refused.
 */
const optionsSchema = z.strictObject({
  ...baseShape,
  alipayPublicKey: z.optional(publicKeyShape.alipayPublicKey),
  appCert: z.optional(certificateShape.appCert),
  alipayPublicCert: z.optional(certificateShape.alipayPublicCert),
  alipayRootCert: z.optional(certificateShape.alipayRootCert),
});

/** The fields every key mode shares, as the schema takes them (`id` aside, which is typed by `Id`). */
type BaseInput = Omit<SchemaInput<ZodMiniObject<typeof baseShape>>, 'id' | 'endpoint' | 'hooks' | 'appAuth'>;

/**
 * Options every key mode shares, inferred from the schema's fields (their TSDoc is on the schema).
 * `id` is typed by the provider's literal id and `endpoint` offers the named gateways; both
 * extend what the schema takes, which the compiler checks here.
 *
 * @group Options
 * @example
 * ```ts
 * const shared: AlipayBaseOptions = { appId: '2021000122671080', privateKey, sellerId: '2088721003899159' };
 * ```
 */
export interface AlipayBaseOptions<Id extends string = 'alipay'> extends BaseInput {
  /**
   * The provider id: in `createPayment({ provider })`, webhook routes and on orders. Default
   * `'alipay'`; set it to run several Alipay apps side by side (`'alipay-hk'`, `'alipay-sh'`).
   */
  id?: Id | undefined;
  /** `'production'` (default), `'sandbox'` (Alipay's own sandbox), or a gateway URL. */
  endpoint?: 'production' | 'sandbox' | (string & {}) | undefined;
  /** Logging and metrics hooks; they see redacted copies of requests and replies only. */
  hooks?: HttpHooks | undefined;
  /** Service-provider (ISV) mode: token refresh and revocation ({@link AlipayAppAuthOptions}). */
  appAuth?: AlipayAppAuthOptions | undefined;
}

/**
 * Public-key mode (公钥模式): Alipay's public key, copied from the Alipay console.
 *
 * @group Options
 * @example
 * ```ts
 * alipay({ appId: '2021000122671080', privateKey, alipayPublicKey: process.env.ALIPAY_PUBLIC_KEY! });
 * ```
 */
export interface AlipayPublicKeyOptions<Id extends string = 'alipay'>
  extends AlipayBaseOptions<Id>,
    SchemaInput<ZodMiniObject<typeof publicKeyShape>> {
  appCert?: never;
  alipayPublicCert?: never;
  alipayRootCert?: never;
}

/**
 * Certificate mode (公钥证书模式): the three certificates downloaded from the Alipay console.
 *
 * @group Options
 * @example
 * ```ts
 * alipay({ appId, privateKey, appCert, alipayPublicCert, alipayRootCert });
 * ```
 */
export interface AlipayCertificateOptions<Id extends string = 'alipay'>
  extends AlipayBaseOptions<Id>,
    Omit<SchemaInput<ZodMiniObject<typeof certificateShape>>, 'alipayPublicCert'> {
  alipayPublicKey?: never;
  /**
   * Alipay's public-key certificate (`alipayCertPublicKey_RSA2.crt`), PEM. Give several (an array)
   * while Alipay rotates; replies pick one by `alipay_cert_sn`. (Typed here as well as in the
   * schema so that a `readonly` array is taken too.)
   */
  alipayPublicCert: string | readonly string[];
}

// Public-key mode last: a call with neither mode is then reported as missing `alipayPublicKey`, the
// mode most apps use, rather than the three certificates.
/**
 * Options of `alipay()`: public-key mode ({@link AlipayPublicKeyOptions}) or certificate mode
 * ({@link AlipayCertificateOptions}); giving neither, or both, does not compile.
 *
 * @group Options
 * @example
 * ```ts
 * alipay({ appId: '2021000122671080', privateKey: process.env.ALIPAY_PRIVATE_KEY!,
 *   alipayPublicKey: process.env.ALIPAY_PUBLIC_KEY! });
 * ```
 */
export type AlipayOptions<Id extends string = 'alipay'> = AlipayCertificateOptions<Id> | AlipayPublicKeyOptions<Id>;

/**
 * What the schema takes: every option of either mode. The type tests check that both modes'
 * option types are assignable to it, so no option can be typed and not validated.
 *
 * @example
 * ```ts
 * const input: AlipayOptionsInput = { appId: '2021000122671080', privateKey, alipayPublicKey };
 * ```
 */
export type AlipayOptionsInput = SchemaInput<typeof optionsSchema>;

/**
 * Options after validation, with keys parsed.
 *
 * @example
 * ```ts
 * const config: AlipayConfig = resolveAlipayOptions(options);
 * ```
 */
export interface AlipayConfig {
  /** The provider id (errors name it). */
  id: string;
  appId: string;
  privateKey: KeyObject;
  /** Keys that may have signed Alipay's messages, by certificate SN (`''` in public-key mode). */
  alipayKeys: ReadonlyMap<string, KeyObject>;
  /** The key used when a message names none. */
  defaultAlipayKey: KeyObject;
  /**
   * What a signature that does not verify says about the configuration: the option that holds
   * Alipay's key and what it must be (never the key itself).
   */
  signatureHint: string;
  appCertSn: string | undefined;
  rootCertSn: string | undefined;
  sellerId: string | undefined;
  requireNotifyUrl: boolean;
  gateway: string;
  /** The `fetch` requests go through (`undefined`: the global one). */
  fetch: typeof globalThis.fetch | undefined;
  timeoutMs: number;
  retries: number | undefined;
  hooks: HttpHooks | undefined;
  /** The clock of request timestamps. */
  now: () => Date;
  /** `sys_service_provider_id` for every payment's `extend_params`. */
  sysServiceProviderId: string | undefined;
  /** Service-provider mode's token refresh and revocation hook. */
  appAuth: {
    /** Where a refreshed token is stored. */
    directory: MerchantDirectory | undefined;
    /** How long before `expiresAt` a call refreshes the token first. */
    refreshMarginMs: number;
    /** Called when Alipay refuses a merchant's token as revoked or expired. */
    onRevoked: AlipayAppAuthOptions['onRevoked'];
  };
}

/**
 * Validates options and parses keys; every problem is a `ValidationError` naming the field.
 *
 * @example
 * ```ts
 * const config = resolveAlipayOptions(options);
 * ```
 */
export function resolveAlipayOptions(input: AlipayOptions<string>): AlipayConfig {
  const options = parseWithSchema(optionsSchema, input, 'options');
  const privateKey = loadRsaPrivateKey(options.privateKey, 'options.privateKey');
  const certMode =
    options.appCert !== undefined || options.alipayPublicCert !== undefined || options.alipayRootCert !== undefined;
  if (certMode && options.alipayPublicKey !== undefined) {
    throw new ValidationError(
      'options',
      'give alipayPublicKey (public-key mode) or the certificates (certificate mode), not both',
    );
  }
  if (!certMode && options.alipayPublicKey === undefined) {
    throw new ValidationError('options', 'give alipayPublicKey, or appCert, alipayPublicCert and alipayRootCert');
  }
  const alipayKeys = new Map<string, KeyObject>();
  let appCertSn: string | undefined;
  let rootCertSn: string | undefined;
  let defaultAlipayKey: KeyObject;
  if (certMode) {
    for (const field of ['appCert', 'alipayPublicCert', 'alipayRootCert'] as const) {
      if (options[field] === undefined)
        throw new ValidationError(`options.${field}`, 'is required in certificate mode');
    }
    const [appCertificate] = splitPemCertificates(options.appCert as string, 'options.appCert');
    if (appCertificate === undefined || !samePublicKey(appCertificate.publicKey, privateKey)) {
      throw new ValidationError('options.appCert', 'does not hold the public half of privateKey');
    }
    appCertSn = alipayCertificateSn(appCertificate);
    rootCertSn = alipayRootCertificateSn(options.alipayRootCert as string);
    const certs =
      typeof options.alipayPublicCert === 'string' ? [options.alipayPublicCert] : (options.alipayPublicCert ?? []);
    certs.forEach((pem, index) => {
      const { sn, key } = alipayCertificateKey(pem, `options.alipayPublicCert${certs.length > 1 ? `.${index}` : ''}`);
      alipayKeys.set(sn, key);
    });
    defaultAlipayKey = alipayKeys.values().next().value as KeyObject;
  } else {
    defaultAlipayKey = loadRsaPublicKey(options.alipayPublicKey, 'options.alipayPublicKey');
    alipayKeys.set('', defaultAlipayKey);
  }
  const signatureHint = certMode
    ? "with options.alipayPublicCert: check that it is Alipay's public-key certificate (alipayCertPublicKey_RSA2.crt) of this app"
    : samePublicKey(defaultAlipayKey, privateKey)
      ? "with options.alipayPublicKey, which is your app's own public key (the public half of privateKey): " +
        "give Alipay's public key (支付宝公钥) from the Alipay console instead"
      : "with options.alipayPublicKey: check that it is Alipay's public key (支付宝公钥), not your app's public key";
  return {
    id: options.id ?? 'alipay',
    appId: options.appId,
    privateKey,
    alipayKeys,
    defaultAlipayKey,
    signatureHint,
    appCertSn,
    rootCertSn,
    sellerId: options.sellerId,
    requireNotifyUrl: options.requireNotifyUrl ?? true,
    gateway: resolveEndpoint(options.endpoint ?? 'production', ALIPAY_GATEWAYS),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries,
    hooks: options.hooks as HttpHooks | undefined,
    now: options.now ?? (() => new Date()),
    sysServiceProviderId: options.sysServiceProviderId,
    appAuth: {
      directory: options.appAuth?.directory,
      refreshMarginMs: options.appAuth?.refreshMarginMs ?? 7 * 86_400_000,
      onRevoked: options.appAuth?.onRevoked,
    },
  };
}
