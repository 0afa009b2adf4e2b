/**
 * The signing rule of the Alipay gateway (RSA2): every parameter except `sign` (and, for
 * notifications, `sign_type`), without empty values, sorted by key in ASCII order, joined as raw
 * `k=v&...` UTF-8 text (never URL-encoded), signed with SHA256withRSA (PKCS#1 v1.5), base64.
 *
 * @packageDocumentation
 */
import { type KeyObject, sign, verify } from 'node:crypto';

/** Parameters as sent or received: text values; absent and empty ones are not signed. */
export type AlipayParams = Readonly<Record<string, string | undefined>> | ReadonlyMap<string, string>;

/**
 * Builds the string to sign from parameters.
 *
 * @param omit - keys left out besides empty values (`sign` always; `sign_type` for notifications).
 * @example
 * ```ts
 * alipaySigningString({ b: '2', a: '1', sign: 'x', c: '' }); // 'a=1&b=2'
 * ```
 */
export function alipaySigningString(params: AlipayParams, omit: readonly string[] = ['sign']): string {
  const map = params instanceof Map ? (params as ReadonlyMap<string, string>) : undefined;
  const record = params as Readonly<Record<string, string | undefined>>;
  const keys: string[] = [];
  for (const key of map ? map.keys() : Object.keys(record)) {
    const value = map ? map.get(key) : record[key];
    if (value !== undefined && value !== '' && !omit.includes(key)) keys.push(key);
  }
  // Keys are ASCII, so the default (UTF-16 code-unit) order is ASCII byte order.
  keys.sort();
  let text = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    text += `${i === 0 ? '' : '&'}${key}=${map ? map.get(key) : record[key]}`;
  }
  return text;
}

/**
 * SHA256withRSA over UTF-8 `content`, base64.
 *
 * @example
 * ```ts
 * const sign = signAlipayContent(alipaySigningString(params), privateKey);
 * ```
 */
export function signAlipayContent(content: string, key: KeyObject): string {
  // One-shot sign: no stream object per call.
  return sign('sha256', Buffer.from(content, 'utf8'), key).toString('base64');
}

/**
 * Verifies a base64 SHA256withRSA signature over UTF-8 `content`. Malformed signatures are false.
 *
 * @example
 * ```ts
 * verifyAlipayContent(rawResponseNode, sign, alipayPublicKey); // true or false
 * ```
 */
export function verifyAlipayContent(content: string, signature: string, key: KeyObject): boolean {
  return verifyAlipayBytes(Buffer.from(content, 'utf8'), Buffer.from(signature, 'base64'), key);
}

/**
 * Verifies a SHA256withRSA signature over content already in bytes (such as
 * `FormFields.signedBytes`). Malformed signatures are false.
 *
 * @example
 * ```ts
 * verifyAlipayBytes(form.signedBytes(['sign', 'sign_type']), Buffer.from(sign, 'base64'), alipayPublicKey);
 * ```
 */
export function verifyAlipayBytes(content: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  try {
    return verify('sha256', content, key, signature);
  } catch {
    return false;
  }
}
