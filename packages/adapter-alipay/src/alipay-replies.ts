/**
 * Every gateway reply hutong uses is read here, one schema per operation, and checked to answer
 * the request that caused it (its `out_trade_no`, `trade_no`, `out_request_no`) before any field
 * becomes an event. Alipay signs only the value of a reply's node, so a genuine reply about another
 * order, refund or operation verifies: these checks are what ties it to this request.
 *
 * A reply that cannot be read (a field missing or malformed, a status Alipay never documented) is
 * an {@link UnexpectedResponseError} `malformed`; one about another request is `mismatch`. Both
 * leave the outcome unknown, for `payments.sync` to settle; neither is a refusal.
 *
 * The raw reply text is read here too: `{"<method>_response":{...},"alipay_cert_sn":"...","sign":"..."}`.
 * The signature covers the raw text of the `*_response` value exactly as received (escapes such as
 * `\/` included), so the value is cut out of the text by a small scanner instead of being
 * re-serialised, and the node is bound to its method before any reader sees it.
 *
 * @packageDocumentation
 */

import { parseYuan, UnexpectedResponseError } from '@hutong/core';
import {
  checkWithSchema,
  type PaymentStatusEvent,
  type PaymentSucceededEvent,
  type RefundStatusEvent,
  z,
} from '@hutong/core/provider-utils';
import type { output, ZodMiniObject, ZodMiniType } from 'zod/mini';
import type { AlipayErrorBody } from './alipay-errors.js';
import { ALIPAY_REFUND_STATUS, ALIPAY_TRADE_STATUS, type AlipayTradeStatus } from './alipay-status.js';
import { parseAlipayTime } from './alipay-time.js';

/** A verified response node: its fields, and whether Alipay reported success. */
export type AlipayResponseNode = Record<string, unknown> & AlipayErrorBody;

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
const METHOD_FIELDS: Readonly<Record<string, string | readonly string[]>> = {
  qr_code: 'alipay.trade.precreate',
  trade_status: 'alipay.trade.query',
  fund_change: 'alipay.trade.refund',
  refund_fee: 'alipay.trade.refund',
  refund_status: 'alipay.trade.fastpay.refund.query',
  retry_flag: 'alipay.trade.cancel',
  action: 'alipay.trade.cancel',
  bill_download_url: 'alipay.data.dataservice.bill.downloadurl.query',
  access_token: 'alipay.system.oauth.token',
  re_expires_in: ['alipay.system.oauth.token', 'alipay.open.auth.token.app'],
  app_refresh_token: 'alipay.open.auth.token.app',
  auth_methods: 'alipay.open.auth.token.app.query',
  royalty_detail_list: 'alipay.trade.order.settle.query',
  unsettled_amount: 'alipay.trade.order.onsettle.query',
  result_list: 'alipay.trade.royalty.relation.batchquery',
  trans_date: 'alipay.fund.trans.uni.transfer',
  pay_date: 'alipay.fund.trans.common.query',
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
    if (owner !== undefined && (typeof owner === 'string' ? owner !== method : !owner.includes(method))) {
      throw new UnexpectedResponseError(
        provider,
        'mismatch',
        `the ${responseNodeName(method)} holds ${field}, a field of ${[owner].flat().join(' and ')} replies`,
        { field: `response.${field}` },
      );
    }
  }
}

/**
 * What a reply must answer: the provider (for errors), the order and, once known, Alipay's trade
 * number of it.
 */
export interface AlipayReplyExpectation {
  /** The provider id errors name. */
  provider: string;
  /** The order (`out_trade_no`) the request was about. */
  orderId: string;
  /** Alipay's `trade_no` of the order when hutong already knows it. */
  tradeNo?: string | null | undefined;
}

const text = z.string().check(z.minLength(1, 'is missing'));

/** `parse(value)` as a schema: a throw is an issue with `message`. */
function parsed<T>(parse: (value: string) => T, message: string) {
  return z.pipe(
    z.string(),
    z.transform((value: string, context) => {
      try {
        return parse(value);
      } catch {
        context.issues.push({ code: 'custom', message, input: value });
        return z.NEVER;
      }
    }),
  );
}

const yuan = parsed((value) => parseYuan(value, 'amount'), 'is not a yuan amount with at most two decimals');

const alipayTime = parsed((value) => parseAlipayTime(value, 'time'), 'is not a yyyy-MM-dd HH:mm:ss time');

