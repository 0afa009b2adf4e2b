import { createPayments, ProviderApiError, UnexpectedResponseError, ValidationError } from '@hutong/core';
import type { RedactedRequest, RedactedResponse } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import { alipay } from '../src/index.js';
import { ALIPAY_SANDBOX_BRIDGE_PATH, createAlipaySandbox } from '../src/sandbox/index.js';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY, sandboxed } from './sandbox-setup.js';

const REDIRECT = 'https://shop.example/pay/Ab12Cd34/mac/oauth/alipay?amount=8.00';

/** The buyer opens the authorize link inside Alipay and comes back: the `auth_code` Alipay appended. */
async function visit(fetch: typeof globalThis.fetch, url: string, state = 'state123') {
  const response = await fetch(url);
  expect(response.status).toBe(302);
  const back = new URL(response.headers.get('location') ?? '');
  expect(back.origin + back.pathname).toBe('https://shop.example/pay/Ab12Cd34/mac/oauth/alipay');
  expect(back.searchParams.get('state')).toBe(state);
  expect(back.searchParams.get('amount')).toBe('8.00');
  return back.searchParams.get('auth_code') ?? '';
}

describe('Alipay web OAuth', () => {
  it('builds the publicAppAuthorize.htm link byte for byte, for each environment', () => {
    const keys = { appId: APP_ID, privateKey: APP_PRIVATE_KEY, alipayPublicKey: APP_PUBLIC_KEY };
    expect(alipay(keys).oauth().authorizeUrl(REDIRECT, 'state123')).toBe(
      'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?app_id=2021000122671080&scope=auth_base' +
        '&redirect_uri=https%3A%2F%2Fshop.example%2Fpay%2FAb12Cd34%2Fmac%2Foauth%2Falipay%3Famount%3D8.00&state=state123',
    );
    expect(
      alipay({ ...keys, endpoint: 'sandbox' })
        .oauth()
        .authorizeUrl(REDIRECT, 's'),
    ).toMatch(
      /^https:\/\/openauth-sandbox\.dl\.alipaydev\.com\/oauth2\/publicAppAuthorize\.htm\?app_id=2021000122671080&scope=auth_base&/,
    );
    // A custom gateway (a hutong sandbox over HTTP): the page on the gateway's host.
    expect(
      alipay({ ...keys, endpoint: 'http://127.0.0.1:8080/gateway.do' })
        .oauth()
        .authorizeUrl(REDIRECT, 's'),
    ).toMatch(/^http:\/\/127\.0\.0\.1:8080\/oauth2\/publicAppAuthorize\.htm\?app_id=/);
    expect(alipay(keys).oauth({ authorizeEndpoint: 'sandbox' }).authorizeUrl(REDIRECT, 's')).toMatch(
      /^https:\/\/openauth-sandbox\./,
    );
    expect(() => alipay(keys).oauth().authorizeUrl(REDIRECT, 'a&b')).toThrow(ValidationError);
    expect(() => alipay(keys).oauth().authorizeUrl('/oauth', 's')).toThrow(ValidationError);
    expect(() => alipay(keys).oauth({ authorizeEndpoint: 'staging' })).toThrow('options.authorizeEndpoint');
  });

  it('exchanges the auth_code through the signed gateway (alipay.system.oauth.token) for the user id, once', async () => {
    const { sandbox, provider, lastRequest } = sandboxed();
    const oauth = provider.oauth();
    const code = await visit(sandbox.fetch, oauth.authorizeUrl(REDIRECT, 'state123'));
    expect(await oauth.buyerId(code)).toBe(sandbox.buyerId);
    expect(sandbox.buyerId).toMatch(/^2088\d{12}$/);
    const { params } = lastRequest();
    expect(params).toMatchObject({ method: 'alipay.system.oauth.token', grant_type: 'authorization_code', code });
    expect(params.biz_content).toBeUndefined();
    const again = await oauth.buyerId(code).catch((error: unknown) => error);
    expect(ProviderApiError.isInstance(again)).toBe(true);
    expect(again).toMatchObject({ providerCode: 'isv.code-invalid', normalizedCode: 'invalid_request' });
    const token = await provider.oauthToken(await visit(sandbox.fetch, oauth.authorizeUrl(REDIRECT, 'state123')));
    expect(token).toMatchObject({ userId: sandbox.buyerId, openId: undefined, expiresIn: 1296000 });
    await expect(provider.oauthToken('not a code')).rejects.toThrow(ValidationError);
  });

  it('returns the open id for apps on the open-id scheme, which a JSAPI payment then takes', async () => {
    const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY, idScheme: 'open_id' });
    const provider = alipay({
      appId: APP_ID,
      privateKey: APP_PRIVATE_KEY,
      alipayPublicKey: sandbox.alipayPublicKey,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    });
    const oauth = provider.oauth();
    const buyerId = await oauth.buyerId(await visit(sandbox.fetch, oauth.authorizeUrl(REDIRECT, 'state123')));
    expect(buyerId).toBe(sandbox.buyerId);
    expect(buyerId).not.toMatch(/^2088/);
    const payments = createPayments({ providers: [provider], notifyUrl: () => 'https://shop.example/webhooks/alipay' });
    const { order, action } = await payments.createPayment({
      provider: 'alipay',
      method: 'jsapi',
      amount: 800,
      subject: '奶茶',
      buyerId,
    });
    expect(sandbox.trade(order.id)?.buyerId).toBe(buyerId);
    // The sandbox's AlipayJSBridge pays the trade by its tradeNO.
    const script = await (
      await sandbox.fetch(`https://alipay.sandbox.hutong.invalid${ALIPAY_SANDBOX_BRIDGE_PATH}`)
    ).text();
    expect(script).toContain("'tradePay'".replaceAll("'", ''));
    const paid = await sandbox.fetch('https://alipay.sandbox.hutong.invalid/sandbox/alipay/bridge/pay', {
      method: 'POST',
      body: JSON.stringify({ tradeNO: action.params.tradeNO }),
    });
    expect(await paid.json()).toMatchObject({ resultCode: '9000' });
    expect(sandbox.trade(order.id)?.status).toBe('TRADE_SUCCESS');
  });

  it('reads the token reply like every reply: signed, bound to its method, both ids missing is malformed', async () => {
    const { sandbox, provider } = sandboxed();
    const oauth = provider.oauth();
    sandbox.alterNextReply('alipay.system.oauth.token', ({ user_id: _userId, ...node }) => node);
    const missing = await oauth
      .buyerId(await visit(sandbox.fetch, oauth.authorizeUrl(REDIRECT, 'state123')))
      .catch((error: unknown) => error);
    expect(UnexpectedResponseError.isInstance(missing)).toBe(true);
    expect(missing).toMatchObject({ reason: 'malformed', field: 'response.user_id' });
    // A trade query's node served as the token reply: another operation's answer.
    sandbox.alterNextReply('alipay.system.oauth.token', (node) => ({ ...node, trade_status: 'TRADE_SUCCESS' }));
    const foreign = await oauth
      .buyerId(await visit(sandbox.fetch, oauth.authorizeUrl(REDIRECT, 'state123')))
      .catch((error: unknown) => error);
    expect(foreign).toMatchObject({ name: 'UnexpectedResponseError', reason: 'mismatch' });
  });

  it('keeps the auth code and the tokens out of hooks', async () => {
    const seen: (RedactedRequest | RedactedResponse)[] = [];
    const { sandbox, provider } = sandboxed({
      hooks: { onRequest: (r) => void seen.push(r), onResponse: (r) => void seen.push(r) },
    });
    const oauth = provider.oauth();
    const code = await visit(sandbox.fetch, oauth.authorizeUrl(REDIRECT, 'state123'));
    const token = await provider.oauthToken(code);
    const logged = JSON.stringify(seen);
    expect(seen).toHaveLength(2);
    expect(logged).toContain('alipay.system.oauth.token');
    expect(logged).not.toContain(code);
    expect(logged).not.toContain(token.accessToken);
    expect(logged).not.toContain(token.refreshToken as string);
  });
});
