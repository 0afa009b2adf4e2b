/**
 * RSA key loading for adapters: merchants paste PEM (PKCS#1 or PKCS#8), Alipay's key tool prints
 * bare base64, and keys end up in the wrong option. Every form is parsed once into a `KeyObject`;
 * every mistake is a {@link ValidationError} naming the option, never echoing the key.
 *
 * @packageDocumentation
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ValidationError } from './errors.js';

const PEM_HEADER = /-----BEGIN ([A-Z0-9 ]+)-----/;

function bareBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

/**
 * Parses an RSA private key from PEM (PKCS#1 or PKCS#8) or bare base64 (either form).
 * Throws {@link ValidationError} naming `field` for anything else, including a public key or a
 * certificate passed by mistake; the key's content never appears in the message.
 *
 * @example
 * ```ts
 * const key = loadRsaPrivateKey(process.env.MERCHANT_PRIVATE_KEY, 'options.privateKey');
 * ```
 */
export function loadRsaPrivateKey(text: unknown, field: string): KeyObject {
  if (typeof text !== 'string' || text.trim() === '')
    throw new ValidationError(field, 'must be a PEM or base64 private key');
  const header = PEM_HEADER.exec(text)?.[1];
  if (header && /PUBLIC KEY|CERTIFICATE/.test(header)) {
    throw new ValidationError(field, `is a ${header.toLowerCase()}, not a private key`);
  }
  let key: KeyObject | undefined;
  try {
    if (header) {
      key = createPrivateKey(text);
    } else {
      const der = bareBase64(text);
      if (der) key = privateKeyFromDer(der);
    }
  } catch {
    key = undefined;
  }
  if (!key) {
    const der = header ? undefined : bareBase64(text);
    if (der && publicKeyFromDer(der)) {
      throw new ValidationError(field, 'is a public key, not a private key');
    }
    throw new ValidationError(field, 'is not a readable RSA private key (PEM, or base64 PKCS#1/PKCS#8)');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new ValidationError(field, 'must be an RSA key');
  return key;
}

/**
 * Parses an RSA public key from PEM (SPKI or PKCS#1), bare base64, or a certificate's PEM.
 *
 * @example
 * ```ts
 * const platformKey = loadRsaPublicKey(options.publicKey, 'options.publicKey');
 * ```
 */
export function loadRsaPublicKey(text: unknown, field: string): KeyObject {
  if (typeof text !== 'string' || text.trim() === '')
    throw new ValidationError(field, 'must be a PEM or base64 public key');
  const header = PEM_HEADER.exec(text)?.[1];
  if (header?.includes('PRIVATE')) throw new ValidationError(field, 'is a private key; give the public key');
  let key: KeyObject | undefined;
  try {
    if (header) key = createPublicKey(text);
    else {
      const der = bareBase64(text);
      if (der) key = publicKeyFromDer(der);
    }
  } catch {
    key = undefined;
  }
  if (!key) throw new ValidationError(field, 'is not a readable RSA public key (PEM, or base64 SPKI/PKCS#1)');
  if (key.asymmetricKeyType !== 'rsa') throw new ValidationError(field, 'must be an RSA key');
  return key;
}

function privateKeyFromDer(der: Buffer): KeyObject | undefined {
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // try the other encoding
    }
  }
  return undefined;
}

function publicKeyFromDer(der: Buffer): KeyObject | undefined {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: der, format: 'der', type });
    } catch {
      // try the other encoding
    }
  }
  return undefined;
}

const SPKI_DER = { type: 'spki', format: 'der' } as const;

/**
 * Whether two keys have the same public half, compared by their SPKI DER bytes. `KeyObject.equals`
 * answers `false` for equal keys in Cloudflare's workerd, so every "does this certificate hold the
 * public half of that private key" check goes through here.
 *
 * @example
 * ```ts
 * samePublicKey(certificate.publicKey, privateKey); // true when the certificate is the key's
 * ```
 */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const publicA = a.type === 'private' ? createPublicKey(a) : a;
  const publicB = b.type === 'private' ? createPublicKey(b) : b;
  return publicA.export(SPKI_DER).equals(publicB.export(SPKI_DER));
}
