/**
 * The options of `unionpay(options)`, validated once when the provider is created.
 *
 * @packageDocumentation
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type HttpHooks, ValidationError } from '@hutong/core';
import {
  endpointOption,
  parseWithSchema,
  resolveEndpoint,
  type SchemaInput,
  transportOptionsShape,
  z,
} from '@hutong/core/provider-utils';
import type { ZodMiniObject } from 'zod/mini';
import {
  certifiesKey,
  checkUnionpayChain,
  readCertificate,
  UnionpayCertificateCache,
  type UnionpayTrust,
  unionpayCertId,
} from './unionpay-certificates.js';
import { readPfx } from './unionpay-pfx.js';

/**
 * UnionPay's gateway bases.
 *
 * @group Options
 */
export const UNIONPAY_GATEWAYS = {
  production: 'https://gateway.95516.com/gateway/api',
  test: 'https://gateway.test.95516.com/gateway/api',
} as const;

/**
 * UnionPay's file-transfer hosts (文件传输类交易, the statement download), which are not the
 * gateway's: ACP posts `txnType=76` to `filedownload.95516.com`.
 *
 * @group Options
 * @example
 * ```ts
 * UNIONPAY_FILE_ENDPOINTS.test; // 'https://filedownload.test.95516.com/', the default of endpoint: 'test'
 * ```
 */
export const UNIONPAY_FILE_ENDPOINTS = {
  production: 'https://filedownload.95516.com/',
  test: 'https://filedownload.test.95516.com/',
} as const;

/** An acquirer's institution code (收单机构代码): 8 to 11 letters and digits. */
const ACQ_INS_CODE = /^[0-9A-Za-z]{8,11}$/;

/** The fields of a PFX signing source, as the schema takes them. */
const pfxShape = {
  /** The `.pfx` bytes (`readFileSync('acp_prod_sign.pfx')`). */
  pfx: z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be the .pfx bytes'),
  /** The PFX password. */
  password: z.string(),
};

/** The fields of a PEM signing source, as the schema takes them. */
const pemShape = {
  /** The private key (PEM, PKCS#8 or PKCS#1). */
  privateKey: z.string(),
  /** The certificate UnionPay issued for it (PEM): its serial is the `certId`. */
  certificate: z.string(),
};

/** The options every signing source shares, with their TSDoc (the docs site shows it). */
const baseShape = {
  /**
   * The provider's id in the facade, webhook routes and stored orders (default `'unionpay'`); set it
   * to run several merchant ids side by side (`unionpay({ id: 'unionpay-sh', ... })`).
   */
  id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"'))),
  /** The 15-character merchant id (商户号). */
  merId: z.string().check(z.regex(/^[0-9A-Za-z]{15}$/, 'must be the 15-character merchant id')),
  /** The UnionPay root certificate to trust (PEM). */
  rootCert: z.string({ error: 'is required (PEM)' }),
  /** The UnionPay middle certificate to trust (PEM). */
  middleCert: z.string({ error: 'is required (PEM)' }),
  /**
   * Require UnionPay's company name in the CN of signing certificates (default true). UnionPay's
   * test environment signs as `00040000:SIGN`: set false there, never in production.
   */
  validateCnName: z.optional(z.boolean()),
  /** `'production'` (default), `'test'` (UnionPay's test environment), or a gateway base URL. */
  endpoint: endpointOption(UNIONPAY_GATEWAYS),
  /**
   * Where statements are downloaded (`txnType=76`): `'production'`, `'test'` or a URL. Default: the
   * file host of the named `endpoint`; required for `statement()` when `endpoint` is a URL.
   */
  fileEndpoint: endpointOption(UNIONPAY_FILE_ENDPOINTS),
  /**
   * Platform mode: how sub-merchants' payments are sent. `'platform'` (平台类商户, `accessType=2`:
   * `merId` is the platform's, each account's `accountId` its `subMerId`); `'acquirer'` (收单机构,
   * `accessType=1`: each account's `accountId` is the merchant's own `merId`). Absent: direct
   * merchant only (`accessType=0`), and a payment for a sub-merchant is refused.
   */
  access: z.optional(z.enum(['platform', 'acquirer'])),
  /**
   * `access: 'acquirer'` only: the acquirer's institution code (`acqInsCode`, 8 to 11 letters and
   * digits), sent in every message for a merchant; an account's `fields.acqInsCode` overrides it.
   */
  acqInsCode: z.optional(z.string().check(z.regex(ACQ_INS_CODE, 'must be 8 to 11 letters and digits'))),
  ...transportOptionsShape,
  /** The `fetch` to use, e.g. a hutong sandbox's in-process fetch. */
  fetch: transportOptionsShape.fetch,
  /** Time limit per request in ms. Default 10 000. */
  timeoutMs: transportOptionsShape.timeoutMs,
  /** Retries of a query after a network failure or timeout (transactions are never retried). Default 2. */
  retries: transportOptionsShape.retries,
  /** The clock (`txnTime` and certificate validity). Default `() => new Date()`. */
  now: transportOptionsShape.now,
};

/**
 * The schema `unionpay()` parses its options with. Unknown keys are refused, here and in `signCert`.
 */
