/**
 * The two encodings ACP uses: synchronous responses are raw `k=v&...` (values are NOT URL-encoded
 * and may hold `{...}` or `[...]` with `&` and `=` inside), while notifications to `backUrl` and
 * `frontUrl` are ordinary form-urlencoded bodies.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { decodeForm, FormFields } from '@hutong/core/provider-utils';

/**
 * Parses a raw synchronous response. Inside `{...}` and `[...]`, `&` and `=` belong to the value.
 *
 * @example
 * ```ts
 * parseUnionpayResponse('respCode=00&reserved={a=1&b=2}'); // { respCode: '00', reserved: '{a=1&b=2}' }
 * ```
 */
export function parseUnionpayResponse(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let i = 0;
  const length = text.length;
  while (i < length) {
    const equals = text.indexOf('=', i);
    if (equals === -1) throw new ValidationError('response', 'is not a k=v&... message');
    const key = text.slice(i, equals);
    let depth = 0;
    let j = equals + 1;
    for (; j < length; j++) {
      const char = text[j];
      if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') depth = Math.max(0, depth - 1);
      else if (char === '&' && depth === 0) break;
    }
    if (key) fields[key] = text.slice(equals + 1, j);
    i = j + 1;
  }
  return fields;
}

/**
 * Decodes a form-urlencoded notification once (`+` is a space, `%XX` a UTF-8 byte; a malformed
 * escape is a `ValidationError`).
 *
 * @example
 * ```ts
 * decodeUnionpayForm('respMsg=success&orderId=a1'); // { respMsg: 'success', orderId: 'a1' }
 * ```
 */
export function decodeUnionpayForm(body: string): Record<string, string> {
  return decodeForm(body, 'notification.body', UNIONPAY_FORM);
}

/**
 * How ACP forms are read: composite values such as `tokenPayData={token=...&trId=...}` are balanced
 * `{...}` groups whose inner `&`s are not field separators (and a value with unbalanced braces is
 * refused, so a group cannot be split into fields that sign the same).
 */
export const UNIONPAY_FORM = Object.freeze({ braceGroups: true });

/**
 * Splits a posted ACP form (a notification or the buyer's front-end return) for verification, by
 * {@link UNIONPAY_FORM}'s rule.
 *
 * @example
 * ```ts
 * const form = parseUnionpayForm(request.body, 'notification.body');
 * form.signedBytes(['signature']);
 * ```
 */
export function parseUnionpayForm(body: string, field: string): FormFields {
  return FormFields.parse(body, field, UNIONPAY_FORM);
}

/**
 * Form-encodes fields for a request body.
 *
 * @example
 * ```ts
 * encodeUnionpayForm({ orderId: 'a1', txnAmt: '100' }); // 'orderId=a1&txnAmt=100'
 * ```
 */
export function encodeUnionpayForm(fields: Readonly<Record<string, string | undefined>>): string {
  const parts: string[] = [];
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined && value !== '') parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return parts.join('&');
}
