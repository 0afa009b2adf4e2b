/**
 * Sync responses: `{"<method>_response":{...},"alipay_cert_sn":"...","sign":"..."}`. The signature
 * covers the raw text of the `*_response` value exactly as received (escapes such as `\/` included),
 * so the value is cut out of the text by a small scanner instead of being re-serialised.
 *
 * @packageDocumentation
 */
import { UnexpectedResponseError } from '@hutong/core';

/** The top-level members of a response: the raw text of each value, by key. */
export type AlipayResponseMembers = Map<string, string>;

/** Thrown by the scanner; the caller turns it into an error naming its provider. */
class MalformedResponse extends Error {}

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
  throw new MalformedResponse('has an unterminated string');
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
    throw new MalformedResponse('has an unterminated object');
  }
  let j = i;
  while (j < text.length && !',}]'.includes(text[j] as string) && !WHITESPACE.has(text[j] as string)) j++;
  if (j === i) throw new MalformedResponse('is not valid JSON');
  return j;
}

/**
 * Splits a response's top-level object into raw member texts, without re-serialising anything. A
 * body that is not one JSON object, or names a member twice (which one would count?), is an
 * {@link UnexpectedResponseError} `malformed`.
 *
 * @example
 * ```ts
 * splitAlipayResponse('{"a_response":{"x":"\\/"},"sign":"s"}').get('a_response'); // '{"x":"\\/"}'
 * ```
 */
export function splitAlipayResponse(text: string, provider = 'alipay'): AlipayResponseMembers {
  try {
    return splitMembers(text);
  } catch (cause) {
    if (!(cause instanceof MalformedResponse || cause instanceof SyntaxError)) throw cause;
    throw new UnexpectedResponseError(provider, 'malformed', `the response ${cause.message}`, { cause });
  }
}

function splitMembers(text: string): AlipayResponseMembers {
  const members: AlipayResponseMembers = new Map();
  let i = skipWhitespace(text, 0);
  if (text[i] !== '{') throw new MalformedResponse('is not a JSON object');
  i = skipWhitespace(text, i + 1);
  if (text[i] === '}') return members;
  for (;;) {
    if (text[i] !== '"') throw new MalformedResponse('is not valid JSON');
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd);
    if (text[i] !== ':') throw new MalformedResponse('is not valid JSON');
    const valueStart = skipWhitespace(text, i + 1);
    const valueEnd = skipValue(text, valueStart);
    if (members.has(key)) throw new MalformedResponse(`names ${key} twice`);
    members.set(key, text.slice(valueStart, valueEnd));
    i = skipWhitespace(text, valueEnd);
    if (text[i] === ',') {
      i = skipWhitespace(text, i + 1);
      continue;
    }
    if (text[i] === '}') return members;
    throw new MalformedResponse('is not valid JSON');
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

/**
 * Fields that only one method's reply carries. Alipay signs a reply node's value, not its name, so
 * a genuine reply to another method can be served under this method's name; a node holding another
 * method's own field is refused as the answer to another operation.
 */
const METHOD_FIELDS: Readonly<Record<string, string>> = {
  qr_code: 'alipay.trade.precreate',
  trade_status: 'alipay.trade.query',
  fund_change: 'alipay.trade.refund',
  refund_fee: 'alipay.trade.refund',
  refund_status: 'alipay.trade.fastpay.refund.query',
  retry_flag: 'alipay.trade.cancel',
  action: 'alipay.trade.cancel',
  bill_download_url: 'alipay.data.dataservice.bill.downloadurl.query',
  access_token: 'alipay.system.oauth.token',
  re_expires_in: 'alipay.system.oauth.token',
};

/**
 * Methods whose successful reply node carries no `code` (`alipay.system.oauth.token` answers
 * `{ user_id, access_token, ... }` alone; its errors come as `error_response`).
 *
 * @example
 * ```ts
 * REPLIES_WITHOUT_CODE.has('alipay.system.oauth.token'); // true
 * ```
 */
export const REPLIES_WITHOUT_CODE: ReadonlySet<string> = new Set(['alipay.system.oauth.token']);

/**
 * The rule that binds a reply node to its method, in one place: the node must be the method's own
 * (`responseNodeName(method)`, checked where the node is extracted) and must not carry a field
 * only another method's reply has.
 *
 * @throws UnexpectedResponseError `mismatch` naming the foreign field.
 * @example
 * ```ts
 * assertReplyOfMethod('alipay.trade.query', node, 'alipay'); // throws for a refund reply's value
 * ```
 */
export function assertReplyOfMethod(method: string, node: Readonly<Record<string, unknown>>, provider: string): void {
  for (const field in node) {
    const owner = METHOD_FIELDS[field];
    if (owner !== undefined && owner !== method) {
      throw new UnexpectedResponseError(
        provider,
        'mismatch',
        `the ${responseNodeName(method)} holds ${field}, a field of ${owner} replies`,
        { field: `response.${field}` },
      );
    }
  }
}