const optionsSchema = z.strictObject({
  ...baseShape,
  /** The signing key's source: `{ pfx, password }` or `{ privateKey, certificate }`. */
  signCert: z.union([z.strictObject(pfxShape), z.strictObject(pemShape)], {
    error: 'must be { pfx, password } or { privateKey, certificate }',
  }),
});

/**
 * What the schema takes: every option. The type tests check that {@link UnionpayOptions} is
 * assignable to it, so no option can be typed and not validated.
 *
 * @example
 * ```ts
 * const input: UnionpayOptionsInput = { merId, signCert: { pfx, password }, rootCert, middleCert };
 * ```
 */
export type UnionpayOptionsInput = SchemaInput<typeof optionsSchema>;

/**
 * The signing certificate as the `.pfx` (PKCS#12) file UnionPay issues, with its password; the
 * fields are inferred from the schema (their TSDoc is there).
 *
 * @group Options
 * @example
 * ```ts
 * const signCert: UnionpayPfxSignCert = { pfx: readFileSync('acp_prod_sign.pfx'), password: '000000' };
 * ```
 */
export interface UnionpayPfxSignCert extends SchemaInput<ZodMiniObject<typeof pfxShape>> {
  privateKey?: never;
  certificate?: never;
}

/**
 * The signing certificate as a PEM private key and its PEM certificate; the fields are inferred
 * from the schema (their TSDoc is there).
 *
 * @group Options
 * @example
 * ```ts
 * const signCert: UnionpayPemSignCert = { privateKey: keyPem, certificate: certificatePem };
 * ```
 */
export interface UnionpayPemSignCert extends SchemaInput<ZodMiniObject<typeof pemShape>> {
  pfx?: never;
  password?: never;
}

/**
 * Where the signing key comes from: a PFX and its password, or a PEM key and certificate. Exactly
 * one source, complete: `{ pfx }` without `password`, or a mix of both, does not compile.
 *
 * @group Options
 * @example
 * ```ts
 * const signCert: UnionpaySignCert = { pfx: readFileSync('acp_prod_sign.pfx'), password: '000000' };
 * ```
 */
export type UnionpaySignCert = UnionpayPfxSignCert | UnionpayPemSignCert;

/** The options every source shares, as the schema takes them (`id`, `endpoint`, `hooks` typed below). */
type BaseInput = Omit<
  SchemaInput<ZodMiniObject<typeof baseShape>>,
  'id' | 'endpoint' | 'fileEndpoint' | 'hooks' | 'access' | 'acqInsCode'
>;

/**
 * How the provider reaches UnionPay for sub-merchants, one of three shapes: a direct merchant
 * (neither key), a platform (`access: 'platform'`) or an acquirer (`access: 'acquirer'` with its
 * `acqInsCode`). `acqInsCode` on a direct or platform provider does not compile.
 *
 * @group Options
 * @example
 * ```ts
 * const access: UnionpayAccessOptions = { access: 'acquirer', acqInsCode: '48021000' };
 * ```
 */
export type UnionpayAccessOptions =
  | { access?: undefined; acqInsCode?: undefined }
  | { access: 'platform'; acqInsCode?: undefined }
  | { access: 'acquirer'; acqInsCode: string };

/**
 * The certificates messages from UnionPay are verified against: each message's `signPubKeyCert`
 * must be issued by `middleCert`, itself issued by `rootCert` (both PEM, from UnionPay's merchant
 * portal or SDK: `acp_prod_root.cer`, `acp_prod_middle.cer`). Both are required.
 *
 * @group Options
 * @example
 * ```ts
 * const certs: UnionpayVerifyCerts = { rootCert: readFileSync('acp_prod_root.cer', 'utf8'),
 *   middleCert: readFileSync('acp_prod_middle.cer', 'utf8') };
 * ```
 */
export interface UnionpayVerifyCerts {
  /** UnionPay's root certificate (PEM), the anchor of every `signPubKeyCert` chain. */
  rootCert: BaseInput['rootCert'];
  /** UnionPay's intermediate certificate (PEM), which issues every `signPubKeyCert`. */
  middleCert: BaseInput['middleCert'];
}

/**
 * Options of `unionpay()`: the merchant, one signing source ({@link UnionpaySignCert}) and the
 * verification certificates ({@link UnionpayVerifyCerts}). A missing source is a compile error.
 * The fields are inferred from the schema (their TSDoc is there); `id` is typed by the provider's
 * literal id and `endpoint` offers the named gateways, both within what the schema takes.
 *
 * @example
 * ```ts
 * unionpay({ merId: '777290058110048', signCert: { pfx: readFileSync('acp_sign.pfx'), password },
 *   rootCert: readFileSync('acp_prod_root.cer', 'utf8'), middleCert: readFileSync('acp_prod_middle.cer', 'utf8') });
 * ```
 *
 * @group Options
 */
export type UnionpayOptions<Id extends string = 'unionpay'> = UnionpayBaseOptions<Id> & UnionpayAccessOptions;

