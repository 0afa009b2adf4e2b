/**
 * `application/x-www-form-urlencoded` decoding for signed messages: each value is decoded exactly
 * once (`+` is a space, `%XX` a UTF-8 byte) and a malformed escape is an error, never silently
 * kept (a lenient decoder could verify one string and hand over another).
 *
 * Alipay and UnionPay sign `name=value&...` over *decoded* values, so a form whose decoded fields
 * could be re-split into other fields with the same signed string is refused: a name holding `&` or
 * `=`, a value holding `&name=` for a name that sorts after its own (`out_trade_no=1%26refund_fee%3D5`
 * signs exactly as the two fields `out_trade_no=1` and `refund_fee=5`), a repeated name, and more
 * than {@link MAX_FORM_FIELDS} fields.
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';

/**
 * The most fields a signed form may have. Real notifications have fewer than 100; the bound keeps
 * the work done on an unsigned body before its signature is checked small.
 */
export const MAX_FORM_FIELDS = 256;

/**
 * How a signed form's values are read. `braceGroups`: values may hold `{name=value&...}` groups
 * (UnionPay ACP's composite fields, e.g. `tokenPayData`), whose inner `&`s are not field separators;
 * such forms must have balanced braces in every value, so that no group can be split into fields.
 */
export interface FormReadOptions {
  /** Values may hold balanced `{...}` groups whose `&`s do not separate fields. Default false. */
  braceGroups?: boolean | undefined;
}

/**
 * Whether a decoded value of field `name` holds, after one of its `&`s, `field=...` for a field name
 * sorting after `name` and before `next` (the next signed field; `undefined` for none or unknown):
 * the value could then be split into two signed fields with the same signed string. A form of
 * `name=x&m=y` with `m` elsewhere in the order signs differently once split, so it is no threat.
 * With `braceGroups`, an `&` inside a `{...}` group does not count.
 *
 * @example
 * ```ts
 * splitsBetween('1&refund_fee=5', 'out_trade_no', 'trade_status'); // true
 * splitsBetween('tea&b=c', 'subject', 'total_amount'); // false: 'b' sorts before 'subject'
 * splitsBetween('{token=1&trId=2}', 'tokenPayData', 'txnSubType', true); // false: inside a group
 * ```
 */
export function splitsBetween(value: string, name: string, next: string | undefined, braceGroups = false): boolean {
  let ampersand = value.indexOf('&');
  while (ampersand !== -1) {
    const following = value.indexOf('&', ampersand + 1);
    const end = following === -1 ? value.length : following;
    const equals = value.indexOf('=', ampersand + 1);
    if (equals !== -1 && equals < end && !(braceGroups && braceDepthAt(value, ampersand) > 0)) {
      const inner = value.slice(ampersand + 1, equals);
      if (inner > name && (next === undefined || inner < next)) return true;
    }
    ampersand = following;
  }
  return false;
}

/** How many `{` groups are open at `index` of `value`. */
function braceDepthAt(value: string, index: number): number {
  let depth = 0;
  for (let i = 0; i < index; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x7b) depth++;
    else if (code === 0x7d) depth--;
  }
  return depth;
}

/**
 * Whether every `}` of a value closes a `{` before it and every `{` is closed: a value that is not
 * balanced could be one half of a brace group split into two fields.
 *
 * @example
 * ```ts
 * hasBalancedBraces('{token=1&trId=2}'); // true
 * hasBalancedBraces('{token=1'); // false
 * ```
 */
export function hasBalancedBraces(value: string): boolean {
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x7b) depth++;
    else if (code === 0x7d && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Decodes one form component exactly once: `+` is a space, `%XX` a UTF-8 byte.
 *
 * Text whose escapes are all ASCII (the usual `sign`, dates, e-mail addresses) is decoded by native
 * searches, joining the raw runs between escapes; text with an escape at or beyond `%80` or a
 * malformed one goes to the standard decoder, which also gives the error. Both give the same string.
 *
 * @param field - named in the error.
 * @throws ValidationError for a malformed escape or escapes that are not UTF-8.
 * @example
 * ```ts
 * decodeFormComponent('a%2Bb+c', 'subject'); // 'a+b c'
 * ```
 */
export function decodeFormComponent(text: string, field: string): string {
  let percent = text.indexOf('%');
  let plus = text.indexOf('+');
  if (percent === -1 && plus === -1) return text;
  let decoded = '';
  let from = 0;
  while (percent !== -1 || plus !== -1) {
    if (plus !== -1 && (percent === -1 || plus < percent)) {
      decoded += `${text.slice(from, plus)} `;
      from = plus + 1;
      plus = text.indexOf('+', from);
      continue;
    }
    const high = hexDigitValue(text.charCodeAt(percent + 1));
    const low = high === -1 ? -1 : hexDigitValue(text.charCodeAt(percent + 2));
    // Beyond ASCII an escape is one byte of a UTF-8 sequence: the standard decoder joins those.
    if (low === -1 || high >= 8) return decodeStandard(text, field);
    decoded += text.slice(from, percent) + String.fromCharCode((high << 4) | low);
    from = percent + 3;
    percent = text.indexOf('%', from);
  }
  return decoded + text.slice(from);
}

/** The value of one hex digit (NaN, past the end, included), or -1. */
function hexDigitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** The standard decoder, for escapes beyond ASCII, and the source of the errors. */
function decodeStandard(text: string, field: string): string {
  const spaced = text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch (cause) {
    throw new ValidationError(field, 'has a malformed %-escape', { cause });
  }
}

/**
 * Decodes a signed form body into a `Map`, in body order.
 *
 * @param field - named in the errors.
 * @throws ValidationError for a malformed escape, more than {@link MAX_FORM_FIELDS} fields, a
 *   repeated name, or a name or value that could move a field boundary (see the module notes).
 * @example
 * ```ts
 * decodeFormEntries('subject=a%2Bb+c').get('subject'); // 'a+b c'
 * ```
 */
export function decodeFormEntries(body: string, field = 'body', options: FormReadOptions = {}): Map<string, string> {
  const braceGroups = options.braceGroups === true;
  const entries = new Map<string, string>();
  const length = body.length;
  let start = 0;
  while (start < length) {
    let end = body.indexOf('&', start);
    if (end === -1) end = length;
    if (end > start) {
      if (entries.size === MAX_FORM_FIELDS) throw new ValidationError(field, `has more than ${MAX_FORM_FIELDS} fields`);
      let equals = body.indexOf('=', start);
      if (equals === -1 || equals > end) equals = end;
      const name = decodeFormComponent(body.slice(start, equals), field);
      const value = equals === end ? '' : decodeFormComponent(body.slice(equals + 1, end), field);
      if (name.includes('&') || name.includes('=')) throw new ValidationError(field, 'has a field name holding & or =');
      // Which fields will be signed is not known here, so any later name counts as a neighbour.
      if (splitsBetween(value, name, undefined, braceGroups)) {
        throw new ValidationError(field, 'has a value that could be split into another signed field');
      }
      if (braceGroups && !hasBalancedBraces(value)) {
        throw new ValidationError(field, 'has a value with unbalanced braces');
      }
      if (entries.has(name)) throw new ValidationError(field, 'repeats a field name');
      entries.set(name, value);
    }
    start = end + 1;
  }
  return entries;
}

/**
 * Decodes a form body into a plain object.
 *
 * @example
 * ```ts
 * decodeForm('a=1&b=x+y'); // { a: '1', b: 'x y' }
 * ```
 */
export function decodeForm(body: string, field = 'body', options: FormReadOptions = {}): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of decodeFormEntries(body, field, options)) fields[key] = value;
  return fields;
}
