/**
 * Refunds on the gateway: `alipay.trade.refund` (idempotent by `out_request_no`) and
 * `alipay.trade.fastpay.refund.query`, the only reply that names the refund it is about and so the
 * one that confirms a refund's outcome.
 *
 * @packageDocumentation
 */
import { formatYuan, type Order, ProviderApiError } from '@hutong/core';
import type { MerchantAccount } from '@hutong/core/provider-utils';
import {
  checkRefusal,
  type RefundReference,
  type RefundRequest,
  type RefundStatusEvent,
} from '@hutong/core/provider-utils';
import type { AlipayContext } from './alipay-client.js';
import { alipayRefundNotFound } from './alipay-errors.js';
import { alipayClientFor } from './alipay-merchant.js';
import { readAlipayRefundQueryReply, readAlipayRefundReply } from './alipay-replies.js';

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
  }: {
    orderId: string;
    order: Order | undefined;
    refundId: string;
    amount: number;
    merchant: MerchantAccount | null | undefined;
  },
) {
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
  return settled;
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
export async function refundAlipayPayment(
  context: AlipayContext,
  { orderId, order, refundId, amount, reason, merchant }: RefundRequest,
): Promise<RefundStatusEvent> {
  const client = await alipayClientFor(context, merchant);
  const biz: Record<string, string> = {
    out_trade_no: orderId,
    refund_amount: formatYuan(amount),
    out_request_no: refundId,
  };
  if (reason) biz.refund_reason = reason;
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
      run: () => confirmRefund(context, { orderId, order, refundId, amount, merchant }),
    });
  }
  // Nor does a success name the refund: only the refund query, which echoes out_request_no and
  // reports this refund's amount, ties the result to this refund. Not found yet (Alipay advises
  // querying some seconds after the refund), the refund stays pending for sync to settle.
  let confirmed: RefundStatusEvent;
  try {
    confirmed = await confirmRefund(context, { orderId, order, refundId, amount, merchant });
  } catch (error) {
    if (isNotFound(error)) return { type: 'refund.pending', orderId, refundId, amount };
    throw error;
  }
  if (confirmed.type !== 'refund.succeeded') return { type: 'refund.pending', orderId, refundId, amount };
  return replied.type === 'refund.succeeded' ? { ...replied, amount: confirmed.amount } : confirmed;
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
  return settled;
}
