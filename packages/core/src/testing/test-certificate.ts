/**
 * Issues X.509 certificates for sandboxes and tests: a root, an intermediate and a leaf, with the
 * names, serials and validity a provider's real ones have. `node:crypto` reads certificates but
 * cannot make them, so this writes the DER (RFC 5280) itself, signed with SHA256withRSA.
 *
 * For tests only: no key usage beyond CA and signing, no revocation, no name constraints.
 *
 * @packageDocumentation
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';

/** A distinguished name as RDNs, most general first (`[['C', 'CN'], ['O', '...'], ['CN', '...']]`). */
export type DistinguishedName = readonly (readonly [attribute: 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN', value: string])[];

/** What {@link issueTestCertificate} needs. */
export interface TestCertificateRequest {
  subject: DistinguishedName;
  /** The certificate's public key. */
  publicKey: KeyObject;
  /** The issuer; omit for a self-signed certificate (then `signingKey` is the subject's key). */
  issuer?: { subject: DistinguishedName; privateKey: KeyObject } | undefined;
  /** The subject's private key, to sign a self-signed certificate. */
  signingKey?: KeyObject | undefined;
  /** Serial number (positive). Default: 16 random bytes. */
  serial?: bigint | undefined;
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate (basicConstraints cA=TRUE, keyCertSign). Default false. */
  isCA?: boolean | undefined;
}

/** An issued certificate with its PEM and parsed form. */
export interface TestCertificate {
  pem: string;
  certificate: X509Certificate;
  serial: bigint;
}

/** A key pair and the certificate for it. */
export interface TestIdentity extends TestCertificate {
  privateKey: KeyObject;
  publicKey: KeyObject;
  subject: DistinguishedName;
}

// ── DER encoding ────────────────────────────────────────────────────────────────────────────
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);

function integer(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [];
    let v = part;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] = (chunk[i] as number) | 0x80;
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const ATTRIBUTE_OIDS = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
} as const;

function name(dn: DistinguishedName): Buffer {
  return sequence(
    ...dn.map(([attribute, value]) =>
      set(
        sequence(
          oid(ATTRIBUTE_OIDS[attribute]),
          attribute === 'C' ? tlv(0x13, Buffer.from(value)) : tlv(0x0c, Buffer.from(value, 'utf8')),
        ),
      ),
    ),
  );
}

const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

function extensions(isCA: boolean): Buffer {
  const basicConstraints = sequence(
    oid('2.5.29.19'),
    tlv(0x01, Buffer.from([0xff])),
    tlv(0x04, isCA ? sequence(tlv(0x01, Buffer.from([0xff]))) : sequence()),
  );
  // keyUsage: digitalSignature (bit 0) | nonRepudiation (bit 1) for leaves; keyCertSign (5) | cRLSign (6) for CAs
  const usage = isCA ? Buffer.from([0x03, 0x01, 0x06]) : Buffer.from([0x03, 0x06, 0xc0]);
  const keyUsage = sequence(oid('2.5.29.15'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, tlv(0x03, usage.subarray(1))));
  return explicit(3, sequence(basicConstraints, keyUsage));
}

/**
 * Issues a certificate signed by `issuer` (or self-signed).
 *
 * @example
 * ```ts
 * const root = createTestIdentity({ subject: [['CN', 'Test Root']], isCA: true, notBefore, notAfter });
 * const leaf = issueTestCertificate({ subject: [['CN', 'leaf']], publicKey, issuer: root, notBefore, notAfter });
 * ```
 */
export function issueTestCertificate(request: TestCertificateRequest): TestCertificate {
  const serial = request.serial ?? BigInt(`0x${randomBytes(16).toString('hex')}`) | 1n;
  const spki = request.publicKey.export({ type: 'spki', format: 'der' });
  const issuerName = request.issuer?.subject ?? request.subject;
  const signingKey = request.issuer?.privateKey ?? request.signingKey;
  if (!signingKey) throw new Error('a self-signed certificate needs signingKey');
  const tbs = sequence(
    explicit(0, integer(2n)), // v3
    integer(serial),
    SHA256_WITH_RSA,
    name(issuerName),
    sequence(time(request.notBefore), time(request.notAfter)),
    name(request.subject),
    spki,
    extensions(request.isCA ?? false),
  );
  const signature = sign('sha256', tbs, signingKey);
  const der = sequence(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
  return { pem, certificate: new X509Certificate(pem), serial };
}

/** Options of {@link createTestIdentity}. */
export interface TestIdentityRequest {
  subject: DistinguishedName;
  issuer?: TestIdentity | undefined;
  serial?: bigint | undefined;
  notBefore: Date;
  notAfter: Date;
  isCA?: boolean | undefined;
  /** RSA modulus length. Default 2048. */
  modulusLength?: number | undefined;
}

/**
 * Generates an RSA key pair and a certificate for it.
 *
 * @example
 * ```ts
 * const root = createTestIdentity({ subject: [['C', 'CN'], ['O', 'Test'], ['CN', 'Test Root']], isCA: true,
 *   notBefore: new Date('2024-01-01'), notAfter: new Date('2044-01-01') });
 * ```
 */
export function createTestIdentity(request: TestIdentityRequest): TestIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: request.modulusLength ?? 2048 });
  const issued = issueTestCertificate({
    subject: request.subject,
    publicKey,
    issuer: request.issuer,
    signingKey: privateKey,
    serial: request.serial,
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    isCA: request.isCA,
  });
  return { ...issued, privateKey, publicKey, subject: request.subject };
}
