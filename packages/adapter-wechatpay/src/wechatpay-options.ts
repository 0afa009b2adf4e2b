/**
 * The options of `wechatpay(options)`, validated once when the provider is created.
 *
 * @packageDocumentation
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { ValidationError } from '@hutong/core';
import {
  endpointOption,
  loadRsaPrivateKey,
  loadRsaPublicKey,
  parseWithSchema,
  resolveEndpoint,
  transportOptionsShape,
} from '@hutong/core/provider-utils';
import { z } from 'zod';

/** WeChat Pay's API hosts. */
export const WECHATPAY_HOSTS = {
  production: 'https://api.mch.weixin.qq.com',
  backup: 'https://api2.mch.weixin.qq.com',
} as const;

/**
 * Options of `wechatpay()`. Give WeChat Pay's public key (public-key mode), platform certificates
 * (certificate mode, or `'auto'` to download them), or both while migrating.
 *
 * @example
 * ```ts
 * wechatpay({ mchId: '1230000109', appId: 'wxd678efh567hg6787', privateKey, merchantSerialNo,
 *   apiV3Key, wechatpayPublicKey, wechatpayPublicKeyId: 'PUB_KEY_ID_0112...' });
 * ```
 */
export interface WechatpayOptions {
  /** Merchant id (商户号). */
  mchId: string;
  /** The app id (公众号, 小程序 or 开放平台应用) the payments belong to. */
  appId: string;
  /** The merchant API private key (`apiclient_key.pem`), PEM. */
  privateKey: string;
  /** The serial number of the merchant API certificate, hex. */
  merchantSerialNo: string;
  /** The APIv3 key: exactly 32 bytes. */
  apiV3Key: string;
  /** Public-key mode: WeChat Pay's public key (`pub_key.pem`), PEM. */
  wechatpayPublicKey?: string;
  /** Public-key mode: its id, `PUB_KEY_ID_...`. */
  wechatpayPublicKeyId?: string;
  /** Certificate mode: platform certificates (PEM), or `'auto'` to download and refresh them. */
  platformCertificates?: readonly string[] | 'auto';
  /** `'production'` (default), `'backup'` (api2), or a base URL. */
  endpoint?: 'production' | 'backup' | (string & {});
  /** The `fetch` to use, e.g. a hutong sandbox's in-process fetch. */
  fetch?: typeof globalThis.fetch;
  /** Time limit per request in ms. Default 10 000. */
  timeoutMs?: number;
  /** The clock (request timestamps and the 300-second window). Default `() => new Date()`. */
  now?: () => Date;
}

/** Options after validation, with keys parsed. */
export interface WechatpayConfig {
  mchId: string;
  appId: string;
  privateKey: KeyObject;
  merchantSerialNo: string;
  apiV3Key: Buffer;
  /** Public-key mode: the key id and key. */
  publicKey: { id: string; key: KeyObject } | undefined;
  /** Certificate mode: configured platform keys by upper-case hex serial. */
  certificates: Map<string, KeyObject>;
  /** Download certificates from `/v3/certificates` and refresh them. */
  autoCertificates: boolean;
  baseUrl: string;
  /** The `fetch` requests go through (`undefined`: the global one). */
  fetch: typeof globalThis.fetch | undefined;
  timeoutMs: number;
  /** The clock. */
  now: () => Date;
}

const optionsSchema = z.object({
  mchId: z.string().regex(/^\d{6,32}$/, 'must be the digits of the merchant id'),
  appId: z.string().regex(/^wx[0-9A-Za-z]{10,30}$/, 'must be an app id starting with wx'),
  privateKey: z.string({ error: 'is required' }),
  merchantSerialNo: z.string().regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the hex serial of the merchant certificate'),
  apiV3Key: z.string({ error: 'is required' }).refine((key) => Buffer.byteLength(key, 'utf8') === 32, {
    message: 'must be exactly 32 bytes',
  }),
  wechatpayPublicKey: z.string().optional(),
  wechatpayPublicKeyId: z
    .string()
    .regex(/^PUB_KEY_ID_[0-9A-Za-z_]+$/, 'must be the PUB_KEY_ID_... of the public key')
    .optional(),
  platformCertificates: z.union([z.literal('auto'), z.array(z.string()).min(1)]).optional(),
  endpoint: endpointOption(WECHATPAY_HOSTS),
  ...transportOptionsShape,
});

/**
 * The upper-case hex serial WeChat Pay uses to name a certificate.
 *
 * @example
 * ```ts
 * certificateSerial(new X509Certificate(pem)); // '5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC'
 * ```
 */
export function certificateSerial(certificate: X509Certificate): string {
  return certificate.serialNumber.toUpperCase().replace(/^0+(?=.)/, '');
}

/**
 * Validates options and parses keys; every problem is a `ValidationError` naming the field.
 *
 * @example
 * ```ts
 * const config = resolveWechatpayOptions(options);
 * ```
 */
export function resolveWechatpayOptions(input: WechatpayOptions): WechatpayConfig {
  const options = parseWithSchema(optionsSchema, input, 'options');
  const privateKey = loadRsaPrivateKey(options.privateKey, 'options.privateKey');
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
    mchId: options.mchId,
    appId: options.appId,
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
    baseUrl: resolveEndpoint(options.endpoint ?? 'production', WECHATPAY_HOSTS).replace(/\/$/, ''),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    now: options.now ?? (() => new Date()),
  };
}
