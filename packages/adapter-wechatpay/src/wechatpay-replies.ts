/**
 * WeChat Pay's replies, read in one place: one tolerant schema per operation, and the check that a
 * (verified) reply answers *this* request: its `out_trade_no`, `transaction_id`, `out_refund_no`,
 * `mchid` and `appid`. A reply that cannot be read is `UnexpectedResponseError('malformed')`, one
 * that answers another request `UnexpectedResponseError('mismatch')`: either way the outcome is
 * unknown and nothing is marked failed.
 *
 * @packageDocumentation
 */

import { UnexpectedResponseError } from '@hutong/core';
import {
  checkWithSchema,
  type PaymentStatusEvent,
  type PaymentSucceededEvent,
  type RefundStatusEvent,
  z,
} from '@hutong/core/provider-utils';
import type { output, ZodMiniType } from 'zod/mini';
import {
  WECHATPAY_REFUND_STATUS,
  WECHATPAY_TRADE_STATE,
  wechatpayRefundStatus,
  wechatpayTradeState,
} from './wechatpay-status.js';
import { parseWechatpayTime } from './wechatpay-time.js';

/**
 * Who is reading a reply: the provider id (for errors), the merchant and its app ids.
 *
 * @group Protocol
 * @example
 * ```ts
 * const context: WechatpayReplyContext = { provider: 'wechatpay', mchId: '1230000109', appIds: ['wxd678efh567hg6787'] };
 * ```
 */
export interface WechatpayReplyContext {
  provider: string;
  /** The signing merchant id: replies name it as `mchid`, or in partner mode as `sp_mchid`. */
  mchId: string;
  /** Partner mode: replies about a sub-merchant's trades name `sp_mchid`, `sub_mchid`, `sp_appid`, `sub_appid`. */
  partner?: boolean | undefined;
  /** Every configured app id: a reply may name any of them. */
  appIds: readonly string[];
}

/**
 * The payment a reply must be about.
 *
 * @group Protocol
 * @example
 * ```ts
 * const expected: WechatpayExpectedPayment = { orderId: order.id, transactionId: order.providerTransactionId };
 * ```
 */
export interface WechatpayExpectedPayment {
  /** `out_trade_no`. */
  orderId: string;
  /** WeChat Pay's `transaction_id`, when the order already has one. */
  transactionId?: string | null | undefined;
  /** Partner mode: the sub-merchant the request was for; the reply's `sub_mchid` must be it. */
  subMchId?: string | undefined;
}

const text = z.string().check(z.minLength(1, 'is missing'));
const amountSchema = z
  .int({ error: 'is not a positive integer amount' })
  .check(z.positive('is not a positive integer amount'));
const tradeStates = Object.keys(WECHATPAY_TRADE_STATE) as [string, ...string[]];
const refundStatuses = Object.keys(WECHATPAY_REFUND_STATUS) as [string, ...string[]];

const transactionSchema = z.object({
  // Direct mode names appid and mchid; partner mode sp_appid, sp_mchid, sub_mchid (and sub_appid).
  appid: z.optional(text),
  mchid: z.optional(text),
  sp_appid: z.optional(text),
  sp_mchid: z.optional(text),
  sub_appid: z.optional(text),
  sub_mchid: z.optional(text),
  out_trade_no: text,
  trade_state: z.enum(tradeStates, { error: 'is not a known WeChat Pay trade state' }),
  transaction_id: z.optional(text),
  success_time: z.optional(z.string()),
  payer: z.optional(
    z.object({ openid: z.optional(z.string()), sp_openid: z.optional(z.string()), sub_openid: z.optional(z.string()) }),
  ),
  amount: z.optional(z.object({ total: z.optional(amountSchema), currency: z.optional(z.string()) })),
});

const refundSchema = z.object({
  out_refund_no: text,
  out_trade_no: text,
  refund_id: text,
  transaction_id: z.optional(text),
  status: z.enum(refundStatuses, { error: 'is not a known WeChat Pay refund status' }),
  amount: z.object({ refund: amountSchema }),
});

const billSchema = z.object({
  hash_type: z.literal('SHA1', { error: 'is not SHA1' }),
  hash_value: z.string().check(z.regex(/^[0-9A-Fa-f]{40}$/, 'is not a SHA1 hash')),
  download_url: z.url({ protocol: /^https?$/, error: 'is not a URL' }),
});