/** ISO 4217 alphabetic code; Alipay leaves it out for CNY. */
const currency = z.string().check(z.regex(/^[A-Z]{3}$/, 'is not an ISO 4217 currency code'));

const tradeStatus = z.enum(Object.keys(ALIPAY_TRADE_STATUS) as [AlipayTradeStatus, ...AlipayTradeStatus[]], {
  error: 'is not a known Alipay trade status',
});

const refundStatus = z.enum(Object.keys(ALIPAY_REFUND_STATUS) as [keyof typeof ALIPAY_REFUND_STATUS], {
  error: 'is not a known Alipay refund status',
});

/** The ids most replies carry. */
const ids = {
  out_trade_no: text,
  trade_no: z.optional(text),
};

function read<S extends ZodMiniType>(schema: S, node: AlipayResponseNode, provider: string): output<S> {
  const checked = checkWithSchema(schema, node);
  if (checked.success) return checked.data;
  const field = ['response', ...checked.path].join('.');
  throw new UnexpectedResponseError(provider, 'malformed', `${field} ${checked.message}`, { field });
}

function mismatch(provider: string, field: string, about: string): never {
  throw new UnexpectedResponseError(provider, 'mismatch', `response.${field} is about ${about}`, {
    field: `response.${field}`,
  });
}

/** Checks the reply's order ids against the request's. */
function checkTrade(
  reply: { out_trade_no?: string | undefined; trade_no?: string | undefined },
  expected: AlipayReplyExpectation,
): void {
  if (reply.out_trade_no !== undefined && reply.out_trade_no !== expected.orderId) {
    mismatch(expected.provider, 'out_trade_no', `another order than ${expected.orderId}`);
  }
  if (reply.trade_no !== undefined && expected.tradeNo && reply.trade_no !== expected.tradeNo) {
    mismatch(expected.provider, 'trade_no', `another trade than ${expected.orderId}'s`);
  }
}

/**
 * `alipay.trade.precreate`: the QR code of this order.
 *
 * @example
 * ```ts
 * const { qrCode } = readAlipayPrecreateReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readAlipayPrecreateReply(
  node: AlipayResponseNode,
  expected: AlipayReplyExpectation,
): { qrCode: string } {
  const reply = read(z.looseObject({ ...ids, qr_code: text }), node, expected.provider);
  checkTrade(reply, expected);
  return { qrCode: reply.qr_code };
}

/**
 * `alipay.trade.create` (JSAPI / mini program): Alipay's trade number for `my.tradePay`.
 *
 * @example
 * ```ts
 * const { tradeNo } = readAlipayTradeCreateReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readAlipayTradeCreateReply(
  node: AlipayResponseNode,
  expected: AlipayReplyExpectation,
): { tradeNo: string } {
  const reply = read(z.looseObject({ out_trade_no: text, trade_no: text }), node, expected.provider);
  checkTrade(reply, expected);
  return { tradeNo: reply.trade_no };
}

const paidShape = {
  out_trade_no: text,
  trade_no: text,
  total_amount: yuan,
  trans_currency: z.optional(currency),
  buyer_user_id: z.optional(z.string()),
  buyer_open_id: z.optional(z.string()),
};

function succeeded(
  reply: output<ZodMiniObject<typeof paidShape>>,
  orderId: string,
  paidAt: string | undefined,
): PaymentSucceededEvent {
  const event: PaymentSucceededEvent = {
    type: 'payment.succeeded',
    orderId,
    amount: reply.total_amount,
    providerTransactionId: reply.trade_no,
    // total_amount is in trans_currency when Alipay reports one (cross-border pricing), else CNY.
    currency: reply.trans_currency ?? 'CNY',
  };
  if (paidAt !== undefined) event.paidAt = paidAt;
  const buyer = reply.buyer_user_id || reply.buyer_open_id;
  if (buyer) event.buyerId = buyer;
  return event;
}

/**
 * `alipay.trade.pay` (payment code): paid at once, or pending (code `10003`) while the buyer
 * confirms in their wallet.
 *
 * @example
 * ```ts
 * const status = readAlipayTradePayReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readAlipayTradePayReply(
  node: AlipayResponseNode,
  expected: AlipayReplyExpectation,
): PaymentStatusEvent {
  if (node.code === '10003') {
    const reply = read(z.looseObject(ids), node, expected.provider);
    checkTrade(reply, expected);
    return { type: 'payment.pending', orderId: expected.orderId, providerTransactionId: reply.trade_no };
  }
  const reply = read(z.looseObject({ ...paidShape, gmt_payment: z.optional(alipayTime) }), node, expected.provider);
  checkTrade(reply, expected);
  return succeeded(reply, expected.orderId, reply.gmt_payment);
}

/**
 * `alipay.trade.query`: the trade's state.
 *
 * @example
 * ```ts
 * const status = readAlipayTradeQueryReply(node, { provider: 'alipay', orderId, tradeNo: order.providerTransactionId });
 * ```
 */
