/**
 * A platform (service provider) with two sub-merchants on all three wallets' sandboxes, end to end
 * through one facade: the WeChat Pay partner, an Alipay third-party app its shops authorised, and
 * a UnionPay platform merchant. Each shop takes QR, JSAPI (where the wallet has it) and
 * payment-code payments, refunds, and receives notifications; the reconciler and `listOrders` work
 * per merchant; and a genuine message of one shop never applies to the other's order.
 */
import {
  createMemoryMerchantDirectory,
  createPayments,
  createReconciler,
  MemoryOrderStore,
  type Order,
} from '@hutong/core';
import { describe, expect, it } from 'vitest';
import { REDIRECT_URI, STATE_SECRET } from '../../../packages/adapter-alipay/test/isv-setup.js';
import { sandboxed as alipaySandboxed } from '../../../packages/adapter-alipay/test/sandbox-setup.js';
import { platformSandboxed } from '../../../packages/adapter-unionpay/test/platform-setup.js';
import { partnerSandboxed, SUB_A, SUB_B } from '../../../packages/adapter-wechatpay/test/sandbox-setup.js';

type Wallet = 'wechatpay' | 'alipay' | 'unionpay';
const WALLETS: readonly Wallet[] = ['wechatpay', 'alipay', 'unionpay'];
const SHOPS = ['shop-a', 'shop-b'] as const;
/** A payment code of each wallet, as a scanner reads it (the sandboxes settle them at once). */
const TILL_CODES: Record<Wallet, string> = {
  alipay: '2856781234567890',
  wechatpay: '134567890123456789',
  unionpay: '6212345678901234567',
};

async function platform() {
  const directory = createMemoryMerchantDirectory();
  // WeChat Pay: the service provider's partner-mode provider; both shops bound to it.
  const wechat = partnerSandboxed();
  await directory.put({ ...SUB_A, name: '老王煎饼' });
  await directory.put({ ...SUB_B, name: 'Bakery B' });
  // UnionPay: a platform merchant (accessType=2) with both shops registered as sub-merchants.
  const union = platformSandboxed('platform');
  await directory.put(union.shopA);
  await directory.put(union.shopB);
  // Alipay: the platform's third-party app; each shop authorises it on Alipay's page.
  const ali = alipaySandboxed({ appAuth: { directory } });
  const authorization = ali.provider.authorization({ directory, redirectUri: REDIRECT_URI, stateSecret: STATE_SECRET });
  for (const shop of SHOPS) {
    const onSandbox = ali.sandbox.addMerchant({ name: shop });
    const state = new URL(authorization.authorizeUrl(shop)).searchParams.get('state') ?? '';
    const callback = ali.sandbox.authorizeMerchant(onSandbox.authAppId, REDIRECT_URI, state);
    expect((await authorization.handleCallback(new Request(callback))).status).toBe(200);
  }
  const store = new MemoryOrderStore();
  const payments = createPayments({
    providers: [wechat.provider, ali.provider, union.provider],
    store,
    merchants: directory,
    notifyUrl: (provider) => `https://platform.example/webhooks/${provider}`,
  });
  const sandboxes = { wechatpay: wechat.sandbox, alipay: ali.sandbox, unionpay: union.sandbox };
  return { payments, store, sandboxes, directory, wechat, ali, union };
}

