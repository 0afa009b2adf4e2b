/**
 * The options of `wechatpay(options)`, validated once when the provider is created.
 *
 * @packageDocumentation
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { type HttpHooks, ValidationError } from '@hutong/core';
import {
  endpointOption,
  loadRsaPrivateKey,
  loadRsaPublicKey,
  parseWithSchema,
  resolveEndpoint,
  transportOptionsShape,
  z,
} from '@hutong/core/provider-utils';

/**
 * WeChat Pay's API hosts.
 *
 * @group Options
 * @example
 * ```ts
 * wechatpay({ ...options, endpoint: 'backup' }); // WECHATPAY_HOSTS.backup
 * ```
 */
export const WECHATPAY_HOSTS = {
  production: 'https://api.mch.weixin.qq.com',
  backup: 'https://api2.mch.weixin.qq.com',
} as const;

/**
 * The app ids bound to one merchant id, by the kind of app: the official account (`mp`, 公众号),
 * the mini program (`mini`, 小程序) and the mobile app (`app`, 开放平台移动应用).
 *
 * @group Options
 * @example
 * ```ts
 * const appIds: WechatpayAppIds = { mp: 'wx1111111111111111', mini: 'wx2222222222222222' };
 * ```
 */
export interface WechatpayAppIds {
  /** Official account (公众号): `jsapi` payments in WeChat's browser, and the default for `qr` and `h5`. */
  mp?: string | undefined;
  /** Mini program (小程序): `jsapi` payments with `providerOptions: { appRole: 'mini' }`. */
  mini?: string | undefined;
  /** Mobile app (开放平台): `app` payments. */
  app?: string | undefined;
}

/**
 * The options every key mode and app set-up share.
 *
 * @group Options
 * @example
 * ```ts
 * const common: WechatpayCommonOptions = { mchId, privateKey, merchantSerialNo, apiV3Key };
 * ```
 */
export interface WechatpayCommonOptions<Id extends string = string> {
  /**
   * The provider's id (default `wechatpay`): set it to run several merchant ids side by side, each
   * with its own webhook route (`wechatpay({ id: 'wechatpay-hk', ... })`).
   */
  id?: Id | undefined;
  /** The merchant API private key (`apiclient_key.pem`), PEM (in partner mode, the service provider's). */
  privateKey: string;
  /** The serial number of the merchant API certificate, hex. */
  merchantSerialNo: string;
  /** The APIv3 key: exactly 32 bytes. */
  apiV3Key: string;
  /** `'production'` (default), `'backup'` (api2), or a base URL. */
  endpoint?: 'production' | 'backup' | (string & {}) | undefined;
  /** The `fetch` to use, e.g. a hutong sandbox's in-process fetch. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Time limit per request in ms. Default 10 000. */
  timeoutMs?: number | undefined;
  /** The clock (request timestamps and the 300-second window). Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** Logging and metrics hooks; they see redacted copies only (no keys, no signatures). */
  hooks?: HttpHooks | undefined;
  /** Further attempts for requests that are safe to repeat (queries, closes, refunds by id). Default 2. */
  retries?: number | undefined;
  /**
   * `'auto'` certificates: at most one download of `/v3/certificates` per this many ms, whatever
   * unknown serials arrive. Default 60 000.
   */
  certificateRefreshIntervalMs?: number | undefined;
  /** Largest bill file `downloadTradeBill` reads, in bytes. Default 256 MiB. */
  maxBillBytes?: number | undefined;
}

/**
 * Public-key mode (微信支付公钥), optionally with platform certificates while migrating.
 *
 * @group Options
 * @example
 * ```ts
 * const keys: WechatpayPublicKeyMode = { wechatpayPublicKey, wechatpayPublicKeyId: 'PUB_KEY_ID_0112...' };
 * ```
 */
export interface WechatpayPublicKeyMode {
  /** WeChat Pay's public key (`pub_key.pem`), PEM. */
  wechatpayPublicKey: string;
  /** Its id, `PUB_KEY_ID_...`. */
  wechatpayPublicKeyId: string;
  /** Platform certificates too (PEM), or `'auto'`, while migrating between the two modes. */
  platformCertificates?: readonly string[] | 'auto' | undefined;
}