const encryptedBillSchema = z.object({
  download_bill_count: z.int().check(z.minimum(0, 'is not a count')),
  download_bill_list: z.optional(
    z.array(
      z.object({
        bill_sequence: z.int().check(z.positive('is not a positive sequence')),
        download_url: z.url({ protocol: /^https?$/, error: 'is not a URL' }),
        encrypt_key: z.string().check(z.regex(/^[A-Za-z0-9+/]+={0,2}$/, 'is not base64')),
        hash_type: z.literal('SHA1', { error: 'is not SHA1' }),
        hash_value: z.string().check(z.regex(/^[0-9A-Fa-f]{40}$/, 'is not a SHA1 hash')),
        nonce: z.string().check(z.regex(/^[\x21-\x7e]{1,64}$/, 'is not a nonce')),
      }),
    ),
  ),
});

const createSchemas = {
  code_url: z.object({ code_url: text }),
  prepay_id: z.object({ prepay_id: text }),
  h5_url: z.object({ h5_url: z.url({ protocol: /^https?$/, error: 'is not a URL' }) }),
} as const;

/**
 * A malformed-reply error naming the field.
 *
 * @group Protocol
 * @example
 * ```ts
 * throw malformed(context, 'response.state', 'is missing');
 * ```
 */
export function malformed(context: WechatpayReplyContext, field: string, message: string): UnexpectedResponseError {
  return new UnexpectedResponseError(context.provider, 'malformed', `${field} ${message}`, { field });
}

/**
 * A reply-for-another-request error naming the field.
 *
 * @group Protocol
 * @example
 * ```ts
 * throw mismatch(context, 'response.out_bill_no', 'is b2, not b1');
 * ```
 */
export function mismatch(context: WechatpayReplyContext, field: string, message: string): UnexpectedResponseError {
  return new UnexpectedResponseError(context.provider, 'mismatch', `${field} ${message}`, { field });
}

/**
 * Parses a reply body with a schema; the first problem becomes a malformed-reply error naming the field.
 *
 * @group Protocol
 * @example
 * ```ts
 * const reply = readReply(context, z.object({ out_bill_no: z.string() }), body);
 * ```
 */
export function readReply<S extends ZodMiniType>(context: WechatpayReplyContext, schema: S, body: unknown): output<S> {
  if (body === undefined || body === null || typeof body !== 'object')
    throw malformed(context, 'response', 'is not a JSON object');
  const checked = checkWithSchema(schema, body);
  if (checked.success) return checked.data;
  throw malformed(context, ['response', ...checked.path].join('.'), checked.message);
}

/**
 * Throws a mismatch error unless the reply's value is the expected one.
 *
 * @group Protocol
 * @example
 * ```ts
 * expectSame(context, 'response.out_bill_no', reply.out_bill_no, transfer.id);
 * ```
 */
export function expectSame(context: WechatpayReplyContext, field: string, actual: string, expected: string): void {
  if (actual !== expected) throw mismatch(context, field, `is ${actual}, not ${expected}`);
}

/**
 * Reads the one value a create reply carries (`code_url`, `prepay_id` or `h5_url`).
 *
 * @group Protocol
 * @example
 * ```ts
 * const prepayId = readWechatpayCreateReply(context, 'prepay_id', body);
 * ```
 */
export function readWechatpayCreateReply(
  context: WechatpayReplyContext,
  field: keyof typeof createSchemas,
  body: unknown,
): string {
  const reply = readReply(context, createSchemas[field], body) as Record<string, string>;
  return reply[field] as string;
}

/**
 * Reads a transaction (a query or a payment-code reply) about `expected` into a payment event;
 * `currency` is set from `amount.currency`.
 *
 * @group Protocol
 * @example
 * ```ts
 * const status = readWechatpayTransaction(context, body, { orderId: order.id, transactionId: order.providerTransactionId });
 * ```
 */
