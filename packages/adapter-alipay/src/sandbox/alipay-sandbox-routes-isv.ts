/**
 * The sandbox's gateway methods of service providers and money movement, answering as Alipay
 * does: app authorisation tokens (`alipay.open.auth.token.app` and its query), royalty relations,
 * settlements (分账) and their queries, and fund transfers (转账) and their queries, with Alipay's
 * refusals (a receiver not bound, more than is left to settle, a payer short of balance, a
 * transfer's `out_biz_no` reused with other parameters).
 *
 * @packageDocumentation
 */
import { randomBytes, randomInt } from 'node:crypto';
import { formatAlipayTime } from '@hutong/adapter-alipay/protocol';
import { formatYuan, parseYuan } from '@hutong/core';
import { alipaySandboxRoyaltyReturned } from './alipay-sandbox-refund-royalty.js';
import type {
  AlipaySandboxSettlement,
  AlipaySandboxState,
  AlipaySandboxTrade,
  AlipaySandboxTransfer,
  SandboxNode,
} from './alipay-sandbox-state.js';
import { failure, NOT_EXIST } from './alipay-sandbox-state.js';

const OK = { code: '10000', msg: 'Success' } as const;

/** How long an app authorisation code is good for (Alipay: 24 hours). */
const APP_AUTH_CODE_TTL_MS = 24 * 3600_000;

/** The methods of this file, by name. */
export type IsvMethodHandler = (
  state: AlipaySandboxState,
  biz: SandboxNode,
  params: Record<string, string>,
) => SandboxNode;

function tokenReply(state: AlipaySandboxState, token: string): SandboxNode {
  const issued = state.appTokens.get(token);
  if (!issued) return failure('40004', 'Business Failed', 'isv.invalid-app-auth-token', '无效的应用授权令牌');
  const at = state.now().getTime();
  return {
    ...OK,
    user_id: state.merchants.get(issued.authAppId)?.userId,
    auth_app_id: issued.authAppId,
    app_auth_token: token,
    app_refresh_token: issued.refreshToken,
    expires_in: Math.max(0, Math.floor((issued.expiresAt - at) / 1000)),
    re_expires_in: Math.max(0, Math.floor((issued.refreshExpiresAt - at) / 1000)),
  };
}

/** `alipay.open.auth.token.app`: an app authorisation code, or a refresh token, for tokens. */
function appAuthToken(state: AlipaySandboxState, biz: SandboxNode): SandboxNode {
  const at = state.now().getTime();
  if (biz.grant_type === 'authorization_code') {
    const issued = state.appAuthCodes.get(String(biz.code ?? ''));
    if (!issued || issued.used || at - issued.issuedAt > APP_AUTH_CODE_TTL_MS)
      return failure('40002', 'Invalid Arguments', 'isv.code-invalid', '授权码code无效');
    issued.used = true;
    return tokenReply(state, state.issueAppToken(issued.authAppId).token);
  }
  if (biz.grant_type === 'refresh_token') {
    const refreshToken = String(biz.refresh_token ?? '');
    for (const issued of state.appTokens.values()) {
      if (issued.refreshToken !== refreshToken) continue;
      if (issued.revoked || issued.replacedAt !== undefined || issued.refreshExpiresAt <= at) break;
      // The old token stays usable for 10 minutes, as Alipay documents.
      issued.replacedAt = at;
      return tokenReply(state, state.issueAppToken(issued.authAppId).token);
    }
    return failure('40002', 'Invalid Arguments', 'isv.refresh-token-invalid', '刷新令牌refresh_token无效');
  }
  return failure('40002', 'Invalid Arguments', 'isv.grant-type-invalid', 'grant_type参数不正确');
}

/** `alipay.open.auth.token.app.query`: a token's state. */
function appAuthTokenQuery(state: AlipaySandboxState, biz: SandboxNode): SandboxNode {
  const issued = state.appTokens.get(String(biz.app_auth_token ?? ''));
  if (!issued) return failure('40004', 'Business Failed', 'isv.invalid-app-auth-token', '无效的应用授权令牌');
  const at = state.now().getTime();
  const valid =
    !issued.revoked && issued.expiresAt > at && (issued.replacedAt === undefined || at - issued.replacedAt <= 600_000);
  return {
    ...OK,
    user_id: state.merchants.get(issued.authAppId)?.userId,
    auth_app_id: issued.authAppId,
    expires_in: Math.max(0, Math.floor((issued.expiresAt - at) / 1000)),
    auth_methods: ['alipay.trade.precreate', 'alipay.trade.query', 'alipay.trade.refund', 'alipay.trade.order.settle'],
    auth_start: formatAlipayTime(new Date(issued.expiresAt - 31_536_000_000)),
    auth_end: formatAlipayTime(new Date(issued.expiresAt)),
    status: valid ? 'valid' : 'invalid',
  };
}

