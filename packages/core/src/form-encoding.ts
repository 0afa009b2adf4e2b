/**
 * `application/x-www-form-urlencoded` decoding for signed messages: each value is decoded exactly
 * once (`+` is a space, `%XX` a UTF-8 byte) and a malformed escape is an error, never silently
 * kept (a lenient decoder could verify one string and hand over another).
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';

/**
 * Decodes one form component exactly once: `+` is a space, `%XX` a UTF-8 byte.
 *
 * @param field - named in the error.
 * @throws ValidationError for a malformed escape or escapes that are not UTF-8.
 * @example
 * ```ts
 * decodeFormComponent('a%2Bb+c', 'subject'); // 'a+b c'
 * ```
 */
export function decodeFormComponent(text: string, field: string): string {
  const spaced = text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' ');
  if (spaced.indexOf('%') === -1) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch (cause) {
    throw new ValidationError(field, 'has a malformed %-escape', { cause });
  }
}

/**
 * Decodes a form body into a `Map` (fast to build; repeated keys keep the last value).
 *
 * @param field - named in the error for a malformed escape.
 * @example
 * ```ts
 * decodeFormEntries('subject=a%2Bb+c').get('subject'); // 'a+b c'
 * ```
 */
export function decodeFormEntries(body: string, field = 'body'): Map<string, string> {
  const entries = new Map<string, string>();
  const length = body.length;
  let start = 0;
  while (start < length) {
    let end = body.indexOf('&', start);
    if (end === -1) end = length;
    const equals = body.indexOf('=', start);
    if (equals !== -1 && equals < end) {
      entries.set(
        decodeFormComponent(body.slice(start, equals), field),
        decodeFormComponent(body.slice(equals + 1, end), field),
      );
    } else if (end > start) {
      entries.set(decodeFormComponent(body.slice(start, end), field), '');
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
export function decodeForm(body: string, field = 'body'): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of decodeFormEntries(body, field)) fields[key] = value;
  return fields;
}
