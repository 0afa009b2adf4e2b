/**
 * The WeChat Pay sandbox's APIv3 front door: checks each request's `Authorization` signature as
 * WeChat Pay does (a wrong one gets WeChat's own 401 `SIGN_ERROR`, with WeChat's message for a
 * wrong certificate serial, an expired timestamp or a bad signature), serves a canned reply when a
 * test asked for one, routes the rest to the payment, refund and download APIs, applies a test's
 * tampering, and signs the reply with the platform key.
 *
 * @packageDocumentation
 */
import { randomInt } from 'node:crypto';
import {
  parseWechatpayAuthorization,
  verifyWechatpayMessage,
  WECHATPAY_AUTH_SCHEME,
  WECHATPAY_TIMESTAMP_TOLERANCE,
  wechatpaySigningMessage,
} from '@hutong/adapter-wechatpay/protocol';
import type { SandboxReplyTampering } from '@hutong/core/testing';
import type { WechatpaySandboxKeys } from './wechatpay-sandbox-keys.js';
import type { WechatpaySandboxMovement } from './wechatpay-sandbox-movement.js';
import { routeDownloads } from './wechatpay-sandbox-routes-downloads.js';
import { routePayments } from './wechatpay-sandbox-routes-payments.js';
import { routeRefunds } from './wechatpay-sandbox-routes-refunds.js';
import { routeWechatpayBills, serveWechatpayBillFile } from './wechatpay-sandbox-routes-statements.js';
import { errorReply, type Json, type SandboxReply, type WechatpaySandboxState } from './wechatpay-sandbox-state.js';

/**
 * The APIv3 server: one request in, one signed reply out.
 *
 * @example
 * ```ts
 * const routes: WechatpaySandboxRoutes = createWechatpaySandboxRoutes({ state, keys, merchantSerialNo, appId, apiV3Key });
 * routes.tamperNextReply('signature');
 * ```
 */
export interface WechatpaySandboxRoutes {
  handle(method: string, href: string, headers: Headers, bodyText: string): Response;
  /**
   * Alters the next reply about a trade or refund: `'amount'` a genuine reply (re-signed) with
   * another amount, `'order'` one about another order id, `'signature'` the reply's signature
   * broken. Replies that carry nothing to alter (a close's 204, an error) pass unaltered, except
   * under `'signature'`.
   */
  tamperNextReply(kind: SandboxReplyTampering): void;
}

/**
 * Creates the APIv3 server.
 *
 * @example
 * ```ts
 * const routes = createWechatpaySandboxRoutes({ state, keys, merchantSerialNo, appId, apiV3Key });
 * const response = routes.handle('GET', url, headers, '');
 * ```
 */
