/**
 * Sync responses: `{"<method>_response":{...},"alipay_cert_sn":"...","sign":"..."}`. The signature
 * covers the raw text of the `*_response` value exactly as received (escapes such as `\/` included),
 * so the value is cut out of the text by a small scanner instead of being re-serialised.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';

/** The top-level members of a response: the raw text of each value, by key. */
export type AlipayResponseMembers = Map<string, string>;

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && WHITESPACE.has(text[i] as string)) i++;
  return i;
}

function skipString(text: string, i: number): number {
  // text[i] is the opening quote
  for (let j = i + 1; j < text.length; j++) {
    const char = text[j];
    if (char === '\\') j++;
    else if (char === '"') return j + 1;
  }
  throw new ValidationError('response', 'has an unterminated string');
}

function skipValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return skipString(text, i);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const char = text[j];
      if (char === '"') j = skipString(text, j) - 1;
      else if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new ValidationError('response', 'has an unterminated object');
  }
  let j = i;
  while (j < text.length && !',}]'.includes(text[j] as string) && !WHITESPACE.has(text[j] as string)) j++;
  if (j === i) throw new ValidationError('response', 'is not valid JSON');
  return j;
}

/**
 * Splits a response's top-level object into raw member texts, without re-serialising anything.
 *
 * @example
 * ```ts
 * splitAlipayResponse('{"a_response":{"x":"\\/"},"sign":"s"}').get('a_response'); // '{"x":"\\/"}'
 * ```
 */
export function splitAlipayResponse(text: string): AlipayResponseMembers {
  const members: AlipayResponseMembers = new Map();
  let i = skipWhitespace(text, 0);
  if (text[i] !== '{') throw new ValidationError('response', 'is not a JSON object');
  i = skipWhitespace(text, i + 1);
  if (text[i] === '}') return members;
  for (;;) {
    if (text[i] !== '"') throw new ValidationError('response', 'is not valid JSON');
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd);
    if (text[i] !== ':') throw new ValidationError('response', 'is not valid JSON');
    const valueStart = skipWhitespace(text, i + 1);
    const valueEnd = skipValue(text, valueStart);
    members.set(key, text.slice(valueStart, valueEnd));
    i = skipWhitespace(text, valueEnd);
    if (text[i] === ',') {
      i = skipWhitespace(text, i + 1);
      continue;
    }
    if (text[i] === '}') return members;
    throw new ValidationError('response', 'is not valid JSON');
  }
}

/**
 * The `*_response` member name of a gateway method.
 *
 * @example
 * ```ts
 * responseNodeName('alipay.trade.query'); // 'alipay_trade_query_response'
 * ```
 */
export function responseNodeName(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}
