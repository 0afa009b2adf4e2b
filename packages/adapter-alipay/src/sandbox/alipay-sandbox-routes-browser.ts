/**
 * What the buyer's browser sees on the sandbox's host: the cashier a `page` or `h5` form opens (a
 * page with a pay button that notifies the merchant and returns to `return_url`), Alipay's silent
 * OAuth page (`/oauth2/publicAppAuthorize.htm`, straight back with an `auth_code`) and a fake
 * `AlipayJSBridge` whose `tradePay` pays a JSAPI trade.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { decodeAlipayForm } from '@hutong/adapter-alipay/protocol';
import { formatYuan } from '@hutong/core';
import { returnUrlOf } from './alipay-sandbox-messages.js';
import type { AlipaySandboxState, AlipaySandboxTrade, SandboxNode } from './alipay-sandbox-state.js';

/** Where the sandbox serves its fake `AlipayJSBridge`. */
export const ALIPAY_SANDBOX_BRIDGE_PATH = '/sandbox/alipay/bridge.js';
/** The bridge's `tradePay`: POST `{ tradeNO }`, get Alipay's `resultCode` back. */
export const ALIPAY_SANDBOX_BRIDGE_PAY_PATH = '/sandbox/alipay/bridge/pay';
/** The cashier page's pay button posts here. */
const CASHIER_PAY_PATH = '/sandbox/alipay/cashier/pay';
/** Alipay's silent OAuth page, on the sandbox's host. */
const AUTHORIZE_PATH = '/oauth2/publicAppAuthorize.htm';
/**
 * Alipay's app-to-app authorisation page (service providers), on the sandbox's host.
 *
 * @example
 * ```ts
 * const page = new URL(ALIPAY_SANDBOX_APP_AUTH_PATH, sandbox.baseUrl); // what provider.authorization() links to
 * ```
 */
export const ALIPAY_SANDBOX_APP_AUTH_PATH = '/oauth2/appToAppAuth.htm';
/** The authorisation page's grant button posts here. */
const APP_AUTH_GRANT_PATH = '/sandbox/alipay/app-auth/grant';

/**
 * Where Alipay sends the merchant's browser once it authorised the app: `redirectUri` with
 * `app_id`, `source=alipay_app_auth`, a fresh `app_auth_code` (good once, for 24 hours) and the
 * `state` given.
 *
 * @example
 * ```ts
 * const back = appAuthRedirect(state, merchant.authAppId, 'https://platform.example/cb', 'xyz');
 * ```
 */
export function appAuthRedirect(
  state: AlipaySandboxState,
  authAppId: string,
  redirectUri: string,
  stateParam: string | undefined,
): string {
  const back = new URL(redirectUri);
  const code = randomBytes(16).toString('hex');
  state.appAuthCodes.set(code, { authAppId, issuedAt: state.now().getTime(), used: false });
  back.searchParams.set('app_id', state.appId);
  back.searchParams.set('source', 'alipay_app_auth');
  back.searchParams.set('app_auth_code', code);
  if (stateParam !== undefined) back.searchParams.set('state', stateParam);
  return back.href;
}

