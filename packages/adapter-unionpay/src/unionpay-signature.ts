/**
 * ACP 5.1.0 signatures (`signMethod=01`): every field except `signature`, without empty values,
 * sorted by key (ASCII), joined as raw `k=v&...`; then the lowercase hex SHA-256 of that UTF-8
 * string; then SHA256withRSA over the hex string's ASCII bytes, base64.
 *
 * @packageDocumentation
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, type KeyObject, sign, verify } from 'node:crypto';

/** ACP fields as sent or received. */
export type UnionpayFields = Readonly<Record<string, string | undefined>>;

/**
 * The string ACP signs.
 *
 * @example
 * ```ts
 * unionpaySigningString({ version: '5.1.0', merId: '777290058110048', signature: 'x', reqReserved: '' });
 * // 'merId=777290058110048&version=5.1.0'
 * ```
 */
export function unionpaySigningString(fields: UnionpayFields): string {
  const keys = Object.keys(fields).filter(
    (key) => key !== 'signature' && fields[key] !== undefined && fields[key] !== '',
  );
  keys.sort();
  let text = '';
  for (let i = 0; i < keys.length; i++) text += `${i === 0 ? '' : '&'}${keys[i]}=${fields[keys[i] as string]}`;
  return text;
}

/**
 * The lowercase hex SHA-256 of the signing string: what the RSA signature covers.
 *
 * @example
 * ```ts
 * unionpayDigest(fields); // 'e69ac56e74a1...'
 * ```
 */
export function unionpayDigest(fields: UnionpayFields): string {
  return sha256Hex(unionpaySigningString(fields));
}

/** One-shot `crypto.hash` where Node has it (20.12+): no Hash stream object per message. */
const sha256Hex: (data: string | Uint8Array) => string =
  typeof (nodeCrypto as { hash?: unknown }).hash === 'function'
    ? (data) =>
        (nodeCrypto as unknown as { hash(algorithm: string, data: string | Uint8Array, encoding: 'hex'): string }).hash(
          'sha256',
          data,
          'hex',
        )
    : (data) => createHash('sha256').update(data).digest('hex');

/**
 * Signs fields; returns the base64 `signature`.
 *
 * @example
 * ```ts
 * fields.signature = signUnionpayFields(fields, signingKey);
 * ```
 */
export function signUnionpayFields(fields: UnionpayFields, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(unionpayDigest(fields), 'ascii'), privateKey).toString('base64');
}

/**
 * Verifies the `signature` of fields with a public key; malformed input is false.
 *
 * @example
 * ```ts
 * verifyUnionpayFields(fields, certificate.publicKey); // true or false
 * ```
 */
export function verifyUnionpayFields(fields: UnionpayFields, publicKey: KeyObject): boolean {
  const signature = fields.signature;
  if (!signature) return false;
  return verifyUnionpayDigest(unionpayDigest(fields), signature, publicKey);
}

/**
 * Verifies a base64 `signature` over signing-string bytes built elsewhere (such as
 * `FormFields.signedBytes(['signature'])`); malformed input is false.
 *
 * @example
 * ```ts
 * verifyUnionpayBytes(form.signedBytes(['signature']), form.get('signature') ?? '', certificate.publicKey);
 * ```
 */
export function verifyUnionpayBytes(signed: Uint8Array, signature: string, publicKey: KeyObject): boolean {
  return verifyUnionpayDigest(sha256Hex(signed), signature, publicKey);
}

function verifyUnionpayDigest(digest: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify('sha256', Buffer.from(digest, 'latin1'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
