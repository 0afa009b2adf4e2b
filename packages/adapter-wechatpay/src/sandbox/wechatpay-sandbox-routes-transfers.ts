/**
 * The WeChat Pay sandbox's merchant-transfer APIs (2025): a transfer bill
 * (`POST /v3/fund-app/mch-transfer/transfer-bills`, idempotent by `out_bill_no` with the same
 * parameters, paid from a balance that can run out), its query and its cancel while unconfirmed.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import {
  isMovementAmount,
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
  if (method === 'POST' && p === '/v3/fund-app/mch-transfer/transfer-bills')
    return createTransfer(moving, body, headers);
  const bill = /^\/v3\/fund-app\/mch-transfer\/transfer-bills\/out-bill-no\/([^/]+)(\/cancel)?$/.exec(p);
  if (!bill) return undefined;
  const found = moving.transfers.get(moving.state.alias(decodeURIComponent(bill[1] as string)));
  if (!found) return errorReply(404, 'NOT_FOUND', '记录不存在');
  if (method === 'GET' && !bill[2]) return { status: 200, body: transferJson(moving, found, true) };
  if (method === 'POST' && bill[2]) return cancelTransfer(moving, found);
  return undefined;
}

function transferJson({ state }: WechatpaySandboxMovementState, bill: WechatpaySandboxTransfer, full: boolean): Json {
  const json: Json = {
    ...(full ? { mch_id: state.mchId } : {}),
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

function createTransfer(moving: WechatpaySandboxMovementState, body: Json, headers: Headers): SandboxReply {
  const { state, transfers } = moving;
  const outBillNo = String(body.out_bill_no ?? '');
  if (!state.appIds.has(String(body.appid))) return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
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
  const existing = transfers.get(outBillNo);
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
  transfers.set(outBillNo, bill);
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
      out_bill_no: found.outBillNo,
      transfer_bill_no: found.billNo,
      state: 'CANCELLED',
      update_time: formatWechatpayTime(moving.state.now()),
    },
  };
}
