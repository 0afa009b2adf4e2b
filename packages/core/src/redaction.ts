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

/** How deep nested JSON-in-a-string or JSON-in-a-form-value is followed. */
const MAX_NESTING = 4;
const QUOTED_REDACTED = JSON.stringify(REDACTED);

/**
 * Redacts the values of `fields` in form-encoded (`a=1&sign=...`, a URL's query) and JSON text,
 * and inside values that hold more of either: a form value holding JSON (Alipay's `biz_content`,
 * where `auth_code` travels), a JSON string holding JSON, objects at any depth. A sensitive key's
 * value is replaced whole, whatever its type. Formatting elsewhere is kept; malformed or truncated
 * input never throws (what can be read is redacted, the rest is kept as it is).
 *
 * @example
 * ```ts
 * redactText('a=1&sign=abc', ['sign']); // 'a=1&sign=[redacted]'
 * redactText('biz_content=%7B%22auth_code%22%3A%2228%22%7D'); // biz_content holds {"auth_code":"[redacted]"}
 * ```
 */
export function redactText(text: string, fields: readonly string[] = SENSITIVE_FIELDS): string {
  if (fields.length === 0 || text.length === 0) return text;
  const names = new Set(fields);
  const structured = redactNested(text, names, 0);
  // A last pass over the text as a whole, for shapes neither reader takes (a JSON fragment after a
  // prefix, say): it only ever replaces more.
  const pattern = fields.map(escapeRegExp).join('|');
  return structured
    .replace(new RegExp(`((?:^|[?&])(?:${pattern})=)[^&#]*`, 'g'), `$1${REDACTED}`)
    .replace(new RegExp(`("(?:${pattern})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'g'), `$1${QUOTED_REDACTED}`);
}

/** Redacts JSON text or form text, as it looks. */
function redactNested(text: string, names: ReadonlySet<string>, depth: number): string {
  if (depth > MAX_NESTING) return text;
  const first = text.trimStart().charAt(0);
  if (first === '{' || first === '[') return redactJson(text, names, depth);
  return text.includes('=') ? redactForm(text, names, depth) : text;
}

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Redacts the fields of form text (or of a URL's query), and JSON inside their values. */
function redactForm(text: string, names: ReadonlySet<string>, depth: number): string {
  const hash = text.indexOf('#');
  const fragment = hash === -1 ? '' : text.slice(hash);
  const withoutFragment = hash === -1 ? text : text.slice(0, hash);
  const question = withoutFragment.indexOf('?');
  const prefix = question === -1 ? '' : withoutFragment.slice(0, question + 1);
  const query = question === -1 ? withoutFragment : withoutFragment.slice(question + 1);
  const segments = query.split('&').map((segment) => {
    const equals = segment.indexOf('=');
    if (equals === -1) return segment;
    const rawName = segment.slice(0, equals);
    const rawValue = segment.slice(equals + 1);
    const name = decodeOrUndefined(rawName) ?? rawName;
    if (names.has(name)) return `${rawName}=${REDACTED}`;
    const value = decodeOrUndefined(rawValue);
    if (value === undefined) return segment;
    const first = value.trimStart().charAt(0);
    if (first !== '{' && first !== '[') return segment;
    const redacted = redactJson(value, names, depth + 1);
    return redacted === value ? segment : `${rawName}=${encodeURIComponent(redacted)}`;
  });
  return prefix + segments.join('&') + fragment;
}

/** End of the JSON string starting at `start` (its closing quote), or the text's end if unterminated. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x5c) i++;
    else if (char === 0x22) return i;
  }
  return text.length;
}

/** End (exclusive) of the JSON value starting at `start`: a string, an object or array, or a literal. */
function valueEnd(text: string, start: number): number {
  const first = text.charAt(start);
  if (first === '"') return Math.min(text.length, stringEnd(text, start) + 1);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const char = text.charAt(i);
      if (char === '"') i = stringEnd(text, i);
      else if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  let i = start;
  while (i < text.length && !/[\s,}\]]/.test(text.charAt(i))) i++;
  return i;
}

/**
 * Redacts JSON text by scanning it, so its formatting is kept and truncated text still works: a
 * sensitive key's value is replaced whole; a string value holding JSON or form text is redacted in
 * turn and written back escaped.
 */
function redactJson(text: string, names: ReadonlySet<string>, depth: number): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    if (char !== '"') {
      out += char;
      i++;
      continue;
    }
    const end = stringEnd(text, i);
    const raw = text.slice(i, end + 1);
    let content: string | undefined;
    try {
      content = JSON.parse(raw) as string;
    } catch {
      content = undefined;
    }
    let after = end + 1;
    while (after < text.length && /\s/.test(text.charAt(after))) after++;
    if (text.charAt(after) === ':') {
      // A key.
      out += text.slice(i, after + 1);
      i = after + 1;
      if (content !== undefined && names.has(content)) {
        while (i < text.length && /\s/.test(text.charAt(i))) {
          out += text.charAt(i);
          i++;
        }
        if (i < text.length) {
          out += QUOTED_REDACTED;
          i = valueEnd(text, i);
        }
      }
      continue;
    }
    // A string value: redact what it holds, if it holds JSON or a form.
    if (content !== undefined && depth < MAX_NESTING && (content.includes('=') || /^\s*[[{]/.test(content))) {
      const redacted = redactNested(content, names, depth + 1);
      out += redacted === content ? raw : JSON.stringify(redacted);
    } else {
      out += raw;
    }
    i = end + 1;
  }
  return out;
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
