/**
 * Secret redaction for anything that may reach a log: header values, URL query parameters and
 * form or JSON body fields.
 *
 * @packageDocumentation
 */

/** Placeholder that replaces a redacted value. */
export const REDACTED = '[redacted]';

/** Header names whose values are always redacted. */
export const SENSITIVE_HEADERS: readonly string[] = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'];

/** Field names whose values are always redacted in URLs and bodies. */
export const SENSITIVE_FIELDS: readonly string[] = [
  'sign',
  'signature',
  'paySign',
  'private_key',
  'privateKey',
  'apiV3Key',
  'api_key',
  'password',
  'auth_code',
  'authCode',
  'qrNo',
  'accNo',
  'ciphertext',
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Redacts the values of `fields` in form-encoded (`a=1&sign=...`) and JSON (`"sign":"..."`) text.
 *
 * @example
 * ```ts
 * redactText('a=1&sign=abc', ['sign']); // 'a=1&sign=[redacted]'
 * ```
 */
export function redactText(text: string, fields: readonly string[] = SENSITIVE_FIELDS): string {
  if (fields.length === 0 || text.length === 0) return text;
  const names = fields.map(escapeRegExp).join('|');
  return text
    .replace(new RegExp(`((?:^|[?&])(?:${names})=)[^&#]*`, 'g'), `$1${REDACTED}`)
    .replace(new RegExp(`("(?:${names})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'g'), `$1"${REDACTED}"`);
}

/**
 * Copies headers with sensitive values replaced by {@link REDACTED}.
 *
 * @example
 * ```ts
 * redactHeaders({ Authorization: 'WECHATPAY2-SHA256-RSA2048 ...' }); // { Authorization: '[redacted]' }
 * ```
 */
export function redactHeaders(
  headers: Readonly<Record<string, string>>,
  names: readonly string[] = SENSITIVE_HEADERS,
): Record<string, string> {
  const lower = new Set(names.map((name) => name.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = lower.has(name.toLowerCase()) ? REDACTED : value;
  return out;
}
