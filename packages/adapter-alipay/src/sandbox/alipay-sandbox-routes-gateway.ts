/**
 * The sandbox's gateway API (`gateway.do`): every method hutong calls, one small function each,
 * answering as Alipay does (its result codes, `sub_code`s and fields), after the request's
 * signature is checked with the app's public key.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { decodeAlipayForm, formatAlipayTime, responseNodeName } from '@hutong/adapter-alipay/protocol';
import { formatYuan, parseYuan } from '@hutong/core';
import { signedReply } from './alipay-sandbox-messages.js';
import { refundRoyaltyLines, royaltyReturnsOf } from './alipay-sandbox-refund-royalty.js';
import { ISV_METHODS } from './alipay-sandbox-routes-isv.js';
import { answerAlipayBillDownloadUrl, recordAlipaySandboxRefund } from './alipay-sandbox-routes-statements.js';
import { type AlipaySandboxState, failure, NOT_EXIST, type SandboxNode } from './alipay-sandbox-state.js';

/** How long an auth code is good for: Alipay documents minutes to a day; the sandbox takes 10 minutes. */
const AUTH_CODE_TTL_MS = 10 * 60 * 1000;

const OK = { code: '10000', msg: 'Success' } as const;

/** One gateway method: the state, the parsed `biz_content` and the request's parameters. */
type MethodHandler = (state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>) => SandboxNode;

/** The trade `biz` names, when it is the acting merchant's (another merchant's token finds none). */
function tradeOf(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>) {
  const trade = state.trades.get(String(biz.out_trade_no ?? ''));
  const acting = state.ownerOf(params);
  return trade && 'owner' in acting && trade.owner === acting.owner ? trade : undefined;
}

function precreate(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const result = state.createTrade(biz, params);
  if ('error' in result) return result.error;
  const { trade } = result;
  return { ...OK, out_trade_no: trade.outTradeNo, qr_code: `https://qr.alipay.com/sandbox${trade.tradeNo}` };
}

function create(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  if (!biz.buyer_id && !biz.buyer_open_id) {
    return failure('40004', 'Business Failed', 'ACQ.INVALID_PARAMETER', '买家id不能为空');
  }
  const result = state.createTrade(biz, params);
  if ('error' in result) return result.error;
  return { ...OK, out_trade_no: result.trade.outTradeNo, trade_no: result.trade.tradeNo };
}

function pay(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  // Alipay's payment codes are 16 to 24 digits starting 25 to 30; another code makes no trade.
  if (!/^(2[5-9]|30)\d{14,22}$/.test(String(biz.auth_code))) {
    return failure(
      '40004',
      'Business Failed',
      'ACQ.PAYMENT_AUTH_CODE_INVALID',
      '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款',
    );
  }
  const result = state.createTrade(biz, params);
  if ('error' in result) return result.error;
  const { trade } = result;
  const reply = { out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo, total_amount: formatYuan(trade.amount) };
  // Payment codes starting 26 make the buyer confirm with a password first (code 10003).
  if (String(biz.auth_code).startsWith('26')) return { code: '10003', msg: 'order success pay inprocess', ...reply };
  state.markPaid(trade);
  return { ...OK, ...reply, buyer_user_id: trade.buyerId, gmt_payment: formatAlipayTime(trade.paidAt as Date) };
}

function query(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const trade = tradeOf(state, biz, params);
  if (!trade) return NOT_EXIST;
  return {
    ...OK,
    out_trade_no: trade.outTradeNo,
    trade_no: trade.tradeNo,
    trade_status: trade.status,
    total_amount: formatYuan(trade.amount),
    buyer_user_id: trade.buyerId,
    ...(trade.paidAt ? { send_pay_date: formatAlipayTime(trade.paidAt) } : {}),
  };
}

