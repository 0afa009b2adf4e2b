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
import { samePublicKey } from '@hutong/core/provider-utils';

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

/**
 * Whether a certificate is the one for a private key: their public keys' SPKI DER bytes are equal.
 * The bytes are compared rather than `KeyObject.equals`, which Cloudflare's workerd (nodejs_compat)
 * answers `false` for equal keys.
 *
 * @example
 * ```ts
 * certifiesKey(readCertificate(pem, 'options.signCert.certificate'), createPrivateKey(keyPem)); // true
 * ```
 */
export function certifiesKey(certificate: X509Certificate, privateKey: KeyObject): boolean {
  return samePublicKey(certificate.publicKey, privateKey);
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

/** A `signPubKeyCert` that passed every check. */
export interface TrustedUnionpayCertificate {
  certificate: X509Certificate;
  key: KeyObject;
}

/** A `signPubKeyCert` as it stands in a form body, decoded once. */
export interface DecodedUnionpayCertificate {
  /** The certificate's PEM text. */
  pem: string;
  /** Its UTF-8 bytes, as they enter the signed string. */
  bytes: Buffer;
}

/**
 * The verified signing certificates of one provider, by their PEM text, plus the decoding of each
 * `%`-encoded form of them seen in notification bodies. UnionPay signs with one certificate at a
 * time (two while rolling over), so both maps are small; each keeps at most
 * {@link UnionpayCertificateCache.capacity} entries and forgets the oldest beyond that, so that
 * variants of one certificate's text cannot grow it without bound. A cache belongs to one trust
 * configuration (each provider makes its own): what it holds passed that configuration's checks.
 *
 * @example
 * ```ts
 * const cache = new UnionpayCertificateCache();
 * verifyUnionpayMessage(fields, trust, cache, new Date());
 * ```
 */
export class UnionpayCertificateCache {
  /** Entries kept per map. */
  static readonly capacity = 16;
  readonly #trusted = new Map<string, TrustedUnionpayCertificate>();
  readonly #decoded = new Map<string, DecodedUnionpayCertificate>();
  #lastRaw: string | undefined;
  #lastDecoded: DecodedUnionpayCertificate | undefined;

  /** The verified certificate with this PEM text, if any. */
  get(pem: string): TrustedUnionpayCertificate | undefined {
    return this.#trusted.get(pem);
  }

  /** Remembers a certificate that passed every check. */
  set(pem: string, entry: TrustedUnionpayCertificate): void {
    remember(this.#trusted, pem, entry);
  }

  /** Number of verified certificates held. */
  get size(): number {
    return this.#trusted.size;
  }

  /**
   * The decoding of a `signPubKeyCert` value still `%`-encoded as it stands in a form body:
   * `decode` runs once per distinct encoding, and the bytes are reused in the signed string.
   */
  decoded(raw: string, decode: () => string): DecodedUnionpayCertificate {
    // Most messages repeat the last certificate: one comparison instead of hashing 2 KB of text.
    if (raw === this.#lastRaw && this.#lastDecoded) return this.#lastDecoded;
    let entry = this.#decoded.get(raw);
    if (!entry) {
      const pem = decode();
      entry = { pem, bytes: Buffer.from(pem, 'utf8') };
      remember(this.#decoded, raw, entry);
    }
    this.#lastRaw = raw;
    this.#lastDecoded = entry;
    return entry;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (!map.has(key) && map.size >= UnionpayCertificateCache.capacity) {
    map.delete(map.keys().next().value as string);
  }
  map.set(key, value);
}

/**
 * The key of a message's `signPubKeyCert`, after every check. Throws `SignatureVerificationError`
 * with reason `untrusted_certificate` for anything that does not hold.
 *
 * @example
 * ```ts
 * const key = trustedSigningKey(fields.signPubKeyCert, trust, cache, now, 'unionpay');
 * ```
 */
export function trustedSigningKey(
  pem: string | undefined,
  trust: UnionpayTrust,
  cache: UnionpayCertificateCache,
  now: Date,
  provider = 'unionpay',
): KeyObject {
  if (!pem)
    throw new SignatureVerificationError(provider, 'missing_signature', 'the message carries no signPubKeyCert');
  let entry = cache.get(pem);
  if (!entry) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch (cause) {
      throw new SignatureVerificationError(provider, 'untrusted_certificate', 'signPubKeyCert is not a certificate', {
        cause,
      });
    }
    if (!certificate.checkIssued(trust.middle) || !certificate.verify(trust.middle.publicKey)) {
      throw new SignatureVerificationError(
        provider,
        'untrusted_certificate',
        'signPubKeyCert is not issued by the configured middle certificate',
      );
    }
    const name = commonName(certificate).split('@')[2];
    if (name !== UNIONPAY_CN_NAME && !(trust.allowTestCn && name === UNIONPAY_TEST_CN_NAME)) {
      throw new SignatureVerificationError(
        provider,
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
      provider,
      'untrusted_certificate',
      'signPubKeyCert (or its chain) is outside its validity period',
    );
  }
  return entry.key;
}
