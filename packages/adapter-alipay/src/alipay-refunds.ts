/**
 * Refunds on the gateway: `alipay.trade.refund` (idempotent by `out_request_no`) and
 * `alipay.trade.fastpay.refund.query`, the only reply that names the refund it is about and so the
 * one that confirms a refund's outcome.
 *
 * A refund may take part of its amount back from split receivers (退分账): Alipay has no split
 * return of its own, and `refund_royalty_parameters` names who gives back how much
 * (`royalty_type` `transfer`, `trans_out_type`, `trans_out`, `amount` in yuan, `desc`). Alipay's
 * refund API documents which payments take them: "当面付且非直付通模式无需传入退分账明细,系统自动按
 * 退款金额与订单金额的比率,从收款方和分账收入方退款,不支持指定退款金额与退款方" (face-to-face:
 * proportional, never named), while 直付通 and 电脑网站 / 手机 APP / 手机网站 payments must say
 * whether, from whom and how much ("如不明确,默认从收款方退款"). See
 * https://docs.rs/labrador/latest/labrador/struct.AlipayTradeRefundModel.html (the documented field
 * note) and the 直付通 refund guide mirrored at https://5851388.com/s01rfw9.
 *
 * @packageDocumentation
 */
import { formatYuan, type Order, type PaymentMethod, ProviderApiError, UnsupportedOperationError } from '@hutong/core';
import type { MerchantAccount, RefundSplitReturn } from '@hutong/core/provider-utils';
import {
  checkRefusal,
  type RefundReference,
  type RefundRequest,
  type RefundStatusEvent,
  refundSplitReturns,
} from '@hutong/core/provider-utils';
import type { AlipayContext } from './alipay-client.js';
import { alipayRefundNotFound } from './alipay-errors.js';
import { alipayClientFor } from './alipay-merchant.js';
import { checkAlipayRefundRoyalties } from './alipay-movement-replies.js';
import { readAlipayRefundQueryReply, readAlipayRefundReply } from './alipay-replies.js';
import { alipayAccountType } from './alipay-settlement.js';

/**
 * The payment methods whose refunds name split returns: 电脑网站 (`page`), 手机网站 (`h5`) and
 * 手机 APP (`app`), as Alipay's refund API lists them. Face-to-face payments (`qr`, `pos`) return
 * royalty by ratio and take none named; the adapter has no 直付通 mode that would lift that; JSAPI
 * (`alipay.trade.create`) is named in neither rule, so it is refused too rather than guessed.
 */
const RETURNS_IN_REFUND: ReadonlySet<PaymentMethod> = new Set<PaymentMethod>(['page', 'h5', 'app']);

/**
 * Checks, before anything is recorded, that Alipay would take this refund's split returns: only
 * for a `page`, `h5` or `app` payment (see {@link RETURNS_IN_REFUND}).
 *
 * @throws `UnsupportedOperationError` for split returns within a refund of any other payment.
 * @example
 * ```ts
 * validateAlipayRefund('alipay', { orderId, order, refundId: 'r1', amount: 500, reason: null, splitReturns });
 * ```
 */
export function validateAlipayRefund(provider: string, request: RefundRequest): void {
  if (!request.splitReturns?.length) return;
  const method = request.order.method;
  if (!RETURNS_IN_REFUND.has(method)) {
    throw new UnsupportedOperationError(
      provider,
      `split returns within a refund of a ${method} payment: Alipay names royalty returns only for page, h5 and app payments. Refund at most the unsplit part, without splitReturns${method === 'qr' || method === 'pos' ? ' (Alipay then takes a face-to-face refund from the merchant and the receivers by ratio)' : ''}`,
    );
  }
}

/** `refund_royalty_parameters`: each receiver that gives back, by its account type, in yuan. */
function refundRoyaltyParameters(returns: readonly RefundSplitReturn[]) {
  return returns.map((r) => ({
    royalty_type: 'transfer',
    trans_out_type: alipayAccountType(r.account),
    trans_out: r.account,
    amount: formatYuan(r.amount),
    desc: r.description,
  }));
}

