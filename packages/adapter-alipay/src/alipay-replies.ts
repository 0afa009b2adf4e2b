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
 * @packageDocumentation
 */
import {
  type PaymentStatusEvent,
  type PaymentSucceededEvent,
  parseYuan,
  type RefundStatusEvent,
  UnexpectedResponseError,
} from '@hutong/core';
import { checkWithSchema, z } from '@hutong/core/provider-utils';
import type { output, ZodMiniObject, ZodMiniType } from 'zod/mini';
import type { AlipayResponseNode } from './alipay-gateway.js';
import { ALIPAY_REFUND_STATUS, ALIPAY_TRADE_STATUS, type AlipayTradeStatus } from './alipay-status.js';
import { parseAlipayTime } from './alipay-time.js';

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
 * const { qrCode } = readPrecreateReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readPrecreateReply(node: AlipayResponseNode, expected: AlipayReplyExpectation): { qrCode: string } {
  const reply = read(z.looseObject({ ...ids, qr_code: text }), node, expected.provider);
  checkTrade(reply, expected);
  return { qrCode: reply.qr_code };
}

/**
 * `alipay.trade.create` (JSAPI / mini program): Alipay's trade number for `my.tradePay`.
 *
 * @example
 * ```ts
 * const { tradeNo } = readTradeCreateReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readTradeCreateReply(node: AlipayResponseNode, expected: AlipayReplyExpectation): { tradeNo: string } {
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
 * const status = readTradePayReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readTradePayReply(node: AlipayResponseNode, expected: AlipayReplyExpectation): PaymentStatusEvent {
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
 * const status = readTradeQueryReply(node, { provider: 'alipay', orderId, tradeNo: order.providerTransactionId });
 * ```
 */
export function readTradeQueryReply(node: AlipayResponseNode, expected: AlipayReplyExpectation): PaymentStatusEvent {
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
 * readCloseReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readCloseReply(node: AlipayResponseNode, expected: AlipayReplyExpectation): void {
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
 * const { action } = readCancelReply(node, { provider: 'alipay', orderId });
 * ```
 */
export function readCancelReply(
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
}

/**
 * `alipay.trade.refund`: accepted, with the order's cumulative refunded amount (`refund_fee`).
 * `refund_fee` only grows, so a reply whose total cannot include this refund answers another one.
 *
 * @example
 * ```ts
 * const event = readRefundReply(node, { provider: 'alipay', orderId, refundId, amount: 500, refundedBefore: 0 });
 * ```
 */
export function readRefundReply(node: AlipayResponseNode, expected: AlipayRefundExpectation): RefundStatusEvent {
  const reply = read(
    z.looseObject({ ...ids, out_request_no: z.optional(text), refund_fee: yuan }),
    node,
    expected.provider,
  );
  checkTrade(reply, expected);
  if (reply.out_request_no !== undefined && reply.out_request_no !== expected.refundId) {
    mismatch(expected.provider, 'out_request_no', `another refund than ${expected.refundId}`);
  }
  if (reply.refund_fee < expected.refundedBefore + expected.amount) {
    mismatch(expected.provider, 'refund_fee', `an earlier state of the order, without refund ${expected.refundId}`);
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
 * `alipay.trade.fastpay.refund.query`: `REFUND_SUCCESS` with the refund's amount, or nothing while
 * the refund is not settled (or was never received), which `undefined` reports.
 *
 * @example
 * ```ts
 * const settled = readRefundQueryReply(node, { provider: 'alipay', orderId, refundId });
 * ```
 */
export function readRefundQueryReply(
  node: AlipayResponseNode,
  expected: AlipayReplyExpectation & { refundId: string },
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
  const settled = read(z.looseObject({ refund_amount: yuan }), node, expected.provider);
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
 * const url = readBillDownloadUrlReply(node, 'alipay');
 * ```
 */
export function readBillDownloadUrlReply(node: AlipayResponseNode, provider: string): string {
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
 * const token = readOAuthTokenReply(node, 'alipay');
 * ```
 */
export function readOAuthTokenReply(node: AlipayResponseNode, provider: string): AlipayOAuthToken {
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