function httpUrl(text: string | null | undefined): URL | undefined {
  try {
    const url = new URL(text ?? '');
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The app-to-app authorisation page: one button per sandbox merchant, and one for a new merchant. */
function appAuthPage(state: AlipaySandboxState, url: URL): Response {
  const q = url.searchParams;
  const page = (status: number, body: string) =>
    new Response(
      `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>支付宝沙箱 第三方应用授权</title><body>${body}</body></html>`,
      { status, headers: { 'content-type': 'text/html;charset=utf-8', 'cache-control': 'no-store' } },
    );
  if (q.get('app_id') !== state.appId) return page(400, '<p id="error">app_id</p>');
  const redirect = httpUrl(q.get('redirect_uri'));
  if (!redirect) return page(400, '<p id="error">redirect_uri</p>');
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const form = (authAppId: string, label: string) =>
    `<form method="post" action="${escapeHtml(url.origin + APP_AUTH_GRANT_PATH)}">` +
    hidden('auth_app_id', authAppId) +
    hidden('redirect_uri', redirect.href) +
    (q.has('state') ? hidden('state', q.get('state') ?? '') : '') +
    `<button type="submit" data-auth-app-id="${escapeHtml(authAppId)}">${escapeHtml(label)}</button></form>`;
  const buttons = [...state.merchants.values()].map((m) => form(m.authAppId, `以 ${m.name} 授权`)).join('');
  return page(200, `<h1>授权第三方应用</h1>${buttons}${form('', '以新商户授权')}`);
}

/** The grant button: the merchant (a new one when none is named) authorises; back to `redirect_uri`. */
function appAuthGrant(state: AlipaySandboxState, body: string): Response {
  const form = decodeAlipayForm(body);
  const redirect = httpUrl(form.redirect_uri);
  if (!redirect) return new Response('redirect_uri', { status: 400 });
  const merchant = form.auth_app_id ? state.merchants.get(form.auth_app_id) : state.addMerchant();
  if (!merchant) return new Response('auth_app_id', { status: 400 });
  const back = appAuthRedirect(state, merchant.authAppId, redirect.href, form.state);
  return new Response(null, { status: 302, headers: { location: back, 'cache-control': 'no-store' } });
}

const CORS = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The buyer pays a trade, and the merchant is notified first, as Alipay does. */
export type PayAndNotify = (trade: AlipaySandboxTrade) => Promise<void>;

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

/** Alipay's silent OAuth page: straight back to `redirect_uri` with an `auth_code` and the state. */
function authorize(state: AlipaySandboxState, url: URL): Response {
  const q = url.searchParams;
  const refuse = (reason: string) =>
    new Response(`<!doctype html><meta charset="utf-8"><p>授权失败: ${escapeHtml(reason)}</p>`, {
      status: 400,
      headers: { 'content-type': 'text/html;charset=utf-8' },
    });
  if (q.get('app_id') !== state.appId) return refuse('app_id');
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
  state.authCodes.set(code, { issuedAt: state.now().getTime(), used: false });
  back.searchParams.set('app_id', state.appId);
  back.searchParams.set('source', 'alipay_wallet');
  back.searchParams.set('scope', scope);
  back.searchParams.set('auth_code', code);
  if (q.has('state')) back.searchParams.set('state', q.get('state') ?? '');
  return new Response(null, { status: 302, headers: { location: back.href, 'cache-control': 'no-store' } });
}

/** The cashier a page or wap payment's form opens: signature checked, trade created, a pay button. */
function cashier(state: AlipaySandboxState, params: Record<string, string>, origin: string): Response {
  const html = (status: number, body: string) =>
    new Response(
      `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>支付宝沙箱收银台</title><body>${body}</body></html>`,
      { status, headers: { 'content-type': 'text/html;charset=utf-8', 'cache-control': 'no-store' } },
    );
  const refused = state.checkSignature(params);
  if (refused) return html(400, `<p id="error">${escapeHtml(String(refused.sub_code))}</p>`);
  let biz: SandboxNode;
  try {
    biz = JSON.parse(params.biz_content ?? '{}') as SandboxNode;
  } catch {
    return html(400, '<p id="error">isv.invalid-biz-content</p>');
  }
  const result = state.createTrade(biz, params);
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

/** The bridge's `tradePay`: pays an unpaid JSAPI trade and answers Alipay's `resultCode`. */
async function bridgePay(state: AlipaySandboxState, body: string, payAndNotify: PayAndNotify): Promise<Response> {
  let tradeNO = '';
  try {
    tradeNO = String((JSON.parse(body) as SandboxNode).tradeNO ?? '');
  } catch {}
  const trade = state.findTradeNo(tradeNO);
  if (trade?.status !== 'WAIT_BUYER_PAY')
    return Response.json({ resultCode: '4000', memo: trade ? trade.status : 'no such trade' }, { headers: CORS });
  await payAndNotify(trade);
  return Response.json({ resultCode: '9000', memo: '', result: '' }, { headers: CORS });
}

/** The cashier's pay button: pays, then sends the browser back to `return_url` when there is one. */
async function cashierPay(state: AlipaySandboxState, body: string, payAndNotify: PayAndNotify): Promise<Response> {
  const form = decodeAlipayForm(body);
  const trade = state.findTradeNo(form.trade_no ?? '');
  if (!trade) return new Response('no such trade', { status: 404 });
  if (trade.status === 'WAIT_BUYER_PAY') await payAndNotify(trade);
  const back = returnUrlOf(state, trade, form.method ?? 'alipay.trade.wap.pay');
  if (!back)
    return new Response('<p id="paid">付款成功</p>', { headers: { 'content-type': 'text/html;charset=utf-8' } });
  return new Response(null, { status: 303, headers: { location: back } });
}

/**
 * Answers a request of the buyer's browser (cashier, OAuth page, bridge), or `undefined` when the
 * request is for the gateway API.
 *
 * @example
 * ```ts
 * const page = await answerBrowserRequest(state, request.method, new URL(request.url), body, payAndNotify);
 * ```
 */
export async function answerBrowserRequest(
  state: AlipaySandboxState,
  method: string,
  url: URL,
  body: string,
  payAndNotify: PayAndNotify,
): Promise<Response | undefined> {
  if (method === 'GET' && url.pathname === AUTHORIZE_PATH) return authorize(state, url);
  if (method === 'GET' && url.pathname === ALIPAY_SANDBOX_APP_AUTH_PATH) return appAuthPage(state, url);
  if (method === 'POST' && url.pathname === APP_AUTH_GRANT_PATH) return appAuthGrant(state, body);
  if (method === 'GET' && url.pathname === ALIPAY_SANDBOX_BRIDGE_PATH) {
    return new Response(alipayBridgeScript(url.origin), {
      headers: { ...CORS, 'content-type': 'text/javascript; charset=utf-8' },
    });
  }
  if (method === 'POST' && url.pathname === ALIPAY_SANDBOX_BRIDGE_PAY_PATH) return bridgePay(state, body, payAndNotify);
  if (method === 'POST' && url.pathname === CASHIER_PAY_PATH) return cashierPay(state, body, payAndNotify);
  const params = { ...decodeAlipayForm(url.search.slice(1)), ...decodeAlipayForm(body) };
  if (params.method === 'alipay.trade.wap.pay' || params.method === 'alipay.trade.page.pay') {
    return cashier(state, params, url.origin);
  }
  return undefined;
}
