/**
 * The WeChat Pay sandbox's refund APIs: applying for a refund (idempotent by `out_refund_no`,
 * within what is left to refund) and querying one.
 *
 * @packageDocumentation
 */
import { errorReply, type Json, type SandboxReply, type WechatpaySandboxState } from './wechatpay-sandbox-state.js';

/**
 * Answers a refund API request; `undefined` when the request is not one.
 *
 * @example
 * ```ts
 * const reply = routeRefunds(state, 'POST', url, { out_trade_no: 'o1', out_refund_no: 'r1', amount: { refund: 100, total: 800 } });
 * ```
 */
export function routeRefunds(
  state: WechatpaySandboxState,
  method: string,
  url: URL,
  body: Json,
): SandboxReply | undefined {
  if (method === 'POST' && url.pathname === '/v3/refund/domestic/refunds') return applyForRefund(state, body);
  const query = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(url.pathname);
  if (method !== 'GET' || !query) return undefined;
  const outRefundNo = state.alias(decodeURIComponent(query[1] as string));
  // Partner mode: ?sub_mchid= names the sub-merchant; it sees only its own refunds.
  const subMchId = url.searchParams.get('sub_mchid') ?? undefined;
  if (subMchId !== undefined && !state.subMerchants.has(subMchId)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
  for (const transaction of state.transactions.values()) {
    if (transaction.refunds.has(outRefundNo) && transaction.subMchId === subMchId)
      return { status: 200, body: state.refundJson(transaction, outRefundNo) };
  }
  return errorReply(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
}

/** `POST /v3/refund/domestic/refunds`: the same `out_refund_no` again returns the same refund. */
function applyForRefund(state: WechatpaySandboxState, body: Json): SandboxReply {
  const found = state.transactions.get(state.alias(String(body.out_trade_no ?? '')));
  const subMchId = body.sub_mchid as string | undefined;
  if (subMchId !== undefined && !state.subMerchants.has(subMchId)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
  const transaction = found?.subMchId === subMchId ? found : undefined;
  if (!transaction) return errorReply(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  const outRefundNo = state.alias(String(body.out_refund_no ?? ''));
  const amount = body.amount as Json | undefined;
  if (!outRefundNo || !Number.isSafeInteger(amount?.refund) || amount?.total !== transaction.amount)
    return errorReply(400, 'PARAM_ERROR', '参数错误');
  if (!transaction.refunds.has(outRefundNo)) {
    if (transaction.tradeState !== 'SUCCESS' && transaction.tradeState !== 'REFUND')
      return errorReply(400, 'INVALID_REQUEST', '订单未支付');
    if (state.committedRefunds(transaction) + (amount?.refund as number) > transaction.amount)
      return errorReply(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    transaction.refunds.set(outRefundNo, {
      refundId: `50${String(state.nextSequence()).padStart(6, '0')}${Date.now()}`,
      amount: amount?.refund as number,
      status: 'PROCESSING',
      notifyUrl: (body.notify_url as string | undefined) ?? transaction.notifyUrl,
      createdAt: state.now(),
    });
    transaction.tradeState = 'REFUND';
  }
  return { status: 200, body: state.refundJson(transaction, outRefundNo) };
}
