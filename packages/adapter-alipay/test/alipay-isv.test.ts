import { ProviderApiError, toNotificationRequest, ValidationError } from '@hutong/core';
import type { CreatePaymentRequest, MerchantAccount } from '@hutong/core/provider-utils';
import { rejectionOf, sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { ALIPAY_APP_AUTH_URLS, alipay, isAlipayAuthorizationRevoked } from '../src/index.js';
import { isvSandboxed, memoryDirectory, REDIRECT_URI, STATE_SECRET } from './isv-setup.js';
import { APP_ID, APP_PRIVATE_KEY } from './sandbox-setup.js';

function qrRequest(orderId: string, merchant: MerchantAccount | null, extra: Partial<CreatePaymentRequest> = {}) {
  return {
    orderId,
    createdAt: new Date(),
    method: 'qr',
    amount: 1999,
    currency: 'CNY',
    subject: '龙井',
    notifyUrl: 'https://platform.example/webhooks/alipay',
    returnUrl: null,
    expiresAt: null,
    buyerId: null,
    authCode: null,
    clientIp: null,
    providerOptions: {},
    merchant,
    ...extra,
  } satisfies CreatePaymentRequest;
}

const reference = (orderId: string, merchant: MerchantAccount | null) => ({
  orderId,
  order: sampleOrder({ id: orderId, amount: 1999 }),
  merchant,
});

describe('the app-to-app authorisation flow', () => {
  it('stores the merchant from the callback: accountId = auth_app_id, tokens and expiry in fields', async () => {
    const { sandbox, directory, authorization, provider } = isvSandboxed();
    const link = new URL(authorization.authorizeUrl('shop-42'));
    expect(`${link.origin}${link.pathname}`).toBe(new URL('/oauth2/appToAppAuth.htm', sandbox.baseUrl).href);
    expect(link.searchParams.get('app_id')).toBe(APP_ID);
    expect(link.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    const merchant = sandbox.addMerchant({ name: '老王煎饼' });
    const callback = sandbox.authorizeMerchant(merchant.authAppId, REDIRECT_URI, link.searchParams.get('state') ?? '');
    const response = await authorization.handleCallback(new Request(callback));
    expect(response.status).toBe(200);
    const account = await directory.resolve('shop-42', provider.id);
    expect(account).toMatchObject({
      merchant: 'shop-42',
      provider: 'alipay',
      accountId: merchant.authAppId,
      enabled: true,
    });
    expect(account.fields.appAuthToken).toMatch(/^\d{6}BB/);
    expect(account.fields.appRefreshToken).toMatch(/^\d{6}BB/);
    expect(account.fields.userId).toBe(merchant.userId);
    expect(Date.parse(account.fields.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(Date.parse(account.fields.refreshExpiresAt ?? '')).toBeGreaterThan(
      Date.parse(account.fields.expiresAt ?? ''),
    );
    // Nothing of the tokens reaches the page.
    expect(await response.text()).not.toContain(account.fields.appAuthToken);
  });

  it("follows the sandbox's authorisation page in the browser's way, and redirects to completeUrl", async () => {
    const { sandbox, provider } = isvSandboxed();
    const directory = memoryDirectory();
    const authorization = provider.authorization({
      directory,
      redirectUri: REDIRECT_URI,
      stateSecret: STATE_SECRET,
      completeUrl: 'https://platform.example/shops/done',
    });
    const page = await sandbox.fetch(authorization.authorizeUrl('shop-7'));
    const html = await page.text();
    expect(page.status).toBe(200);
    const action = /action="([^"]+)"/.exec(html)?.[1] as string;
    const fields = Object.fromEntries([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const grant = await sandbox.fetch(action.replaceAll('&amp;', '&'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, state: (fields.state ?? '').replaceAll('&#61;', '=') }).toString(),
    });
    expect(grant.status).toBe(302);
    const back = grant.headers.get('location') as string;
    expect(new URL(back).searchParams.get('source')).toBe('alipay_app_auth');
    const done = await authorization.handleCallback(new Request(back));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('https://platform.example/shops/done?merchant=shop-7');
    expect((await directory.resolve('shop-7', 'alipay')).accountId).toMatch(/^\d{16}$/);
  });

  it('refuses a forged, altered or expired state, and another app, with 400 and stores nothing', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const { sandbox, provider } = isvSandboxed({ now: () => new Date(clock) });
    const directory = memoryDirectory();
    const authorization = provider.authorization({ directory, redirectUri: REDIRECT_URI, stateSecret: STATE_SECRET });
    const merchant = sandbox.addMerchant();
    const state = new URL(authorization.authorizeUrl('shop-1')).searchParams.get('state') as string;
    const [who, expiry, mac] = state.split('.') as [string, string, string];
    const other = `${Buffer.from('shop-2').toString('base64url')}.${expiry}.${mac}`;
    for (const bad of ['', 'x.y.z', other, `${who}.${expiry}.${mac.slice(1)}A`]) {
      const callback = sandbox.authorizeMerchant(merchant.authAppId, REDIRECT_URI, bad);
      expect((await authorization.handleCallback(new Request(callback))).status, bad).toBe(400);
    }
    const foreignApp = new URL(sandbox.authorizeMerchant(merchant.authAppId, REDIRECT_URI, state));
    foreignApp.searchParams.set('app_id', '2021000000000000');
    expect((await authorization.handleCallback(new Request(foreignApp))).status).toBe(400);
    clock += 31 * 60_000;
    const late = sandbox.authorizeMerchant(merchant.authAppId, REDIRECT_URI, state);
    expect((await authorization.handleCallback(new Request(late))).status).toBe(400);
    expect(directory.accounts.size).toBe(0);
  });

  it('answers 502 when Alipay refuses the code (used twice), without the code in the page', async () => {
    const { sandbox, authorization } = isvSandboxed();
    const merchant = sandbox.addMerchant();
    const state = new URL(authorization.authorizeUrl('shop-1')).searchParams.get('state') as string;
    const callback = sandbox.authorizeMerchant(merchant.authAppId, REDIRECT_URI, state);
    expect((await authorization.handleCallback(new Request(callback))).status).toBe(200);
    const again = await authorization.handleCallback(new Request(callback));
    expect(again.status).toBe(502);
    const code = new URL(callback).searchParams.get('app_auth_code') as string;
    expect(await again.text()).not.toContain(code);
  });

  it('uses the official page in production and Alipay’s sandbox page for the sandbox endpoint', () => {
    for (const endpoint of ['production', 'sandbox'] as const) {
      const provider = alipay({ appId: APP_ID, privateKey: APP_PRIVATE_KEY, alipayPublicKey: PUBLIC, endpoint });
      const link = provider
        .authorization({ directory: memoryDirectory(), redirectUri: REDIRECT_URI, stateSecret: STATE_SECRET })
        .authorizeUrl('shop-1');
      expect(link.startsWith(`${ALIPAY_APP_AUTH_URLS[endpoint]}?app_id=${APP_ID}&redirect_uri=`)).toBe(true);
    }
  });

  it('refuses a short state secret', () => {
    const { provider } = isvSandboxed();
    let error: unknown;
    try {
      provider.authorization({ directory: memoryDirectory(), redirectUri: REDIRECT_URI, stateSecret: 'short' });
    } catch (caught) {
      error = caught;
    }
    expect(ValidationError.isInstance(error) && error.field).toBe('options.stateSecret');
  });
});

const PUBLIC = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhoVesfcGvUv1XvUndmX0rmSZ/2posJBCooySbSVFpV79RtHMzrVz2aKkC3WvOXeT5iNeQK4mK8gp3vNkWrHTkQGx5BcmkeO1WS384CQde7dAS0gmxeFs5bs+cCQqV2A2c2R9/5rJMtFtp1Ot/rIiMBUn6Ei0UoztM7AneavqQEzSwYlCKNhPFFtHCiz7u4O5R9CIyvUmYr+zpem2HXBN9ygPAZ0aXBQipGbc45+G07ZCNsmY4hV/Igya1aBf+Ye8p10Ew8uBBri0sIknhSC2LqKKy2IH1fO6q1d1jhN240QRHvbpRNv60kAfZsEulBASBrCMBi49NiJyr5nre7SNywIDAQAB
-----END PUBLIC KEY-----`;

describe('calls for a merchant', () => {
  it('carry the merchant’s app_auth_token as a signed system parameter; the own account carries none', async () => {
    const { provider, onboard, lastRequest } = isvSandboxed();
    const shop = await onboard('shop-a');
    await provider.createPayment(qrRequest('isv-order-1', shop));
    const { params } = lastRequest();
    expect(params.app_auth_token).toBe(shop.fields.appAuthToken);
    await provider.createPayment(qrRequest('own-order-1', null));
    expect(lastRequest().params.app_auth_token).toBeUndefined();
  });

  it('put sys_service_provider_id in a merchant payment’s extend_params, and royalty_freeze for a split', async () => {
    const { provider, onboard, lastRequest } = isvSandboxed({ sysServiceProviderId: '2088511833207846' });
    const shop = await onboard('shop-a');
    await provider.createPayment(qrRequest('isv-order-2', shop, { split: true }));
    expect(lastRequest().biz.extend_params).toEqual({
      sys_service_provider_id: '2088511833207846',
      royalty_freeze: 'true',
    });
    await provider.createPayment(qrRequest('own-order-2', null));
    expect(lastRequest().biz.extend_params).toBeUndefined();
  });

  it('page payments sign the token into the form the buyer posts, and the cashier takes it', async () => {
    const { provider, onboard, sandbox } = isvSandboxed();
    const shop = await onboard('shop-a');
    const { action } = await provider.createPayment({ ...qrRequest('isv-page-1', shop), method: 'page' });
    expect(action.type === 'form' && action.fields.app_auth_token).toBe(shop.fields.appAuthToken);
    sandbox.open(action);
    expect(sandbox.trade('isv-page-1')?.owner).toBe(shop.accountId);
  });

  it('report auth_app_id of a merchant’s notification as its account; the own account’s has none', async () => {
    const { provider, onboard, sandbox } = isvSandboxed();
    const shop = await onboard('shop-a');
    await provider.createPayment(qrRequest('isv-order-3', shop));
    const verified = await provider.verifyNotification(toNotificationRequest(sandbox.pay('isv-order-3')));
    expect(verified.account).toBe(shop.accountId);
    expect(verified.event).toMatchObject({ type: 'payment.succeeded', orderId: 'isv-order-3', amount: 1999 });
    await provider.createPayment(qrRequest('own-order-3', null));
    expect(
      (await provider.verifyNotification(toNotificationRequest(sandbox.pay('own-order-3')))).account,
    ).toBeUndefined();
  });

  it("report B's genuine notification faithfully as B's, so it cannot pass for A's order", async () => {
    const { provider, onboard, sandbox } = isvSandboxed();
    const shopA = await onboard('shop-a');
    const shopB = await onboard('shop-b');
    await provider.createPayment(qrRequest('a-order', shopA));
    await provider.createPayment(qrRequest('b-order', shopB));
    const fromB = sandbox.pay('b-order');
    const verified = await provider.verifyNotification(toNotificationRequest(fromB));
    expect(verified.account).toBe(shopB.accountId);
    expect(verified.account).not.toBe(shopA.accountId);
  });

  it("find nothing of A's with B's token: another merchant's trade does not exist for it", async () => {
    const { provider, onboard } = isvSandboxed();
    const shopA = await onboard('shop-a');
    const shopB = await onboard('shop-b');
    await provider.createPayment(qrRequest('a-only', shopA));
    // A query with B's token is answered for B: no such trade (pending, as for a QR not yet scanned).
    expect(await provider.queryPayment(reference('a-only', shopB))).toEqual({
      type: 'payment.pending',
      orderId: 'a-only',
    });
    const refund = await rejectionOf(
      provider.refund({ ...reference('a-only', shopB), refundId: 'r1', amount: 1, reason: null }),
    );
    expect(ProviderApiError.isInstance(refund) && refund.normalizedCode).toBe('not_found');
  });
});

describe('revoked and expired tokens', () => {
  it('a revoked token is permission_denied, fires onRevoked with no token in it, never a crash', async () => {
    const { provider, onboard, sandbox, revoked } = isvSandboxed();
    const shop = await onboard('shop-a');
    sandbox.revokeMerchantTokens(shop.accountId);
    const error = await rejectionOf(provider.createPayment(qrRequest('revoked-1', shop)));
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('permission_denied');
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('aop.invalid-app-auth-token');
    expect(isAlipayAuthorizationRevoked(error)).toBe(true);
    expect(revoked).toEqual([
      {
        type: 'merchant.authorization_revoked',
        provider: 'alipay',
        merchant: 'shop-a',
        accountId: shop.accountId,
        providerCode: 'aop.invalid-app-auth-token',
      },
    ]);
    const serialised = JSON.stringify([error, String(error), (error as Error).stack, revoked]);
    expect(serialised).not.toContain(shop.fields.appAuthToken);
    expect(serialised).not.toContain(shop.fields.appRefreshToken);
  });

  it('an expired token is refused as aop.app-auth-token-time-out (no directory: no refresh)', async () => {
    const { provider, onboard, sandbox } = isvSandboxed();
    const shop = await onboard('shop-a');
    sandbox.expireMerchantTokens(shop.accountId);
    const withoutExpiry = { ...shop, fields: { ...shop.fields, expiresAt: '' } };
    const error = await rejectionOf(provider.queryPayment(reference('expired-1', withoutExpiry)));
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('aop.app-auth-token-time-out');
    expect(isAlipayAuthorizationRevoked(error)).toBe(true);
  });

  it('an onRevoked hook that throws does not change the error the call throws', async () => {
    const { provider, onboard, sandbox } = isvSandboxed({
      appAuth: {
        onRevoked: () => {
          throw new Error('hook failed');
        },
      },
    });
    const shop = await onboard('shop-a');
    sandbox.revokeMerchantTokens(shop.accountId);
    const error = await rejectionOf(provider.queryPayment(reference('x', shop)));
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('permission_denied');
  });

  it("another provider's account is refused before anything is sent", async () => {
    const { provider, onboard, requests } = isvSandboxed();
    const shop = await onboard('shop-a');
    const sent = requests.length;
    const error = await rejectionOf(provider.queryPayment(reference('x', { ...shop, provider: 'alipay-hk' })));
    expect(ValidationError.isInstance(error) && error.field).toBe('merchant.provider');
    expect(requests.length).toBe(sent);
  });

  it('a merchant without a token is a ValidationError naming the field, not the value', async () => {
    const { provider } = isvSandboxed();
    const error = await rejectionOf(
      provider.queryPayment(
        reference('x', { merchant: 'm', provider: 'alipay', accountId: '2021000000000001', enabled: true, fields: {} }),
      ),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('merchant.fields.appAuthToken');
  });
});

describe('refresh', () => {
  it('refreshIfDue leaves a token far from expiry alone, and refreshes one within the margin', async () => {
    const { onboard, authorization, directory, lastRequest, requests } = isvSandboxed();
    const shop = await onboard('shop-a');
    const sent = requests.length;
    expect(await authorization.refreshIfDue(shop)).toBe(shop);
    expect(requests.length).toBe(sent);
    const due = { ...shop, fields: { ...shop.fields, expiresAt: new Date(Date.now() + 3600_000).toISOString() } };
    const fresh = await authorization.refreshIfDue(due);
    expect(lastRequest().params.method).toBe('alipay.open.auth.token.app');
    expect(lastRequest().biz).toEqual({ grant_type: 'refresh_token', refresh_token: shop.fields.appRefreshToken });
    expect(fresh.accountId).toBe(shop.accountId);
    expect(fresh.fields.appAuthToken).not.toBe(shop.fields.appAuthToken);
    expect(await directory.resolve('shop-a', 'alipay')).toEqual(fresh);
  });

  it('a call for a merchant whose token is due refreshes it first, stores it, and carries the new one', async () => {
    const { provider, onboard, directory, lastRequest, requests } = isvSandboxed();
    const shop = await onboard('shop-a');
    const due = { ...shop, fields: { ...shop.fields, expiresAt: new Date(Date.now() + 60_000).toISOString() } };
    const before = requests.length;
    await provider.createPayment(qrRequest('refresh-1', due));
    const methods = requests.slice(before).map((r) => new URL(r.url).searchParams.get('method'));
    expect(methods).toEqual(['alipay.open.auth.token.app', 'alipay.trade.precreate']);
    const stored = await directory.resolve('shop-a', 'alipay');
    expect(stored.fields.appAuthToken).not.toBe(shop.fields.appAuthToken);
    expect(lastRequest().params.app_auth_token).toBe(stored.fields.appAuthToken);
  });

  it('the replaced token still works for 10 minutes, as Alipay keeps it', async () => {
    const { provider, onboard, authorization } = isvSandboxed();
    const shop = await onboard('shop-a');
    await authorization.refreshIfDue(shop, { force: true });
    await expect(provider.queryPayment(reference('old-token', shop))).resolves.toMatchObject({
      type: 'payment.pending',
    });
  });

  it('a refresh reply about another merchant is refused as a mismatch', async () => {
    const { onboard, authorization } = isvSandboxed();
    const shopA = await onboard('shop-a');
    const shopB = await onboard('shop-b');
    const crossed = { ...shopA, fields: { ...shopA.fields, appRefreshToken: shopB.fields.appRefreshToken as string } };
    const error = await rejectionOf(authorization.refreshIfDue(crossed, { force: true }));
    expect((error as { reason?: string }).reason).toBe('mismatch');
  });

  it('a revoked merchant cannot refresh: the refresh token is refused', async () => {
    const { onboard, authorization, sandbox } = isvSandboxed();
    const shop = await onboard('shop-a');
    sandbox.revokeMerchantTokens(shop.accountId);
    const error = await rejectionOf(authorization.refreshIfDue(shop, { force: true }));
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('isv.refresh-token-invalid');
  });

  it('check: alipay.open.auth.token.app.query reports valid, then invalid once revoked', async () => {
    const { onboard, authorization, sandbox } = isvSandboxed();
    const shop = await onboard('shop-a');
    expect(await authorization.check(shop)).toMatchObject({ authAppId: shop.accountId, status: 'valid' });
    sandbox.revokeMerchantTokens(shop.accountId);
    expect((await authorization.check(shop)).status).toBe('invalid');
  });
});

describe('tokens never in hooks', () => {
  it('the HTTP hooks see the token exchange, the refresh and merchant calls with every token redacted', async () => {
    const seen: string[] = [];
    const hooks = {
      onRequest: (request: unknown) => void seen.push(JSON.stringify(request)),
      onResponse: (response: unknown) => void seen.push(JSON.stringify(response)),
    };
    const { provider, onboard, authorization } = isvSandboxed({ hooks });
    const shop = await onboard('shop-a');
    await provider.createPayment(qrRequest('hooks-1', shop));
    const fresh = await authorization.refreshIfDue(shop, { force: true });
    await authorization.check(fresh);
    const all = seen.join('\n');
    expect(all).toContain('alipay.open.auth.token.app');
    for (const secret of [
      shop.fields.appAuthToken,
      shop.fields.appRefreshToken,
      fresh.fields.appAuthToken,
      fresh.fields.appRefreshToken,
    ]) {
      expect(all).not.toContain(secret as string);
      expect(all).not.toContain(encodeURIComponent(secret as string));
    }
    expect(all).toContain('[redacted]');
  });
});
