/**
 * A local fake of the Alipay gateway, faithful to the protocol: it holds its own key pair, checks
 * every request's RSA2 signature with the app's public key (a bad one gets Alipay's own
 * `isv.invalid-signature` reply), keeps trades and refunds, answers every method hutong uses with
 * signed responses (with `/` escaped as `\/`, like Alipay, so raw-text verification is exercised),
 * and lets a test or demo act as the buyer and post signed notifications.
 *
 * @packageDocumentation
 */
import { generateKeyPairSync, type KeyObject, randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  alipaySigningString,
  decodeAlipayForm,
  formatAlipayTime,
  responseNodeName,
  signAlipayContent,
  verifyAlipayContent,
} from '@hutong/adapter-alipay/protocol';
import {
  formatYuan,
  type NormalizedProviderCode,
  type NotificationInput,
  OrderNotFoundError,
  ProviderApiError,
  parseYuan,
  UnsupportedOperationError,
  ValidationError,
} from '@hutong/core';
import { loadRsaPublicKey } from '@hutong/core/provider-utils';
import { createSandboxOutbox, type WalletSandbox, type WalletSandboxServer } from '@hutong/core/testing';

/** Options of {@link createAlipaySandbox}. */
export interface AlipaySandboxOptions {
  /** The app id the sandbox serves. */
  appId: string;
  /** The app's public key (PEM or base64): requests are checked with it, as Alipay does. */
  appPublicKey: string;
  /** The seller (merchant) user id put in notifications. Default `2088000000000001`. */
  sellerId?: string | undefined;
  /** The sandbox clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /**
   * Which id the fake OAuth's `alipay.system.oauth.token` returns: `user_id` (`2088...`, the
   * default) or `open_id`, as for apps on Alipay's open-id scheme.
   */
  idScheme?: 'user_id' | 'open_id' | undefined;
}

/** A trade as the sandbox keeps it. */
export interface AlipaySandboxTrade {
  outTradeNo: string;
  tradeNo: string;
  amount: number;
  subject: string;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';
  notifyUrl: string | undefined;
  /** Where the cashier sends the buyer after paying (`return_url`). */
  returnUrl: string | undefined;
  buyerId: string;
  paidAt: Date | undefined;
  /** Refunds by `out_request_no`, in fen. */
  refunds: Map<string, number>;
  /** The business parameters the trade was created with (a repeat must carry the same). */
  bizContent: string;
}

/**
 * The Alipay sandbox: a {@link WalletSandbox} (`baseUrl` is the gateway URL, `.../gateway.do`) with
 * Alipay's extras. Its host also serves what the buyer's browser sees: the cashier a `page` or `h5`
 * form opens (a page with a pay button that notifies the merchant and returns to `return_url`),
 * Alipay's silent OAuth page (`/oauth2/publicAppAuthorize.htm`, straight back with an
 * `auth_code`, which `alipay.system.oauth.token` exchanges) and a fake `AlipayJSBridge` at
 * {@link ALIPAY_SANDBOX_BRIDGE_PATH} whose `tradePay` pays a JSAPI trade. Over HTTP
 * (`listen()`) a browser reaches them.
 */