/**
 * The options every access mode shares (see {@link UnionpayOptions}).
 *
 * @group Options
 * @example
 * ```ts
 * const base: UnionpayBaseOptions = { merId, signCert: { pfx, password }, rootCert, middleCert };
 * ```
 */
export interface UnionpayBaseOptions<Id extends string = 'unionpay'> extends BaseInput {
  /**
   * The provider's id in the facade, webhook routes and stored orders (default `'unionpay'`); set it
   * to run several merchant ids side by side (`unionpay({ id: 'unionpay-sh', ... })`).
   */
  id?: Id | undefined;
  /** The signing key's source. */
  signCert: UnionpaySignCert;
  /** `'production'` (default), `'test'` (UnionPay's test environment), or a gateway base URL. */
  endpoint?: 'production' | 'test' | (string & {}) | undefined;
  /**
   * Where statements are downloaded: `'production'`, `'test'` or a URL. Default: the file host of
   * the named `endpoint`; required for `statement()` when `endpoint` is a URL.
   */
  fileEndpoint?: 'production' | 'test' | (string & {}) | undefined;
  /** Logging and metrics hooks; they see redacted copies of requests and replies only. */
  hooks?: HttpHooks | undefined;
}

/**
 * Options after validation, with keys parsed.
 *
 * @example
 * ```ts
 * const config: UnionpayConfig = resolveUnionpayOptions(options);
 * ```
 */
export interface UnionpayConfig {
  /** The provider id, used in errors. */
  id: string;
  merId: string;
  privateKey: KeyObject;
  /** The decimal serial of the signing certificate. */
  certId: string;
  trust: UnionpayTrust;
  /** Verified `signPubKeyCert`s by text. */
  certificateCache: UnionpayCertificateCache;
  gateway: string;
  /** The file-transfer URL (statements), or `undefined` when `endpoint` is a URL and none was given. */
  fileEndpoint: string | undefined;
  /** How sub-merchants are reached; `undefined`: direct merchant only. */
  access: 'platform' | 'acquirer' | undefined;
  /** The acquirer's `acqInsCode` (`access: 'acquirer'`). */
  acqInsCode: string | undefined;
  /** The `fetch` requests go through (`undefined`: the global one). */
  fetch: typeof globalThis.fetch | undefined;
  timeoutMs: number;
  retries: number | undefined;
  hooks: HttpHooks | undefined;
  /** The clock. */
  now: () => Date;
}

/**
 * Validates options, opens the signing certificate and checks the trust chain.
 *
 * @example
 * ```ts
 * const config = resolveUnionpayOptions(options);
 * ```
 */
export function resolveUnionpayOptions(input: UnionpayOptions<string>): UnionpayConfig {
  if (input && typeof input === 'object') {
    if (input.acqInsCode !== undefined && input.access !== 'acquirer')
      throw new ValidationError('options.acqInsCode', "is for access: 'acquirer' only");
    if (input.access === 'acquirer' && input.acqInsCode === undefined)
      throw new ValidationError('options.acqInsCode', "is required with access: 'acquirer'");
  }
  // A key of the other signing mode given as `undefined` (as a spread config gives it) is left out.
  const given: unknown = input?.signCert;
  const signCert =
    given && typeof given === 'object' && !ArrayBuffer.isView(given)
      ? Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined))
      : given;
  const options = parseWithSchema(optionsSchema, input && { ...input, signCert }, 'options');
  const source = options.signCert;
  let keyPem: string;
  let certificatePem: string;
  if ('pfx' in source) {
    const contents = readPfx(source.pfx, source.password, 'options.signCert');
    keyPem = contents.privateKeyPem;
    certificatePem = contents.certificatePem;
  } else {
    keyPem = source.privateKey;
    certificatePem = source.certificate;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (cause) {
    throw new ValidationError('options.signCert.privateKey', 'is not a readable private key', { cause });
  }
  const certificate = readCertificate(certificatePem, 'options.signCert.certificate');
  if (!certifiesKey(certificate, privateKey)) {
    throw new ValidationError('options.signCert.certificate', 'does not match the private key');
  }
  const trust: UnionpayTrust = {
    root: readCertificate(options.rootCert, 'options.rootCert'),
    middle: readCertificate(options.middleCert, 'options.middleCert'),
    allowTestCn: options.validateCnName === false,
  };
  checkUnionpayChain(trust);
  const endpoint = options.endpoint ?? 'production';
  const fileEndpoint =
    options.fileEndpoint ?? (Object.hasOwn(UNIONPAY_FILE_ENDPOINTS, endpoint) ? endpoint : undefined);
  return {
    id: options.id ?? 'unionpay',
    merId: options.merId,
    privateKey,
    certId: unionpayCertId(certificate),
    trust,
    certificateCache: new UnionpayCertificateCache(),
    gateway: resolveEndpoint(endpoint, UNIONPAY_GATEWAYS).replace(/\/$/, ''),
    fileEndpoint: fileEndpoint === undefined ? undefined : resolveEndpoint(fileEndpoint, UNIONPAY_FILE_ENDPOINTS),
    access: options.access,
    acqInsCode: options.acqInsCode,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries,
    hooks: options.hooks,
    now: options.now ?? (() => new Date()),
  };
}
