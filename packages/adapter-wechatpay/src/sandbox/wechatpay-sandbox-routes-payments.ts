/**
 * The WeChat Pay sandbox's payment APIs: placing a transaction (`native`, `jsapi`, `app`, `h5`,
 * `codepay`), querying it by `out_trade_no`, closing it and reversing a payment-code payment.
 *
 * @packageDocumentation
 */
import { randomBytes, randomInt } from 'node:crypto';
import { errorReply, type Json, type SandboxReply, type WechatpaySandboxState } from './wechatpay-sandbox-state.js';

const TRADE_TYPES = { native: 'NATIVE', jsapi: 'JSAPI', app: 'APP', h5: 'MWEB', codepay: 'MICROPAY' } as const;

/**
 * Answers a payment API request; `undefined` when the request is not one.
 *
 * @example
 * ```ts
 * const reply = routePayments(state, 'GET', url, {});
 * ```
 */
export function routePayments(
  state: WechatpaySandboxState,
  method: string,
  url: URL,
  body: Json,
): SandboxReply | undefined {
  const create = /^\/v3\/pay\/transactions\/(native|jsapi|app|h5|codepay)$/.exec(url.pathname);
  if (method === 'POST' && create) return createPayment(state, create[1] as keyof typeof TRADE_TYPES, body);
  const byOrder = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)(\/close|\/reverse)?$/.exec(url.pathname);
  if (!byOrder) return undefined;
  const transaction = state.transactions.get(state.alias(decodeURIComponent(byOrder[1] as string)));
  if (!transaction) return errorReply(404, 'ORDER_NOT_EXIST', '订单不存在');
  if (method === 'GET' && !byOrder[2]) {
    if (url.searchParams.get('mchid') !== state.mchId) return errorReply(400, 'PARAM_ERROR', 'mchid错误');
    return { status: 200, body: state.transactionJson(transaction) };
  }
  if (method === 'POST' && byOrder[2] === '/close') {
    if (transaction.tradeState === 'SUCCESS' || transaction.tradeState === 'REFUND')
      return errorReply(400, 'ORDERPAID', '订单已支付');
    transaction.tradeState = 'CLOSED';
    return { status: 204 };
  }
  if (method === 'POST' && byOrder[2] === '/reverse') {
    if (transaction.tradeState === 'SUCCESS') {
      transaction.refunds.set(`reverse${transaction.transactionId}`, {
        refundId: `50${Date.now()}`,
        amount: transaction.amount,
        status: 'SUCCESS',
        notifyUrl: undefined,
      });
    }
    transaction.tradeState = 'REVOKED';
    return {
      status: 200,
      body: { out_trade_no: transaction.outTradeNo, transaction_id: transaction.transactionId },
    };
  }
  return undefined;
}

/** `POST /v3/pay/transactions/{kind}`: the prepay id, Native code, H5 link or payment-code result. */
function createPayment(state: WechatpaySandboxState, kind: keyof typeof TRADE_TYPES, body: Json): SandboxReply {
  const payer = body.payer as Json | undefined;
  if (kind === 'jsapi' && !payer?.openid) return errorReply(400, 'PARAM_ERROR', '缺少payer.openid');
  if (kind === 'h5' && !(body.scene_info as Json | undefined)?.payer_client_ip)
    return errorReply(400, 'PARAM_ERROR', '缺少payer_client_ip');
  // WeChat Pay's payment codes are 18 digits starting 10 to 15; another code makes no transaction.
  const authCode = String(payer?.auth_code ?? '');
  if (kind === 'codepay' && !/^1[0-5]\d{16}$/.test(authCode))
    return errorReply(400, 'AUTH_CODE_INVALID', '付款码无效，请重新扫码');
  const made = state.createTransaction(TRADE_TYPES[kind], body);
  if (!('outTradeNo' in made)) return made;
  const prepayId = `wx${Date.now()}${randomBytes(8).toString('hex')}`;
  state.cashier.set(prepayId, made);
  switch (kind) {
    case 'native': {
      const code = `weixin://wxpay/bizpayurl?pr=${made.transactionId.slice(-10)}`;
      state.cashier.set(code, made);
      return { status: 200, body: { code_url: code } };
    }
    case 'h5':
      return {
        status: 200,
        body: {
          h5_url: `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${prepayId}&package=${randomInt(1e9)}`,
        },
      };
    case 'codepay':
      // Payment codes starting 139 make the buyer confirm with a password first.
      if (authCode.startsWith('139')) {
        made.tradeState = 'USERPAYING';
        return { status: 202, body: state.transactionJson(made) };
      }
      made.tradeState = 'SUCCESS';
      made.successTime = state.now();
      return { status: 200, body: state.transactionJson(made) };
    case 'jsapi':
    case 'app':
      return { status: 200, body: { prepay_id: prepayId } };
  }
}
