/**
 * The WeChat Pay APIv3 sandbox WeChat never shipped: a local server that checks each request's
 * `Authorization` signature against the merchant's public key (a bad one gets WeChat's own 401
 * `SIGN_ERROR`), keeps transactions and refunds, signs every reply with its platform key (naming it
 * by `PUB_KEY_ID_...` in public-key mode or by certificate serial in certificate mode), serves
 * `/v3/certificates` encrypted with the APIv3 key, and posts encrypted, signed notifications.
 *
 * @packageDocumentation
 */
import { createHash, type KeyObject, randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  certificateSerial,
  encryptWechatpayResource,
  formatWechatpayTime,
  parseWechatpayAuthorization,
  signWechatpayMessage,
  verifyWechatpayMessage,
  WECHATPAY_AUTH_SCHEME,
  WECHATPAY_PROBE_PREFIX,
  wechatpayNonce,
  wechatpaySigningMessage,
} from '@hutong/adapter-wechatpay/protocol';
import { type NotificationInput, OrderNotFoundError, SignatureVerificationError, ValidationError } from '@hutong/core';
import { loadRsaPublicKey } from '@hutong/core/provider-utils';
import {
  createSandboxOutbox,
  createTestIdentity,
  type TestIdentity,
  type WalletSandbox,
  type WalletSandboxServer,
} from '@hutong/core/testing';
import {
  createWechatOAuthServer,
  WECHATPAY_SANDBOX_BRIDGE_PATH,
  WECHATPAY_SANDBOX_BRIDGE_PAY_PATH,
  wechatBridgeScript,
} from './wechatpay-sandbox-oauth.js';

export { WECHATPAY_SANDBOX_BRIDGE_PATH, WECHATPAY_SANDBOX_BRIDGE_PAY_PATH };

/** Options of {@link createWechatpaySandbox}. */
export interface WechatpaySandboxOptions {
  mchId: string;
  /** The app id bound to the merchant. */
  appId: string;
  /** Further app ids bound to the merchant (official account, mini program, mobile app). */
  appIds?: readonly string[] | undefined;
  /** The APIv3 key (32 bytes): notifications and certificates are encrypted with it. */
  apiV3Key: string;
  /** The serial of the merchant API certificate requests must name. */
  merchantSerialNo: string;
  /** The merchant's public key or API certificate (PEM): request signatures are checked with it. */
  merchantPublicKey: string;
  /** How replies and notifications name the platform key. Default `'public-key'`. */
  mode?: 'public-key' | 'certificate' | undefined;
  /** The sandbox clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** The official accounts' AppSecret its fake OAuth checks. Default: a random one, see {@link WechatpaySandbox.appSecret}. */
  appSecret?: string | undefined;
}

/** A transaction as the sandbox keeps it. */
export interface WechatpaySandboxTransaction {
  outTradeNo: string;
  /** The app id the transaction was placed with. */
  appId: string;
  /** The merchant id replies name (a test may change it to serve another merchant's reply). */
  mchId: string;
  transactionId: string;
  tradeType: 'NATIVE' | 'JSAPI' | 'APP' | 'MWEB' | 'MICROPAY';
  amount: number;
  description: string;
  /** The create request's parameters, as WeChat Pay compares them when the same order is placed again. */
  parameters: string;
  /** The currency the buyer paid in (`amount.currency`). Default `CNY`. */
  currency: string;
  tradeState: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'REFUND' | 'PAYERROR';
  notifyUrl: string | undefined;
  openid: string;
  successTime: Date | undefined;
  refunds: Map<
    string,
    {
      refundId: string;
      amount: number;
      status: 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
      notifyUrl: string | undefined;
    }
  >;
}

/**
 * The WeChat Pay sandbox: a {@link WalletSandbox} (`baseUrl` is the APIv3 base URL) with WeChat Pay's
 * extras. The same base URL serves what a payment inside WeChat's browser needs: WeChat's web OAuth
 * (`/connect/oauth2/authorize` and `/sns/oauth2/access_token`: pass the base URL as
 * `wechatpayOAuth({ endpoint })`) and a fake `WeixinJSBridge` at {@link WECHATPAY_SANDBOX_BRIDGE_PATH}
 * whose `getBrandWCPayRequest` checks `paySign`, pays the transaction and notifies the merchant.
 */
