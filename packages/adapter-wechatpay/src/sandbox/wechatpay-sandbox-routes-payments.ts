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
  // Partner mode (服务商) is the same API under /v3/pay/partner/transactions/, naming sp_mchid and sub_mchid.
  const create = /^\/v3\/pay\/(partner\/)?transactions\/(native|jsapi|app|h5|codepay)$/.exec(url.pathname);
  if (method === 'POST' && create) {
    const partner = create[1] !== undefined;
    if (partner !== (typeof body.sub_mchid === 'string'))
      return errorReply(400, 'PARAM_ERROR', partner ? '缺少sub_mchid' : '参数错误');
    return createPayment(state, create[2] as keyof typeof TRADE_TYPES, body);
  }
  const byOrder = /^\/v3\/pay\/(partner\/)?transactions\/out-trade-no\/([^/]+)(\/close|\/reverse)?$/.exec(url.pathname);
  if (!byOrder) return undefined;
  const partner = byOrder[1] !== undefined;
  const action = byOrder[3];
  const found = state.transactions.get(state.alias(decodeURIComponent(byOrder[2] as string)));
  // A sub-merchant sees only its own transactions; a direct merchant only its own.
  const subMchId = method === 'GET' ? url.searchParams.get('sub_mchid') : body.sub_mchid;
  const transaction =
    found && (partner ? found.subMchId === subMchId : found.subMchId === undefined) ? found : undefined;
  if (partner && typeof subMchId === 'string' && !state.subMerchants.has(subMchId))
    return errorReply(403, 'NO_AUTH', '受理关系不存在');
  if (!transaction) return errorReply(404, 'ORDER_NOT_EXIST', '订单不存在');
  if (method === 'POST' && (partner ? body.sp_mchid : body.mchid) !== state.mchId)
    return errorReply(400, 'PARAM_ERROR', partner ? 'sp_mchid错误' : 'mchid错误');
  if (method === 'GET' && !action) {
    const mchid = url.searchParams.get(partner ? 'sp_mchid' : 'mchid');
    if (mchid !== state.mchId) return errorReply(400, 'PARAM_ERROR', partner ? 'sp_mchid错误' : 'mchid错误');
    return { status: 200, body: state.transactionJson(transaction) };
  }
  if (method === 'POST' && action === '/close') {
    if (transaction.tradeState === 'SUCCESS' || transaction.tradeState === 'REFUND')
      return errorReply(400, 'ORDERPAID', '订单已支付');
    transaction.tradeState = 'CLOSED';
    return { status: 204 };
  }
  if (method === 'POST' && action === '/reverse') {
    if (transaction.tradeState === 'SUCCESS') {
      transaction.refunds.set(`reverse${transaction.transactionId}`, {
        refundId: `50${Date.now()}`,
        amount: transaction.amount,
        status: 'SUCCESS',
        notifyUrl: undefined,
      });
    }
    transaction.tradeState = 'REVOKED';
    const party = partner
      ? { sp_mchid: state.mchId, sub_mchid: transaction.subMchId }
      : { appid: transaction.appId, mchid: state.mchId };
    return {
      status: 200,
      body: { ...party, out_trade_no: transaction.outTradeNo, transaction_id: transaction.transactionId },
    };
  }
  return undefined;
}

/** `POST /v3/pay/transactions/{kind}`: the prepay id, Native code, H5 link or payment-code result. */
function createPayment(state: WechatpaySandboxState, kind: keyof typeof TRADE_TYPES, body: Json): SandboxReply {
  const payer = body.payer as Json | undefined;
  const openid = typeof body.sub_mchid === 'string' ? (payer?.sub_openid ?? payer?.sp_openid) : payer?.openid;
  if (kind === 'jsapi' && !openid)
    return errorReply(
      400,
      'PARAM_ERROR',
      typeof body.sub_mchid === 'string' ? '缺少payer.sp_openid或sub_openid' : '缺少payer.openid',
    );
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