/**
 * Platform-certificate mode: the certificates (PEM), or `'auto'` to download and refresh them.
 *
 * @group Options
 * @example
 * ```ts
 * const keys: WechatpayCertificateMode = { platformCertificates: 'auto' };
 * ```
 */
export interface WechatpayCertificateMode {
  /** Platform certificates (PEM), or `'auto'` to download and refresh them. */
  platformCertificates: readonly string[] | 'auto';
  wechatpayPublicKey?: undefined;
  wechatpayPublicKeyId?: undefined;
}

/**
 * No key mode: never satisfiable. It is in {@link WechatpayOptions}' union only so that the compile
 * error of a provider given no key names what to give: `Property 'wechatpayPublicKey +
 * wechatpayPublicKeyId, or platformCertificates' is missing`.
 *
 * @group Options
 * @example
 * ```ts
 * // wechatpay({ mchId, appId, privateKey, merchantSerialNo, apiV3Key });
 * // error: Property 'wechatpayPublicKey + wechatpayPublicKeyId, or platformCertificates' is missing ...
 * ```
 */
export interface WechatpayMissingKeyMode {
  wechatpayPublicKey?: undefined;
  wechatpayPublicKeyId?: undefined;
  platformCertificates?: undefined;
  /** Give `wechatpayPublicKey` with `wechatpayPublicKeyId` (public-key mode), or `platformCertificates`, or both while migrating. */
  'wechatpayPublicKey + wechatpayPublicKeyId, or platformCertificates': never;
}

/**
 * One app id, or several bound to the same merchant id.
 *
 * @group Options
 * @example
 * ```ts
 * const single: WechatpayAppOptions = { appId: 'wxd678efh567hg6787' };
 * const several: WechatpayAppOptions = { appIds: { mp: 'wx1111111111111111', app: 'wx3333333333333333' } };
 * ```
 */
export type WechatpayAppOptions =
  | {
      /** The app id (公众号, 小程序 or 开放平台应用) the payments belong to. */
      appId: string;
      appIds?: undefined;
    }
  | {
      /**
       * Several app ids under this merchant id, by kind (`{ mp, mini, app }`) or as a list (the first
       * is the default). Each payment picks one (see `WechatpayPaymentOptions.appId`).
       */
      appIds: WechatpayAppIds | readonly string[];
      appId?: undefined;
    };

/**
 * Direct mode (普通商户, the default): the merchant holds its own merchant id and app ids. The
 * partner-mode options do not compile here.
 *
 * @group Options
 * @example
 * ```ts
 * const direct: WechatpayDirectMode = { mchId: '1230000109', appId: 'wxd678efh567hg6787' };
 * ```
 */
export type WechatpayDirectMode = {
  /** `'direct'` (default): the merchant's own account. */
  mode?: 'direct' | undefined;
  /** Merchant id (商户号). */
  mchId: string;
  spMchId?: undefined;
  spAppId?: undefined;
} & WechatpayAppOptions;

/**
 * Partner mode (服务商模式): a service provider takes payments for its sub-merchants (特约商户).
 * Every call then carries the sub-merchant's `MerchantAccount` (`accountId` = `sub_mchid`,
 * `fields.subAppId` = the sub-merchant's own app id, when it has one); the service provider's
 * keys, platform certificates and public key serve every sub-merchant. The direct-mode options
 * (`mchId`, `appId`, `appIds`) do not compile here.
 *
 * @group Options
 * @example
 * ```ts
 * const partner: WechatpayPartnerMode = { mode: 'partner', spMchId: '1900000100', spAppId: 'wx8888888888888888' };
 * ```
 */
export interface WechatpayPartnerMode {
  mode: 'partner';
  /** The service provider's merchant id (服务商商户号, `sp_mchid`): it signs every request. */
  spMchId: string;
  /** The service provider's app id (`sp_appid`): payments whose buyer id is an openid under it. */
  spAppId: string;
  mchId?: undefined;
  appId?: undefined;
  appIds?: undefined;
}