export interface WechatpaySandbox extends WalletSandbox<WechatpaySandboxTransaction> {
  readonly wallet: 'wechatpay';
  /** The AppSecret the fake OAuth's code exchange accepts: pass it as `wechatpayOAuth({ appSecret })`. */
  readonly appSecret: string;
  /** The sandbox buyer's openid under `appId` (default: the merchant's `appId`): what the fake OAuth returns. */
  openid(appId?: string): string;
  /** Public-key mode: WeChat Pay's public key (PEM) and its id. */
  readonly wechatpayPublicKey: string;
  readonly wechatpayPublicKeyId: string;
  /** Certificate mode: the current platform certificate (PEM) and serial. */
  readonly platformCertificate: string;
  readonly platformSerial: string;
  /**
   * The buyer opens a next action: a `qr` code (Native) is scanned, a `redirect` (H5) followed, a
   * `jsapi` or `app` payload's `paySign`/`sign` checked with the merchant's key, as WeChat's client
   * does. Each must name a transaction the sandbox created.
   */
  open: WalletSandbox['open'];
  /**
   * The buyer pays; returns the encrypted, signed `TRANSACTION.SUCCESS` notification. `currency`
   * makes the transaction one in another currency (`amount.currency`).
   */
  pay: WalletSandbox['pay'];
  /**
   * A faulty gateway: requests about order or refund `id` are answered, genuinely signed, as if they
   * were about `otherId` (replies for another order or refund).
   */
  answerAs(id: string, otherId: string): void;
  /** Serves `reply` (signed like any reply) to the next request whose path matches, instead of the real answer. */
  serveOnce(path: RegExp, reply: { status?: number | undefined; body: string | Record<string, unknown> }): void;
  /** The buyer entered the password of a payment-code payment (`USERPAYING` → `SUCCESS`). */
  confirmPassword(orderId: string): void;
  /** The transaction times out unpaid; WeChat Pay sends no notification for that: returns `undefined`. */
  expire(orderId: string): undefined;
  /** Settles a refund; returns its `REFUND.SUCCESS` (`fail`: `REFUND.ABNORMAL`) notification. */
  settleRefund: WalletSandbox['settleRefund'];
  /** A `WECHATPAY/SIGNTEST/` signature probe carrying a paid-looking notification. */
  probe(orderId: string): NotificationInput;
  /** Replaces the platform certificate (certificate mode: tests the adapter's refresh). */
  rotateCertificate(): void;
}

/** The sandbox's in-process base URL (never resolved). */
export const WECHATPAY_SANDBOX_BASE_URL = 'https://wechatpay.sandbox.hutong.invalid';

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  body?: Json | string | undefined;
  /** Bill files are not signed. */
  unsigned?: boolean | undefined;
}

const fail = (status: number, code: string, message: string): Reply => ({ status, body: { code, message } });

/**
 * Creates a WeChat Pay sandbox.
 *
 * @example
 * ```ts
 * const sandbox = createWechatpaySandbox({ mchId, appId, apiV3Key, merchantSerialNo, merchantPublicKey });
 * const provider = wechatpay({ mchId, appId, privateKey, merchantSerialNo, apiV3Key,
 *   wechatpayPublicKey: sandbox.wechatpayPublicKey, wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
 *   endpoint: sandbox.baseUrl, fetch: sandbox.fetch });
 * ```
 */