function ownerOf(state: AlipaySandboxState, params: Record<string, string>): string | undefined {
  const acting = state.ownerOf(params);
  return 'owner' in acting ? acting.owner : undefined;
}

function relationsOf(state: AlipaySandboxState, owner: string | undefined) {
  const key = state.payerKey(owner);
  let relations = state.relations.get(key);
  if (!relations) {
    relations = new Map();
    state.relations.set(key, relations);
  }
  return relations;
}

function receiversOf(biz: SandboxNode): { type: string; account: string; memo: string | undefined }[] | undefined {
  const list = biz.receiver_list;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.map((item: SandboxNode) => ({
    type: String(item.type ?? ''),
    account: String(item.account ?? ''),
    memo: typeof item.memo === 'string' ? item.memo : undefined,
  }));
}

function relationBind(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const receivers = receiversOf(biz);
  if (!receivers) return failure('40004', 'Business Failed', 'ACQ.RECEIVER_LIST_EMPTY', '分账收款方列表为空');
  const relations = relationsOf(state, ownerOf(state, params));
  for (const receiver of receivers) relations.set(receiver.account, receiver);
  return { ...OK, result_code: 'SUCCESS' };
}

function relationUnbind(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const receivers = receiversOf(biz);
  if (!receivers) return failure('40004', 'Business Failed', 'ACQ.RECEIVER_LIST_EMPTY', '分账收款方列表为空');
  const relations = relationsOf(state, ownerOf(state, params));
  for (const receiver of receivers) relations.delete(receiver.account);
  return { ...OK, result_code: 'SUCCESS' };
}

function relationQuery(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const list = [...relationsOf(state, ownerOf(state, params)).values()];
  const size = Math.max(1, Number(biz.page_size ?? 20));
  const page = Math.max(1, Number(biz.page_num ?? 1));
  return {
    ...OK,
    result_list: list
      .slice((page - 1) * size, page * size)
      .map((r) => ({ type: r.type, account: r.account, ...(r.memo ? { memo: r.memo } : {}) })),
    total_page_num: Math.max(1, Math.ceil(list.length / size)),
    total_record_num: list.length,
    current_page_num: page,
    current_page_size: size,
  };
}

/** The trade a settlement names by `trade_no`, if it is the acting merchant's. */
function settleTrade(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>) {
  const trade = state.findTradeNo(String(biz.trade_no ?? ''));
  return trade && trade.owner === ownerOf(state, params) ? trade : undefined;
}

/** What of a trade settlements took, in fen. */
function settled(state: AlipaySandboxState, tradeNo: string): number {
  let total = 0;
  for (const settlement of state.settlements.values()) {
    if (settlement.tradeNo !== tradeNo) continue;
    for (const detail of settlement.details) if (detail.state !== 'FAIL') total += detail.amount;
  }
  return total;
}

/** What the trade's refunds took from the merchant, in fen: the royalty receivers gave back the rest. */
function merchantRefunded(state: AlipaySandboxState, trade: AlipaySandboxTrade): number {
  return state.refunded(trade) - alipaySandboxRoyaltyReturned(trade);
}