export function readWechatpayTransaction(
  context: WechatpayReplyContext,
  body: unknown,
  expected: WechatpayExpectedPayment,
): PaymentStatusEvent {
  const reply = readReply(context, transactionSchema, body);
  expectSame(context, 'response.out_trade_no', reply.out_trade_no, expected.orderId);
  checkTransactionParty(context, reply, expected);
  if (expected.transactionId && reply.transaction_id !== undefined)
    expectSame(context, 'response.transaction_id', reply.transaction_id, expected.transactionId);
  const type = wechatpayTradeState(reply.trade_state) as PaymentStatusEvent['type'];
  if (type !== 'payment.succeeded') return { type, orderId: expected.orderId };
  const total = reply.amount?.total;
  if (total === undefined) throw malformed(context, 'response.amount.total', 'is missing');
  if (reply.transaction_id === undefined) throw malformed(context, 'response.transaction_id', 'is missing');
  const event: PaymentSucceededEvent = {
    type,
    orderId: expected.orderId,
    amount: total,
    providerTransactionId: reply.transaction_id,
  };
  if (reply.amount?.currency) event.currency = reply.amount.currency;
  if (reply.success_time) {
    try {
      event.paidAt = parseWechatpayTime(reply.success_time, 'response.success_time');
    } catch {
      throw malformed(context, 'response.success_time', 'is not an RFC 3339 time');
    }
  }
  const buyerId = reply.payer?.openid || reply.payer?.sub_openid || reply.payer?.sp_openid;
  if (buyerId) event.buyerId = buyerId;
  return event;
}

/**
 * Who a transaction reply is about: in direct mode `mchid` (ours) and `appid` (a configured one);
 * in partner mode `sp_mchid` (ours), `sp_appid` (ours) and `sub_mchid`, which must be the
 * sub-merchant the request was for.
 */
function checkTransactionParty(
  context: WechatpayReplyContext,
  reply: { appid?: string; mchid?: string; sp_appid?: string; sp_mchid?: string; sub_mchid?: string },
  expected: WechatpayExpectedPayment,
): void {
  if (!context.partner || expected.subMchId === undefined) {
    if (reply.mchid === undefined) throw malformed(context, 'response.mchid', 'is missing');
    if (reply.appid === undefined) throw malformed(context, 'response.appid', 'is missing');
    expectSame(context, 'response.mchid', reply.mchid, context.mchId);
    if (!context.appIds.includes(reply.appid))
      throw mismatch(context, 'response.appid', `${reply.appid} is not a configured app id`);
    return;
  }
  if (reply.sp_mchid === undefined) throw malformed(context, 'response.sp_mchid', 'is missing');
  if (reply.sub_mchid === undefined) throw malformed(context, 'response.sub_mchid', 'is missing');
  expectSame(context, 'response.sp_mchid', reply.sp_mchid, context.mchId);
  expectSame(context, 'response.sub_mchid', reply.sub_mchid, expected.subMchId);
  if (reply.sp_appid !== undefined && !context.appIds.includes(reply.sp_appid))
    throw mismatch(context, 'response.sp_appid', `${reply.sp_appid} is not the service provider's app id`);
}

/**
 * Reads a refund reply (the refund call or the refund query) about `refundId` of `expected`.
 *
 * @group Protocol
 * @example
 * ```ts
 * const status = readWechatpayRefund(context, body, { orderId, transactionId }, refundId);
 * ```
 */
export function readWechatpayRefund(
  context: WechatpayReplyContext,
  body: unknown,
  expected: WechatpayExpectedPayment,
  refundId: string,
): RefundStatusEvent {
  const reply = readReply(context, refundSchema, body);
  expectSame(context, 'response.out_refund_no', reply.out_refund_no, refundId);
  expectSame(context, 'response.out_trade_no', reply.out_trade_no, expected.orderId);
  if (expected.transactionId && reply.transaction_id !== undefined)
    expectSame(context, 'response.transaction_id', reply.transaction_id, expected.transactionId);
  const type = wechatpayRefundStatus(reply.status) as RefundStatusEvent['type'];
  if (type === 'refund.failed') return { type, orderId: expected.orderId, refundId, reason: reply.status };
  return { type, orderId: expected.orderId, refundId, amount: reply.amount.refund, providerRefundId: reply.refund_id };
}

/**
 * A trade bill (交易账单) as WeChat Pay describes it.
 *
 * @group Bills
 * @example
 * ```ts
 * const { downloadUrl, hashValue }: WechatpayBill = await provider.tradeBill({ date: '2024-05-01' });
 * ```
 */
export interface WechatpayBill {
  downloadUrl: string;
  hashType: 'SHA1';
  hashValue: string;
}

/**
 * Reads a `/v3/bill/tradebill` reply.
 *
 * @group Protocol
 * @example
 * ```ts
 * const bill = readWechatpayBill(context, body);
 * ```
 */
