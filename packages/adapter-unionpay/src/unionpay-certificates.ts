/**
 * Trust in UnionPay's messages. Each message carries its signing certificate (`signPubKeyCert`);
 * hutong never trusts it as such: the certificate must be within its validity (injectable clock),
 * be issued by the configured middle certificate, which is issued by the configured root, and carry
 * UnionPay's CN; only then is its key used. Certificates that pass are cached by their text.
 *
 * @packageDocumentation
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { SignatureVerificationError, ValidationError } from '@hutong/core';

/** The company name in the CN of UnionPay's production signing certificates. */
export const UNIONPAY_CN_NAME = '中国银联股份有限公司';
/** The identity in the CN of UnionPay's test-environment signing certificates. */
export const UNIONPAY_TEST_CN_NAME = '00040000:SIGN';

/**
 * The `certId` of a certificate: its serial number in decimal (serials exceed 2^53, so BigInt).
 *
 * @example
 * ```ts
 * unionpayCertId(certificate); // '69903319369'
 * ```
 */
export function unionpayCertId(certificate: X509Certificate): string {
  return BigInt(`0x${certificate.serialNumber}`).toString(10);
}

/**
 * Parses a PEM certificate option.
 *
 * @example
 * ```ts
 * const root = readCertificate(options.rootCert, 'options.rootCert');
 * ```
 */
export function readCertificate(pem: unknown, field: string): X509Certificate {
  try {
    if (typeof pem !== 'string' && !Buffer.isBuffer(pem)) throw new Error('not text');
    return new X509Certificate(pem);
  } catch (cause) {
    throw new ValidationError(field, 'is not a readable certificate (PEM or DER)', { cause });
  }
}

function commonName(certificate: X509Certificate): string {
  const line = certificate.subject.split('\n').find((part) => part.startsWith('CN='));
  return line ? line.slice(3) : '';
}

/** The trust anchors and rules for UnionPay signing certificates. */
export interface UnionpayTrust {
  root: X509Certificate;
  middle: X509Certificate;
  /** Accept the test environment's `00040000:SIGN` CN (never in production). */
  allowTestCn: boolean;
}

/** A certificate's validity period in epoch milliseconds, read once. */
interface Validity {
  from: number;
  to: number;
}

const validities = new WeakMap<X509Certificate, Validity>();

function validity(certificate: X509Certificate): Validity {
  let period = validities.get(certificate);
  if (!period) {
    period = { from: Date.parse(certificate.validFrom), to: Date.parse(certificate.validTo) };
    validities.set(certificate, period);
  }
  return period;
}

function within(certificate: X509Certificate, time: number): boolean {
  const period = validity(certificate);
  return time >= period.from && time <= period.to;
}

/**
 * Checks the configured chain itself (middle issued by root, root self-signed) once, at start-up.
 *
 * @example
 * ```ts
 * checkUnionpayChain({ root, middle, allowTestCn: false });
 * ```
 */
export function checkUnionpayChain(trust: UnionpayTrust): void {
  if (!trust.root.verify(trust.root.publicKey))
    throw new ValidationError('options.rootCert', 'is not a self-signed root certificate');
  if (!trust.middle.checkIssued(trust.root) || !trust.middle.verify(trust.root.publicKey)) {
    throw new ValidationError('options.middleCert', 'is not issued by rootCert');
  }
}

/** A cache of verified signing certificates by their PEM text. */
export type UnionpayCertificateCache = Map<string, { certificate: X509Certificate; key: KeyObject }>;

/**
 * The key of a message's `signPubKeyCert`, after every check. Throws `SignatureVerificationError`
 * with reason `untrusted_certificate` for anything that does not hold.
 *
 * @example
 * ```ts
 * const key = trustedSigningKey(fields.signPubKeyCert, trust, cache, now);
 * ```
 */
export function trustedSigningKey(
  pem: string | undefined,
  trust: UnionpayTrust,
  cache: UnionpayCertificateCache,
  now: Date,
): KeyObject {
  if (!pem)
    throw new SignatureVerificationError('unionpay', 'missing_signature', 'the message carries no signPubKeyCert');
  let entry = cache.get(pem);
  if (!entry) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch (cause) {
      throw new SignatureVerificationError('unionpay', 'untrusted_certificate', 'signPubKeyCert is not a certificate', {
        cause,
      });
    }
    if (!certificate.checkIssued(trust.middle) || !certificate.verify(trust.middle.publicKey)) {
      throw new SignatureVerificationError(
        'unionpay',
        'untrusted_certificate',
        'signPubKeyCert is not issued by the configured middle certificate',
      );
    }
    const name = commonName(certificate).split('@')[2];
    if (name !== UNIONPAY_CN_NAME && !(trust.allowTestCn && name === UNIONPAY_TEST_CN_NAME)) {
      throw new SignatureVerificationError(
        'unionpay',
        'untrusted_certificate',
        `signPubKeyCert's CN does not name UnionPay (${name ?? 'none'})`,
      );
    }
    entry = { certificate, key: certificate.publicKey };
    cache.set(pem, entry);
  }
  // Time passes: validity is checked on every use, cached or not.
  const time = now.getTime();
  if (!within(entry.certificate, time) || !within(trust.middle, time) || !within(trust.root, time)) {
    throw new SignatureVerificationError(
      'unionpay',
      'untrusted_certificate',
      'signPubKeyCert (or its chain) is outside its validity period',
    );
  }
  return entry.key;
}