export interface AlipaySandbox extends WalletSandbox<AlipaySandboxTrade> {
  readonly wallet: 'alipay';
  /** The sandbox buyer's id, what its OAuth returns: a `2088...` user id, or an open id (`idScheme: 'open_id'`). */
  readonly buyerId: string;
  /** The sandbox's public key (PEM): pass it as `alipayPublicKey`. */
  readonly alipayPublicKey: string;
  /** The seller (merchant) user id the notifications carry: pass it as `sellerId`. */
  readonly sellerId: string;
  /**
   * The buyer opens what the merchant's front end was given: a `form` or `redirect` (page and wap
   * payments) or `app` order string is signature-checked, as Alipay's cashier does, and creates the
   * trade; a `qr` code or `jsapi` trade number must name a trade the gateway created.
   */
  open: WalletSandbox['open'];
  /**
   * The buyer pays; returns the signed `TRADE_SUCCESS` notification. `amount` reports another
   * amount; `currency` a payment priced in another currency (`trans_currency`).
   */
  pay: WalletSandbox['pay'];
  /** The trade times out unpaid; returns the signed `TRADE_CLOSED` notification. */
  expire(orderId: string): NotificationInput;
  /**
   * The signed notification Alipay posts after a refund (`out_biz_no`, cumulative `refund_fee`).
   * Alipay refunds synchronously and never notifies a failed refund: `fail: true` throws
   * `UnsupportedOperationError`.
   */
  settleRefund: WalletSandbox['settleRefund'];
  /**
   * Edits the next reply to `method` before it is signed, as a faulty gateway would answer (a
   * field missing, a status Alipay never documented): the reply still verifies.
   *
   * @example
   * ```ts
   * sandbox.alterNextReply('alipay.trade.precreate', ({ qr_code, ...node }) => node);
   * ```
   */
  alterNextReply(method: string, edit: (node: Record<string, unknown>) => Record<string, unknown>): void;
}

/** The sandbox's in-process gateway address (never resolved: requests go to the in-process fetch). */
export const ALIPAY_SANDBOX_GATEWAY = 'https://alipay.sandbox.hutong.invalid/gateway.do';

/** Where the sandbox serves its fake `AlipayJSBridge`. */
export const ALIPAY_SANDBOX_BRIDGE_PATH = '/sandbox/alipay/bridge.js';
/** The bridge's `tradePay`: POST `{ tradeNO }`, get Alipay's `resultCode` back. */
export const ALIPAY_SANDBOX_BRIDGE_PAY_PATH = '/sandbox/alipay/bridge/pay';
/** The cashier page's pay button posts here. */
const CASHIER_PAY_PATH = '/sandbox/alipay/cashier/pay';
/** Alipay's silent OAuth page, on the sandbox's host. */
const AUTHORIZE_PATH = '/oauth2/publicAppAuthorize.htm';
/** How long an auth code is good for: Alipay documents minutes to a day; the sandbox takes 10 minutes. */
const AUTH_CODE_TTL_MS = 10 * 60 * 1000;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The fake `AlipayJSBridge`: `call('tradePay', { tradeNO }, callback)` asks the sandbox at `base` to
 * pay the trade and calls back with Alipay's `resultCode` (`9000` paid, `4000` refused).
 */
function alipayBridgeScript(base: string): string {
  return `/* hutong Alipay sandbox: a fake AlipayJSBridge */
(function () {
  var base = ${JSON.stringify(base)};
  function answer(callback, result) { if (typeof callback === 'function') setTimeout(function () { callback(result); }, 0); }
  function call(name, params, callback) {
    if (typeof params === 'function') { callback = params; params = {}; }
    if (name !== 'tradePay') { answer(callback, { error: 1, errorMessage: name + ' is not faked by the sandbox' }); return; }
    fetch(base + ${JSON.stringify(ALIPAY_SANDBOX_BRIDGE_PAY_PATH)}, { method: 'POST', body: JSON.stringify(params || {}) })
      .then(function (response) { return response.json(); })
      .then(function (result) { answer(callback, result); }, function () { answer(callback, { resultCode: '6002' }); });
  }
  window.AlipayJSBridge = { call: call };
  function ready() { document.dispatchEvent(new Event('AlipayJSBridgeReady')); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready); else ready();
})();
`;
}

type Node = Record<string, unknown>;

class AlipayReply {
  constructor(
    readonly name: string,
    readonly node: Node,
  ) {}
}

/** The business parameters that bind a trade, in a stable order (payment-code fields aside). */
function canonicalBiz(biz: Node): string {
  const { auth_code: _authCode, scene: _scene, ...rest } = biz;
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((key) => [key, rest[key]]),
  );
}

