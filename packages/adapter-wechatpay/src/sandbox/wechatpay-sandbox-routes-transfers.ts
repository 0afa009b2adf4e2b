/**
 * The WeChat Pay sandbox's merchant-transfer APIs (2025): a transfer bill
 * (`POST /v3/fund-app/mch-transfer/transfer-bills`, idempotent by `out_bill_no` with the same
 * parameters, paid from a balance that can run out), its query and its cancel while unconfirmed.
 *
 * Partner mode (服务商, https://pay.weixin.qq.com/doc/v3/partner/4015469096, 4015469131,
 * 4015469118, 4015469102, 4015469112): the same under `/v3/fund-app/mch-transfer/partner/`, each
 * naming the paying `sub_mchid` (a sub-merchant not bound to the service provider is refused 403
 * `NO_AUTH` as in payments; one that has not authorised transfers is refused 403 `NO_AUTH` too,
 * the code assumed, see `wechatpay-transfers-partner.ts`), and the sub-merchant's authorisation
 * (`sub-mch-authorizations`: an application the sub-merchant accepts, `sandbox.acceptTransferAuthorization`).
 * A sub-merchant sees only its own bills; the `appid` must be the service provider's or the
 * sub-merchant's own.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import {
  isMovementAmount,
  movementKey,
  readSensitive,
  type WechatpaySandboxMovementState,
  type WechatpaySandboxTransfer,
} from './wechatpay-sandbox-movement-state.js';
import { errorReply, type Json, type SandboxReply } from './wechatpay-sandbox-state.js';

/**
 * Answers a transfer-bill API request; `undefined` when the request is not one.
 *
 * @example
 * ```ts
 * const reply = routeTransfers(moving, 'GET', new URL('https://api.mch.weixin.qq.com/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/payout0001'), {}, headers);
 * ```
 */
export function routeTransfers(
  moving: WechatpaySandboxMovementState,
  method: string,
  url: URL,
  body: Json,
  headers: Headers,
): SandboxReply | undefined {
  const p = url.pathname;
  const authorizations = routeTransferAuthorizations(moving, method, p, body);
  if (authorizations) return authorizations;
  const create = /^\/v3\/fund-app\/mch-transfer\/(partner\/)?transfer-bills$/.exec(p);
  if (method === 'POST' && create) {
    const partner = create[1] !== undefined;
    if (partner) {
      const refused = refuseSubMerchant(moving, body.sub_mchid, true);
      if (refused) return refused;
    } else if (body.sub_mchid !== undefined) return errorReply(400, 'PARAM_ERROR', '参数错误');
    return createTransfer(moving, body, headers, partner ? String(body.sub_mchid) : undefined);
  }
  const bill = /^\/v3\/fund-app\/mch-transfer\/(partner\/)?transfer-bills\/out-bill-no\/([^/]+)(\/cancel)?$/.exec(p);
  if (!bill) return undefined;
  const partner = bill[1] !== undefined;
  let sub: string | undefined;
  if (partner) {
    const named = method === 'GET' ? url.searchParams.get('sub_mchid') : body.sub_mchid;
    const refused = refuseSubMerchant(moving, named, false);
    if (refused) return refused;
    sub = String(named);
  }
  // A sub-merchant sees only its own bills; the direct path only the merchant's own.
  const found = moving.transfers.get(movementKey(sub, moving.state.alias(decodeURIComponent(bill[2] as string))));
  if (!found) return errorReply(404, 'NOT_FOUND', '记录不存在');
  if (method === 'GET' && !bill[3]) return { status: 200, body: transferJson(moving, found, true) };
  if (method === 'POST' && bill[3]) return cancelTransfer(moving, found);
  return undefined;
}