/**
 * Options of `wechatpay()`: the common options, a key mode (public key, platform certificates, or
 * both while migrating; leaving both out does not compile, and the error names both modes: see
 * {@link WechatpayMissingKeyMode}) and either one merchant's own ids (direct mode) or a service
 * provider's (`mode: 'partner'`, see {@link WechatpayPartnerMode}).
 *
 * @group Options
 * @example
 * ```ts
 * wechatpay({ mchId: '1230000109', appId: 'wxd678efh567hg6787', privateKey, merchantSerialNo,
 *   apiV3Key, wechatpayPublicKey, wechatpayPublicKeyId: 'PUB_KEY_ID_0112...' });
 * wechatpay({ mode: 'partner', spMchId: '1900000100', spAppId: 'wx8888888888888888', privateKey,
 *   merchantSerialNo, apiV3Key, wechatpayPublicKey, wechatpayPublicKeyId: 'PUB_KEY_ID_0119...' });
 * ```
 */
export type WechatpayOptions<Id extends string = string> = WechatpayCommonOptions<Id> &
  (WechatpayPublicKeyMode | WechatpayCertificateMode | WechatpayMissingKeyMode) &
  (WechatpayDirectMode | WechatpayPartnerMode);

/**
 * The configured app ids: every id (notifications and replies may name any of them), and the one
 * for each kind of app.
 *
 * @group Protocol
 * @example
 * ```ts
 * config.apps.all.includes(resource.appid);
 * ```
 */
export interface WechatpayApps {
  /** Every configured app id, the default first. */
  all: readonly string[];
  /** The default: `appId`, the first of a list, or `mp ?? app ?? mini`. */
  default: string;
  /** The app id of each kind, when configured by kind. */
  byRole: WechatpayAppIds;
}

/**
 * Options after validation, with keys parsed.
 *
 * @group Protocol
 * @example
 * ```ts
 * const config: WechatpayConfig = resolveWechatpayOptions(options);
 * ```
 */
export interface WechatpayConfig {
  /** The provider id (errors and webhooks). */
  id: string;
  /** The merchant id that signs requests: the merchant's own, or in partner mode the service provider's (`sp_mchid`). */
  mchId: string;
  /** Partner mode: the service provider's ids (`mchId` is then `spMchId`, `apps` holds `spAppId`). */
  partner: { spMchId: string; spAppId: string } | undefined;
  apps: WechatpayApps;
  privateKey: KeyObject;
  merchantSerialNo: string;
  apiV3Key: Buffer;
  /** Public-key mode: the key id and key. */
  publicKey: { id: string; key: KeyObject } | undefined;
  /** Certificate mode: configured platform keys by upper-case hex serial. */
  certificates: Map<string, KeyObject>;
  /** Download certificates from `/v3/certificates` and refresh them. */
  autoCertificates: boolean;
  /** At most one certificate download per this many ms. */
  certificateRefreshIntervalMs: number;
  baseUrl: string;
  /** The `fetch` requests go through (`undefined`: the global one). */
  fetch: typeof globalThis.fetch | undefined;
  timeoutMs: number;
  hooks: HttpHooks | undefined;
  retries: number | undefined;
  maxBillBytes: number;
  /** The clock. */
  now: () => Date;
}

const APP_ID = z.string().check(z.regex(/^wx[0-9A-Za-z]{10,30}$/, 'must be an app id starting with wx'));
const MCH_ID = z.string().check(z.regex(/^\d{6,32}$/, 'must be the digits of the merchant id'));

/**
 * The schema `wechatpay(options)` validates with: one field per option of
 * {@link WechatpayCommonOptions}, the key modes and the app options (the test
 * `wechatpay-types.test.ts` checks at compile time that the public types and this schema name the
 * same fields, and that every value the types allow is one the schema takes).
 *
 * @group Protocol
 * @example
 * ```ts
 * const options = parseWithSchema(wechatpayOptionsSchema, input, 'options');
 * ```
 */