/** A cashier refusal as a hutong error, with Alipay's `sub_code`. */
function refusal(node: Node): ProviderApiError {
  const code = String(node.sub_code);
  const normalizedCode: NormalizedProviderCode = code.includes('signature')
    ? 'invalid_signature'
    : code === 'ACQ.TRADE_HAS_SUCCESS'
      ? 'already_paid'
      : code === 'ACQ.TRADE_HAS_CLOSE'
        ? 'closed'
        : 'invalid_request';
  return new ProviderApiError({
    provider: 'alipay',
    providerCode: code,
    providerMessage: String(node.sub_msg),
    normalizedCode,
  });
}

function failure(code: string, msg: string, subCode: string, subMsg: string): Node {
  return { code, msg, sub_code: subCode, sub_msg: subMsg };
}

const NOT_EXIST = failure('40004', 'Business Failed', 'ACQ.TRADE_NOT_EXIST', '交易不存在');

/**
 * Creates an Alipay sandbox.
 *
 * @example
 * ```ts
 * const sandbox = createAlipaySandbox({ appId, appPublicKey });
 * const provider = alipay({ appId, privateKey, alipayPublicKey: sandbox.alipayPublicKey,
 *   sellerId: sandbox.sellerId, endpoint: sandbox.baseUrl, fetch: sandbox.fetch });
 * ```
 */
