/**
 * Refunds on the gateway: `alipay.trade.refund` (idempotent by `out_request_no`) and
 * `alipay.trade.fastpay.refund.query`, the only reply that names the refund it is about and so the
 * one that confirms a refund's outcome.
 *
 * @packageDocumentation
 */
import { formatYuan, type Order, ValidationError } from '@hutong/core';
import {
  checkRefusal,
  type RefundReference,
  type RefundRequest,
  type RefundStatusEvent,
} from '@hutong/core/provider-utils';
import type { AlipayContext } from './alipay-client.js';
import { readAlipayRefundQueryReply, readAlipayRefundReply } from './alipay-replies.js';

/**
 * This refund as Alipay reports it by its own out_request_no (`alipay.trade.fastpay.refund.query`),
 * or `undefined` when Alipay has no settled refund by that number. The query's reply must name the
 * refund, so a reply about another refund cannot stand in for it.
 */
async function confirmRefund(context: AlipayContext, orderId: string, order: Order | undefined, refundId: string) {
  const node = await context.client.call(
    'alipay.trade.fastpay.refund.query',
    { out_trade_no: orderId, out_request_no: refundId },
    { idempotent: true },
  );
  return readAlipayRefundQueryReply(
    node,
    { provider: context.id, orderId, tradeNo: order?.providerTransactionId, refundId },
    { requireRefundId: true },
  );
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
  { orderId, order, refundId, amount, reason }: RefundRequest,
): Promise<RefundStatusEvent> {
  const biz: Record<string, string> = {
    out_trade_no: orderId,
    refund_amount: formatYuan(amount),
    out_request_no: refundId,
  };
  if (reason) biz.refund_reason = reason;
  let replied: RefundStatusEvent;
  try {
    // Idempotent by out_request_no: a resent refund is not refunded twice.
    const node = await context.client.call('alipay.trade.refund', biz, { idempotent: true });
    let refundedBefore = 0;
    for (const refund of order?.refunds ?? []) {
      if (refund.status === 'succeeded' && refund.id !== refundId) refundedBefore += refund.amount;
    }
    replied = readAlipayRefundReply(node, {
      provider: context.id,
      orderId,
      tradeNo: order?.providerTransactionId,
      refundId,
      amount,
      refundedBefore,
    });
  } catch (error) {
    // A refusal names no refund (Alipay's refund errors carry no out_request_no), so it could be
    // another request's: before it may mark this refund failed, ask Alipay about this refund.
    return checkRefusal(error, {
      name: 'alipay.trade.fastpay.refund.query',
      field: 'response.sub_code',
      run: () => confirmRefund(context, orderId, order, refundId),
    });
  }
  // Nor does a success name the refund: only the refund query, which echoes out_request_no, ties
  // the result to this refund. Unconfirmed, the refund stays pending for sync to settle.
  const confirmed = await confirmRefund(context, orderId, order, refundId);
  if (confirmed?.type !== 'refund.succeeded') return { type: 'refund.pending', orderId, refundId, amount };
  return replied.type === 'refund.succeeded' ? { ...replied, amount: confirmed.amount } : confirmed;
}

/**
 * `alipay.trade.fastpay.refund.query`: a settled refund, or the refund as requested while Alipay
 * has not settled it.
 *
 * @example
 * ```ts
 * const event = await queryAlipayRefund(context, { orderId, order, refundId: 'r1' });
 * ```
 */
export async function queryAlipayRefund(
  context: AlipayContext,
  { orderId, order, refundId }: RefundReference,
): Promise<RefundStatusEvent> {
  const node = await context.client.call(
    'alipay.trade.fastpay.refund.query',
    { out_trade_no: orderId, out_request_no: refundId },
    { idempotent: true },
  );
  const settled = readAlipayRefundQueryReply(node, {
    provider: context.id,
    orderId,
    tradeNo: order.providerTransactionId,
    refundId,
  });
  if (settled) return settled;
  // Not settled (or not received): the refund stays as requested.
  const requested = order.refunds.find((refund) => refund.id === refundId);
  if (!requested) throw new ValidationError('refundId', `order ${orderId} has no refund ${refundId}`);
  return { type: 'refund.pending', orderId, refundId, amount: requested.amount };
}