export function readAlipayTradeQueryReply(
  node: AlipayResponseNode,
  expected: AlipayReplyExpectation,
): PaymentStatusEvent {
  const { trade_status } = read(z.looseObject({ ...ids, trade_status: tradeStatus }), node, expected.provider);
  const type = ALIPAY_TRADE_STATUS[trade_status];
  if (type === 'payment.succeeded') {
    const reply = read(z.looseObject({ ...paidShape, send_pay_date: z.optional(alipayTime) }), node, expected.provider);
    checkTrade(reply, expected);
    return succeeded(reply, expected.orderId, reply.send_pay_date);
  }
  const reply = read(z.looseObject(ids), node, expected.provider);
  checkTrade(reply, expected);
  if (type === 'payment.pending') {
    return { type, orderId: expected.orderId, providerTransactionId: reply.trade_no };
  }
  return { type, orderId: expected.orderId };
}

/**
 * `alipay.trade.close`: the ids, when Alipay returns them, must be this order's.
 *
 * @example
 * ```ts
 * readAlipayCloseReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readAlipayCloseReply(node: AlipayResponseNode, expected: AlipayReplyExpectation): void {
  const reply = read(
    z.looseObject({ out_trade_no: z.optional(text), trade_no: z.optional(text) }),
    node,
    expected.provider,
  );
  checkTrade(reply, expected);
}

/**
 * `alipay.trade.cancel`: what Alipay did (`close` an unpaid trade, `refund` a paid one).
 *
 * @example
 * ```ts
 * const { action } = readAlipayCancelReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readAlipayCancelReply(
  node: AlipayResponseNode,
  expected: AlipayReplyExpectation,
): { action: string | undefined } {
  const reply = read(
    z.looseObject({ out_trade_no: z.optional(text), trade_no: z.optional(text), action: z.optional(z.string()) }),
    node,
    expected.provider,
  );
  checkTrade(reply, expected);
  return { action: reply.action || undefined };
}

/** What a refund reply must answer besides the order. */
export interface AlipayRefundExpectation extends AlipayReplyExpectation {
  /** The refund's `out_request_no`. */
  refundId: string;
  /** This refund's amount in fen. */
  amount: number;
  /** What the order's other refunds known to have succeeded add up to, in fen. */
  refundedBefore: number;
  /**
   * The amounts (fen) of the order's other refunds still pending: Alipay may have executed any of
   * them, so each may or may not be in `refund_fee`. Default none.
   */
  pendingBefore?: readonly number[] | undefined;
}

/** Past this many candidate totals the pending refunds bound `refund_fee` by their sum alone. */
const MAX_TOTALS = 1024;

/**
 * Whether `total` is what Alipay's cumulative `refund_fee` can be right after this refund: the
 * refunds known to have succeeded, this one, and any subset of the pending others (each executed
 * or not). With many pending refunds the subsets are too many to list, and the total is only
 * bounded by their sum.
 */
function isCumulativeTotal(total: number, expected: AlipayRefundExpectation): boolean {
  const base = expected.refundedBefore + expected.amount;
  let totals = new Set([base]);
  let ceiling = base;
  for (const pending of expected.pendingBefore ?? []) {
    ceiling += pending;
    if (totals.size > MAX_TOTALS) continue;
    const next = new Set(totals);
    for (const known of totals) next.add(known + pending);
    totals = next;
  }
  return totals.size > MAX_TOTALS ? total >= base && total <= ceiling : totals.has(total);
}

