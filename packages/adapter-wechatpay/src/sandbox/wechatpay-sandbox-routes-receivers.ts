/**
 * The WeChat Pay sandbox's profit-sharing receiver APIs: binding a receiver
 * (`POST /v3/profitsharing/receivers/add`, its encrypted real name read with the platform key) and
 * unbinding one (`POST /v3/profitsharing/receivers/delete`).
 *
 * @packageDocumentation
 */
import {
  movementKey,
  readSensitive,
  subMerchantOk,
  type WechatpaySandboxMovementState,
} from './wechatpay-sandbox-movement-state.js';
import { errorReply, type Json, type SandboxReply } from './wechatpay-sandbox-state.js';

/**
 * Answers a receiver API request; `undefined` when the request is not one.
 *
 * @example
 * ```ts
 * const reply = routeReceivers(moving, 'POST', url, { appid, type: 'MERCHANT_ID', account: '86693852', name }, headers);
 * ```
 */
export function routeReceivers(
  moving: WechatpaySandboxMovementState,
  method: string,
  url: URL,
  body: Json,
  headers: Headers,
): SandboxReply | undefined {
  if (method !== 'POST') return undefined;
  if (url.pathname === '/v3/profitsharing/receivers/add') return receiverReply(moving, 'add', body, headers);
  if (url.pathname === '/v3/profitsharing/receivers/delete') return receiverReply(moving, 'delete', body, headers);
  return undefined;
}

function receiverReply(
  moving: WechatpaySandboxMovementState,
  method: 'add' | 'delete',
  body: Json,
  headers: Headers,
): SandboxReply {
  const { state, receivers } = moving;
  if (!subMerchantOk(moving, body.sub_mchid)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
  const sub = body.sub_mchid === undefined ? undefined : state.subMerchants.get(String(body.sub_mchid));
  if (!state.appIds.has(String(body.appid))) return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
  if (body.sub_appid !== undefined && body.sub_appid !== sub?.subAppId)
    return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'sub_appid和sub_mchid不匹配');
  const type = String(body.type ?? '');
  if (!['MERCHANT_ID', 'PERSONAL_OPENID', 'PERSONAL_SUB_OPENID'].includes(type) || typeof body.account !== 'string')
    return errorReply(400, 'PARAM_ERROR', '参数错误');
  const id = movementKey(body.sub_mchid, `${type}|${body.account}`);
  const party = {
    ...(body.sub_mchid !== undefined ? { sub_mchid: body.sub_mchid } : {}),
    type,
    account: body.account,
  };
  if (method === 'delete') {
    receivers.delete(id);
    return { status: 200, body: party };
  }
  if (type === 'MERCHANT_ID' && body.name === undefined) return errorReply(400, 'PARAM_ERROR', '缺少name');
  if (body.name !== undefined) {
    const read = readSensitive(moving, body.name, headers);
    if (typeof read !== 'string') return read;
  }
  receivers.set(id, { type, account: body.account });
  return {
    status: 200,
    body: {
      ...party,
      relation_type: body.relation_type,
      ...(body.custom_relation ? { custom_relation: body.custom_relation } : {}),
    },
  };
}
