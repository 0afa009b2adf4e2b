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
  transportOptionsShape,
  z,
} from '@hutong/core/provider-utils';
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
 * The signing certificate as the `.pfx` (PKCS#12) file UnionPay issues, with its password.
 *
 * @group Options
 */
export interface UnionpayPfxSignCert {
  /** The `.pfx` bytes (`readFileSync('acp_prod_sign.pfx')`). */
  pfx: Uint8Array;
  /** The PFX password. */
  password: string;
  privateKey?: never;
  certificate?: never;
}

/**
 * The signing certificate as a PEM private key and its PEM certificate.
 *
 * @group Options
 */
export interface UnionpayPemSignCert {
  /** The private key (PEM, PKCS#8 or PKCS#1). */
  privateKey: string;
  /** The certificate UnionPay issued for it (PEM): its serial is the `certId`. */
  certificate: string;
  pfx?: never;
  password?: never;
}

/**
 * Where the signing key comes from: a PFX and its password, or a PEM key and certificate. Exactly
 * one source, complete: `{ pfx }` without `password`, or a mix of both, does not compile.
 *
 * @group Options
 */
export type UnionpaySignCert = UnionpayPfxSignCert | UnionpayPemSignCert;

/**
 * The certificates messages from UnionPay are verified against: each message's `signPubKeyCert`
 * must be issued by `middleCert`, itself issued by `rootCert` (both PEM, from UnionPay's merchant
 * portal or SDK: `acp_prod_root.cer`, `acp_prod_middle.cer`). Both are required.
 *
 * @group Options
 */
export interface UnionpayVerifyCerts {
  /** The UnionPay root certificate to trust (PEM). */
  rootCert: string;
  /** The UnionPay middle certificate to trust (PEM). */
  middleCert: string;
}

/**
 * Options of `unionpay()`: the merchant, one signing source ({@link UnionpaySignCert}) and the
 * verification certificates ({@link UnionpayVerifyCerts}). A missing source is a compile error.
 *
 * @example
 * ```ts
 * unionpay({ merId: '777290058110048', signCert: { pfx: readFileSync('acp_sign.pfx'), password },
 *   rootCert: readFileSync('acp_prod_root.cer', 'utf8'), middleCert: readFileSync('acp_prod_middle.cer', 'utf8') });
 * ```
 *
 * @group Options
 */
export interface UnionpayOptions<Id extends string = 'unionpay'> extends UnionpayVerifyCerts {
  /**
   * The provider's id in the facade, webhook routes and stored orders (default `'unionpay'`); set it
   * to run several merchant ids side by side (`unionpay({ id: 'unionpay-sh', ... })`).
   */
  id?: Id | undefined;
  /** The 15-character merchant id (商户号). */
  merId: string;
  /** The signing key's source. */
  signCert: UnionpaySignCert;
  /**
   * Require UnionPay's company name in the CN of signing certificates (default true). UnionPay's
   * test environment signs as `00040000:SIGN`: set false there, never in production.
   */
  validateCnName?: boolean | undefined;
  /** `'production'` (default), `'test'` (UnionPay's test environment), or a gateway base URL. */
  endpoint?: 'production' | 'test' | (string & {}) | undefined;
  /** The `fetch` to use, e.g. a hutong sandbox's in-process fetch. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Time limit per request in ms. Default 10 000. */
  timeoutMs?: number | undefined;
  /** Retries of a query after a network failure or timeout (transactions are never retried). Default 2. */
  retries?: number | undefined;
  /** Logging and metrics hooks; they see redacted copies of requests and replies only. */
  hooks?: HttpHooks | undefined;
  /** The clock (`txnTime` and certificate validity). Default `() => new Date()`. */
  now?: (() => Date) | undefined;
}

/** Options after validation, with keys parsed. */
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

const optionsSchema = z.strictObject({
  id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"'))),
  merId: z.string().check(z.regex(/^[0-9A-Za-z]{15}$/, 'must be the 15-character merchant id')),
  signCert: z.union(
    [
      z.strictObject({ pfx: z.instanceof(Uint8Array, { message: 'must be the .pfx bytes' }), password: z.string() }),
      z.strictObject({ privateKey: z.string(), certificate: z.string() }),
    ],
    { error: 'must be { pfx, password } or { privateKey, certificate }' },
  ),
  rootCert: z.string({ error: 'is required (PEM)' }),
  middleCert: z.string({ error: 'is required (PEM)' }),
  validateCnName: z.optional(z.boolean()),
  endpoint: endpointOption(UNIONPAY_GATEWAYS),
  ...transportOptionsShape,
});

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
