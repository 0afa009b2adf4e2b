/**
 * The options of `unionpay(options)`, validated once when the provider is created.
 *
 * @packageDocumentation
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '@hutong/core';
import { endpointOption, parseWithSchema, resolveEndpoint, transportOptionsShape } from '@hutong/core/provider-utils';
import { z } from 'zod';
import {
  checkUnionpayChain,
  readCertificate,
  UnionpayCertificateCache,
  type UnionpayTrust,
  unionpayCertId,
} from './unionpay-certificates.js';
import { readPfx } from './unionpay-pfx.js';

/** UnionPay's gateway bases. */
export const UNIONPAY_GATEWAYS = {
  production: 'https://gateway.95516.com/gateway/api',
  test: 'https://gateway.test.95516.com/gateway/api',
} as const;

/** The signing certificate: the `.pfx` UnionPay issues, or a PEM key and certificate. */
export type UnionpaySignCert = { pfx: Uint8Array; password: string } | { privateKey: string; certificate: string };

/**
 * Options of `unionpay()`.
 *
 * @example
 * ```ts
 * unionpay({ merId: '777290058110048', signCert: { pfx: readFileSync('acp_sign.pfx'), password },
 *   rootCert: readFileSync('acp_prod_root.cer', 'utf8'), middleCert: readFileSync('acp_prod_middle.cer', 'utf8') });
 * ```
 */
export interface UnionpayOptions {
  /** The 15-digit merchant id (商户号). */
  merId: string;
  signCert: UnionpaySignCert;
  /** The UnionPay root certificate to trust (PEM). */
  rootCert: string;
  /** The UnionPay middle certificate to trust (PEM). */
  middleCert: string;
  /**
   * Require UnionPay's company name in the CN of signing certificates (default true). UnionPay's
   * test environment signs as `00040000:SIGN`: set false there, never in production.
   */
  validateCnName?: boolean;
  /** `'production'` (default), `'test'` (UnionPay's test environment), or a gateway base URL. */
  endpoint?: 'production' | 'test' | (string & {});
  /** The `fetch` to use, e.g. a hutong sandbox's in-process fetch. */
  fetch?: typeof globalThis.fetch;
  /** Time limit per request in ms. Default 10 000. */
  timeoutMs?: number;
  /** The clock (`txnTime` and certificate validity). Default `() => new Date()`. */
  now?: () => Date;
}

/** Options after validation, with keys parsed. */
export interface UnionpayConfig {
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
  /** The clock. */
  now: () => Date;
}

const optionsSchema = z.object({
  merId: z.string().regex(/^[0-9A-Za-z]{15}$/, 'must be the 15-character merchant id'),
  signCert: z.union(
    [
      z.object({ pfx: z.instanceof(Uint8Array, { message: 'must be the .pfx bytes' }), password: z.string() }),
      z.object({ privateKey: z.string(), certificate: z.string() }),
    ],
    { error: 'must be { pfx, password } or { privateKey, certificate }' },
  ),
  rootCert: z.string({ error: 'is required (PEM)' }),
  middleCert: z.string({ error: 'is required (PEM)' }),
  validateCnName: z.boolean().optional(),
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
export function resolveUnionpayOptions(input: UnionpayOptions): UnionpayConfig {
  const options = parseWithSchema(optionsSchema, input, 'options');
  const signCert = options.signCert;
  let keyPem: string;
  let certificatePem: string;
  if ('pfx' in signCert) {
    const contents = readPfx(signCert.pfx, signCert.password, 'options.signCert');
    keyPem = contents.privateKeyPem;
    certificatePem = contents.certificatePem;
  } else {
    keyPem = signCert.privateKey;
    certificatePem = signCert.certificate;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (cause) {
    throw new ValidationError('options.signCert.privateKey', 'is not a readable private key', { cause });
  }
  const certificate = readCertificate(certificatePem, 'options.signCert.certificate');
  if (!certificate.publicKey.equals(createPublicKey(privateKey))) {
    throw new ValidationError('options.signCert.certificate', 'does not match the private key');
  }
  const trust: UnionpayTrust = {
    root: readCertificate(options.rootCert, 'options.rootCert'),
    middle: readCertificate(options.middleCert, 'options.middleCert'),
    allowTestCn: options.validateCnName === false,
  };
  checkUnionpayChain(trust);
  return {
    merId: options.merId,
    privateKey,
    certId: unionpayCertId(certificate),
    trust,
    certificateCache: new UnionpayCertificateCache(),
    gateway: resolveEndpoint(options.endpoint ?? 'production', UNIONPAY_GATEWAYS).replace(/\/$/, ''),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    now: options.now ?? (() => new Date()),
  };
}
