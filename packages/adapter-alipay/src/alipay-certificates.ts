/**
 * Certificate mode ("公钥证书"): the serial numbers Alipay expects in `app_cert_sn` and
 * `alipay_root_cert_sn`, and the Alipay public keys taken from its certificates.
 *
 * SN rule: lowercase hex MD5 of the issuer DN (RFC 2253 order, most specific RDN first, joined by
 * `,`) followed by the decimal serial number. The root SN joins, with `_`, the SNs of the root
 * bundle's certificates signed with an RSA algorithm (OID 1.2.840.113549.1.1.*), in file order.
 *
 * @packageDocumentation
 */
import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { ValidationError } from '@hutong/core';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** DER of OID 1.2.840.113549.1.1 (PKCS#1 signature algorithms), without tag and length. */
const RSA_SIGNATURE_OID_PREFIX = Buffer.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01]);

/**
 * Splits a PEM bundle into certificates, in file order.
 *
 * @example
 * ```ts
 * const [leaf, issuer] = splitPemCertificates(readFileSync('alipayCertPublicKey_RSA2.crt', 'utf8'));
 * ```
 */
export function splitPemCertificates(pem: string, field: string): X509Certificate[] {
  const blocks = typeof pem === 'string' ? (pem.match(PEM_CERTIFICATE) ?? []) : [];
  if (blocks.length === 0) throw new ValidationError(field, 'must contain at least one PEM certificate');
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (cause) {
      throw new ValidationError(field, `certificate ${index + 1} cannot be read`, { cause });
    }
  });
}

/** The issuer DN in RFC 2253 order: Node prints RDNs most general first, one per line. */
function issuerRfc2253(certificate: X509Certificate): string {
  return certificate.issuer.split('\n').reverse().join(',');
}

/**
 * The Alipay SN of one certificate.
 *
 * @example
 * ```ts
 * alipayCertificateSn(new X509Certificate(appCertPem)); // '866efef280dec9137a87d047ac446315'
 * ```
 */
export function alipayCertificateSn(certificate: X509Certificate): string {
  const serial = BigInt(`0x${certificate.serialNumber}`).toString(10);
  return createHash('md5')
    .update(issuerRfc2253(certificate) + serial, 'utf8')
    .digest('hex');
}

/** Reads a DER length at `offset`; returns [length, offset of the content]. */
function derLength(der: Uint8Array, offset: number): [number, number] {
  const first = der[offset] as number;
  if (first < 0x80) return [first, offset + 1];
  const bytes = first & 0x7f;
  let length = 0;
  for (let i = 1; i <= bytes; i++) length = length * 256 + (der[offset + i] as number);
  return [length, offset + 1 + bytes];
}

/**
 * The outer `signatureAlgorithm` OID of a certificate, as raw DER content bytes. Read by hand
 * because Node does not expose it, and the root bundle holds SM2 and ECDSA certificates too.
 */
function signatureAlgorithmOid(certificate: X509Certificate): Buffer {
  const der = certificate.raw;
  const [, certificateContent] = derLength(der, 1); // Certificate ::= SEQUENCE
  const [tbsLength, tbsContent] = derLength(der, certificateContent + 1); // tbsCertificate SEQUENCE
  const algorithm = tbsContent + tbsLength; // signatureAlgorithm SEQUENCE
  const [, algorithmContent] = derLength(der, algorithm + 1);
  const [oidLength, oidContent] = derLength(der, algorithmContent + 1); // OBJECT IDENTIFIER
  return der.subarray(oidContent, oidContent + oidLength);
}

/**
 * The `alipay_root_cert_sn` of a root bundle: the SNs of its RSA-signed certificates joined by `_`.
 *
 * @example
 * ```ts
 * alipayRootCertificateSn(rootPem); // '687b5919..._02941eef...'
 * ```
 */
export function alipayRootCertificateSn(bundlePem: string, field = 'options.alipayRootCert'): string {
  const rsa = splitPemCertificates(bundlePem, field).filter((certificate) =>
    signatureAlgorithmOid(certificate).subarray(0, RSA_SIGNATURE_OID_PREFIX.length).equals(RSA_SIGNATURE_OID_PREFIX),
  );
  if (rsa.length === 0) throw new ValidationError(field, 'holds no RSA-signed certificate');
  return rsa.map(alipayCertificateSn).join('_');
}

/** An Alipay public key taken from a certificate, with the SN that names it. */
export interface AlipayCertificateKey {
  sn: string;
  key: KeyObject;
}

/**
 * The key and SN of the first certificate of a PEM file (Alipay ships its certificate followed by
 * the issuing CA's).
 *
 * @example
 * ```ts
 * const { sn, key } = alipayCertificateKey(alipayPublicCertPem, 'options.alipayPublicCert');
 * ```
 */
export function alipayCertificateKey(pem: string, field: string): AlipayCertificateKey {
  const [first] = splitPemCertificates(pem, field) as [X509Certificate];
  return { sn: alipayCertificateSn(first), key: first.publicKey };
}
