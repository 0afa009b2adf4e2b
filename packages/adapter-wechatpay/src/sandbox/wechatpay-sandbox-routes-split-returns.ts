/**
 * The WeChat Pay sandbox's split-return APIs: a return from a merchant receiver
 * (`POST /v3/profitsharing/return-orders`, idempotent by `out_return_no`, within what the receiver
 * got) and a return's query.
 *
 * @packageDocumentation
 */
import { formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import {
  isMovementAmount,
  movementKey,
  subMerchantOk,
  type WechatpaySandboxMovementState,
  type WechatpaySandboxSplit,
} from './wechatpay-sandbox-movement-state.js';
import { errorReply, type Json, type SandboxReply } from './wechatpay-sandbox-state.js';

/**
 * Answers a split-return API request; `undefined` when the request is not one.
 *
 * @example
 * ```ts
 * const reply = routeSplitReturns(moving, 'POST', url, { out_order_no: 'split0001', out_return_no: 'return0001', return_mchid: '86693852', amount: 100, description: '回退' });
 * ```
 */
export function routeSplitReturns(
  moving: WechatpaySandboxMovementState,
  method: string,
  url: URL,
  body: Json,
): SandboxReply | undefined {
  if (method === 'POST' && url.pathname === '/v3/profitsharing/return-orders') return createReturn(moving, body);
  const returned = /^\/v3\/profitsharing\/return-orders\/([^/]+)$/.exec(url.pathname);
  if (method !== 'GET' || !returned) return undefined;
  const q = url.searchParams;
  const sub = q.get('sub_mchid') ?? undefined;
  const found = moving.splits.get(movementKey(sub, q.get('out_order_no') ?? ''));
  const outReturnNo = decodeURIComponent(returned[1] as string);
  if (!found?.returns.has(outReturnNo)) return errorReply(404, 'RESOURCE_NOT_EXISTS', '记录不存在');
  return { status: 200, body: returnJson(moving, found, outReturnNo) };
}

function returnJson({ state }: WechatpaySandboxMovementState, order: WechatpaySandboxSplit, outReturnNo: string): Json {
  const item = order.returns.get(outReturnNo) as NonNullable<ReturnType<typeof order.returns.get>>;
  return {
    ...(order.transaction.subMchId ? { sub_mchid: order.transaction.subMchId } : {}),
    order_id: order.orderId,
    out_order_no: order.outOrderNo,
    out_return_no: outReturnNo,
    return_id: item.returnId,
    return_mchid: item.returnMchId,
    amount: item.amount,
    description: item.description,
    result: item.result,
    create_time: formatWechatpayTime(state.now()),
    finish_time: formatWechatpayTime(state.now()),
  };
}

function createReturn(moving: WechatpaySandboxMovementState, body: Json): SandboxReply {
  if (!subMerchantOk(moving, body.sub_mchid)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
  const order = moving.splits.get(movementKey(body.sub_mchid, String(body.out_order_no ?? '')));
  if (!order) return errorReply(404, 'RESOURCE_NOT_EXISTS', '分账单不存在');
  const outReturnNo = String(body.out_return_no ?? '');
  if (order.returns.has(outReturnNo)) return { status: 200, body: returnJson(moving, order, outReturnNo) };
  const receiver = order.receivers.find((r) => r.type === 'MERCHANT_ID' && r.account === body.return_mchid);
  if (receiver?.result !== 'SUCCESS') return errorReply(400, 'INVALID_REQUEST', '回退方未收到该分账');
  if (!isMovementAmount(body.amount) || typeof body.description !== 'string')
    return errorReply(400, 'PARAM_ERROR', '参数错误');
  let returned = 0;
  for (const item of order.returns.values())
    if (item.returnMchId === receiver.account && item.result !== 'FAILED') returned += item.amount;
  if (returned + body.amount > receiver.amount) return errorReply(400, 'NOT_ENOUGH', '回退金额超出可回退金额');
  order.returns.set(outReturnNo, {
    returnId: `3008450740201411110007820472${String(++moving.sequence).padStart(4, '0')}`.slice(-32),
    returnMchId: receiver.account,
    amount: body.amount,
    description: body.description,
    result: 'SUCCESS',
  });
  return { status: 200, body: returnJson(moving, order, outReturnNo) };
}
