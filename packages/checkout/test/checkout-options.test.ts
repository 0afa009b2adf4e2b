/**
 * The checkout's options go through one schema (core's `z` and `parseWithSchema`), so a bad or
 * unknown option is a `ValidationError` naming it, as with every adapter.
 */
import { createCheckout, type WechatOAuth } from '@hutong/checkout';
import { ValidationError } from '@hutong/core';
import { describe, expect, it } from 'vitest';
import { SECRET, setup, UA } from './checkout-setup.js';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (ValidationError.isInstance(error)) return error.field;
    throw error;
  }
  return undefined;
}

describe('checkout options', () => {
  const { payments } = setup();
  const valid = {
    payments,
    secret: SECRET,
    baseUrl: 'https://shop.example/pay',
    wallets: { alipay: { provider: 'alipay' } },
  };

  it('names the bad option: secret, baseUrl, locale, allowedReturnUrls, merchantName, a wallet’s oauth', () => {
    expect(fieldOf(() => createCheckout({ ...valid, secret: 'short' }))).toBe('secret');
    expect(fieldOf(() => createCheckout({ ...valid, baseUrl: 'ftp://shop.example/pay' }))).toBe('baseUrl');
    expect(fieldOf(() => createCheckout({ ...valid, baseUrl: 'https://shop.example/pay?x=1' }))).toBe('baseUrl');
    expect(fieldOf(() => createCheckout({ ...valid, locale: 'fr' as 'en' }))).toBe('locale');
    expect(fieldOf(() => createCheckout({ ...valid, allowedReturnUrls: ['javascript:alert(1)'] }))).toBe(
      'allowedReturnUrls.0',
    );
    expect(fieldOf(() => createCheckout({ ...valid, merchantName: ' ' }))).toBe('merchantName');
    const oauth = { authorizeUrl: () => 'x' } as unknown as WechatOAuth;
    expect(fieldOf(() => createCheckout({ ...valid, wallets: { wechatpay: { provider: 'wechatpay', oauth } } }))).toBe(
      'wallets.wechatpay.oauth',
    );
  });

  it('refuses an unknown option (a typo) by name', () => {
    const typo = { ...valid, refundDuplicatePayment: false } as unknown as Parameters<typeof createCheckout>[0];
    expect(fieldOf(() => createCheckout(typo))).toBe('refundDuplicatePayment');
    const wallet = { ...valid, wallets: { alipay: { provider: 'alipay', oAuth: {} } } } as unknown as Parameters<
      typeof createCheckout
    >[0];
    expect(fieldOf(() => createCheckout(wallet))).toBe('wallets.alipay.oAuth');
  });

  it('takes the deprecated WechatOAuth shape (openid) as well as WalletOAuth (buyerId)', async () => {
    const legacy: WechatOAuth = {
      authorizeUrl: (redirectUri, state) =>
        `https://open.weixin.example/authorize?redirect_uri=${encodeURIComponent(redirectUri)}&state=${state}`,
      openid: async (code) => `legacy-${code}`,
    };
    const checkout = createCheckout({ ...valid, wallets: { wechatpay: { provider: 'wechatpay', oauth: legacy } } });
    const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    const redirect = await checkout.visit({ url, userAgent: UA.wechat });
    if (redirect.type !== 'oauth_redirect') throw new Error(`routed to ${redirect.type}`);
    const back = new URL(new URL(redirect.url).searchParams.get('redirect_uri') ?? '');
    back.searchParams.set('code', 'C1');
    back.searchParams.set('state', new URL(redirect.url).searchParams.get('state') ?? '');
    const paid = await checkout.visit({ url: back, userAgent: UA.wechat });
    expect(paid.type).toBe('payment');
    const [attempt] = await checkout.listAttempts(session.id);
    expect((await payments.getOrder(attempt?.orderId ?? '')).buyerId).toBe('legacy-C1');
  });
});