export const wechatpayOptionsSchema = z.strictObject({
  /** The provider's id (default `wechatpay`): several merchant ids side by side, each with its own webhook route. */
  id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"'))),
  /** `'direct'` (default) or `'partner'` (服务商模式, with `spMchId` and `spAppId`). */
  mode: z.optional(z.enum(['direct', 'partner'])),
  /** Merchant id (商户号): its digits. Direct mode. */
  mchId: z.optional(MCH_ID),
  /** Partner mode: the service provider's merchant id (`sp_mchid`). */
  spMchId: z.optional(MCH_ID),
  /** Partner mode: the service provider's app id (`sp_appid`). */
  spAppId: z.optional(APP_ID),
  /** The one app id (公众号, 小程序 or 开放平台应用) the payments belong to; or `appIds`. */
  appId: z.optional(APP_ID),
  /** Several app ids under this merchant id, by kind (`{ mp, mini, app }`) or as a list (the first is the default). */
  appIds: z.optional(
    z.union([
      z.array(APP_ID).check(z.minLength(1, 'must name at least one app id')),
      z.strictObject({ mp: z.optional(APP_ID), mini: z.optional(APP_ID), app: z.optional(APP_ID) }),
    ]),
  ),
  /** The merchant API private key (`apiclient_key.pem`), PEM. */
  privateKey: z.string({ error: 'is required' }),
  /** The serial of the merchant API certificate whose private key is `privateKey`, hex. */
  merchantSerialNo: z
    .string()
    .check(z.regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the hex serial of the merchant certificate')),
  /** The APIv3 key: exactly 32 bytes. */
  apiV3Key: z
    .string({ error: 'is required' })
    .check(z.refine((key) => Buffer.byteLength(key, 'utf8') === 32, 'must be exactly 32 bytes')),
  /** Public-key mode: WeChat Pay's public key (`pub_key.pem`), PEM, with `wechatpayPublicKeyId`. */
  wechatpayPublicKey: z.optional(z.string()),
  /** Public-key mode: the key's id, `PUB_KEY_ID_...`. */
  wechatpayPublicKeyId: z.optional(
    z.string().check(z.regex(/^PUB_KEY_ID_[0-9A-Za-z_]+$/, 'must be the PUB_KEY_ID_... of the public key')),
  ),
  /** Certificate mode (or both while migrating): platform certificates (PEM), or `'auto'` to download and refresh them. */
  platformCertificates: z.optional(z.union([z.literal('auto'), z.array(z.string()).check(z.minLength(1))])),
  /** `'production'` (default), `'backup'` (api2), or a base URL. */
  endpoint: endpointOption(WECHATPAY_HOSTS),
  /** `'auto'` certificates: at most one download per this many ms. Default 60 000. */
  certificateRefreshIntervalMs: z.optional(z.int().check(z.minimum(0))),
  /** Largest bill file `downloadTradeBill` reads, in bytes. Default 256 MiB. */
  maxBillBytes: z.optional(z.int().check(z.positive())),
  ...transportOptionsShape,
});

/**
 * The upper-case hex serial WeChat Pay uses to name a certificate.
 *
 * @group Protocol
 * @example
 * ```ts
 * certificateSerial(new X509Certificate(pem)); // '5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC'
 * ```
 */
export function certificateSerial(certificate: X509Certificate): string {
  return certificate.serialNumber.toUpperCase().replace(/^0+(?=.)/, '');
}

function resolveApps(
  appId: string | undefined,
  appIds: WechatpayAppIds | readonly string[] | undefined,
): WechatpayApps {
  if (appId !== undefined && appIds !== undefined)
    throw new ValidationError('options.appIds', 'give appId or appIds, not both');
  if (appId !== undefined) return { all: [appId], default: appId, byRole: {} };
  if (appIds === undefined) throw new ValidationError('options.appId', 'is required (or appIds)');
  if (Array.isArray(appIds)) {
    const list = appIds as readonly string[];
    return { all: [...new Set(list)], default: list[0] as string, byRole: {} };
  }
  const byRole = appIds as WechatpayAppIds;
  const first = byRole.mp ?? byRole.app ?? byRole.mini;
  if (first === undefined) throw new ValidationError('options.appIds', 'must name at least one app id');
  const all = [first, ...[byRole.mp, byRole.mini, byRole.app].filter((id): id is string => id !== undefined)];
  return { all: [...new Set(all)], default: first, byRole: { ...byRole } };
}

/** Partner mode's ids, or `undefined` in direct mode; each mode's options refused in the other. */
function resolvePartner(options: {
  mode?: 'direct' | 'partner' | undefined;
  mchId?: string | undefined;
  spMchId?: string | undefined;
  spAppId?: string | undefined;
  appId?: string | undefined;
  appIds?: unknown;
}): WechatpayConfig['partner'] {
  if (options.mode !== 'partner') {
    for (const field of ['spMchId', 'spAppId'] as const)
      if (options[field] !== undefined)
        throw new ValidationError(`options.${field}`, "is a partner-mode option (mode: 'partner')");
    if (options.mchId === undefined) throw new ValidationError('options.mchId', 'is required');
    return undefined;
  }
  for (const field of ['mchId', 'appId', 'appIds'] as const)
    if (options[field] !== undefined)
      throw new ValidationError(`options.${field}`, 'is a direct-mode option: partner mode takes spMchId and spAppId');
  if (options.spMchId === undefined) throw new ValidationError('options.spMchId', 'is required in partner mode');
  if (options.spAppId === undefined) throw new ValidationError('options.spAppId', 'is required in partner mode');
  return { spMchId: options.spMchId, spAppId: options.spAppId };
}

/**
 * Validates options and parses keys; every problem is a `ValidationError` naming the field.
 *
 * @group Protocol
 * @example
 * ```ts
 * const config = resolveWechatpayOptions(options);
 * ```
 */
export function resolveWechatpayOptions(input: WechatpayOptions): WechatpayConfig {
  const options = parseWithSchema(wechatpayOptionsSchema, input, 'options');
  const privateKey = loadRsaPrivateKey(options.privateKey, 'options.privateKey');
  const partner = resolvePartner(options);
  const apps = partner
    ? { all: [partner.spAppId], default: partner.spAppId, byRole: {} }
    : resolveApps(options.appId, options.appIds);
  const hasKey = options.wechatpayPublicKey !== undefined;
  if (hasKey !== (options.wechatpayPublicKeyId !== undefined)) {
    throw new ValidationError(
      hasKey ? 'options.wechatpayPublicKeyId' : 'options.wechatpayPublicKey',
      'public-key mode needs both wechatpayPublicKey and wechatpayPublicKeyId',
    );
  }
  if (!hasKey && options.platformCertificates === undefined) {
    throw new ValidationError(
      'options',
      'give wechatpayPublicKey and wechatpayPublicKeyId, or platformCertificates (or both while migrating)',
    );
  }
  const certificates = new Map<string, KeyObject>();
  if (Array.isArray(options.platformCertificates)) {
    options.platformCertificates.forEach((pem, index) => {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(pem);
      } catch (cause) {
        throw new ValidationError(`options.platformCertificates.${index}`, 'is not a PEM certificate', { cause });
      }
      certificates.set(certificateSerial(certificate), certificate.publicKey);
    });
  }
  return {
    id: options.id ?? 'wechatpay',
    mchId: partner ? partner.spMchId : (options.mchId as string),
    partner,
    apps,
    privateKey,
    merchantSerialNo: options.merchantSerialNo.toUpperCase(),
    apiV3Key: Buffer.from(options.apiV3Key, 'utf8'),
    publicKey: hasKey
      ? {
          id: options.wechatpayPublicKeyId as string,
          key: loadRsaPublicKey(options.wechatpayPublicKey, 'options.wechatpayPublicKey'),
        }
      : undefined,
    certificates,
    autoCertificates: options.platformCertificates === 'auto',
    certificateRefreshIntervalMs: options.certificateRefreshIntervalMs ?? 60_000,
    baseUrl: resolveEndpoint(options.endpoint ?? 'production', WECHATPAY_HOSTS).replace(/\/$/, ''),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    hooks: options.hooks,
    retries: options.retries,
    maxBillBytes: options.maxBillBytes ?? 256 * 1024 * 1024,
    now: options.now ?? (() => new Date()),
  };
}