/**
 * This refund as Alipay reports it by its own out_request_no (`alipay.trade.fastpay.refund.query`),
 * for `amount` fen. The query's reply must name the refund and report that amount, so a reply
 * about another refund cannot stand in for it. A reply with no refund data throws
 * {@link alipayRefundNotFound} (`not_found`): Alipay has no refund by that number.
 */
async function confirmRefund(
  context: AlipayContext,
  {
    orderId,
    order,
    refundId,
    amount,
    merchant,
    returns,
  }: {
    orderId: string;
    order: Order | undefined;
    refundId: string;
    amount: number;
    merchant: MerchantAccount | null | undefined;
    returns: readonly RefundReturn[];
  },
): Promise<RefundStatusEvent> {
  const client = await alipayClientFor(context, merchant);
  const node = await client.call(
    'alipay.trade.fastpay.refund.query',
    { out_trade_no: orderId, out_request_no: refundId },
    { idempotent: true },
  );
  const settled = readAlipayRefundQueryReply(
    node,
    { provider: context.id, orderId, tradeNo: order?.providerTransactionId, refundId, amount },
    { requireRefundId: true },
  );
  if (!settled) throw alipayRefundNotFound(context.id, refundId);
  if (settled.type !== 'refund.succeeded') return settled;
  return withRoyaltyResults(
    settled,
    returns,
    checkAlipayRefundRoyalties(node, { provider: context.id, refundId, returns }),
  );
}

/** A return within a refund, as the refund query's `refund_royaltys` must report it. */
type RefundReturn = Pick<RefundSplitReturn, 'returnId' | 'account' | 'amount'>;

/**
 * The succeeded refund as its query reports it: for a refund with split returns, what became of
 * them (`splitReturnsSettled`; those Alipay did not take in `failedSplitReturns`, which core fails).
 * A reply without `refund_royaltys` reports no line failed: the refund stands for its returns.
 */
function withRoyaltyResults(
  settled: RefundStatusEvent & { type: 'refund.succeeded' },
  returns: readonly RefundReturn[],
  failed: readonly { returnId: string; reason: string }[],
): RefundStatusEvent {
  if (returns.length === 0) return settled;
  return failed.length === 0
    ? { ...settled, splitReturnsSettled: true }
    : { ...settled, splitReturnsSettled: true, failedSplitReturns: failed };
}

/** Whether `error` is Alipay's "no refund by that number" ({@link alipayRefundNotFound}). */
function isNotFound(error: unknown): boolean {
  return ProviderApiError.isInstance(error) && error.normalizedCode === 'not_found';
}

/**
 * Refunds `amount` of an order under the merchant's `refundId` (`out_request_no`), then confirms
 * the outcome with the refund query; an unconfirmed refund stays pending for sync to settle.
 *
 * @example
 * ```ts
 * const event = await refundAlipayPayment(context, { orderId, order, refundId: 'r1', amount: 500, reason: null });
 * ```
 */