/**
 * `alipay.trade.refund`: accepted, with the order's cumulative refunded amount (`refund_fee`).
 * The reply names no refund, so its amounts bind it: `refund_fee` must be exactly the refunds
 * known to have succeeded plus this one (plus any of the pending others, which Alipay may have
 * executed), and `send_back_fee`, what the merchant actually sent back for this refund, never
 * more than this refund. A total that does not fit answers another refund, or was altered.
 *
 * @example
 * ```ts
 * const event = readAlipayRefundReply(node, { provider: 'alipay', orderId, refundId, amount: 500, refundedBefore: 0 });
 * ```
 */
export function readAlipayRefundReply(node: AlipayResponseNode, expected: AlipayRefundExpectation): RefundStatusEvent {
  const reply = read(
    z.looseObject({
      ...ids,
      out_request_no: z.optional(text),
      refund_fee: yuan,
      send_back_fee: z.optional(yuan),
    }),
    node,
    expected.provider,
  );
  checkTrade(reply, expected);
  if (reply.out_request_no !== undefined && reply.out_request_no !== expected.refundId) {
    mismatch(expected.provider, 'out_request_no', `another refund than ${expected.refundId}`);
  }
  if (!isCumulativeTotal(reply.refund_fee, expected)) {
    mismatch(
      expected.provider,
      'refund_fee',
      `another state of the order's refunds than one with refund ${expected.refundId}`,
    );
  }
  if (reply.send_back_fee !== undefined && reply.send_back_fee > expected.amount) {
    mismatch(expected.provider, 'send_back_fee', `more than refund ${expected.refundId} asked for`);
  }
  return {
    type: 'refund.succeeded',
    orderId: expected.orderId,
    refundId: expected.refundId,
    amount: expected.amount,
    refundedTotal: reply.refund_fee,
  };
}

/**
 * `alipay.trade.fastpay.refund.query`: `REFUND_SUCCESS` with the refund's amount, or `undefined`
 * when the reply carries no refund data: Alipay's answer (`code` 10000) for an `out_request_no`
 * it never received or did not execute. Given `amount` (fen, what this refund asked for), a
 * settled refund of another `refund_amount` (or a `send_back_fee` above it) is a mismatch.
 *
 * @example
 * ```ts
 * const settled = readAlipayRefundQueryReply(node, { provider: 'alipay', orderId, refundId, amount: 500 });
 * ```
 */
export function readAlipayRefundQueryReply(
  node: AlipayResponseNode,
  expected: AlipayReplyExpectation & { refundId: string; amount?: number | undefined },
  options: { requireRefundId?: boolean | undefined } = {},
): RefundStatusEvent | undefined {
  const reply = read(
    z.looseObject({
      out_trade_no: z.optional(text),
      trade_no: z.optional(text),
      out_request_no: z.optional(text),
      refund_status: z.optional(refundStatus),
    }),
    node,
    expected.provider,
  );
  checkTrade(reply, expected);
  if (reply.out_request_no !== undefined && reply.out_request_no !== expected.refundId) {
    mismatch(expected.provider, 'out_request_no', `another refund than ${expected.refundId}`);
  }
  if (reply.refund_status === undefined) return undefined;
  if (options.requireRefundId && reply.out_request_no === undefined) {
    // A settled refund that does not say which one it is cannot confirm this one.
    throw new UnexpectedResponseError(expected.provider, 'malformed', 'a settled refund without its out_request_no', {
      field: 'response.out_request_no',
    });
  }
  const settled = read(
    z.looseObject({ refund_amount: yuan, send_back_fee: z.optional(yuan) }),
    node,
    expected.provider,
  );
  if (expected.amount !== undefined && settled.refund_amount !== expected.amount) {
    mismatch(expected.provider, 'refund_amount', `another amount than refund ${expected.refundId} asked for`);
  }
  if (settled.send_back_fee !== undefined && settled.send_back_fee > settled.refund_amount) {
    mismatch(expected.provider, 'send_back_fee', `more than refund ${expected.refundId} refunded`);
  }
  return {
    type: ALIPAY_REFUND_STATUS[reply.refund_status],
    orderId: expected.orderId,
    refundId: expected.refundId,
    amount: settled.refund_amount,
  };
}

/**
 * `alipay.data.dataservice.bill.downloadurl.query`: the statement's download URL.
 *
 * @example
 * ```ts
 * const url = readAlipayBillDownloadUrlReply(node, 'alipay');
 * ```
 */
export function readAlipayBillDownloadUrlReply(node: AlipayResponseNode, provider: string): string {
  return read(
    z.looseObject({ bill_download_url: z.url({ protocol: /^https?$/, error: 'is not an http(s) URL' }) }),
    node,
    provider,
  ).bill_download_url;
}

