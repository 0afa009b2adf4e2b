/**
 * WeChat Pay refunds: `POST /v3/refund/domestic/refunds` (idempotent by `out_refund_no`; a refusal
 * checked against the refund query before it may fail the refund) and the refund query, both
 * bound to the order and refund they name.
 *
 * @packageDocumentation
 */
import {
  checkRefusal,
  type RefundReference,
  type RefundRequest,
  type RefundStatusEvent,
} from '@hutong/core/provider-utils';
import { type WechatpaySubMerchant, wechatpaySubMerchant } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { readWechatpayRefund } from './wechatpay-replies.js';

/** `GET /v3/refund/domestic/refunds/{out_refund_no}`, with `?sub_mchid=` in partner mode. */
function refundQueryPath(refundId: string, sub: WechatpaySubMerchant | undefined): string {
  const base = `/v3/refund/domestic/refunds/${encodeURIComponent(refundId)}`;
  return sub ? `${base}?sub_mchid=${sub.subMchId}` : base;
}

/**
 * The refund operations of one provider.
 *
 * @group Protocol
 * @example
 * ```ts
 * const { refund, queryRefund } = createWechatpayRefunds(context);
 * const status = await refund(request); // a RefundStatusEvent, bound to the order and refund
 * ```
 */
export function createWechatpayRefunds(context: WechatpayOperationContext) {
  const { config, client, replies } = context;

  async function refund({
    orderId,
    order,
    refundId,
    amount,
    reason,
    merchant,
  }: RefundRequest): Promise<RefundStatusEvent> {
    const sub = wechatpaySubMerchant(config, merchant);
    const refundPath = refundQueryPath(refundId, sub);
    const body: Record<string, unknown> = {
      ...(sub ? { sub_mchid: sub.subMchId } : {}),
      out_trade_no: orderId,
      out_refund_no: refundId,
      amount: { refund: amount, total: order.amount, currency: 'CNY' },
    };
    if (reason) body.reason = reason;
    if (order.notifyUrl) body.notify_url = order.notifyUrl;
    const expected = { orderId, transactionId: order.providerTransactionId };
    let reply: unknown;
    try {
      // Idempotent by out_refund_no.
      reply = await client.request({ method: 'POST', path: '/v3/refund/domestic/refunds', body, idempotent: true });
    } catch (error) {
      // A refusal names no refund, so it could be another request's (signed, inside the timestamp
      // window): before it may mark this refund failed, ask WeChat Pay about this refund.
      return checkRefusal(error, {
        name: 'the refund query',
        field: 'response.code',
        run: async () => {
          const known = await client.request({ method: 'GET', path: refundPath });
          return readWechatpayRefund(replies, known, expected, refundId);
        },
      });
    }
    return readWechatpayRefund(replies, reply, expected, refundId);
  }

  async function queryRefund({ orderId, order, refundId, merchant }: RefundReference): Promise<RefundStatusEvent> {
    const sub = wechatpaySubMerchant(config, merchant);
    const reply = await client.request({ method: 'GET', path: refundQueryPath(refundId, sub) });
    return readWechatpayRefund(replies, reply, { orderId, transactionId: order.providerTransactionId }, refundId);
  }

  return { refund, queryRefund };
}
