import {
  NetworkError,
  ProviderApiError,
  UnexpectedResponseError,
  ValidationError,
  type WalletOAuth,
} from '@hutong/core';
import type { RedactedRequest, RedactedResponse } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import { wechatpay, wechatpayOAuth } from '../src/index.js';
import { createWechatpaySandbox, WECHATPAY_SANDBOX_BRIDGE_PATH } from '../src/sandbox/index.js';
import { fixture } from './helpers.js';
import { MERCHANT, sandboxed } from './sandbox-setup.js';

const APP_ID = 'wxd678efh567hg6787';
const SECRET = '0123456789abcdef0123456789abcdef';
const REDIRECT = 'https://shop.example/pay/Ab12Cd34/mac/oauth/wechatpay?amount=8.00&lang=en';

function onSandbox(extra: Parameters<typeof wechatpayOAuth>[0] extends infer O ? Partial<O> : never = {}) {
  const sandbox = createWechatpaySandbox({
    mchId: MERCHANT.mchId,
    appId: APP_ID,
    apiV3Key: MERCHANT.apiV3Key,
    merchantSerialNo: MERCHANT.merchantSerialNo,
    merchantPublicKey: fixture('wechatpay-java/merchant_certificate.pem'),
    appSecret: SECRET,
  });
  const oauth = wechatpayOAuth({
    appId: APP_ID,
    appSecret: SECRET,
    endpoint: sandbox.baseUrl,
    fetch: sandbox.fetch,
    ...extra,
  });
  /** The buyer opens the authorize link in WeChat and comes back: the code WeChat appended. */
  const visit = async (state = 'state123') => {
    const response = await sandbox.fetch(oauth.authorizeUrl(REDIRECT, state));
    expect(response.status).toBe(302);
    const back = new URL(response.headers.get('location') ?? '');
    expect(back.searchParams.get('state')).toBe(state);
    return back.searchParams.get('code') ?? '';
  };
  return { sandbox, oauth, visit };
}

/** A fetch that answers every request with `body`. */
const answering =
  (body: string, status = 200): typeof globalThis.fetch =>
  async () =>
    new Response(body, { status, headers: { 'content-type': 'application/json' } });

