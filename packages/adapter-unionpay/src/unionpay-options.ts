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
type BaseInput = Omit<SchemaInput<ZodMiniObject<typeof baseShape>>, 'id' | 'endpoint' | 'hooks'>;

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
export interface UnionpayOptions<Id extends string = 'unionpay'> extends BaseInput {
  /**
   * The provider's id in the facade, webhook routes and stored orders (default `'unionpay'`); set it
   * to run several merchant ids side by side (`unionpay({ id: 'unionpay-sh', ... })`).
   */
  id?: Id | undefined;
  /** The signing key's source. */
  signCert: UnionpaySignCert;
  /** `'production'` (default), `'test'` (UnionPay's test environment), or a gateway base URL. */
  endpoint?: 'production' | 'test' | (string & {}) | undefined;
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
  return {
    id: options.id ?? 'unionpay',
    merId: options.merId,
    privateKey,
    certId: unionpayCertId(certificate),
    trust,
    certificateCache: new UnionpayCertificateCache(),
    gateway: resolveEndpoint(options.endpoint ?? 'production', UNIONPAY_GATEWAYS).replace(/\/$/, ''),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries,
    hooks: options.hooks,
    now: options.now ?? (() => new Date()),
  };
}