export function createWechatpaySandbox(options: WechatpaySandboxOptions): WechatpaySandbox {
  const merchantKey: KeyObject = loadRsaPublicKey(options.merchantPublicKey, 'options.merchantPublicKey');
  const apiV3Key = Buffer.from(options.apiV3Key, 'utf8');
  const now = options.now ?? (() => new Date());
  const mode = options.mode ?? 'public-key';
  const notBefore = new Date(now().getTime() - 86_400_000);
  const notAfter = new Date(now().getTime() + 5 * 365 * 86_400_000);
  const root = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'Tenpay.com'],
      ['CN', 'Tenpay.com Root CA (hutong sandbox)'],
    ],
    isCA: true,
    notBefore,
    notAfter,
  });
  const issuePlatform = (): TestIdentity =>
    createTestIdentity({
      subject: [
        ['C', 'CN'],
        ['L', 'ShenZhen'],
        ['O', 'Tenpay.com'],
        ['OU', 'Tenpay.com CA Center'],
        ['CN', 'Tenpay.com sign'],
      ],
      issuer: root,
      notBefore,
      notAfter,
    });
  let platform = issuePlatform();
  const previous: TestIdentity[] = [];
  const publicKeyId = `PUB_KEY_ID_0${options.mchId}${now().getFullYear()}${String(randomInt(1e6)).padStart(6, '0')}`;
  const transactions = new Map<string, WechatpaySandboxTransaction>();
  const bills = new Map<string, string>();
  const appIds = new Set([options.appId, ...(options.appIds ?? [])]);
  const aliases = new Map<string, string>();
  const alias = (id: string) => aliases.get(id) ?? id;
  const canned: { path: RegExp; reply: Reply }[] = [];
  /** What the buyer's client opens, by prepay id and by Native code: the transaction it pays. */
  const cashier = new Map<string, WechatpaySandboxTransaction>();
  const outbox = createSandboxOutbox('wechatpay');
  const appSecret = options.appSecret ?? randomBytes(16).toString('hex');
  const oauth = createWechatOAuthServer({ appIds, appSecret, now });
  let sequence = 0;

  const serialHeader = () => (mode === 'public-key' ? publicKeyId : certificateSerial(platform.certificate));

  function signedHeaders(body: string, signatureOverride?: string): Record<string, string> {
    const timestamp = String(Math.floor(now().getTime() / 1000));
    const nonce = wechatpayNonce();
    return {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': serialHeader(),
      'wechatpay-signature':
        signatureOverride ??
        signWechatpayMessage(wechatpaySigningMessage([timestamp, nonce, body]), platform.privateKey),
      'wechatpay-signature-type': WECHATPAY_AUTH_SCHEME,
      'request-id': randomBytes(16).toString('hex'),
    };
  }

  function transactionJson(t: WechatpaySandboxTransaction): Json {
    const json: Json = {
      appid: t.appId,
      mchid: t.mchId,
      out_trade_no: t.outTradeNo,
      transaction_id: t.transactionId,
      trade_type: t.tradeType,
      trade_state: t.tradeState,
      trade_state_desc: t.tradeState === 'SUCCESS' ? '支付成功' : t.tradeState,
      bank_type: 'OTHERS',
      attach: '',
      payer: { openid: t.openid },
      amount: { total: t.amount, payer_total: t.amount, currency: t.currency, payer_currency: t.currency },
    };
    if (t.successTime) json.success_time = formatWechatpayTime(t.successTime);
    return json;
  }

  function checkRequest(method: string, url: URL, headers: Headers, body: string): Reply | undefined {
    const auth = parseWechatpayAuthorization(headers.get('authorization') ?? undefined);
    if (!auth) return fail(401, 'SIGN_ERROR', 'Authorization 缺失或格式错误');
    if (auth.mchid !== options.mchId) return fail(401, 'SIGN_ERROR', '商户号与签名不匹配');
    if (auth.serial_no.toUpperCase() !== options.merchantSerialNo.toUpperCase())
      return fail(401, 'SIGN_ERROR', '证书序列号错误');
    if (Math.abs(now().getTime() / 1000 - Number(auth.timestamp)) > 300)
      return fail(401, 'SIGN_ERROR', '请求时间戳已过期');
    const message = wechatpaySigningMessage([
      method,
      `${url.pathname}${url.search}`,
      auth.timestamp,
      auth.nonce_str,
      body,
    ]);
    if (!verifyWechatpayMessage(message, auth.signature, merchantKey)) return fail(401, 'SIGN_ERROR', '签名错误');
    return undefined;
  }

  function createTransaction(
    kind: WechatpaySandboxTransaction['tradeType'],
    body: Json,
  ): WechatpaySandboxTransaction | Reply {
    if (!appIds.has(String(body.appid)) || body.mchid !== options.mchId)
      return fail(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    const amount = (body.amount as Json | undefined)?.total;
    if (
      !Number.isSafeInteger(amount) ||
      (amount as number) <= 0 ||
      typeof body.out_trade_no !== 'string' ||
      typeof body.description !== 'string'
    ) {
      return fail(400, 'PARAM_ERROR', '参数错误');
    }
    if (kind !== 'MICROPAY' && typeof body.notify_url !== 'string') return fail(400, 'PARAM_ERROR', '缺少notify_url');
    // Placing the same out_trade_no again is allowed while it is unpaid, with identical parameters.
    const parameters = JSON.stringify({ ...body, kind });
    const existing = transactions.get(body.out_trade_no);
    if (existing) {
      if (existing.tradeState === 'SUCCESS' || existing.tradeState === 'REFUND')
        return fail(400, 'ORDERPAID', '该订单已支付');
      if (existing.tradeState === 'CLOSED' || existing.tradeState === 'REVOKED')
        return fail(400, 'ORDERCLOSED', '订单已关闭');
      if (existing.parameters !== parameters) return fail(400, 'INVALID_REQUEST', '201 商户订单号重复');
      return existing;
    }
    const transaction: WechatpaySandboxTransaction = {
      outTradeNo: body.out_trade_no,
      appId: String(body.appid),
      mchId: options.mchId,
      parameters,
      currency: 'CNY',
      transactionId: `4200${String(++sequence).padStart(6, '0')}${Date.now()}${randomInt(1000)}`.slice(0, 28),
      tradeType: kind,
      amount: amount as number,
      description: body.description,
      tradeState: 'NOTPAY',
      notifyUrl: body.notify_url as string | undefined,
      openid: String(
        ((body.payer as Json | undefined)?.openid as string | undefined) ??
          `oSandbox${randomBytes(10).toString('hex')}`,
      ),
      successTime: undefined,
      refunds: new Map(),
    };
    transactions.set(transaction.outTradeNo, transaction);
    return transaction;
  }

  function refundJson(t: WechatpaySandboxTransaction, outRefundNo: string): Json {
    const refund = t.refunds.get(outRefundNo);
    if (!refund) return {};
    return {
      refund_id: refund.refundId,
      out_refund_no: outRefundNo,
      transaction_id: t.transactionId,
      out_trade_no: t.outTradeNo,
      channel: 'ORIGINAL',
      status: refund.status,
      create_time: formatWechatpayTime(now()),
      amount: {
        refund: refund.amount,
        total: t.amount,
        payer_total: t.amount,
        payer_refund: refund.amount,
        currency: 'CNY',
      },
    };
  }

  function committedRefunds(t: WechatpaySandboxTransaction): number {
    let total = 0;
    for (const refund of t.refunds.values())
      if (refund.status !== 'CLOSED' && refund.status !== 'ABNORMAL') total += refund.amount;
    return total;
  }

  function route(method: string, url: URL, body: Json): Reply {
    const p = url.pathname;
    const create = /^\/v3\/pay\/transactions\/(native|jsapi|app|h5|codepay)$/.exec(p);
    if (method === 'POST' && create) {
      const kind = create[1] as string;
      if (kind === 'jsapi' && !(body.payer as Json | undefined)?.openid)
        return fail(400, 'PARAM_ERROR', '缺少payer.openid');
      if (kind === 'h5' && !(body.scene_info as Json | undefined)?.payer_client_ip)
        return fail(400, 'PARAM_ERROR', '缺少payer_client_ip');
      // WeChat Pay's payment codes are 18 digits starting 10 to 15; another code makes no transaction.
      if (kind === 'codepay' && !/^1[0-5]\d{16}$/.test(String((body.payer as Json | undefined)?.auth_code ?? '')))
        return fail(400, 'AUTH_CODE_INVALID', '付款码无效，请重新扫码');
      const tradeType = ({ native: 'NATIVE', jsapi: 'JSAPI', app: 'APP', h5: 'MWEB', codepay: 'MICROPAY' } as const)[
        kind as 'native'
      ];
      const made = createTransaction(tradeType, body);
      if (!('outTradeNo' in made)) return made;
      const prepayId = `wx${Date.now()}${randomBytes(8).toString('hex')}`;
      cashier.set(prepayId, made);
      switch (kind) {
        case 'native': {
          const code = `weixin://wxpay/bizpayurl?pr=${made.transactionId.slice(-10)}`;
          cashier.set(code, made);
          return { status: 200, body: { code_url: code } };
        }
        case 'h5':
          return {
            status: 200,
            body: {
              h5_url: `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${prepayId}&package=${randomInt(1e9)}`,
            },
          };
        case 'codepay': {
          // Payment codes starting 139 make the buyer confirm with a password first.
          const authCode = String((body.payer as Json | undefined)?.auth_code ?? '');
          if (authCode.startsWith('139')) {
            made.tradeState = 'USERPAYING';
            return { status: 202, body: transactionJson(made) };
          }
          made.tradeState = 'SUCCESS';
          made.successTime = now();
          return { status: 200, body: transactionJson(made) };
        }
        default:
          return { status: 200, body: { prepay_id: prepayId } };
      }
    }
    const byOrder = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)(\/close|\/reverse)?$/.exec(p);
    if (byOrder) {
      const transaction = transactions.get(alias(decodeURIComponent(byOrder[1] as string)));
      if (!transaction) return fail(404, 'ORDER_NOT_EXIST', '订单不存在');
      if (method === 'GET' && !byOrder[2]) {
        if (url.searchParams.get('mchid') !== options.mchId) return fail(400, 'PARAM_ERROR', 'mchid错误');
        return { status: 200, body: transactionJson(transaction) };
      }
      if (method === 'POST' && byOrder[2] === '/close') {
        if (transaction.tradeState === 'SUCCESS' || transaction.tradeState === 'REFUND')
          return fail(400, 'ORDERPAID', '订单已支付');
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
    }
    if (method === 'POST' && p === '/v3/refund/domestic/refunds') {
      const transaction = transactions.get(alias(String(body.out_trade_no ?? '')));
      if (!transaction) return fail(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
      const outRefundNo = alias(String(body.out_refund_no ?? ''));
      const amount = body.amount as Json | undefined;
      if (!outRefundNo || !Number.isSafeInteger(amount?.refund) || amount?.total !== transaction.amount)
        return fail(400, 'PARAM_ERROR', '参数错误');
      if (!transaction.refunds.has(outRefundNo)) {
        if (transaction.tradeState !== 'SUCCESS' && transaction.tradeState !== 'REFUND')
          return fail(400, 'INVALID_REQUEST', '订单未支付');
        if (committedRefunds(transaction) + (amount?.refund as number) > transaction.amount)
          return fail(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
        transaction.refunds.set(outRefundNo, {
          refundId: `50${String(++sequence).padStart(6, '0')}${Date.now()}`,
          amount: amount?.refund as number,
          status: 'PROCESSING',
          notifyUrl: (body.notify_url as string | undefined) ?? transaction.notifyUrl,
        });
        transaction.tradeState = 'REFUND';
      }
      return { status: 200, body: refundJson(transaction, outRefundNo) };
    }
    const refundQuery = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(p);
    if (method === 'GET' && refundQuery) {
      const outRefundNo = alias(decodeURIComponent(refundQuery[1] as string));
      for (const transaction of transactions.values()) {
        if (transaction.refunds.has(outRefundNo)) return { status: 200, body: refundJson(transaction, outRefundNo) };
      }
      return fail(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    }
    if (method === 'GET' && p === '/v3/certificates') {
      const data = [platform, ...previous].map((identity) => ({
        serial_no: certificateSerial(identity.certificate),
        effective_time: formatWechatpayTime(notBefore),
        expire_time: formatWechatpayTime(notAfter),
        encrypt_certificate: encryptWechatpayResource(identity.pem, apiV3Key, 'certificate'),
      }));
      return { status: 200, body: { data } };
    }
    if (method === 'GET' && p === '/v3/bill/tradebill') {
      const date = url.searchParams.get('bill_date') ?? '';
      const lines = ['交易时间,公众账号ID,商户号,商户订单号,微信订单号,交易状态,应结订单金额'];
      for (const t of transactions.values()) {
        if (t.successTime)
          lines.push(
            `\`${formatWechatpayTime(t.successTime)},\`${options.appId},\`${options.mchId},\`${t.outTradeNo},\`${t.transactionId},\`${t.tradeState},\`${(t.amount / 100).toFixed(2)}`,
          );
      }
      const file = `\ufeff${lines.join('\r\n')}\r\n`;
      const token = randomBytes(12).toString('hex');
      bills.set(token, file);
      const hash = createHash('sha1').update(file, 'utf8').digest('hex');
      return {
        status: 200,
        body: {
          hash_type: 'SHA1',
          hash_value: hash,
          download_url: `${url.origin}/v3/billdownload/file?token=${token}&bill_date=${date}`,
        },
      };
    }
    if (method === 'GET' && p === '/v3/billdownload/file') {
      const file = bills.get(url.searchParams.get('token') ?? '');
      return file === undefined
        ? fail(404, 'RESOURCE_NOT_EXISTS', '账单不存在')
        : { status: 200, body: file, unsigned: true };
    }
    return fail(404, 'NOT_FOUND', `no such API: ${method} ${p}`);
  }

  function handle(method: string, href: string, headers: Headers, bodyText: string): Response {
    const url = new URL(href);
    const refused = checkRequest(method, url, headers, bodyText);
    let reply: Reply;
    const cannedAt = canned.findIndex((entry) => entry.path.test(url.pathname));
    if (refused) reply = refused;
    else if (cannedAt !== -1) reply = (canned.splice(cannedAt, 1)[0] as { reply: Reply }).reply;
    else {
      let body: Json = {};
      try {
        body = bodyText ? (JSON.parse(bodyText) as Json) : {};
      } catch {
        reply = fail(400, 'PARAM_ERROR', '请求体不是JSON');
      }
      reply ??= route(method, url, body);
    }
    const text =
      reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const responseHeaders: Record<string, string> = reply.unsigned ? {} : signedHeaders(text);
    if (text) responseHeaders['content-type'] = reply.unsigned ? 'text/plain;charset=utf-8' : 'application/json';
    return new Response(reply.status === 204 ? null : text, { status: reply.status, headers: responseHeaders });
  }

  function notification(
    eventType: string,
    summary: string,
    originalType: string,
    resource: Json,
    signatureOverride?: (signature: string) => string,
  ): NotificationInput {
    const body = JSON.stringify({
      id: `EV-${Date.now()}${randomInt(1e6)}`,
      create_time: formatWechatpayTime(now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: {
        original_type: originalType,
        ...encryptWechatpayResource(JSON.stringify(resource), apiV3Key, originalType),
      },
    });
    const headers = signedHeaders(body);
    if (signatureOverride) headers['wechatpay-signature'] = signatureOverride(headers['wechatpay-signature'] as string);
    return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body };
  }

  function requireTransaction(orderId: string): WechatpaySandboxTransaction {
    const transaction = transactions.get(orderId);
    if (!transaction) throw new OrderNotFoundError(orderId);
    return transaction;
  }

  function opened(key: string, field: string): WechatpaySandboxTransaction {
    const transaction = cashier.get(key);
    if (!transaction) throw new ValidationError(field, `names no transaction of the WeChat Pay sandbox (${key})`);
    return transaction;
  }

  /** Checks a client payload's signature with the merchant's key, as WeChat's client does. */
  function checkClientSignature(fields: readonly string[], signature: unknown, appId: unknown): void {
    if (!appIds.has(String(appId)))
      throw new ValidationError('action', `app id ${String(appId)} is not bound to merchant ${options.mchId}`);
    if (
      typeof signature !== 'string' ||
      !verifyWechatpayMessage(wechatpaySigningMessage(fields), signature, merchantKey)
    )
      throw new SignatureVerificationError(
        'wechatpay',
        'bad_signature',
        'the client payload is not signed by the merchant',
      );
  }

  /**
   * What WeChat's client does when a page calls `getBrandWCPayRequest`: checks the payload's
   * `paySign`, pays, and tells the merchant (the notification is posted before the page hears
   * `ok`, so the page's next request finds the order paid).
   */
  async function bridgePay(request: Request): Promise<Response> {
    const cors = {
      'access-control-allow-origin': '*',
      'content-type': 'application/json',
      'cache-control': 'no-store',
    };
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(await request.text()) as Record<string, unknown>;
    } catch {
      return new Response(JSON.stringify({ err_msg: 'get_brand_wcpay_request:fail' }), { status: 400, headers: cors });
    }
    let transaction: WechatpaySandboxTransaction;
    try {
      sandbox.open({ type: 'jsapi', params: params as Record<string, string> });
      transaction = opened(String(params.package ?? '').replace(/^prepay_id=/, ''), 'params.package');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return new Response(JSON.stringify({ err_msg: 'get_brand_wcpay_request:fail', err_desc: reason }), {
        status: 200,
        headers: cors,
      });
    }
    if (transaction.tradeState !== 'NOTPAY') {
      return new Response(
        JSON.stringify({ err_msg: 'get_brand_wcpay_request:fail', err_desc: transaction.tradeState }),
        {
          headers: cors,
        },
      );
    }
    const notification = sandbox.pay(transaction.outTradeNo);
    let notified: number | string = 'no notify_url';
    if (transaction.notifyUrl !== undefined) {
      notified = await outbox.deliver(notification).then(
        (reply) => reply.status,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    }
    return new Response(JSON.stringify({ err_msg: 'get_brand_wcpay_request:ok', sandbox_notified: notified }), {
      headers: cors,
    });
  }

  /** Every request: the browser-facing pages first (no APIv3 signature there), then the APIv3. */
  async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/connect/oauth2/authorize') return oauth.authorize(url);
    if (request.method === 'GET' && url.pathname === '/sns/oauth2/access_token') return oauth.accessToken(url);
    if (request.method === 'GET' && url.pathname === WECHATPAY_SANDBOX_BRIDGE_PATH) {
      return new Response(wechatBridgeScript(url.origin), {
        headers: {
          'content-type': 'text/javascript; charset=utf-8',
          'access-control-allow-origin': '*',
          'cache-control': 'no-store',
        },
      });
    }
    if (request.method === 'POST' && url.pathname === WECHATPAY_SANDBOX_BRIDGE_PAY_PATH) return bridgePay(request);
    return handle(request.method, request.url, request.headers, await request.text());
  }

  const fetch: typeof globalThis.fetch = async (input, init) => serve(new Request(input, init));

  const sandbox: WechatpaySandbox = {
    wallet: 'wechatpay',
    appSecret,
    openid: (appId = options.appId) => oauth.openid(appId),
    wechatpayPublicKey: platform.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    wechatpayPublicKeyId: publicKeyId,
    get platformCertificate() {
      return platform.pem;
    },
    get platformSerial() {
      return certificateSerial(platform.certificate);
    },
    baseUrl: WECHATPAY_SANDBOX_BASE_URL,
    fetch,

    async listen(port = 0): Promise<WalletSandboxServer> {
      const server = createServer(async (request, response) => {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const headers = new Headers();
        for (const [name, value] of Object.entries(request.headers))
          if (typeof value === 'string') headers.set(name, value);
        const address = server.address() as AddressInfo;
        const method = request.method ?? 'GET';
        const reply = await serve(
          new Request(`http://127.0.0.1:${address.port}${request.url}`, {
            method,
            headers,
            body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
          }),
        );
        response.writeHead(reply.status, Object.fromEntries(reply.headers));
        response.end(Buffer.from(await reply.arrayBuffer()));
      });
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      const { port: bound } = server.address() as AddressInfo;
      return {
        baseUrl: `http://127.0.0.1:${bound}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },

    open(action) {
      switch (action.type) {
        case 'qr':
          opened(action.content, 'action.content');
          return;
        case 'redirect':
          opened(new URL(action.url).searchParams.get('prepay_id') ?? '', 'action.url');
          return;
        case 'jsapi': {
          const p = action.params as Record<string, unknown>;
          const pkg = String(p.package ?? '');
          checkClientSignature([String(p.appId), String(p.timeStamp), String(p.nonceStr), pkg], p.paySign, p.appId);
          opened(pkg.replace(/^prepay_id=/, ''), 'action.params.package');
          return;
        }
        case 'app': {
          const p = (typeof action.payload === 'string' ? {} : action.payload) as Record<string, unknown>;
          if (p.partnerid !== options.mchId)
            throw new ValidationError('action.payload.partnerid', 'is not the merchant');
          checkClientSignature(
            [String(p.appid), String(p.timestamp), String(p.noncestr), String(p.prepayid)],
            p.sign,
            p.appid,
          );
          opened(String(p.prepayid), 'action.payload.prepayid');
          return;
        }
        default:
          throw new ValidationError('action.type', `WeChat Pay's client cannot open a ${action.type} action`);
      }
    },

    pay(orderId, payOptions = {}) {
      const transaction = requireTransaction(orderId);
      if (transaction.tradeState === 'NOTPAY' || transaction.tradeState === 'USERPAYING') {
        transaction.tradeState = 'SUCCESS';
        transaction.successTime = now();
      }
      if (payOptions.currency !== undefined) transaction.currency = payOptions.currency;
      const json = transactionJson(transaction);
      if (payOptions.amount !== undefined)
        json.amount = {
          total: payOptions.amount,
          payer_total: payOptions.amount,
          currency: transaction.currency,
          payer_currency: transaction.currency,
        };
      return outbox.addressed(
        notification('TRANSACTION.SUCCESS', '支付成功', 'transaction', json),
        transaction.notifyUrl,
      );
    },

    confirmPassword(orderId) {
      const transaction = requireTransaction(orderId);
      if (transaction.tradeState !== 'USERPAYING')
        throw new ValidationError('orderId', `${orderId} is not waiting for a password`);
      transaction.tradeState = 'SUCCESS';
      transaction.successTime = now();
    },

    expire(orderId) {
      const transaction = requireTransaction(orderId);
      if (transaction.tradeState === 'NOTPAY') transaction.tradeState = 'CLOSED';
      return undefined;
    },

    settleRefund(orderId, refundId, settle = {}) {
      const transaction = requireTransaction(orderId);
      const refund = transaction.refunds.get(refundId);
      if (!refund)
        throw new ValidationError('refundId', `the WeChat Pay sandbox has no refund ${refundId} of ${orderId}`);
      refund.status = settle.fail ? 'ABNORMAL' : 'SUCCESS';
      const settled = notification(`REFUND.${refund.status}`, '退款状态变更', 'refund', {
        mchid: transaction.mchId,
        out_trade_no: transaction.outTradeNo,
        transaction_id: transaction.transactionId,
        out_refund_no: refundId,
        refund_id: refund.refundId,
        refund_status: refund.status,
        success_time: formatWechatpayTime(now()),
        user_received_account: '支付用户零钱',
        amount: {
          total: transaction.amount,
          refund: refund.amount,
          payer_total: transaction.amount,
          payer_refund: refund.amount,
        },
      });
      return outbox.addressed(settled, refund.notifyUrl);
    },

    probe(orderId) {
      const transaction = requireTransaction(orderId);
      return outbox.addressed(
        notification(
          'TRANSACTION.SUCCESS',
          '支付成功',
          'transaction',
          { ...transactionJson(transaction), trade_state: 'SUCCESS' },
          (signature) => `${WECHATPAY_PROBE_PREFIX}${signature.slice(WECHATPAY_PROBE_PREFIX.length)}`,
        ),
        transaction.notifyUrl,
      );
    },

    rotateCertificate() {
      previous.unshift(platform);
      platform = issuePlatform();
    },

    answerAs(id, otherId) {
      aliases.set(id, otherId);
    },

    serveOnce(path, reply) {
      canned.push({ path, reply: { status: reply.status ?? 200, body: reply.body as Json | string } });
    },

    deliver: outbox.deliver,

    trade: (orderId) => transactions.get(orderId),
  };
  return sandbox;
}