function orderSettle(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const trade = settleTrade(state, biz, params);
  if (!trade) return NOT_EXIST;
  const outRequestNo = String(biz.out_request_no ?? '');
  const royalties = Array.isArray(biz.royalty_parameters) ? (biz.royalty_parameters as SandboxNode[]) : [];
  const finish = (biz.extend_params as SandboxNode | undefined)?.royalty_finish === 'true';
  const fingerprint = JSON.stringify([royalties, finish]);
  const key = `${trade.tradeNo} ${outRequestNo}`;
  const existing = state.settlements.get(key);
  if (existing) {
    if (existing.fingerprint !== fingerprint)
      return failure('40004', 'Business Failed', 'ACQ.DISCORDANT_REPEAT_REQUEST', '流水号重复但明细不同');
    return { ...OK, trade_no: trade.tradeNo, settle_no: existing.settleNo };
  }
  if (trade.status !== 'TRADE_SUCCESS' || !trade.royaltyFreeze || trade.royaltyFinished) {
    return failure('40004', 'Business Failed', 'ACQ.ILLEGAL_SETTLE_STATE', '结算单状态不允许分账');
  }
  if (royalties.length === 0)
    return failure('40004', 'Business Failed', 'ACQ.RECEIVER_LIST_EMPTY', '分账收款方列表为空');
  const relations = relationsOf(state, trade.owner);
  let total = 0;
  const details: AlipaySandboxSettlement['details'] = [];
  for (const royalty of royalties) {
    const transIn = String(royalty.trans_in ?? '');
    if (!relations.has(transIn))
      return failure('40004', 'Business Failed', 'ACQ.ROYALTY_RECEIVER_INVALID', '收入方不在分账关系内');
    let amount: number;
    try {
      amount = parseYuan(String(royalty.amount), 'amount');
    } catch {
      return failure('40004', 'Business Failed', 'ACQ.INVALID_PARAMETER', '参数有误');
    }
    total += amount;
    details.push({
      transIn,
      transInType: String(royalty.trans_in_type ?? 'userId'),
      amount,
      state: state.hold.settlements ? 'PROCESSING' : 'SUCCESS',
      detailId: `${formatAlipayTime(state.now()).replace(/\D/g, '').slice(0, 8)}${randomInt(1e9)}`,
    });
  }
  if (settled(state, trade.tradeNo) + merchantRefunded(state, trade) + total > trade.amount) {
    return failure('40004', 'Business Failed', 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR', '分账金额超过最大可分账金额');
  }
  const settleNo = `${formatAlipayTime(state.now()).replace(/\D/g, '').slice(0, 8)}0025${randomInt(1e9)}`;
  state.settlements.set(key, {
    outRequestNo,
    tradeNo: trade.tradeNo,
    outTradeNo: trade.outTradeNo,
    settleNo,
    owner: trade.owner,
    fingerprint,
    details,
    notifyUrl: params.notify_url ?? trade.notifyUrl,
    operatedAt: state.now(),
  });
  if (finish) trade.royaltyFinished = true;
  return { ...OK, trade_no: trade.tradeNo, settle_no: settleNo };
}

/** A settlement as queries and notifications report it. */
export function settlementNode(state: AlipaySandboxState, key: string): SandboxNode {
  const settlement = state.settlements.get(key);
  if (!settlement) return {};
  return {
    out_request_no: settlement.outRequestNo,
    operation_dt: formatAlipayTime(settlement.operatedAt),
    settle_no: settlement.settleNo,
    royalty_detail_list: settlement.details.map((detail) => ({
      operation_type: 'transfer',
      execute_dt: formatAlipayTime(settlement.operatedAt),
      trans_out: (settlement.owner && state.merchants.get(settlement.owner)?.userId) || state.sellerId,
      trans_out_type: 'userId',
      trans_in: detail.transIn,
      trans_in_type: detail.transInType,
      amount: formatYuan(detail.amount),
      state: detail.state,
      detail_id: detail.detailId,
      ...(detail.errorCode ? { error_code: detail.errorCode, error_desc: detail.errorDesc } : {}),
    })),
  };
}

function orderSettleQuery(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const trade = settleTrade(state, biz, params);
  const key = `${trade?.tradeNo ?? ''} ${String(biz.out_request_no ?? '')}`;
  if (!trade || !state.settlements.has(key)) {
    return failure('40004', 'Business Failed', 'ACQ.TRADE_NOT_EXIST', '交易不存在');
  }
  return { ...OK, ...settlementNode(state, key) };
}

function onsettleQuery(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const trade = settleTrade(state, biz, params);
  if (!trade) return NOT_EXIST;
  const left = trade.royaltyFinished
    ? 0
    : trade.amount - merchantRefunded(state, trade) - settled(state, trade.tradeNo);
  return { ...OK, unsettled_amount: formatYuan(Math.max(0, left)) };
}

function balanceOf(state: AlipaySandboxState, owner: string | undefined): number {
  return state.balances.get(state.payerKey(owner)) ?? state.defaultBalance;
}

/** A transfer as its reply, query and notification report it. */
export function transferNode(transfer: AlipaySandboxTransfer): SandboxNode {
  return {
    out_biz_no: transfer.outBizNo,
    order_id: transfer.orderId,
    pay_fund_order_id: transfer.payFundOrderId,
    status: transfer.status,
    ...(transfer.status === 'SUCCESS' ? { trans_amount: formatYuan(transfer.amount) } : {}),
    ...(transfer.paidAt ? { pay_date: formatAlipayTime(transfer.paidAt) } : {}),
    ...(transfer.failReason ? { fail_reason: transfer.failReason, error_code: 'PAYEE_ACCOUNT_STATUS_ERROR' } : {}),
  };
}

/** What `alipay.fund.trans.uni.transfer` answers: the ids, the status and the date, no amount. */
function transferReply(state: AlipaySandboxState, transfer: AlipaySandboxTransfer): SandboxNode {
  return {
    ...OK,
    out_biz_no: transfer.outBizNo,
    order_id: transfer.orderId,
    pay_fund_order_id: transfer.payFundOrderId,
    status: transfer.status,
    trans_date: formatAlipayTime(state.now()),
  };
}

function uniTransfer(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  // Alipay takes fund transfers only from apps signing in certificate mode.
  if (!params.app_cert_sn || !params.alipay_root_cert_sn) {
    return failure(
      '40006',
      'Insufficient Permissions',
      'isv.insufficient-isv-permissions',
      '该接口仅支持公钥证书方式调用',
    );
  }
  if (biz.product_code !== 'TRANS_ACCOUNT_NO_PWD' || biz.biz_scene !== 'DIRECT_TRANSFER') {
    return failure('40004', 'Business Failed', 'INVALID_PARAMETER', '参数有误');
  }
  const owner = ownerOf(state, params);
  const outBizNo = String(biz.out_biz_no ?? '');
  const payee = (biz.payee_info ?? {}) as SandboxNode;
  const fingerprint = JSON.stringify([biz.trans_amount, payee.identity, payee.identity_type, payee.name]);
  const key = `${state.payerKey(owner)} ${outBizNo}`;
  const existing = state.transfers.get(key);
  if (existing) {
    if (existing.fingerprint !== fingerprint)
      return failure('40004', 'Business Failed', 'PAYMENT_INFO_INCONSISTENCY', '两次请求商户单号一样，但是参数不一致');
    return transferReply(state, existing);
  }
  if (payee.identity_type === 'ALIPAY_LOGON_ID' && !payee.name) {
    return failure('40004', 'Business Failed', 'PAYEE_USER_INFO_ERROR', '支付宝账号和姓名不匹配，请确认姓名是否正确');
  }
  if (
    !['ALIPAY_USER_ID', 'ALIPAY_LOGON_ID', 'ALIPAY_OPEN_ID'].includes(String(payee.identity_type)) ||
    !payee.identity
  ) {
    return failure('40004', 'Business Failed', 'PAYEE_NOT_EXIST', '收款账号不存在');
  }
  let amount: number;
  try {
    amount = parseYuan(String(biz.trans_amount), 'trans_amount');
  } catch {
    return failure('40004', 'Business Failed', 'INVALID_PARAMETER', '参数有误');
  }
  const balance = balanceOf(state, owner);
  if (balance < amount) return failure('40004', 'Business Failed', 'PAYER_BALANCE_NOT_ENOUGH', '付款方余额不足');
  state.balances.set(state.payerKey(owner), balance - amount);
  const stamp = formatAlipayTime(state.now()).replace(/\D/g, '').slice(0, 8);
  const transfer: AlipaySandboxTransfer = {
    outBizNo,
    orderId: `${stamp}11007${randomBytes(8).toString('hex').replace(/\D/g, '1').slice(0, 15)}`,
    payFundOrderId: `${stamp}11007${randomBytes(8).toString('hex').replace(/\D/g, '2').slice(0, 15)}`,
    owner,
    amount,
    status: state.hold.transfers ? 'DEALING' : 'SUCCESS',
    fingerprint,
    failReason: undefined,
    notifyUrl: params.notify_url,
    paidAt: state.hold.transfers ? undefined : state.now(),
  };
  state.transfers.set(key, transfer);
  return transferReply(state, transfer);
}

function transferQuery(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const transfer = state.transfers.get(`${state.payerKey(ownerOf(state, params))} ${String(biz.out_biz_no ?? '')}`);
  if (!transfer) return failure('40004', 'Business Failed', 'ORDER_NOT_EXIST', '转账订单不存在');
  return { ...OK, ...transferNode(transfer) };
}

/** The methods of this file the gateway answers. */
export const ISV_METHODS: Readonly<Record<string, IsvMethodHandler>> = {
  'alipay.open.auth.token.app': appAuthToken,
  'alipay.open.auth.token.app.query': appAuthTokenQuery,
  'alipay.trade.royalty.relation.bind': relationBind,
  'alipay.trade.royalty.relation.unbind': relationUnbind,
  'alipay.trade.royalty.relation.batchquery': relationQuery,
  'alipay.trade.order.settle': orderSettle,
  'alipay.trade.order.settle.query': orderSettleQuery,
  'alipay.trade.order.onsettle.query': onsettleQuery,
  'alipay.fund.trans.uni.transfer': uniTransfer,
  'alipay.fund.trans.common.query': transferQuery,
};