function close(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const trade = tradeOf(state, biz, params);
  if (!trade) return NOT_EXIST;
  if (trade.status !== 'WAIT_BUYER_PAY' && trade.status !== 'TRADE_CLOSED') {
    return failure('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
  }
  trade.status = 'TRADE_CLOSED';
  return { ...OK, out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo };
}

function cancel(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const trade = tradeOf(state, biz, params);
  if (!trade) return { ...OK, retry_flag: 'N', action: 'close', out_trade_no: biz.out_trade_no };
  const action = trade.status === 'TRADE_SUCCESS' ? 'refund' : 'close';
  if (action === 'refund') trade.refunds.set(`cancel-${trade.tradeNo}`, trade.amount - state.refunded(trade));
  trade.status = 'TRADE_CLOSED';
  return { ...OK, retry_flag: 'N', action, out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo };
}

function refund(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const trade = tradeOf(state, biz, params);
  if (!trade) return NOT_EXIST;
  const requestNo = String(biz.out_request_no ?? trade.outTradeNo);
  const amount = parseYuan(String(biz.refund_amount), 'refund_amount');
  const repeated = trade.refunds.has(requestNo);
  if (!repeated) {
    if (trade.status !== 'TRADE_SUCCESS')
      return failure('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    if (state.refunded(trade) + amount > trade.amount) {
      return failure('40004', 'Business Failed', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
    }
    // 退分账: the receivers named give back their part of the refund (checked first: all or nothing).
    const royalty = royaltyReturnsOf(state, trade, biz, amount);
    if ('error' in royalty) return royalty.error;
    trade.refunds.set(requestNo, amount);
    if (royalty.returns.length > 0) {
      trade.royaltyReturns ??= new Map();
      trade.royaltyReturns.set(requestNo, royalty.returns);
    }
    recordAlipaySandboxRefund(trade, requestNo, state.now());
    if (state.refunded(trade) === trade.amount) trade.status = 'TRADE_CLOSED';
  }
  return {
    ...OK,
    out_trade_no: trade.outTradeNo,
    trade_no: trade.tradeNo,
    fund_change: repeated ? 'N' : 'Y',
    refund_fee: formatYuan(state.refunded(trade)),
    gmt_refund_pay: formatAlipayTime(state.now()),
  };
}

function refundQuery(state: AlipaySandboxState, biz: SandboxNode, params: Record<string, string>): SandboxNode {
  const trade = tradeOf(state, biz, params);
  if (!trade) return NOT_EXIST;
  const requestNo = String(biz.out_request_no ?? '');
  const amount = trade.refunds.get(requestNo);
  if (amount === undefined) return { ...OK };
  const royalties = refundRoyaltyLines(trade, requestNo);
  return {
    ...OK,
    out_trade_no: trade.outTradeNo,
    trade_no: trade.tradeNo,
    out_request_no: requestNo,
    total_amount: formatYuan(trade.amount),
    refund_amount: formatYuan(amount),
    refund_status: 'REFUND_SUCCESS',
    ...(royalties ? { refund_royaltys: royalties } : {}),
  };
}

function oauthToken(state: AlipaySandboxState, _biz: SandboxNode, params: Record<string, string>): SandboxNode {
  if (params.grant_type !== 'authorization_code')
    return failure('40002', 'Invalid Arguments', 'isv.grant-type-invalid', 'grant_type参数不正确');
  const issued = state.authCodes.get(params.code ?? '');
  if (!issued || issued.used || state.now().getTime() - issued.issuedAt > AUTH_CODE_TTL_MS)
    return failure('40002', 'Invalid Arguments', 'isv.code-invalid', '授权码code无效');
  issued.used = true;
  return {
    [state.idScheme]: state.buyerId,
    access_token: `authbseB${randomBytes(16).toString('hex')}`,
    expires_in: 1296000,
    refresh_token: `authbseB${randomBytes(16).toString('hex')}`,
    re_expires_in: 2592000,
    auth_start: formatAlipayTime(state.now()),
  };
}

/** The methods the sandbox answers; any other is `isv.invalid-method`. */
const METHODS: Readonly<Record<string, MethodHandler>> = {
  'alipay.trade.precreate': precreate,
  'alipay.trade.create': create,
  'alipay.trade.pay': pay,
  'alipay.trade.query': query,
  'alipay.trade.close': close,
  'alipay.trade.cancel': cancel,
  'alipay.trade.refund': refund,
  'alipay.trade.fastpay.refund.query': refundQuery,
  'alipay.system.oauth.token': oauthToken,
  'alipay.data.dataservice.bill.downloadurl.query': answerAlipayBillDownloadUrl,
  ...ISV_METHODS,
};

/**
 * Answers one gateway request (system parameters in the URL query, the rest in the form body) with
 * the signed JSON text Alipay would send: an `error_response` for a bad signature or `biz_content`,
 * otherwise the method's node, after any edit (`alterNextReply`) queued for it.
 *
 * @example
 * ```ts
 * const text = answerGatewayRequest(state, request.url, await request.text());
 * ```
 */
export function answerGatewayRequest(state: AlipaySandboxState, url: string, body: string): string {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const params = { ...decodeAlipayForm(query), ...decodeAlipayForm(body) };
  const method = params.method ?? '';
  const refused = state.checkSignature(params);
  if (refused) return signedReply(state, 'error_response', refused);
  let biz: SandboxNode;
  try {
    biz = JSON.parse(params.biz_content ?? '{}') as SandboxNode;
  } catch {
    return signedReply(
      state,
      'error_response',
      failure('40002', 'Invalid Arguments', 'isv.invalid-biz-content', 'biz_content不是JSON'),
    );
  }
  const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
  let node = handler
    ? handler(state, biz, params)
    : failure('40002', 'Invalid Arguments', 'isv.invalid-method', '不存在的方法名');
  const edit = state.edits.get(method);
  if (edit) {
    state.edits.delete(method);
    node = edit(node);
  }
  // alipay.system.oauth.token answers its errors as error_response, its success without a code.
  if (method === 'alipay.system.oauth.token' && node.code !== undefined)
    return signedReply(state, 'error_response', node);
  return signedReply(state, responseNodeName(method), node);
}