export function createAlipaySandbox(options: AlipaySandboxOptions): AlipaySandbox {
  const appKey: KeyObject = loadRsaPublicKey(options.appPublicKey, 'options.appPublicKey');
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sellerId = options.sellerId ?? '2088000000000001';
  const now = options.now ?? (() => new Date());
  const trades = new Map<string, AlipaySandboxTrade>();
  const edits = new Map<string, (node: Node) => Node>();
  const outbox = createSandboxOutbox('alipay');
  const idScheme = options.idScheme ?? 'user_id';
  const buyerId =
    idScheme === 'open_id'
      ? `0${randomBytes(21).toString('base64url').replace(/[-_]/g, '0')}`
      : `2088${String(randomInt(1e6)).padStart(6, '0')}${String(randomInt(1e6)).padStart(6, '0')}`;
  /** Auth codes the OAuth page issued, and when; each exchanges once. */
  const authCodes = new Map<string, { issuedAt: number; used: boolean }>();
  let sequence = 0;

  const tradeNo = () =>
    `${formatAlipayTime(now()).replace(/\D/g, '').slice(0, 8)}22001${String(++sequence).padStart(8, '0')}${randomInt(1e6)}`;

  function signedReply(reply: AlipayReply): string {
    // Alipay escapes "/" in its JSON; the signature covers the text exactly as sent.
    const text = JSON.stringify(reply.node).replaceAll('/', '\\/');
    const sign = signAlipayContent(text, privateKey);
    return `{"${reply.name}":${text},"sign":"${sign}"}`;
  }

  function checkSignature(params: Record<string, string>): Node | undefined {
    if (params.app_id !== options.appId)
      return failure('40002', 'Invalid Arguments', 'isv.invalid-app-id', '无效的AppID参数');
    if (!params.sign) return failure('40001', 'Missing Required Arguments', 'isv.missing-signature', '缺少签名参数');
    if (params.sign_type !== 'RSA2' || !verifyAlipayContent(alipaySigningString(params), params.sign, appKey)) {
      return failure(
        '40002',
        'Invalid Arguments',
        'isv.invalid-signature',
        '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配',
      );
    }
    return undefined;
  }

  function createTrade(biz: Node, params: Record<string, string>): { trade: AlipaySandboxTrade } | { error: Node } {
    const outTradeNo = String(biz.out_trade_no ?? '');
    const existing = trades.get(outTradeNo);
    if (existing) {
      if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') {
        return { error: failure('40004', 'Business Failed', 'ACQ.TRADE_HAS_SUCCESS', '交易已被支付') };
      }
      if (existing.status === 'TRADE_CLOSED') {
        return { error: failure('40004', 'Business Failed', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭') };
      }
      // The same out_trade_no may be paid again while unpaid, with the same business parameters only.
      if (existing.bizContent !== canonicalBiz(biz)) {
        return { error: failure('40004', 'Business Failed', 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改') };
      }
      return { trade: existing };
    }
    const trade: AlipaySandboxTrade = {
      outTradeNo,
      tradeNo: tradeNo(),
      amount: parseYuan(String(biz.total_amount), 'total_amount'),
      subject: String(biz.subject ?? ''),
      status: 'WAIT_BUYER_PAY',
      notifyUrl: params.notify_url,
      returnUrl: params.return_url,
      buyerId: String(
        biz.buyer_id ??
          biz.buyer_open_id ??
          `2088${String(randomInt(2 ** 40))
            .padStart(12, '0')
            .slice(0, 12)}`,
      ),
      paidAt: undefined,
      refunds: new Map(),
      bizContent: canonicalBiz(biz),
    };
    trades.set(outTradeNo, trade);
    return { trade };
  }

  function refunded(trade: AlipaySandboxTrade): number {
    let total = 0;
    for (const amount of trade.refunds.values()) total += amount;
    return total;
  }

  function markPaid(trade: AlipaySandboxTrade): void {
    trade.status = 'TRADE_SUCCESS';
    trade.paidAt = now();
  }

  function answer(method: string, biz: Node, params: Record<string, string>): Node {
    const trade = trades.get(String(biz.out_trade_no ?? ''));
    const ok = { code: '10000', msg: 'Success' };
    switch (method) {
      case 'alipay.trade.precreate': {
        const result = createTrade(biz, params);
        if ('error' in result) return result.error;
        const created = result.trade;
        return { ...ok, out_trade_no: created.outTradeNo, qr_code: `https://qr.alipay.com/sandbox${created.tradeNo}` };
      }
      case 'alipay.trade.create': {
        if (!biz.buyer_id && !biz.buyer_open_id) {
          return failure('40004', 'Business Failed', 'ACQ.INVALID_PARAMETER', '买家id不能为空');
        }
        const result = createTrade(biz, params);
        if ('error' in result) return result.error;
        const created = result.trade;
        return { ...ok, out_trade_no: created.outTradeNo, trade_no: created.tradeNo };
      }
      case 'alipay.trade.pay': {
        // Alipay's payment codes are 16 to 24 digits starting 25 to 30; another code makes no trade.
        if (!/^(2[5-9]|30)\d{14,22}$/.test(String(biz.auth_code))) {
          return failure(
            '40004',
            'Business Failed',
            'ACQ.PAYMENT_AUTH_CODE_INVALID',
            '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款',
          );
        }
        const result = createTrade(biz, params);
        if ('error' in result) return result.error;
        const created = result.trade;
        const reply = {
          out_trade_no: created.outTradeNo,
          trade_no: created.tradeNo,
          total_amount: formatYuan(created.amount),
        };
        // Payment codes starting 26 make the buyer confirm with a password first (code 10003).
        if (String(biz.auth_code).startsWith('26'))
          return { code: '10003', msg: 'order success pay inprocess', ...reply };
        markPaid(created);
        return {
          ...ok,
          ...reply,
          buyer_user_id: created.buyerId,
          gmt_payment: formatAlipayTime(created.paidAt as Date),
        };
      }
      case 'alipay.trade.query': {
        if (!trade) return NOT_EXIST;
        return {
          ...ok,
          out_trade_no: trade.outTradeNo,
          trade_no: trade.tradeNo,
          trade_status: trade.status,
          total_amount: formatYuan(trade.amount),
          buyer_user_id: trade.buyerId,
          ...(trade.paidAt ? { send_pay_date: formatAlipayTime(trade.paidAt) } : {}),
        };
      }
      case 'alipay.trade.close': {
        if (!trade) return NOT_EXIST;
        if (trade.status !== 'WAIT_BUYER_PAY' && trade.status !== 'TRADE_CLOSED') {
          return failure('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        }
        trade.status = 'TRADE_CLOSED';
        return { ...ok, out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo };
      }
      case 'alipay.trade.cancel': {
        if (!trade) return { ...ok, retry_flag: 'N', action: 'close', out_trade_no: biz.out_trade_no };
        const action = trade.status === 'TRADE_SUCCESS' ? 'refund' : 'close';
        if (action === 'refund') trade.refunds.set(`cancel-${trade.tradeNo}`, trade.amount - refunded(trade));
        trade.status = 'TRADE_CLOSED';
        return { ...ok, retry_flag: 'N', action, out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo };
      }
      case 'alipay.trade.refund': {
        if (!trade) return NOT_EXIST;
        const requestNo = String(biz.out_request_no ?? trade.outTradeNo);
        const amount = parseYuan(String(biz.refund_amount), 'refund_amount');
        const repeated = trade.refunds.has(requestNo);
        if (!repeated) {
          if (trade.status !== 'TRADE_SUCCESS')
            return failure('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
          if (refunded(trade) + amount > trade.amount) {
            return failure('40004', 'Business Failed', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
          }
          trade.refunds.set(requestNo, amount);
          if (refunded(trade) === trade.amount) trade.status = 'TRADE_CLOSED';
        }
        return {
          ...ok,
          out_trade_no: trade.outTradeNo,
          trade_no: trade.tradeNo,
          fund_change: repeated ? 'N' : 'Y',
          refund_fee: formatYuan(refunded(trade)),
          gmt_refund_pay: formatAlipayTime(now()),
        };
      }
      case 'alipay.trade.fastpay.refund.query': {
        if (!trade) return NOT_EXIST;
        const requestNo = String(biz.out_request_no ?? '');
        const amount = trade.refunds.get(requestNo);
        if (amount === undefined) return { ...ok };
        return {
          ...ok,
          out_trade_no: trade.outTradeNo,
          trade_no: trade.tradeNo,
          out_request_no: requestNo,
          total_amount: formatYuan(trade.amount),
          refund_amount: formatYuan(amount),
          refund_status: 'REFUND_SUCCESS',
        };
      }
      case 'alipay.system.oauth.token': {
        if (params.grant_type !== 'authorization_code')
          return failure('40002', 'Invalid Arguments', 'isv.grant-type-invalid', 'grant_type参数不正确');
        const issued = authCodes.get(params.code ?? '');
        if (!issued || issued.used || now().getTime() - issued.issuedAt > AUTH_CODE_TTL_MS)
          return failure('40002', 'Invalid Arguments', 'isv.code-invalid', '授权码code无效');
        issued.used = true;
        return {
          [idScheme]: buyerId,
          access_token: `authbseB${randomBytes(16).toString('hex')}`,
          expires_in: 1296000,
          refresh_token: `authbseB${randomBytes(16).toString('hex')}`,
          re_expires_in: 2592000,
          auth_start: formatAlipayTime(now()),
        };
      }
      case 'alipay.data.dataservice.bill.downloadurl.query':
        return {
          ...ok,
          bill_download_url: `https://dwbillcenter.alipay.com/sandbox?bill_date=${String(biz.bill_date)}&bill_type=${String(biz.bill_type)}`,
        };
      default:
        return failure('40002', 'Invalid Arguments', 'isv.invalid-method', '不存在的方法名');
    }
  }

  function handle(url: string, body: string): string {
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const params = { ...decodeAlipayForm(query), ...decodeAlipayForm(body) };
    const method = params.method ?? '';
    const refused = checkSignature(params);
    if (refused) return signedReply(new AlipayReply('error_response', refused));
    let biz: Node;
    try {
      biz = JSON.parse(params.biz_content ?? '{}') as Node;
    } catch {
      return signedReply(
        new AlipayReply(
          'error_response',
          failure('40002', 'Invalid Arguments', 'isv.invalid-biz-content', 'biz_content不是JSON'),
        ),
      );
    }
    let node = answer(method, biz, params);
    const edit = edits.get(method);
    if (edit) {
      edits.delete(method);
      node = edit(node);
    }
    // alipay.system.oauth.token answers its errors as error_response, its success without a code.
    if (method === 'alipay.system.oauth.token' && node.code !== undefined)
      return signedReply(new AlipayReply('error_response', node));
    return signedReply(new AlipayReply(responseNodeName(method), node));
  }

  function signedNotification(trade: AlipaySandboxTrade, extra: Record<string, string> = {}): NotificationInput {
    const at = now();
    const params: Record<string, string> = {
      gmt_create: formatAlipayTime(at),
      charset: 'utf-8',
      seller_email: 'sandbox-seller@hutong.invalid',
      subject: trade.subject,
      buyer_id: trade.buyerId,
      invoice_amount: formatYuan(trade.amount),
      notify_id: `${Date.now()}${randomInt(1e9)}`,
      fund_bill_list: `[{"amount":"${formatYuan(trade.amount)}","fundChannel":"ALIPAYACCOUNT"}]`,
      notify_type: 'trade_status_sync',
      trade_status: trade.status,
      receipt_amount: formatYuan(trade.amount),
      app_id: options.appId,
      buyer_pay_amount: formatYuan(trade.amount),
      sign_type: 'RSA2',
      seller_id: sellerId,
      notify_time: formatAlipayTime(at),
      version: '1.0',
      out_trade_no: trade.outTradeNo,
      total_amount: formatYuan(trade.amount),
      trade_no: trade.tradeNo,
      auth_app_id: options.appId,
      point_amount: '0.00',
      ...(trade.paidAt ? { gmt_payment: formatAlipayTime(trade.paidAt) } : {}),
      ...extra,
    };
    params.sign = signAlipayContent(alipaySigningString(params, ['sign', 'sign_type']), privateKey);
    return outbox.addressed(
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: new URLSearchParams(params).toString(),
      },
      trade.notifyUrl,
    );
  }

  function requireTrade(orderId: string): AlipaySandboxTrade {
    const trade = trades.get(orderId);
    if (!trade) throw new OrderNotFoundError(orderId);
    return trade;
  }

  /** The trade the gateway created under Alipay trade number `tradeNo` (a scanned QR, a JSAPI `tradeNO`). */
  function requireTradeNo(tradeNo: string, field: string): AlipaySandboxTrade {
    for (const trade of trades.values()) if (trade.tradeNo === tradeNo) return trade;
    throw new ValidationError(field, `names no trade of the Alipay sandbox (${tradeNo})`);
  }

  /** Alipay's silent OAuth page: straight back to `redirect_uri` with an `auth_code` and the state. */
  function authorize(url: URL): Response {
    const q = url.searchParams;
    const refuse = (reason: string) =>
      new Response(`<!doctype html><meta charset="utf-8"><p>授权失败: ${escapeHtml(reason)}</p>`, {
        status: 400,
        headers: { 'content-type': 'text/html;charset=utf-8' },
      });
    if (q.get('app_id') !== options.appId) return refuse('app_id');
    const scope = q.get('scope') ?? '';
    if (!/^auth_(base|user)$/.test(scope)) return refuse('scope');
    let back: URL;
    try {
      back = new URL(q.get('redirect_uri') ?? '');
    } catch {
      return refuse('redirect_uri');
    }
    if (back.protocol !== 'https:' && back.protocol !== 'http:') return refuse('redirect_uri');
    const code = randomBytes(16).toString('hex');
    authCodes.set(code, { issuedAt: now().getTime(), used: false });
    back.searchParams.set('app_id', options.appId);
    back.searchParams.set('source', 'alipay_wallet');
    back.searchParams.set('scope', scope);
    back.searchParams.set('auth_code', code);
    if (q.has('state')) back.searchParams.set('state', q.get('state') ?? '');
    return new Response(null, { status: 302, headers: { location: back.href, 'cache-control': 'no-store' } });
  }

  /** The buyer pays a trade in the cashier or the bridge: notify the merchant first, as Alipay does. */
  async function payAndNotify(trade: AlipaySandboxTrade): Promise<void> {
    const notification = sandbox.pay(trade.outTradeNo);
    if (trade.notifyUrl !== undefined) await outbox.deliver(notification).catch(() => undefined);
  }

  /** Alipay's synchronous return: the browser back at `return_url` with signed trade parameters. */
  function returnUrlOf(trade: AlipaySandboxTrade, method: string): string | undefined {
    if (!trade.returnUrl) return undefined;
    const params: Record<string, string> = {
      charset: 'utf-8',
      out_trade_no: trade.outTradeNo,
      method: `${method}.return`,
      total_amount: formatYuan(trade.amount),
      trade_no: trade.tradeNo,
      auth_app_id: options.appId,
      version: '1.0',
      app_id: options.appId,
      sign_type: 'RSA2',
      seller_id: sellerId,
      timestamp: formatAlipayTime(now()),
    };
    params.sign = signAlipayContent(alipaySigningString(params, ['sign', 'sign_type']), privateKey);
    const url = new URL(trade.returnUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.href;
  }

  /** The cashier a page or wap payment's form opens: signature checked, trade created, a pay button. */
  function cashier(params: Record<string, string>, origin: string): Response {
    const html = (status: number, body: string) =>
      new Response(
        `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>支付宝沙箱收银台</title><body>${body}</body></html>`,
        {
          status,
          headers: { 'content-type': 'text/html;charset=utf-8', 'cache-control': 'no-store' },
        },
      );
    const refused = checkSignature(params);
    if (refused) return html(400, `<p id="error">${escapeHtml(String(refused.sub_code))}</p>`);
    let biz: Node;
    try {
      biz = JSON.parse(params.biz_content ?? '{}') as Node;
    } catch {
      return html(400, '<p id="error">isv.invalid-biz-content</p>');
    }
    const result = createTrade(biz, params);
    if ('error' in result) return html(400, `<p id="error">${escapeHtml(String(result.error.sub_code))}</p>`);
    const trade = result.trade;
    return html(
      200,
      `<h1>支付宝沙箱收银台</h1><p>${escapeHtml(trade.subject)}</p><p id="amount">¥${formatYuan(trade.amount)}</p>` +
        `<form method="post" action="${escapeHtml(origin + CASHIER_PAY_PATH)}">` +
        `<input type="hidden" name="trade_no" value="${escapeHtml(trade.tradeNo)}">` +
        `<input type="hidden" name="method" value="${escapeHtml(params.method ?? '')}">` +
        `<button id="pay" type="submit">确认付款</button></form>`,
    );
  }

  /** Every request: the buyer's browser (cashier, OAuth page, bridge) first, then the gateway API. */
  async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
    if (request.method === 'GET' && url.pathname === AUTHORIZE_PATH) return authorize(url);
    if (request.method === 'GET' && url.pathname === ALIPAY_SANDBOX_BRIDGE_PATH) {
      return new Response(alipayBridgeScript(url.origin), {
        headers: { ...cors, 'content-type': 'text/javascript; charset=utf-8' },
      });
    }
    if (request.method === 'POST' && url.pathname === ALIPAY_SANDBOX_BRIDGE_PAY_PATH) {
      let tradeNO = '';
      try {
        tradeNO = String((JSON.parse(body) as Node).tradeNO ?? '');
      } catch {}
      const trade = [...trades.values()].find((candidate) => candidate.tradeNo === tradeNO);
      if (trade?.status !== 'WAIT_BUYER_PAY')
        return Response.json({ resultCode: '4000', memo: trade ? trade.status : 'no such trade' }, { headers: cors });
      await payAndNotify(trade);
      return Response.json({ resultCode: '9000', memo: '', result: '' }, { headers: cors });
    }
    if (request.method === 'POST' && url.pathname === CASHIER_PAY_PATH) {
      const form = decodeAlipayForm(body);
      const trade = [...trades.values()].find((candidate) => candidate.tradeNo === form.trade_no);
      if (!trade) return new Response('no such trade', { status: 404 });
      if (trade.status === 'WAIT_BUYER_PAY') await payAndNotify(trade);
      const back = returnUrlOf(trade, form.method ?? 'alipay.trade.wap.pay');
      if (!back)
        return new Response('<p id="paid">付款成功</p>', { headers: { 'content-type': 'text/html;charset=utf-8' } });
      return new Response(null, { status: 303, headers: { location: back } });
    }
    const query = url.search.slice(1);
    const params = { ...decodeAlipayForm(query), ...decodeAlipayForm(body) };
    if (params.method === 'alipay.trade.wap.pay' || params.method === 'alipay.trade.page.pay')
      return cashier(params, url.origin);
    return new Response(handle(request.url, body), {
      status: 200,
      headers: { 'content-type': 'application/json;charset=utf-8' },
    });
  }

  const fetch: typeof globalThis.fetch = async (input, init) => serve(new Request(input, init));

  const sandbox: AlipaySandbox = {
    wallet: 'alipay',
    buyerId,
    alipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    baseUrl: ALIPAY_SANDBOX_GATEWAY,
    sellerId,
    fetch,

    async listen(port = 0): Promise<WalletSandboxServer> {
      const server = createServer(async (request, response) => {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const { port: bound } = server.address() as AddressInfo;
        const method = request.method ?? 'GET';
        const reply = await serve(
          new Request(`http://127.0.0.1:${bound}${request.url ?? '/'}`, {
            method,
            headers: { 'content-type': String(request.headers['content-type'] ?? '') },
            body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
          }),
        );
        response.writeHead(reply.status, Object.fromEntries(reply.headers));
        response.end(Buffer.from(await reply.arrayBuffer()));
      });
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      const address = server.address() as AddressInfo;
      return {
        baseUrl: `http://127.0.0.1:${address.port}/gateway.do`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },

    open(action) {
      let params: Record<string, string>;
      if (action.type === 'qr') {
        const prefix = 'https://qr.alipay.com/sandbox';
        if (!action.content.startsWith(prefix))
          throw new ValidationError('action.content', 'is not a QR code of the Alipay sandbox');
        requireTradeNo(action.content.slice(prefix.length), 'action.content');
        return;
      }
      if (action.type === 'jsapi') {
        requireTradeNo(String((action.params as Record<string, unknown>).tradeNO ?? ''), 'action.params.tradeNO');
        return;
      }
      if (action.type === 'form') params = { ...action.fields };
      else if (action.type === 'redirect') params = decodeAlipayForm(new URL(action.url).search.slice(1));
      else if (action.type === 'app' && typeof action.payload === 'string') params = decodeAlipayForm(action.payload);
      else throw new ValidationError('action.type', `the Alipay sandbox's cashier cannot open a ${action.type} action`);
      const refused = checkSignature(params);
      if (refused) throw refusal(refused);
      let biz: Node;
      try {
        biz = JSON.parse(params.biz_content ?? '{}') as Node;
      } catch (cause) {
        throw new ValidationError('biz_content', 'is not JSON', { cause });
      }
      const result = createTrade(biz, params);
      if ('error' in result) throw refusal(result.error);
    },

    pay(orderId, payOptions = {}) {
      const trade = requireTrade(orderId);
      if (trade.status === 'WAIT_BUYER_PAY') markPaid(trade);
      const extra: Record<string, string> = {};
      if (payOptions.currency !== undefined) extra.trans_currency = payOptions.currency;
      if (payOptions.amount !== undefined) {
        const paid = formatYuan(payOptions.amount);
        Object.assign(extra, {
          total_amount: paid,
          receipt_amount: paid,
          buyer_pay_amount: paid,
          invoice_amount: paid,
        });
      }
      return signedNotification(trade, extra);
    },

    expire(orderId) {
      const trade = requireTrade(orderId);
      if (trade.status === 'WAIT_BUYER_PAY') trade.status = 'TRADE_CLOSED';
      return signedNotification(trade);
    },

    settleRefund(orderId, refundId, settle = {}) {
      const trade = requireTrade(orderId);
      if (settle.fail) throw new UnsupportedOperationError('alipay', 'a failed refund notification');
      if (!trade.refunds.has(refundId))
        throw new ValidationError('refundId', `the Alipay sandbox has no refund ${refundId} of ${orderId}`);
      return signedNotification(trade, {
        out_biz_no: refundId,
        refund_fee: formatYuan(refunded(trade)),
        gmt_refund: formatAlipayTime(now()),
      });
    },

    deliver: outbox.deliver,

    trade: (orderId) => trades.get(orderId),

    alterNextReply(method, edit) {
      edits.set(method, edit);
    },
  };
  return sandbox;
}
