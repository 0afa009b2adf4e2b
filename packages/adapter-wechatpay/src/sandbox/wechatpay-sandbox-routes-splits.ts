/**
 * The WeChat Pay sandbox's split-order APIs: a split (`POST /v3/profitsharing/orders`, idempotent
 * by `out_order_no`, within what is left to split, to bound receivers only), unfreezing the rest
 * (`POST /v3/profitsharing/orders/unfreeze`), a split's query, and the amount left to split
 * (`GET /v3/profitsharing/transactions/{id}/amounts`).
 *
 * @packageDocumentation
 */
import { formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import {
  isMovementAmount,
  movementKey,
  readSensitive,
  subMerchantOk,
  unsplitAmount,
  type WechatpaySandboxMovementState,
  type WechatpaySandboxSplit,
} from './wechatpay-sandbox-movement-state.js';
import {
  errorReply,
  type Json,
  type SandboxReply,
  type WechatpaySandboxTransaction,
} from './wechatpay-sandbox-state.js';

/**
 * Answers a split-order or amounts API request; `undefined` when the request is not one.
 *
 * @example
 * ```ts
 * const reply = routeSplits(moving, 'GET', new URL('https://api.mch.weixin.qq.com/v3/profitsharing/transactions/4200000001/amounts'), {}, headers);
 * ```
 */
export function routeSplits(
  moving: WechatpaySandboxMovementState,
  method: string,
  url: URL,
  body: Json,
  headers: Headers,
): SandboxReply | undefined {
  const p = url.pathname;
  if (method === 'POST' && p === '/v3/profitsharing/orders') return createSplit(moving, body, headers, false);
  if (method === 'POST' && p === '/v3/profitsharing/orders/unfreeze') return createSplit(moving, body, headers, true);
  if (method !== 'GET') return undefined;
  const order = /^\/v3\/profitsharing\/orders\/([^/]+)$/.exec(p);
  if (order) return querySplit(moving, decodeURIComponent(order[1] as string), url.searchParams);
  const amounts = /^\/v3\/profitsharing\/transactions\/([^/]+)\/amounts$/.exec(p);
  if (amounts) {
    const id = decodeURIComponent(amounts[1] as string);
    const t = [...moving.state.transactions.values()].find((item) => item.transactionId === id);
    if (!t) return errorReply(404, 'RESOURCE_NOT_EXISTS', '记录不存在');
    return { status: 200, body: { transaction_id: id, unsplit_amount: unsplitAmount(moving, t) } };
  }
  return undefined;
}

/**
 * A split order as WeChat Pay returns it.
 *
 * @example
 * ```ts
 * const reply = { status: 200, body: splitJson(moving, order) };
 * ```
 */
export function splitJson({ state }: WechatpaySandboxMovementState, order: WechatpaySandboxSplit): Json {
  return {
    ...(order.transaction.subMchId ? { sub_mchid: order.transaction.subMchId } : {}),
    transaction_id: order.transaction.transactionId,
    out_order_no: order.outOrderNo,
    order_id: order.orderId,
    state: order.state,
    receivers: order.receivers.map((r) => ({
      amount: r.amount,
      description: r.description,
      type: r.type,
      account: r.account,
      result: r.result,
      ...(r.failReason ? { fail_reason: r.failReason } : {}),
      detail_id: `3600000${order.orderId.slice(-10)}${r.account.slice(-4)}`,
      create_time: formatWechatpayTime(state.now()),
      finish_time: formatWechatpayTime(state.now()),
    })),
  };
}

/** `GET /v3/profitsharing/orders/{out_order_no}?transaction_id=`, under `sub_mchid` in partner mode. */
function querySplit(moving: WechatpaySandboxMovementState, outOrderNo: string, q: URLSearchParams): SandboxReply {
  const sub = q.get('sub_mchid') ?? undefined;
  if (!subMerchantOk(moving, sub)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
  const found = moving.splits.get(movementKey(sub, moving.state.alias(outOrderNo)));
  if (!found || found.transaction.transactionId !== q.get('transaction_id'))
    return errorReply(404, 'RESOURCE_NOT_EXISTS', '记录不存在');
  return { status: 200, body: splitJson(moving, found) };
}

function transactionById(
  moving: WechatpaySandboxMovementState,
  id: unknown,
  sub: unknown,
): WechatpaySandboxTransaction | undefined {
  for (const t of moving.state.transactions.values())
    if (t.transactionId === id && t.subMchId === (sub as string | undefined)) return t;
  return undefined;
}

/** A split (or, with `unfreeze`, the rest unfrozen to the merchant, settled at once). */
function createSplit(
  moving: WechatpaySandboxMovementState,
  body: Json,
  headers: Headers,
  unfreeze: boolean,
): SandboxReply {
  const { state, splits } = moving;
  if (!subMerchantOk(moving, body.sub_mchid)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
  const t = transactionById(moving, body.transaction_id, body.sub_mchid);
  if (!t) return errorReply(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  const outOrderNo = String(body.out_order_no ?? '');
  if (!outOrderNo) return errorReply(400, 'PARAM_ERROR', '缺少out_order_no');
  const existing = splits.get(movementKey(body.sub_mchid, outOrderNo));
  if (existing) return { status: 200, body: splitJson(moving, existing) };
  if (t.tradeState !== 'SUCCESS' && t.tradeState !== 'REFUND') return errorReply(400, 'INVALID_REQUEST', '订单未支付');
  if (!t.profitSharing) return errorReply(403, 'NO_AUTH', '该笔订单不支持分账（下单时未指定profit_sharing）');
  const order: WechatpaySandboxSplit = {
    outOrderNo,
    orderId: `3008450740201411110007820472${String(++moving.sequence).padStart(4, '0')}`.slice(-32),
    transaction: t,
    state: 'PROCESSING',
    unfreezeUnsplit: unfreeze || body.unfreeze_unsplit === true,
    receivers: [],
    returns: new Map(),
  };
  if (unfreeze) {
    order.state = 'FINISHED';
    order.receivers.push({
      type: 'MERCHANT_ID',
      account: t.subMchId ?? state.mchId,
      amount: unsplitAmount(moving, t),
      description: '解冻给分账方',
      result: 'SUCCESS',
    });
    moving.unfrozen.add(t.transactionId);
    splits.set(movementKey(body.sub_mchid, outOrderNo), order);
    return { status: 200, body: splitJson(moving, order) };
  }
  if (moving.unfrozen.has(t.transactionId)) return errorReply(400, 'INVALID_REQUEST', '订单已解冻，不能再分账');
  const refused = addReceivers(moving, order, body, headers);
  if (refused) return refused;
  const total = order.receivers.reduce((sum, receiver) => sum + receiver.amount, 0);
  if (total > unsplitAmount(moving, t)) return errorReply(400, 'NOT_ENOUGH', '分账金额超出最大可分账金额');
  splits.set(movementKey(body.sub_mchid, outOrderNo), order);
  return { status: 200, body: splitJson(moving, order) };
}

/** The split's receivers, each bound and its name (when sent) decrypted; a reply when one is refused. */
function addReceivers(
  moving: WechatpaySandboxMovementState,
  order: WechatpaySandboxSplit,
  body: Json,
  headers: Headers,
): SandboxReply | undefined {
  const asked = Array.isArray(body.receivers) ? (body.receivers as Json[]) : [];
  if (asked.length === 0) return errorReply(400, 'PARAM_ERROR', '缺少receivers');
  for (const receiver of asked) {
    if (!isMovementAmount(receiver.amount) || typeof receiver.description !== 'string')
      return errorReply(400, 'PARAM_ERROR', '参数错误');
    if (!moving.receivers.has(movementKey(body.sub_mchid, `${String(receiver.type)}|${String(receiver.account)}`)))
      return errorReply(400, 'RECEIVER_INVALID', '分账接收方未添加或已删除');
    let name: string | undefined;
    if (receiver.name !== undefined) {
      const read = readSensitive(moving, receiver.name, headers);
      if (typeof read !== 'string') return read;
      name = read;
    }
    order.receivers.push({
      type: String(receiver.type),
      account: String(receiver.account),
      amount: receiver.amount,
      description: receiver.description,
      result: 'PENDING',
      name,
    });
  }
  return undefined;
}
