/**
 * Platform mode in the checkout: sessions, links and static codes of a sub-merchant, whose
 * attempts are that merchant's orders, offering only the wallets it is enabled at, and whose
 * pages show its name.
 */
import { createCheckout } from '@hutong/checkout';
import {
  createMemoryMerchantDirectory,
  createPayments,
  type MerchantAccount,
  MerchantError,
  ValidationError,
} from '@hutong/core';
import { createFakeProvider } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { SECRET, UA } from './checkout-setup.js';

const account = (overrides: Partial<MerchantAccount>): MerchantAccount => ({
  merchant: 'shop-a',
  provider: 'alipay',
  accountId: 'sub-a-alipay',
  name: '老王煎饼',
  enabled: true,
  fields: {},
  ...overrides,
});

function platformCheckout() {
  const providers = ['alipay', 'wechatpay', 'unionpay'].map((wallet) =>
    createFakeProvider({ id: wallet, wallet, merchants: true, instantRefunds: true }),
  );
  const merchants = createMemoryMerchantDirectory([
    account({}),
    account({ provider: 'wechatpay', accountId: 'sub-a-wechat', name: undefined }),
    account({ merchant: 'shop-b', provider: 'unionpay', accountId: 'sub-b-union', name: '小李面馆' }),
    account({ merchant: 'shop-b', provider: 'alipay', accountId: 'sub-b-alipay', enabled: false }),
    account({ merchant: 'shop-off', provider: 'alipay', accountId: 'sub-off', enabled: false }),
  ]);
  const payments = createPayments({ providers, merchants });
  const checkout = createCheckout({
    payments,
    secret: SECRET,
    baseUrl: 'https://shop.example/pay',
    merchantName: '平台商城',
    wallets: {
      alipay: { provider: 'alipay' },
      wechatpay: { provider: 'wechatpay' },
      unionpay: { provider: 'unionpay' },
    },
  });
  const [alipay, wechatpay, unionpay] = providers as [
    (typeof providers)[number],
    (typeof providers)[number],
    (typeof providers)[number],
  ];
  return { payments, checkout, alipay, wechatpay, unionpay };
}

const desktop = (url: string) => new Request(url, { headers: { 'user-agent': UA.desktop } });