export async function refundAlipayPayment(context: AlipayContext, request: RefundRequest): Promise<RefundStatusEvent> {
  const { orderId, order, refundId, amount, reason, merchant } = request;
  validateAlipayRefund(context.id, request);
  const returns = request.splitReturns ?? [];
  const client = await alipayClientFor(context, merchant);
  const biz: Record<string, unknown> = {
    out_trade_no: orderId,
    refund_amount: formatYuan(amount),
    out_request_no: refundId,
  };
  if (reason) biz.refund_reason = reason;
  // Only with returns: without, Alipay takes the whole refund from the merchant (page, h5, app)
  // or by ratio (face-to-face), as before.
  if (returns.length > 0) biz.refund_royalty_parameters = refundRoyaltyParameters(returns);
  let replied: RefundStatusEvent;
  try {
    // Idempotent by out_request_no: a resent refund is not refunded twice.
    const node = await client.call('alipay.trade.refund', biz, { idempotent: true });
    // refund_fee is the order's cumulative total: what succeeded before, this refund, and any of
    // the pending others that Alipay has executed meanwhile.
    let refundedBefore = 0;
    const pendingBefore: number[] = [];
    for (const refund of order?.refunds ?? []) {
      if (refund.id === refundId) continue;
      if (refund.status === 'succeeded') refundedBefore += refund.amount;
      else if (refund.status === 'pending') pendingBefore.push(refund.amount);
    }
    replied = readAlipayRefundReply(node, {
      provider: context.id,
      orderId,
      tradeNo: order?.providerTransactionId,
      refundId,
      amount,
      refundedBefore,
      pendingBefore,
    });
  } catch (error) {
    // A refusal names no refund (Alipay's refund errors carry no out_request_no), so it could be
    // another request's: before it may mark this refund failed, ask Alipay about this refund.
    return checkRefusal(error, {
      name: 'alipay.trade.fastpay.refund.query',
      field: 'response.sub_code',
      run: () => confirmRefund(context, { orderId, order, refundId, amount, merchant, returns }),
    });
  }
  // Nor does a success name the refund: only the refund query, which echoes out_request_no and
  // reports this refund's amount, ties the result to this refund. Not found yet (Alipay advises
  // querying some seconds after the refund), the refund stays pending for sync to settle.
  let confirmed: RefundStatusEvent;
  try {
    confirmed = await confirmRefund(context, { orderId, order, refundId, amount, merchant, returns });
  } catch (error) {
    if (isNotFound(error)) return { type: 'refund.pending', orderId, refundId, amount };
    throw error;
  }
  if (confirmed.type !== 'refund.succeeded') return { type: 'refund.pending', orderId, refundId, amount };
  if (replied.type !== 'refund.succeeded') return confirmed;
  // The refund's reply, with what the query said of the amount and of the split returns.
  const { splitReturnsSettled, failedSplitReturns } = confirmed;
  return {
    ...replied,
    amount: confirmed.amount,
    ...(splitReturnsSettled === undefined ? {} : { splitReturnsSettled }),
    ...(failedSplitReturns === undefined ? {} : { failedSplitReturns }),
  };
}

/**
 * `alipay.trade.fastpay.refund.query`: the settled refund, bound to the amount the order's refund
 * asked for. A reply with no refund data is Alipay's "not refunded" (the request never arrived, or
 * was not executed): it throws `ProviderApiError` `not_found`, so core's reconciler sends the same
 * request again under the same `out_request_no`, as Alipay's rule is.
 *
 * @example
 * ```ts
 * const event = await queryAlipayRefund(context, { orderId, order, refundId: 'r1' });
 * ```
 */
export async function queryAlipayRefund(
  context: AlipayContext,
  { orderId, order, refundId, merchant }: RefundReference,
): Promise<RefundStatusEvent> {
  const requested = order.refunds.find((refund) => refund.id === refundId);
  const client = await alipayClientFor(context, merchant);
  const node = await client.call(
    'alipay.trade.fastpay.refund.query',
    { out_trade_no: orderId, out_request_no: refundId },
    { idempotent: true },
  );
  const settled = readAlipayRefundQueryReply(node, {
    provider: context.id,
    orderId,
    tradeNo: order.providerTransactionId,
    refundId,
    amount: requested?.amount,
  });
  if (!settled) throw alipayRefundNotFound(context.id, refundId);
  if (settled.type !== 'refund.succeeded') return settled;
  const returns = refundSplitReturns(order, refundId);
  return withRoyaltyResults(
    settled,
    returns,
    checkAlipayRefundRoyalties(node, { provider: context.id, refundId, returns }),
  );
}