export function readWechatpayBill(context: WechatpayReplyContext, body: unknown): WechatpayBill {
  const reply = readReply(context, billSchema, body);
  return { downloadUrl: reply.download_url, hashType: 'SHA1', hashValue: reply.hash_value.toLowerCase() };
}

/**
 * One file of an encrypted bill (the sub-merchant fund-flow bill): where to download it, the
 * AES-256-GCM key that encrypts it (itself RSA-OAEP encrypted with the merchant's public key,
 * base64), the GCM nonce, and the SHA1 of the file's plaintext (decompressed when gzip).
 *
 * @group Bills
 * @example
 * ```ts
 * const part: WechatpayEncryptedBillPart = bill.parts[0];
 * console.log(part.sequence, part.downloadUrl, part.hashValue);
 * ```
 */
export interface WechatpayEncryptedBillPart {
  /** `bill_sequence`: the files join in this order, from 1. */
  sequence: number;
  downloadUrl: string;
  /** `encrypt_key`: the AES key, RSA-OAEP (SHA-1) encrypted with the merchant's public key, base64. */
  encryptKey: string;
  /** `nonce`: the GCM nonce, as text (its UTF-8 bytes are the nonce). */
  nonce: string;
  hashType: 'SHA1';
  hashValue: string;
}

/**
 * An encrypted bill as WeChat Pay describes it (`download_bill_list`): one or more files, in
 * `bill_sequence` order, joined after decryption into the whole bill.
 *
 * @group Bills
 * @example
 * ```ts
 * const bill: WechatpayEncryptedBill = await bills.subMerchantFundflowBill({ date: '2024-05-01', subMchId: '1900000109' });
 * ```
 */
export interface WechatpayEncryptedBill {
  parts: WechatpayEncryptedBillPart[];
}

/**
 * Reads a `/v3/bill/sub-merchant-fundflowbill` reply: `download_bill_count` files, listed with the
 * sequences 1 to that count (in any order; returned in sequence order); none when the count is 0. A missing, repeated or extra
 * file would join into another bill than the one described, so each is a malformed reply.
 *
 * @group Protocol
 * @example
 * ```ts
 * const bill = readWechatpayEncryptedBill(context, body);
 * ```
 */
export function readWechatpayEncryptedBill(context: WechatpayReplyContext, body: unknown): WechatpayEncryptedBill {
  const reply = readReply(context, encryptedBillSchema, body);
  const list = reply.download_bill_list ?? [];
  if (list.length !== reply.download_bill_count)
    throw malformed(
      context,
      'response.download_bill_list',
      `has ${list.length} files where download_bill_count is ${reply.download_bill_count}`,
    );
  const parts = list
    .map((item) => ({
      sequence: item.bill_sequence,
      downloadUrl: item.download_url,
      encryptKey: item.encrypt_key,
      nonce: item.nonce,
      hashType: 'SHA1' as const,
      hashValue: item.hash_value.toLowerCase(),
    }))
    .sort((a, b) => a.sequence - b.sequence);
  parts.forEach((part, index) => {
    if (part.sequence !== index + 1)
      throw malformed(context, 'response.download_bill_list', `does not number its files 1 to ${parts.length}`);
  });
  return { parts };
}

/**
 * Checks a reversal reply, when it has a body, names this order and merchant.
 *
 * @group Protocol
 * @example
 * ```ts
 * checkWechatpayReversal(context, body, orderId);
 * ```
 */
export function checkWechatpayReversal(
  context: WechatpayReplyContext,
  body: unknown,
  orderId: string,
  subMchId?: string,
): void {
  if (body === undefined) return;
  const reply = readReply(
    context,
    z.object({
      out_trade_no: text,
      mchid: z.optional(text),
      sp_mchid: z.optional(text),
      sub_mchid: z.optional(text),
    }),
    body,
  );
  expectSame(context, 'response.out_trade_no', reply.out_trade_no, orderId);
  if (reply.mchid !== undefined) expectSame(context, 'response.mchid', reply.mchid, context.mchId);
  if (reply.sp_mchid !== undefined) expectSame(context, 'response.sp_mchid', reply.sp_mchid, context.mchId);
  if (subMchId !== undefined) {
    if (reply.sub_mchid === undefined) throw malformed(context, 'response.sub_mchid', 'is missing');
    expectSame(context, 'response.sub_mchid', reply.sub_mchid, subMchId);
  }
}