describe('checkout: sessions of a sub-merchant', () => {
  it('stores the merchant on the session', async () => {
    const { checkout } = platformCheckout();
    const { session } = await checkout.createSession({ amount: 1800, subject: '煎饼', merchant: 'shop-a' });
    expect(session.merchant).toBe('shop-a');
    expect((await checkout.getSession(session.id))?.merchant).toBe('shop-a');
    const own = await checkout.createSession({ amount: 1800, subject: '煎饼' });
    expect('merchant' in own.session).toBe(false);
  });

  it('refuses an unknown merchant, one enabled at none of its wallets, and a malformed key', async () => {
    const { checkout } = platformCheckout();
    const refused = async (merchant: string) =>
      checkout.createSession({ amount: 100, subject: 'Tea', merchant }).then(
        () => undefined,
        (e: unknown) => e,
      );
    const unknown = await refused('shop-z');
    expect(MerchantError.isInstance(unknown) && unknown.code).toBe('unknown_merchant');
    const off = await refused('shop-off');
    expect(MerchantError.isInstance(off) && off.code).toBe('merchant_not_enabled');
    const bad = await refused('shop a');
    expect(ValidationError.isInstance(bad) && bad.field).toBe('merchant');
  });

  it('offers only the wallets the merchant is enabled at, and shows its name instead of merchantName', async () => {
    const { checkout } = platformCheckout();
    const { url } = await checkout.createSession({ amount: 1800, subject: '煎饼', merchant: 'shop-a' });
    const visit = await checkout.visit({ url, userAgent: UA.desktop });
    expect(visit.type === 'cashier' && visit.options.map((option) => option.wallet)).toEqual(['alipay', 'wechatpay']);
    const html = await (await checkout.handler(desktop(url))).text();
    expect(html).toContain('老王煎饼');
    expect(html).not.toContain('平台商城');
    expect(html).not.toContain('data-wallet="unionpay"');
    expect((await checkout.visit({ url: `${url}/go/unionpay`, userAgent: UA.desktop })).type).toBe('not_found');
    // Opened in an app of a wallet the merchant does not take: the cashier, no attempt.
    const shopB = await checkout.createSession({ amount: 1800, subject: '面', merchant: 'shop-b' });
    expect((await checkout.visit({ url: shopB.url, userAgent: UA.alipay })).type).toBe('cashier');
    expect(await checkout.listAttempts(shopB.session.id)).toEqual([]);
  });

  it('keeps the checkout’s own name and every wallet for a session without a merchant', async () => {
    const { checkout } = platformCheckout();
    const { url } = await checkout.createSession({ amount: 1800, subject: '煎饼' });
    const visit = await checkout.visit({ url, userAgent: UA.desktop });
    expect(visit.type === 'cashier' && visit.options.map((option) => option.wallet)).toEqual([
      'alipay',
      'wechatpay',
      'unionpay',
    ]);
    const html = await (await checkout.handler(desktop(url))).text();
    expect(html).toContain('平台商城');
  });

  it('makes each attempt an order of the merchant, sent with its account, and completes on payment', async () => {
    const { checkout, payments, alipay } = platformCheckout();
    const { session, url } = await checkout.createSession({ amount: 1800, subject: '煎饼', merchant: 'shop-a' });
    const visit = await checkout.visit({ url: `${url}/go/alipay`, userAgent: UA.desktop });
    if (visit.type !== 'payment') throw new Error(`expected a payment, got ${visit.type}`);
    expect(visit.order.merchant).toBe('shop-a');
    expect(alipay.sandbox.payment(visit.order.id)?.account).toBe('sub-a-alipay');
    const paid = await payments.handleNotification('alipay', alipay.sandbox.pay(visit.order.id));
    expect(paid.ok).toBe(true);
    expect((await checkout.getSession(session.id))?.status).toBe('completed');
    const page = await (await checkout.handler(desktop(`${url}/a/${visit.order.id}`))).text();
    expect(page).toContain('老王煎饼');
    expect(page).not.toContain('平台商城');
  });

  it('takes the name from any of the merchant’s accounts', async () => {
    const { checkout } = platformCheckout();
    // shop-b is enabled at UnionPay only; its name is on that account.
    const { url } = await checkout.createSession({ amount: 1800, subject: '面', merchant: 'shop-b' });
    expect(await (await checkout.handler(desktop(url))).text()).toContain('小李面馆');
  });

  it('mints a merchant order for every payer of a merchant’s static code', async () => {
    const { checkout } = platformCheckout();
    const { session, url } = await checkout.createSession({ subject: '码牌', reusable: true, merchant: 'shop-a' });
    const first = await checkout.visit({ url: `${url}?amount=12.00`, userAgent: UA.alipay });
    const second = await checkout.visit({ url: `${url}?amount=8.50`, userAgent: UA.alipay });
    if (first.type !== 'payment' || second.type !== 'payment') throw new Error('expected two payments');
    expect([first.order.merchant, second.order.merchant]).toEqual(['shop-a', 'shop-a']);
    expect([first.order.amount, second.order.amount]).toEqual([1200, 850]);
    expect((await checkout.listAttempts(session.id)).map((attempt) => attempt.orderId)).toEqual([
      first.order.id,
      second.order.id,
    ]);
  });

  it('stops offering a wallet the platform disables the merchant at', async () => {
    const { checkout, payments } = platformCheckout();
    const { url } = await checkout.createSession({ amount: 1800, subject: '煎饼', merchant: 'shop-a' });
    await payments.merchants?.put(account({ provider: 'wechatpay', accountId: 'sub-a-wechat', enabled: false }));
    const visit = await checkout.visit({ url, userAgent: UA.desktop });
    expect(visit.type === 'cashier' && visit.options.map((option) => option.wallet)).toEqual(['alipay']);
  });
});