/** A partner call's `sub_mchid`: missing, not bound, or (for a new bill) not authorised. */
function refuseSubMerchant(
  moving: WechatpaySandboxMovementState,
  sub: unknown,
  authorised: boolean,
): SandboxReply | undefined {
  if (typeof sub !== 'string' || sub === '') return errorReply(400, 'PARAM_ERROR', '缺少sub_mchid');
  if (!moving.state.subMerchants.has(sub)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
  if (authorised && moving.transferAuthorizations.get(sub)?.state !== 'AUTHORIZED')
    return errorReply(403, 'NO_AUTH', '子商户未授权服务商发起商家转账');
  return undefined;
}

/** `POST .../partner/sub-mch-authorizations` (idempotent by `out_apply_no`) and `GET .../{sub_mchid}`. */
function routeTransferAuthorizations(
  moving: WechatpaySandboxMovementState,
  method: string,
  p: string,
  body: Json,
): SandboxReply | undefined {
  const base = '/v3/fund-app/mch-transfer/partner/sub-mch-authorizations';
  const now = moving.state.now();
  if (method === 'POST' && p === base) {
    const refused = refuseSubMerchant(moving, body.sub_mchid, false);
    if (refused) return refused;
    const sub = String(body.sub_mchid);
    const applyNo = String(body.out_apply_no ?? '');
    if (!/^[0-9A-Za-z]{1,32}$/.test(applyNo)) return errorReply(400, 'PARAM_ERROR', '参数错误');
    let authorization = moving.transferAuthorizations.get(sub);
    if (!authorization) {
      authorization = { state: 'UNAUTHORIZED', applies: new Map() };
      moving.transferAuthorizations.set(sub, authorization);
    }
    let apply = authorization.applies.get(applyNo);
    if (!apply) {
      apply = { state: 'INVITED', acceptTime: now, updateTime: now };
      authorization.applies.set(applyNo, apply);
      authorization.latest = applyNo;
    }
    return { status: 200, body: applyJson(sub, applyNo, apply) };
  }
  const one = new RegExp(`^${base}/([^/]+)$`).exec(p);
  if (method !== 'GET' || !one) return undefined;
  const sub = decodeURIComponent(one[1] as string);
  const refused = refuseSubMerchant(moving, sub, false);
  if (refused) return refused;
  const authorization = moving.transferAuthorizations.get(sub);
  const latest = authorization?.latest === undefined ? undefined : authorization.applies.get(authorization.latest);
  return {
    status: 200,
    body: {
      sub_mchid: sub,
      state: authorization?.state ?? 'UNAUTHORIZED',
      ...(latest && authorization?.latest ? { apply_order: applyJson(sub, authorization.latest, latest) } : {}),
      ...(authorization?.authorizedAt ? { authorization_time: formatWechatpayTime(authorization.authorizedAt) } : {}),
    },
  };
}

function applyJson(sub: string, applyNo: string, apply: { state: string; acceptTime: Date; updateTime: Date }): Json {
  return {
    sub_mchid: sub,
    out_apply_no: applyNo,
    state: apply.state,
    accept_time: formatWechatpayTime(apply.acceptTime),
    update_time: formatWechatpayTime(apply.updateTime),
  };
}

function transferJson({ state }: WechatpaySandboxMovementState, bill: WechatpaySandboxTransfer, full: boolean): Json {
  const json: Json = {
    // Partner replies name the paying sub-merchant, and in a query the service provider as `mchid`.
    ...(bill.subMchId ? { sub_mchid: bill.subMchId } : {}),
    ...(full ? (bill.subMchId ? { mchid: state.mchId } : { mch_id: state.mchId }) : {}),
    out_bill_no: bill.outBillNo,
    transfer_bill_no: bill.billNo,
    ...(full ? { appid: bill.appId } : { create_time: formatWechatpayTime(bill.createTime) }),
    state: bill.state,
  };
  if (full) {
    Object.assign(json, {
      transfer_amount: bill.amount,
      transfer_remark: bill.remark,
      openid: bill.openid,
      create_time: formatWechatpayTime(bill.createTime),
      update_time: formatWechatpayTime(state.now()),
    });
  }
  if (!full && bill.state === 'WAIT_USER_CONFIRM') json.package_info = bill.packageInfo;
  if (bill.failReason) json.fail_reason = bill.failReason;
  return json;
}

function createTransfer(
  moving: WechatpaySandboxMovementState,
  body: Json,
  headers: Headers,
  subMchId: string | undefined,
): SandboxReply {
  const { state, transfers } = moving;
  const outBillNo = String(body.out_bill_no ?? '');
  // Partner mode: the service provider's app or the sub-merchant's own (商户号绑定的AppID).
  const subAppId = subMchId === undefined ? undefined : state.subMerchants.get(subMchId)?.subAppId;
  if (!state.appIds.has(String(body.appid)) && (subAppId === undefined || body.appid !== subAppId))
    return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
  if (
    !/^[0-9A-Za-z]{5,32}$/.test(outBillNo) ||
    !isMovementAmount(body.transfer_amount) ||
    typeof body.openid !== 'string' ||
    typeof body.transfer_scene_id !== 'string' ||
    typeof body.transfer_remark !== 'string' ||
    !Array.isArray(body.transfer_scene_report_infos) ||
    body.transfer_scene_report_infos.length === 0
  )
    return errorReply(400, 'PARAM_ERROR', '参数错误');
  const parameters = JSON.stringify({ ...body, user_name: undefined });
  const key = movementKey(subMchId, outBillNo);
  const existing = transfers.get(key);
  if (existing) {
    if (existing.parameters !== parameters) return errorReply(400, 'INVALID_REQUEST', '商户单号重复，参数不一致');
    return { status: 200, body: transferJson(moving, existing, false) };
  }
  let userName: string | undefined;
  if (body.user_name !== undefined) {
    const read = readSensitive(moving, body.user_name, headers);
    if (typeof read !== 'string') return read;
    userName = read;
  } else if (body.transfer_amount >= 200_000)
    return errorReply(400, 'PARAM_ERROR', '转账金额>=2000元时，user_name必填');
  if (body.transfer_amount > moving.balance) return errorReply(403, 'NOT_ENOUGH', '商户运营账户资金不足');
  moving.balance -= body.transfer_amount;
  const bill: WechatpaySandboxTransfer = {
    outBillNo,
    ...(subMchId === undefined ? {} : { subMchId }),
    billNo: `1330000071100999991182020050700019480${String(++moving.sequence).padStart(3, '0')}`.slice(-40),
    appId: String(body.appid),
    openid: body.openid,
    amount: body.transfer_amount,
    remark: body.transfer_remark,
    state: 'WAIT_USER_CONFIRM',
    packageInfo: `ABBQO+oYAAABAAAAAAAk+yPZGDEAAAAAAAAAL${randomBytes(12).toString('base64')}`,
    notifyUrl: body.notify_url as string | undefined,
    userName,
    parameters,
    createTime: state.now(),
  };
  transfers.set(key, bill);
  return { status: 200, body: transferJson(moving, bill, false) };
}

/** `POST .../out-bill-no/{out_bill_no}/cancel`: only while unconfirmed; the amount goes back to the balance. */
function cancelTransfer(moving: WechatpaySandboxMovementState, found: WechatpaySandboxTransfer): SandboxReply {
  if (found.state !== 'WAIT_USER_CONFIRM' && found.state !== 'CANCELLED')
    return errorReply(400, 'INVALID_REQUEST', '当前状态不支持撤销');
  if (found.state === 'WAIT_USER_CONFIRM') moving.balance += found.amount;
  found.state = 'CANCELLED';
  return {
    status: 200,
    body: {
      ...(found.subMchId ? { sub_mchid: found.subMchId } : {}),
      out_bill_no: found.outBillNo,
      transfer_bill_no: found.billNo,
      state: 'CANCELLED',
      update_time: formatWechatpayTime(moving.state.now()),
    },
  };
}