/**
 * What `alipay.system.oauth.token` returns for an auth code: the buyer's id (`userId`, the
 * `2088...` user id, or `openId` for apps on Alipay's open-id scheme) and the OAuth tokens.
 *
 * @group OAuth
 * @example
 * ```ts
 * const { userId, openId } = await provider.oauthToken(authCode);
 * ```
 */
export interface AlipayOAuthToken {
  /** The buyer's user id (`2088...`), for apps on the user-id scheme. */
  userId: string | undefined;
  /** The buyer's open id, for apps on the open-id scheme. */
  openId: string | undefined;
  accessToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  refreshToken: string | undefined;
  /** Seconds the refresh token lives. */
  reExpiresIn: number | undefined;
}

const seconds = z.union([
  z.int().check(z.nonnegative()),
  z.string().check(z.regex(/^\d+$/, 'is not a number of seconds')),
]);

/**
 * `alipay.system.oauth.token`: the buyer's user id or open id (at least one) and the tokens.
 *
 * @example
 * ```ts
 * const token = readAlipayOAuthTokenReply(node, 'alipay');
 * ```
 */
export function readAlipayOAuthTokenReply(node: AlipayResponseNode, provider: string): AlipayOAuthToken {
  const reply = read(
    z.looseObject({
      user_id: z.optional(z.string().check(z.regex(/^2088\d{12}$/, 'is not an Alipay user id'))),
      open_id: z.optional(text),
      access_token: text,
      expires_in: seconds,
      refresh_token: z.optional(z.string()),
      re_expires_in: z.optional(seconds),
    }),
    node,
    provider,
  );
  if (reply.user_id === undefined && reply.open_id === undefined) {
    throw new UnexpectedResponseError(provider, 'malformed', 'response.user_id and response.open_id are both missing', {
      field: 'response.user_id',
    });
  }
  return {
    userId: reply.user_id,
    openId: reply.open_id,
    accessToken: reply.access_token,
    expiresIn: Number(reply.expires_in),
    refreshToken: reply.refresh_token,
    reExpiresIn: reply.re_expires_in === undefined ? undefined : Number(reply.re_expires_in),
  };
}

/**
 * @deprecated Renamed {@link readAlipayPrecreateReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayPrecreateReply; // use this name instead
 * ```
 */
export const readPrecreateReply = readAlipayPrecreateReply;

/**
 * @deprecated Renamed {@link readAlipayTradeCreateReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayTradeCreateReply; // use this name instead
 * ```
 */
export const readTradeCreateReply = readAlipayTradeCreateReply;

/**
 * @deprecated Renamed {@link readAlipayTradePayReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayTradePayReply; // use this name instead
 * ```
 */
export const readTradePayReply = readAlipayTradePayReply;

/**
 * @deprecated Renamed {@link readAlipayTradeQueryReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayTradeQueryReply; // use this name instead
 * ```
 */
export const readTradeQueryReply = readAlipayTradeQueryReply;

/**
 * @deprecated Renamed {@link readAlipayCloseReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayCloseReply; // use this name instead
 * ```
 */
export const readCloseReply = readAlipayCloseReply;

/**
 * @deprecated Renamed {@link readAlipayCancelReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayCancelReply; // use this name instead
 * ```
 */
export const readCancelReply = readAlipayCancelReply;

/**
 * @deprecated Renamed {@link readAlipayRefundReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayRefundReply; // use this name instead
 * ```
 */
export const readRefundReply = readAlipayRefundReply;

/**
 * @deprecated Renamed {@link readAlipayRefundQueryReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayRefundQueryReply; // use this name instead
 * ```
 */
export const readRefundQueryReply = readAlipayRefundQueryReply;

/**
 * @deprecated Renamed {@link readAlipayBillDownloadUrlReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayBillDownloadUrlReply; // use this name instead
 * ```
 */
export const readBillDownloadUrlReply = readAlipayBillDownloadUrlReply;

/**
 * @deprecated Renamed {@link readAlipayOAuthTokenReply} (the wallet's name in every reader's name).
 * @example
 * ```ts
 * readAlipayOAuthTokenReply; // use this name instead
 * ```
 */
export const readOAuthTokenReply = readAlipayOAuthTokenReply;