describe('wechatpayOAuth', () => {
  it('builds WeChat’s authorize link byte for byte, in the order WeChat matches strictly', () => {
    const oauth = wechatpayOAuth({ appId: APP_ID, appSecret: SECRET });
    expect(oauth.authorizeUrl(REDIRECT, 'state123')).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxd678efh567hg6787' +
        '&redirect_uri=https%3A%2F%2Fshop.example%2Fpay%2FAb12Cd34%2Fmac%2Foauth%2Fwechatpay%3Famount%3D8.00%26lang%3Den' +
        '&response_type=code&scope=snsapi_base&state=state123#wechat_redirect',
    );
    expect(
      wechatpayOAuth({ appId: APP_ID, appSecret: SECRET, endpoint: 'http://127.0.0.1:9/' }).authorizeUrl(REDIRECT, 's'),
    ).toMatch(/^http:\/\/127\.0\.0\.1:9\/connect\/oauth2\/authorize\?appid=/);
  });

  it('refuses a state WeChat would not carry back, a relative redirect and unknown options', () => {
    const oauth = wechatpayOAuth({ appId: APP_ID, appSecret: SECRET });
    expect(() => oauth.authorizeUrl(REDIRECT, 'a&b')).toThrow(ValidationError);
    expect(() => oauth.authorizeUrl(REDIRECT, 'x'.repeat(129))).toThrow(ValidationError);
    expect(() => oauth.authorizeUrl('/pay/oauth', 'abc')).toThrow(ValidationError);
    expect(() => wechatpayOAuth({ appId: APP_ID, appSecret: SECRET, scope: 'snsapi_userinfo' } as never)).toThrow(
      'options.scope: is not a known option',
    );
    expect(() => wechatpayOAuth({ appId: 'gh_123', appSecret: SECRET })).toThrow('options.appId');
  });

  it('exchanges the code the sandbox’s authorize page returned for the buyer’s openid, once', async () => {
    const { sandbox, oauth, visit } = onSandbox();
    const code = await visit();
    expect(await oauth.openid(code)).toBe(sandbox.openid());
    const again = await oauth.openid(code).catch((error: unknown) => error);
    expect(ProviderApiError.isInstance(again)).toBe(true);
    expect(again).toMatchObject({ providerCode: '40163', normalizedCode: 'invalid_request', provider: 'wechatpay' });
    expect((again as ProviderApiError).requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}$/);
    const full = await oauth.exchangeCode(await visit());
    expect(full).toMatchObject({ openid: sandbox.openid(), scope: 'snsapi_base', expiresIn: 7200 });
  });

  it('maps WeChat’s errcode replies to typed ProviderApiErrors', async () => {
    const { oauth } = onSandbox();
    await expect(oauth.openid('nosuchcode')).rejects.toMatchObject({
      name: 'ProviderApiError',
      providerCode: '40029',
      normalizedCode: 'invalid_request',
    });
    const busy = wechatpayOAuth({
      appId: APP_ID,
      appSecret: SECRET,
      fetch: answering('{"errcode":-1,"errmsg":"system error"}'),
    });
    await expect(busy.openid('abc')).rejects.toMatchObject({
      providerCode: '-1',
      normalizedCode: 'system_busy',
      retryable: true,
    });
    const limited = wechatpayOAuth({
      appId: APP_ID,
      appSecret: SECRET,
      fetch: answering('{"errcode":45011,"errmsg":"api minute-quota reach limit"}'),
    });
    await expect(limited.openid('abc')).rejects.toMatchObject({ normalizedCode: 'rate_limited' });
    const snapshot = wechatpayOAuth({
      appId: APP_ID,
      appSecret: SECRET,
      fetch: answering(
        '{"access_token":"t","expires_in":7200,"openid":"oABC","scope":"snsapi_base","is_snapshotuser":1}',
      ),
    });
    await expect(snapshot.openid('abc')).rejects.toMatchObject({
      providerCode: 'is_snapshotuser',
      normalizedCode: 'permission_denied',
    });
    await expect(oauth.openid('a b')).rejects.toThrow(ValidationError);
  });

  it('treats an unreadable reply as an UnexpectedResponseError', async () => {
    for (const [body, field] of [
      ['<html>busy</html>', undefined],
      ['[1]', undefined],
      ['{"access_token":"t","expires_in":7200,"scope":"snsapi_base"}', 'response.openid'],
      ['{"access_token":"t","expires_in":"soon","openid":"oABC","scope":"snsapi_base"}', 'response.expires_in'],
    ] as const) {
      const oauth = wechatpayOAuth({ appId: APP_ID, appSecret: SECRET, fetch: answering(body) });
      const error = await oauth.openid('abc').catch((caught: unknown) => caught);
      expect(UnexpectedResponseError.isInstance(error), body).toBe(true);
      expect((error as UnexpectedResponseError).field).toBe(field);
    }
    const down = wechatpayOAuth({ appId: APP_ID, appSecret: SECRET, fetch: answering('<html>502</html>', 502) });
    await expect(down.openid('abc')).rejects.toMatchObject({ providerCode: 'HTTP_502', normalizedCode: 'system_busy' });
  });

  it('keeps the AppSecret (and the code and tokens) out of errors and hooks', async () => {
    const seen: (RedactedRequest | RedactedResponse)[] = [];
    const hooks = {
      onRequest: (r: RedactedRequest) => void seen.push(r),
      onResponse: (r: RedactedResponse) => void seen.push(r),
    };
    const { oauth, visit } = onSandbox({ hooks, appSecret: 'fedcba9876543210fedcba9876543210' });
    const wrongSecret = await oauth.openid(await visit()).catch((error: unknown) => error);
    expect(wrongSecret).toMatchObject({ providerCode: '40125', normalizedCode: 'permission_denied' });
    const { oauth: right, visit: visitRight } = onSandbox({ hooks });
    const code = await visitRight();
    const token = await right.exchangeCode(code);
    const logged = JSON.stringify(seen);
    expect(seen.length).toBe(4);
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('fedcba9876543210fedcba9876543210');
    expect(logged).not.toContain(code);
    expect(logged).not.toContain(token.accessToken);
    expect(logged).not.toContain(token.refreshToken as string);
    expect(logged).toContain('[redacted]');
    // A transport that fails with the URL in its message: the error never carries the secret.
    const leaky = wechatpayOAuth({
      appId: APP_ID,
      appSecret: SECRET,
      fetch: async (input) => {
        throw new TypeError(`connect ECONNREFUSED ${String(input)}`);
      },
    });
    const error = await leaky.openid('abc').catch((caught: unknown) => caught);
    expect(NetworkError.isInstance(error)).toBe(true);
    const text = `${(error as Error).message} ${(error as Error).stack} ${((error as Error).cause as Error).message} ${((error as Error).cause as Error).stack}`;
    expect(text).toContain('ECONNREFUSED');
    expect(text).not.toContain(SECRET);
    expect(String(wrongSecret)).not.toContain('fedcba98');
  });

  it('a code exchange that times out throws a typed NetworkError (a TimeoutError), not a TypeError', async () => {
    const hanging: typeof globalThis.fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const oauth = wechatpayOAuth({ appId: APP_ID, appSecret: SECRET, fetch: hanging, timeoutMs: 20 });
    const error = await oauth.openid('abc').catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(TypeError);
    expect(NetworkError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'timeout', retryable: true });
    expect(String((error as Error).stack)).not.toContain(SECRET);
  });

  it('hooks never see the AppSecret or the code, even when WeChat’s errmsg echoes them', async () => {
    const code = 'CODEabcdef0123456789';
    const seen: unknown[] = [];
    const errors: unknown[] = [];
    const hooks = {
      onRequest: (r: RedactedRequest) => void seen.push(r),
      onResponse: (r: RedactedResponse) => void seen.push(r),
      onError: (e: NetworkError, r: RedactedRequest) => void errors.push(e, r),
    };
    const echoing = wechatpayOAuth({
      appId: APP_ID,
      appSecret: SECRET,
      hooks,
      fetch: answering(
        JSON.stringify({
          errcode: 40125,
          errmsg: `invalid appsecret ${SECRET} for code ${code}, rid: 6512a3b4-1234abcd`,
        }),
      ),
    });
    const error = await echoing.openid(code).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ providerCode: '40125', requestId: '6512a3b4-1234abcd' });
    expect(String((error as ProviderApiError).providerMessage)).not.toContain(SECRET);
    const leaky = wechatpayOAuth({
      appId: APP_ID,
      appSecret: SECRET,
      hooks,
      fetch: async (input) => {
        throw new TypeError(`connect ECONNREFUSED ${String(input)}`);
      },
    });
    await expect(leaky.openid(code)).rejects.toSatisfy(NetworkError.isInstance);
    expect(seen.length).toBe(3);
    expect(errors.length).toBe(2);
    const logged =
      JSON.stringify(seen) +
      errors.map((e) => (e instanceof Error ? `${e.message} ${e.stack}` : JSON.stringify(e))).join(' ');
    expect(logged).toContain('invalid appsecret');
    expect(logged).toContain('ECONNREFUSED');
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain(code);
  });

  it('provider.oauth({ appSecret }) is WalletOAuth under the provider’s own app id; buyerId(code) is the openid', async () => {
    const { sandbox, provider } = sandboxed({ appIds: ['wx2222222222222222'] });
    const oauth: WalletOAuth = provider.oauth({ appSecret: sandbox.appSecret });
    const link = new URL(oauth.authorizeUrl(REDIRECT, 'state123'));
    expect(link.origin).toBe(sandbox.baseUrl);
    expect(link.searchParams.get('appid')).toBe(MERCHANT.appId);
    const visit = async () => {
      const back = new URL((await sandbox.fetch(link.href)).headers.get('location') ?? '');
      return back.searchParams.get('code') ?? '';
    };
    expect(await oauth.buyerId(await visit())).toBe(sandbox.openid(MERCHANT.appId));
    const extras = provider.oauth({ appSecret: sandbox.appSecret });
    expect(await extras.openid(await visit())).toBe(sandbox.openid());
    expect((await extras.exchangeCode(await visit())).scope).toBe('snsapi_base');
    // The app id is the provider's: the openid must belong to the paying app.
    expect(() => provider.oauth({ appSecret: sandbox.appSecret, appId: 'wx2222222222222222' } as never)).toThrow(
      'options.appId: is not a known option',
    );
    expect(() => provider.oauth({ appSecret: 'short' })).toThrow('options.appSecret');
    // By kind, the official account (mp) is the OAuth app, whatever the default.
    const byKind = sandboxed({
      appIds: ['wx2222222222222222', 'wx3333333333333333'],
      provider: { appIds: { app: 'wx3333333333333333', mp: 'wx2222222222222222' } },
    });
    const mp = new URL(byKind.provider.oauth({ appSecret: byKind.sandbox.appSecret }).authorizeUrl(REDIRECT, 's'));
    expect(mp.searchParams.get('appid')).toBe('wx2222222222222222');
    // On WeChat Pay's own hosts, WeChat's own OAuth hosts.
    const live = wechatpay({
      ...MERCHANT,
      wechatpayPublicKey: sandbox.wechatpayPublicKey,
      wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
    });
    expect(live.oauth({ appSecret: SECRET }).authorizeUrl(REDIRECT, 's')).toMatch(/^https:\/\/open\.weixin\.qq\.com\//);
  });

  it('wechatpayOAuth(...) (deprecated) still works and has buyerId beside openid', async () => {
    const { sandbox, oauth, visit } = onSandbox();
    expect(await oauth.buyerId(await visit())).toBe(sandbox.openid());
  });

  it('the sandbox refuses a link with its parameters out of order, or for an app id it does not know', async () => {
    const { sandbox } = onSandbox();
    const reordered = `${sandbox.baseUrl}/connect/oauth2/authorize?redirect_uri=${encodeURIComponent(REDIRECT)}&appid=${APP_ID}&response_type=code&scope=snsapi_base&state=s`;
    const refused = await sandbox.fetch(reordered);
    expect(refused.status).toBe(200);
    expect(await refused.text()).toContain('该链接无法访问');
    const stranger = wechatpayOAuth({ appId: 'wx0000000000000000', appSecret: SECRET, endpoint: sandbox.baseUrl });
    expect(await (await sandbox.fetch(stranger.authorizeUrl(REDIRECT, 's'))).text()).toContain('该链接无法访问');
  });

  it('the sandbox’s WeixinJSBridge pays a signed JSAPI payload and refuses a tampered one', async () => {
    const { sandbox, provider } = sandboxed();
    const script = await (await sandbox.fetch(`${sandbox.baseUrl}${WECHATPAY_SANDBOX_BRIDGE_PATH}`)).text();
    expect(script).toContain('getBrandWCPayRequest');
    expect(script).toContain(JSON.stringify(sandbox.baseUrl));
    const created = await provider.createPayment({
      orderId: 'oauthjsapi1',
      createdAt: new Date(),
      method: 'jsapi',
      amount: 800,
      currency: 'CNY',
      subject: '奶茶',
      notifyUrl: 'https://shop.example/webhooks/wechatpay',
      returnUrl: null,
      expiresAt: null,
      buyerId: sandbox.openid(),
      authCode: null,
      clientIp: null,
      providerOptions: {},
    });
    const params = (created.action as { params: Record<string, string> }).params;
    const pay = (body: unknown) =>
      sandbox.fetch(`${sandbox.baseUrl}/sandbox/wechatpay/bridge/pay`, { method: 'POST', body: JSON.stringify(body) });
    const tampered = await (await pay({ ...params, paySign: `${params.paySign?.slice(0, -4)}AAAA` })).json();
    expect(tampered.err_msg).toBe('get_brand_wcpay_request:fail');
    expect(sandbox.trade('oauthjsapi1')?.tradeState).toBe('NOTPAY');
    const paid = await (await pay(params)).json();
    expect(paid.err_msg).toBe('get_brand_wcpay_request:ok');
    expect(sandbox.trade('oauthjsapi1')?.tradeState).toBe('SUCCESS');
  });
});
