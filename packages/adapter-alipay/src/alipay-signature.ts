/**
 * The signing rule of the Alipay gateway (RSA2): every parameter except `sign` (and, for
 * notifications, `sign_type`), without empty values, sorted by key in ASCII order, joined as raw
 * `k=v&...` UTF-8 text (never URL-encoded), signed with SHA256withRSA (PKCS#1 v1.5), base64.
 *
 * @packageDocumentation
 */
import { createSign, createVerify, type KeyObject } from 'node:crypto';

/** Parameters as sent or received: text values; absent and empty ones are not signed. */
export type AlipayParams = Readonly<Record<string, string | undefined>>;

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
  const keys: string[] = [];
  for (const key in params) {
    const value = params[key];
    if (value === undefined || value === '' || omit.includes(key)) continue;
    keys.push(key);
  }
  // Keys are ASCII, so UTF-16 code-unit order (the default sort) is ASCII byte order.
  keys.sort();
  let text = '';
  for (const key of keys) text += `${text ? '&' : ''}${key}=${params[key]}`;
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
  return createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');
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
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(key, signature, 'base64');
  } catch {
    return false;
  }
}