describe('a platform with two sub-merchants on the three wallets’ sandboxes', () => {
  it('takes QR, JSAPI and payment-code payments per merchant, refunds, and keeps every order with its merchant', async () => {
    const { payments, store, sandboxes, wechat, ali } = await platform();
    const made: Order[] = [];
    for (const wallet of WALLETS) {
      for (const merchant of SHOPS) {
        const sandbox = sandboxes[wallet];
        // QR: the buyer scans, pays; the wallet's signed notification reaches the platform.
        const qr = await payments.createPayment({
          provider: wallet,
          method: 'qr',
          amount: 1999,
          subject: '龙井',
          merchant,
        });
        expect(qr.order.merchant).toBe(merchant);
        sandbox.open(qr.action);
        const notified = await payments.handleNotification(wallet, sandbox.pay(qr.order.id));
        expect(notified.response.status, `${wallet} ${merchant} qr notification`).toBeLessThan(300);
        expect(await payments.getOrder(qr.order.id)).toMatchObject({ status: 'paid', merchant, paidAmount: 1999 });
        made.push(qr.order);
        // A payment code at the shop's till: paid on the spot.
        const till = await payments.payWithCode({
          provider: wallet,
          authCode: TILL_CODES[wallet],
          amount: 800,
          subject: '煎饼',
          merchant,
        });
        expect(till.order, `${wallet} ${merchant} till`).toMatchObject({ status: 'paid', merchant });
        made.push(till.order);
        // A partial refund of the QR order, settled and notified by the wallet.
        const { refund } = await payments.refund(qr.order.id, {
          refundId: `R${qr.order.id}`.slice(0, 32),
          amount: 500,
        });
        await payments.handleNotification(wallet, sandbox.settleRefund(qr.order.id, refund.id));
        expect(await payments.sync(qr.order.id)).toMatchObject({ status: 'partially_refunded', refundedAmount: 500 });
      }
    }
    // JSAPI inside the wallet: WeChat under shop A's own mini program, Alipay under the platform's app.
    const wechatJsapi = await payments.createPayment({
      provider: 'wechatpay',
      method: 'jsapi',
      amount: 1200,
      subject: '奶茶',
      buyerId: wechat.sandbox.openid(SUB_A.fields.subAppId),
      merchant: 'shop-a',
    });
    expect(wechatJsapi.action.params).toMatchObject({ appId: SUB_A.fields.subAppId });
    wechat.sandbox.open(wechatJsapi.action);
    await payments.handleNotification('wechatpay', wechat.sandbox.pay(wechatJsapi.order.id));
    expect((await payments.getOrder(wechatJsapi.order.id)).status).toBe('paid');
    const alipayJsapi = await payments.createPayment({
      provider: 'alipay',
      method: 'jsapi',
      amount: 1200,
      subject: '奶茶',
      buyerId: ali.sandbox.buyerId,
      merchant: 'shop-b',
    });
    ali.sandbox.open(alipayJsapi.action);
    await payments.handleNotification('alipay', ali.sandbox.pay(alipayJsapi.order.id));
    expect((await payments.getOrder(alipayJsapi.order.id)).status).toBe('paid');

    // Every order is listed under its own merchant, and only there.
    for (const merchant of SHOPS) {
      const { orders } = await store.listOrders({ merchant, limit: 100 });
      expect(orders.every((order) => order.merchant === merchant)).toBe(true);
      expect(orders).toHaveLength(made.filter((order) => order.merchant === merchant).length + 1);
    }
  });

  it('refuses one shop’s genuine notification for the other shop’s order, and changes nothing', async () => {
    const { payments, store, sandboxes } = await platform();
    for (const wallet of WALLETS) {
      const sandbox = sandboxes[wallet];
      // Shop B's trade, paid at the wallet: its notification is genuine, signed for B's sub-merchant.
      const { order, action } = await payments.createPayment({
        provider: wallet,
        method: 'qr',
        amount: 1999,
        subject: '龙井',
        merchant: 'shop-b',
      });
      sandbox.open(action);
      const genuineForB = sandbox.pay(order.id);
      // The platform's store holds that order id as shop A's (an id both shops used): a platform
      // that trusted the order id alone would mark A's order paid with B's money.
      const stored = await payments.getOrder(order.id);
      expect(await store.update({ ...stored, merchant: 'shop-a', version: stored.version + 1 }, stored.version)).toBe(
        true,
      );
      const result = await payments.handleNotification(wallet, genuineForB);
      expect(result.response.status, wallet).toBeGreaterThanOrEqual(400);
      expect(await payments.getOrder(order.id), wallet).toMatchObject({ status: 'pending', paidAmount: 0 });
      // Handed back to B, the same notification applies.
      const again = await payments.getOrder(order.id);
      await store.update({ ...again, merchant: 'shop-b', version: again.version + 1 }, again.version);
      expect((await payments.handleNotification(wallet, genuineForB)).response.status, wallet).toBeLessThan(300);
      expect((await payments.getOrder(order.id)).status, wallet).toBe('paid');
    }
  });

  it('the reconciler, run for one merchant, syncs that merchant’s pending orders and no other’s', async () => {
    const { payments, store, sandboxes } = await platform();
    const pending: Record<string, string> = {};
    for (const merchant of SHOPS) {
      const { order, action } = await payments.createPayment({
        provider: 'unionpay',
        method: 'qr',
        amount: 300,
        subject: '豆浆',
        merchant,
      });
      sandboxes.unionpay.open(action);
      sandboxes.unionpay.pay(order.id); // paid at the wallet; the notification never arrives
      pending[merchant] = order.id;
    }
    const reconciler = createReconciler({
      payments,
      store,
      merchant: 'shop-a',
      pendingAfterMs: 0,
      // A minute on: both orders have been pending longer than pendingAfterMs.
      now: () => new Date(Date.now() + 60_000),
    });
    await reconciler.runOnce();
    expect((await payments.getOrder(pending['shop-a'] ?? '')).status).toBe('paid');
    expect((await payments.getOrder(pending['shop-b'] ?? '')).status).toBe('pending');
  });
});