export function createWechatpaySandboxRoutes(context: {
  state: WechatpaySandboxState;
  keys: WechatpaySandboxKeys;
  merchantSerialNo: string;
  appId: string;
  apiV3Key: Buffer;
  /** Profit sharing and transfers (`wechatpay-sandbox-movement.ts`); their replies are bound like trades'. */
  movement?: Pick<WechatpaySandboxMovement, 'route'> | undefined;
}): WechatpaySandboxRoutes {
  const { state, keys } = context;
  let tamper: SandboxReplyTampering | undefined;

  /** WeChat Pay's checks of `Authorization`, in its order; `undefined` when the request passes. */
  function checkRequest(method: string, url: URL, headers: Headers, body: string): SandboxReply | undefined {
    const header = headers.get('authorization') ?? '';
    if (header && !header.startsWith(`${WECHATPAY_AUTH_SCHEME} `))
      return errorReply(401, 'SIGN_ERROR', 'HTTP头Authorization认证类型不正确');
    const auth = parseWechatpayAuthorization(header);
    if (!auth)
      return errorReply(401, 'SIGN_ERROR', 'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》');
    if (Math.abs(state.now().getTime() / 1000 - Number(auth.timestamp)) > WECHATPAY_TIMESTAMP_TOLERANCE)
      return errorReply(401, 'SIGN_ERROR', 'Http头Authorization中的timestamp与发起请求的时间不得超过5分钟');
    if (auth.mchid !== state.mchId) return errorReply(401, 'SIGN_ERROR', '商户号与API证书不匹配');
    if (auth.serial_no.toUpperCase() !== context.merchantSerialNo.toUpperCase())
      return errorReply(401, 'SIGN_ERROR', '商户证书序列号有误。请使用签名私钥匹配的证书序列号');
    const message = wechatpaySigningMessage([
      method,
      `${url.pathname}${url.search}`,
      auth.timestamp,
      auth.nonce_str,
      body,
    ]);
    if (!verifyWechatpayMessage(message, auth.signature, keys.merchantKey))
      return errorReply(401, 'SIGN_ERROR', '错误的签名，验签失败');
    return undefined;
  }

  /** The real answer: a trade reply (which a tamper may alter), or a download. */
  function route(method: string, url: URL, body: Json, headers: Headers): { reply: SandboxReply; aboutTrade: boolean } {
    const trade =
      routePayments(state, method, url, body) ??
      routeRefunds(state, method, url, body) ??
      context.movement?.route(method, url, body, headers);
    if (trade) return { reply: trade, aboutTrade: true };
    const download =
      routeWechatpayBills({ state, merchantKey: keys.merchantKey }, method, url) ??
      routeDownloads({ state, keys, appId: context.appId, apiV3Key: context.apiV3Key }, method, url);
    return {
      reply: download ?? errorReply(404, 'NOT_FOUND', `no such API: ${method} ${url.pathname}`),
      aboutTrade: false,
    };
  }

  /** Applies a pending tamper to a trade reply it can alter; whether the signature is to be broken. */
  function applyTamper(reply: SandboxReply): boolean {
    if (tamper === 'signature') {
      tamper = undefined;
      return true;
    }
    const body = reply.body;
    if (tamper === undefined || typeof body !== 'object' || body === null) return false;
    if (tamper === 'amount' && typeof body.transfer_amount === 'number') {
      reply.body = { ...body, transfer_amount: body.transfer_amount + 1 };
      tamper = undefined;
    } else if (tamper === 'amount' && typeof body.amount === 'object' && body.amount !== null) {
      const amount = { ...(body.amount as Json) };
      const field = typeof amount.refund === 'number' ? 'refund' : 'total';
      amount[field] = (amount[field] as number) + 1;
      const payerField = field === 'refund' ? 'payer_refund' : 'payer_total';
      if (typeof amount[payerField] === 'number') amount[payerField] = (amount[payerField] as number) + 1;
      reply.body = { ...body, amount };
      tamper = undefined;
    } else if (tamper === 'order' && typeof body.out_trade_no === 'string') {
      const other = [...state.transactions.keys()].find((id) => id !== body.out_trade_no);
      reply.body = { ...body, out_trade_no: other ?? `other${randomInt(1e9)}` };
      tamper = undefined;
    }
    return false;
  }

  function handle(method: string, href: string, headers: Headers, bodyText: string): Response {
    const url = new URL(href);
    let reply = checkRequest(method, url, headers, bodyText);
    const billFile = reply ? undefined : serveWechatpayBillFile(state, method, url);
    if (billFile) return billFile;
    let breakSignature = false;
    const cannedAt = state.canned.findIndex((entry) => entry.path.test(url.pathname));
    if (!reply && cannedAt !== -1) reply = (state.canned.splice(cannedAt, 1)[0] as { reply: SandboxReply }).reply;
    if (!reply) {
      let body: Json | undefined;
      try {
        body = bodyText ? (JSON.parse(bodyText) as Json) : {};
      } catch {
        reply = errorReply(400, 'PARAM_ERROR', '请求体不是JSON');
      }
      if (body) {
        const routed = route(method, url, body, headers);
        reply = routed.reply;
        if (routed.aboutTrade) breakSignature = applyTamper(reply);
      }
    }
    const answer = reply as SandboxReply;
    const text =
      answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const responseHeaders: Record<string, string> = answer.unsigned ? {} : keys.signedHeaders(text);
    if (breakSignature)
      responseHeaders['wechatpay-signature'] = brokenSignature(responseHeaders['wechatpay-signature']);
    if (text) responseHeaders['content-type'] = answer.unsigned ? 'text/plain;charset=utf-8' : 'application/json';
    return new Response(answer.status === 204 ? null : text, { status: answer.status, headers: responseHeaders });
  }

  return {
    handle,
    tamperNextReply(kind) {
      tamper = kind;
    },
  };
}

/** A signature of the right shape that does not verify: its first bytes changed. */
function brokenSignature(signature: string | undefined): string {
  const bytes = Buffer.from(signature ?? '', 'base64');
  for (let i = 0; i < Math.min(8, bytes.length); i++) bytes[i] = (bytes[i] as number) ^ 0xff;
  return bytes.toString('base64');
}
