/**
 * The WeChat side a payment inside WeChat's browser needs, faked for the sandbox: the web OAuth
 * authorize page (`/connect/oauth2/authorize`, straight back with a `code`, as `snsapi_base` is),
 * the code exchange (`/sns/oauth2/access_token`, WeChat's own `errcode` replies included) and the
 * `WeixinJSBridge` script a page running "in WeChat" loads.
 *
 * @packageDocumentation
 */
import { createHash, randomBytes } from 'node:crypto';

/**
 * Where the sandbox serves its fake `WeixinJSBridge`, and where that bridge pays.
 *
 * @example
 * ```ts
 * `<script src="${sandbox.baseUrl}${WECHATPAY_SANDBOX_BRIDGE_PATH}"></script>`;
 * ```
 */
export const WECHATPAY_SANDBOX_BRIDGE_PATH = '/sandbox/wechatpay/bridge.js';
/**
 * The bridge's `getBrandWCPayRequest`: POST the JSAPI parameters, get WeChat's `err_msg` back.
 *
 * @example
 * ```ts
 * await sandbox.fetch(`${sandbox.baseUrl}${WECHATPAY_SANDBOX_BRIDGE_PAY_PATH}`, { method: 'POST', body: JSON.stringify(params) });
 * ```
 */
export const WECHATPAY_SANDBOX_BRIDGE_PAY_PATH = '/sandbox/wechatpay/bridge/pay';

/** How long a code is good for, as WeChat documents: 5 minutes. */
const CODE_TTL_MS = 5 * 60 * 1000;

/** WeChat's authorize link, parameter by parameter, in the order its strict match demands. */
const AUTHORIZE_ORDER = ['appid', 'redirect_uri', 'response_type', 'scope', 'state'];

interface IssuedCode {
  appId: string;
  scope: string;
  issuedAt: number;
  used: boolean;
}

const json = (body: Record<string, unknown>, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; encoding=utf-8', 'cache-control': 'no-store' },
  });

const rid = () => `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;

/** WeChat's own error page for a link it refuses (wrong order, unknown app id, missing scope). */
function refusedPage(reason: string): Response {
  return new Response(
    `<!doctype html><meta charset="utf-8"><title>微信网页授权</title><p>该链接无法访问</p><p><code>${reason.replace(/[<>&]/g, '')}</code></p>`,
    { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } },
  );
}

/**
 * The OAuth half of the WeChat sandbox: issues codes on the authorize page and exchanges them
 * for the sandbox buyer's openid under the app id, once.
 *
 * @example
 * ```ts
 * const oauth = createWechatOAuthServer({ appIds: new Set([appId]), appSecret, now: () => new Date() });
 * oauth.openid(appId);
 * ```
 */
export function createWechatOAuthServer(options: { appIds: ReadonlySet<string>; appSecret: string; now: () => Date }) {
  const codes = new Map<string, IssuedCode>();
  const seed = randomBytes(16).toString('hex');

  /** The sandbox buyer's openid under `appId`: stable for the sandbox, 28 characters like WeChat's. */
  function openid(appId: string): string {
    return `o${createHash('sha256').update(`${seed}:${appId}`).digest('base64url').slice(0, 27)}`;
  }

  function authorize(url: URL): Response {
    const keys = [...url.searchParams.keys()];
    const expected = AUTHORIZE_ORDER.slice(0, keys.length);
    if (keys.length < 4 || keys.some((key, index) => key !== expected[index]))
      return refusedPage(`parameters must be ${AUTHORIZE_ORDER.join(', ')}, in this order`);
    const appId = url.searchParams.get('appid') ?? '';
    if (!options.appIds.has(appId)) return refusedPage(`unknown appid ${appId}`);
    const scope = url.searchParams.get('scope') ?? '';
    if (url.searchParams.get('response_type') !== 'code' || !/^snsapi_(base|userinfo)$/.test(scope))
      return refusedPage('response_type must be code, scope snsapi_base or snsapi_userinfo');
    let back: URL;
    try {
      back = new URL(url.searchParams.get('redirect_uri') ?? '');
    } catch {
      return refusedPage('redirect_uri is not a URL');
    }
    if (back.protocol !== 'https:' && back.protocol !== 'http:') return refusedPage('redirect_uri is not http(s)');
    const code = randomBytes(16).toString('hex');
    codes.set(code, { appId, scope, issuedAt: options.now().getTime(), used: false });
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    return new Response(null, { status: 302, headers: { location: back.href, 'cache-control': 'no-store' } });
  }

  function accessToken(url: URL): Response {
    const q = url.searchParams;
    const appId = q.get('appid') ?? '';
    if (!options.appIds.has(appId)) return json({ errcode: 40013, errmsg: `invalid appid, rid: ${rid()}` });
    if (q.get('secret') !== options.appSecret)
      return json({ errcode: 40125, errmsg: `invalid appsecret, rid: ${rid()}` });
    if (q.get('grant_type') !== 'authorization_code')
      return json({ errcode: 40002, errmsg: `invalid grant_type, rid: ${rid()}` });
    const code = q.get('code');
    if (!code) return json({ errcode: 41008, errmsg: `missing code, rid: ${rid()}` });
    const issued = codes.get(code);
    if (!issued || issued.appId !== appId || options.now().getTime() - issued.issuedAt > CODE_TTL_MS)
      return json({ errcode: 40029, errmsg: `invalid code, rid: ${rid()}` });
    if (issued.used) return json({ errcode: 40163, errmsg: `code been used, rid: ${rid()}` });
    issued.used = true;
    return json({
      access_token: randomBytes(24).toString('base64url'),
      expires_in: 7200,
      refresh_token: randomBytes(24).toString('base64url'),
      openid: openid(appId),
      scope: issued.scope,
    });
  }

  return { openid, authorize, accessToken };
}

/**
 * The fake `WeixinJSBridge`: `invoke('getBrandWCPayRequest', params, callback)` posts the JSAPI
 * parameters to the sandbox at `base`, which checks `paySign` against the merchant's key and pays
 * the transaction, and calls back with WeChat's `err_msg`. Other calls answer `<name>:fail`.
 *
 * @example
 * ```ts
 * new Response(wechatBridgeScript('http://127.0.0.1:8080'), { headers: { 'content-type': 'text/javascript' } });
 * ```
 */
export function wechatBridgeScript(base: string): string {
  return `/* hutong WeChat Pay sandbox: a fake WeixinJSBridge */
(function () {
  var base = ${JSON.stringify(base)};
  function answer(callback, result) { if (typeof callback === 'function') setTimeout(function () { callback(result); }, 0); }
  function invoke(name, params, callback) {
    if (name !== 'getBrandWCPayRequest') { answer(callback, { err_msg: name + ':fail' }); return; }
    fetch(base + ${JSON.stringify(WECHATPAY_SANDBOX_BRIDGE_PAY_PATH)}, { method: 'POST', body: JSON.stringify(params || {}) })
      .then(function (response) { return response.json(); })
      .then(function (result) { answer(callback, result); }, function () { answer(callback, { err_msg: 'get_brand_wcpay_request:fail' }); });
  }
  window.WeixinJSBridge = { invoke: invoke, call: function () {}, on: function () {} };
  function ready() { document.dispatchEvent(new Event('WeixinJSBridgeReady')); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready); else ready();
})();
`;
}
