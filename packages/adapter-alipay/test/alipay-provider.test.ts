import {
  createPayments,
  formatYuan,
  MemoryOrderStore,
  ProviderApiError,
  SignatureVerificationError,
  toNotificationRequest,
  ValidationError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { alipay } from '../src/index.js';
import { createAlipaySandbox } from '../src/sandbox/index.js';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY, sandboxed } from './sandbox-setup.js';

function facade(options: Parameters<typeof sandboxed>[0] = {}) {
  const context = sandboxed(options);
  const payments = createPayments({
    providers: [context.provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/alipay',
  });
  return { ...context, payments };
}

describe('creating payments', () => {
  it('qr: precreates and returns the QR code, verified over the raw text with escaped slashes', async () => {
    const { payments, lastRequest } = facade();
    const { order, action } = await payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 1999,
      subject: '龙井',
    });
    expect(action).toMatchObject({ type: 'qr' });
    expect(action.type === 'qr' && action.content).toMatch(/^https:\/\/qr\.alipay\.com\/sandbox/);
    const { params, biz } = lastRequest();
    expect(params).toMatchObject({
      method: 'alipay.trade.precreate',
      app_id: APP_ID,
      sign_type: 'RSA2',
      charset: 'utf-8',
    });
    expect(params.notify_url).toBe('https://shop.example/webhooks/alipay');
    expect(biz).toMatchObject({ out_trade_no: order.id, total_amount: '19.99', subject: '龙井' });
  });

  it('puts system parameters in the query and biz_content in the form body', async () => {
    const { payments, requests } = facade();
    await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x' });
    const request = requests.at(-1) as { url: string; body: string };
    expect(new URL(request.url).searchParams.has('biz_content')).toBe(false);
    expect(new URL(request.url).searchParams.get('sign')).toBeTruthy();
    expect(request.body.startsWith('biz_content=')).toBe(true);
  });

  it('page: a signed auto-submit form by default, a signed redirect with formMethod GET', async () => {
    const { payments, sandbox } = facade();
    const post = await payments.createPayment({
      provider: 'alipay',
      method: 'page',
      amount: 8888,
      subject: 'Tea set',
      returnUrl: 'https://shop.example/done',
    });
    expect(post.action.type).toBe('form');
    if (post.action.type !== 'form') return;
    expect(post.action.fields).toMatchObject({
      method: 'alipay.trade.page.pay',
      return_url: 'https://shop.example/done',
    });
    expect(JSON.parse(post.action.fields.biz_content as string)).toMatchObject({
      product_code: 'FAST_INSTANT_TRADE_PAY',
      total_amount: '88.88',
    });
    sandbox.open(post.action); // the cashier accepts the signature
    const get = await payments.createPayment({
      provider: 'alipay',
      method: 'page',
      amount: 1,
      subject: 'x',
      providerOptions: { formMethod: 'GET' },
    });
    expect(get.action.type).toBe('redirect');
    sandbox.open(get.action);
    expect(sandbox.trade(get.order.id)?.amount).toBe(1);
  });

  it('h5: wap.pay with quit_url; app: a signed order string', async () => {
    const { payments, sandbox } = facade();
    const h5 = await payments.createPayment({
      provider: 'alipay',
      method: 'h5',
      amount: 100,
      subject: 'x',
      providerOptions: { quitUrl: 'https://shop.example/cart' },
    });
    expect(h5.action.type === 'form' && JSON.parse(h5.action.fields.biz_content as string)).toMatchObject({
      product_code: 'QUICK_WAP_WAY',
      quit_url: 'https://shop.example/cart',
    });
    const app = await payments.createPayment({
      provider: 'alipay',
      method: 'app',
      amount: 100,
      subject: '含 空格 & 符号',
    });
    expect(app.action.type).toBe('app');
    if (app.action.type !== 'app' || typeof app.action.payload !== 'string') return;
    expect(app.action.payload).toContain('method=alipay.trade.app.pay');
    expect(app.action.payload).not.toContain('+'); // spaces as %20, like the official SDK
    sandbox.open(app.action);
  });

  it('jsapi: trade.create with the buyer id, or buyer_open_id for an OpenID; refuses no buyer', async () => {
    const { payments, lastRequest } = facade();
    const { action } = await payments.createPayment({
      provider: 'alipay',
      method: 'jsapi',
      amount: 100,
      subject: 'x',
      buyerId: '2088102534368455',
    });
    expect(action.type === 'jsapi' && action.params.tradeNO).toBeTruthy();
    expect(lastRequest().biz.buyer_id).toBe('2088102534368455');
    await payments.createPayment({
      provider: 'alipay',
      method: 'jsapi',
      amount: 100,
      subject: 'x',
      buyerId: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5',
    });
    expect(lastRequest().biz.buyer_open_id).toBe('074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5');
    const error = await rejectionOf(
      payments.createPayment({ provider: 'alipay', method: 'jsapi', amount: 100, subject: 'x' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('buyerId');
  });

  it('pos: paid at once, or pending while the buyer confirms, then settled by sync, or cancelled', async () => {
    const { payments, sandbox, lastRequest } = facade();
    const paid = await payments.createPayment({
      provider: 'alipay',
      method: 'pos',
      amount: 500,
      subject: 'x',
      authCode: '285123456789012345',
    });
    expect(paid.order.status).toBe('paid');
    expect(lastRequest().biz).toMatchObject({ scene: 'bar_code', auth_code: '285123456789012345' });
    const waiting = await payments.createPayment({
      provider: 'alipay',
      method: 'pos',
      amount: 500,
      subject: 'x',
      authCode: '260000000000000001',
    });
    expect(waiting.order.status).toBe('pending');
    (sandbox.trade(waiting.order.id) as { status: string }).status = 'TRADE_SUCCESS'; // the buyer entered the password
    expect((await payments.sync(waiting.order.id)).status).toBe('paid');
    const abandoned = await payments.createPayment({
      provider: 'alipay',
      method: 'pos',
      amount: 500,
      subject: 'x',
      authCode: '260000000000000002',
    });
    expect((await payments.close(abandoned.order.id)).status).toBe('closed');
    expect(lastRequest().params.method).toBe('alipay.trade.cancel');
  });

  it('maps installments and expiry: extend_params and time_expire in China time', async () => {
    const { payments, lastRequest } = facade();
    await payments.createPayment({
      provider: 'alipay',
      method: 'page',
      amount: 120000,
      subject: 'x',
      expiresAt: new Date('2024-06-01T04:00:00Z'),
      providerOptions: { installments: { count: 6, sellerPercent: 100 } },
    });
    // page.pay is signed, not sent: read what was signed from a fresh qr request instead
    await payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 120000,
      subject: 'x',
      expiresAt: new Date('2024-06-01T04:00:00Z'),
      providerOptions: { installments: { count: 6, sellerPercent: 100 } },
    });
    expect(lastRequest().biz).toMatchObject({
      time_expire: '2024-06-01 12:00:00',
      extend_params: { hb_fq_num: '6', hb_fq_seller_percent: '100' },
    });
    const error = await rejectionOf(
      payments.createPayment({
        provider: 'alipay',
        method: 'qr',
        amount: 1,
        subject: 'x',
        // @ts-expect-error: 5 periods do not exist, at compile time too
        providerOptions: { installments: { count: 5 } },
      }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('providerOptions.installments.count');
  });
});

describe('verifying responses', () => {
  it('refuses a tampered response', async () => {
    const { payments } = facade({ rewrite: (text) => text.replace('"code":"10000"', '"code":"10000","extra":"1"') });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x' }),
    );
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
  });

  it('refuses an unsigned response, error replies included, and keeps the order as created', async () => {
    const { payments } = facade({ rewrite: (text) => text.replace(/,"sign":"[^"]+"/, '') });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x', orderId: 'unsigned0001' }),
    );
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('missing_signature');
    expect((await payments.getOrder('unsigned0001')).status).toBe('created');
  });

  it('refuses a response signed by another key', async () => {
    const other = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    const { payments } = facade({ alipayPublicKey: other.alipayPublicKey });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x' }),
    );
    expect(SignatureVerificationError.isInstance(error)).toBe(true);
  });

  it("maps the gateway's isv.invalid-signature reply to a typed error when the app key is wrong", async () => {
    const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    const { privateKey } = await import('node:crypto').then((c) =>
      c.generateKeyPairSync('rsa', { modulusLength: 2048 }),
    );
    const provider = alipay({
      appId: APP_ID,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      alipayPublicKey: sandbox.alipayPublicKey,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    });
    const error = await rejectionOf(provider.queryPayment?.({ orderId: 'x', order: {} as never }) as Promise<unknown>);
    expect(ProviderApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      providerCode: 'isv.invalid-signature',
      normalizedCode: 'invalid_signature',
      retryable: false,
    });
  });
});

describe('notifications', () => {
  it('marks paid from a signed notification with %, + and emoji in values, and answers "success"', async () => {
    const { payments, sandbox } = facade();
    const subject = '100% 龙井 + 🍵 a&b=c';
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1999, subject });
    const notification = sandbox.pay(order.id);
    expect(notification.body).toContain('%25'); // the % itself arrives encoded
    const result = await payments.handleNotification('alipay', notification);
    expect(result.ok, String(result.error)).toBe(true);
    expect(result.order?.status).toBe('paid');
    expect(result.response.body).toBe('success');
  });

  it('refuses a notification for another app or another seller', async () => {
    const strict = facade({ sellerId: '2088999999999999' });
    const { order } = await strict.payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    const result = await strict.payments.handleNotification('alipay', strict.sandbox.pay(order.id));
    expect(SignatureVerificationError.isInstance(result.error) && result.error.reason).toBe('wrong_recipient');
    expect(result.response.body).not.toBe('success');

    const { payments, sandbox } = facade();
    const { order: mine } = await payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    const otherApp = alipay({
      appId: '2021000000000001',
      privateKey: APP_PRIVATE_KEY,
      alipayPublicKey: sandbox.alipayPublicKey,
    });
    const error = await rejectionOf(otherApp.verifyNotification(toNotificationRequest(sandbox.pay(mine.id))));
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('wrong_recipient');
  });

  it('does not mark paid a notification of another amount', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1999, subject: 'x' });
    const result = await payments.handleNotification('alipay', sandbox.pay(order.id, { amount: 1 }));
    expect(result.order?.status).toBe('pending');
    expect(result.anomalies?.[0]?.code).toBe('amount_mismatch');
  });

  it('closes on TRADE_CLOSED and takes a refund notification (out_biz_no, cumulative refund_fee)', async () => {
    const { payments, sandbox } = facade();
    const { order: unpaid } = await payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    expect((await payments.handleNotification('alipay', sandbox.expire(unpaid.id))).order?.status).toBe('closed');

    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1000, subject: 'x' });
    await payments.handleNotification('alipay', sandbox.pay(order.id));
    const { refund } = await payments.refund(order.id, { amount: 300, refundId: 'refund000001' });
    const again = await payments.handleNotification('alipay', sandbox.settleRefund(order.id, refund.id));
    expect(again.outcome).toBe('duplicate'); // already settled by the synchronous refund
  });

  it('records a refund made in the Alipay portal from its notification', async () => {
    const { payments, sandbox, provider } = facade();
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1000, subject: 'x' });
    await payments.handleNotification('alipay', sandbox.pay(order.id));
    // a refund the merchant made elsewhere, straight at the gateway
    await provider.refund?.({ orderId: order.id, order, refundId: 'portal000001', amount: 1000, reason: null });
    const result = await payments.handleNotification('alipay', sandbox.settleRefund(order.id, 'portal000001'));
    expect(result.order).toMatchObject({ status: 'refunded', refundedAmount: 1000 });
  });
});

describe('operations', () => {
  it('refunds in parts, idempotently by out_request_no, and maps over-refunds and unknown trades', async () => {
    const { payments, sandbox, provider } = facade();
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1000, subject: 'x' });
    await payments.handleNotification('alipay', sandbox.pay(order.id));
    const first = await payments.refund(order.id, { amount: 400, refundId: 'refund000001' });
    expect(first.refund.status).toBe('succeeded');
    const retried = await payments.refund(order.id, { amount: 400, refundId: 'refund000001' });
    expect(retried.order.refundedAmount).toBe(400);
    expect(sandbox.trade(order.id)?.refunds.size).toBe(1);
    expect((await payments.refund(order.id, { amount: 600, refundId: 'refund000002' })).order.status).toBe('refunded');
    const stored = await payments.getOrder(order.id);
    const query = await provider.queryRefund?.({ orderId: order.id, order: stored, refundId: 'refund000001' });
    expect(query).toMatchObject({ type: 'refund.succeeded', amount: 400 });
    const missing = await rejectionOf(
      provider.refund?.({
        orderId: 'nope00000001',
        order: stored,
        refundId: 'r',
        amount: 1,
        reason: null,
      }) as Promise<unknown>,
    );
    expect(ProviderApiError.isInstance(missing) && missing.normalizedCode).toBe('not_found');
  });

  it('queries: a precreated code not yet scanned is pending; a lost notification is recovered by sync', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 100, subject: 'x' });
    sandbox.pay(order.id); // notification lost
    const synced = await payments.sync(order.id);
    expect(synced).toMatchObject({ status: 'paid', paidAmount: 100 });
    expect(synced.providerTransactionId).toBe(sandbox.trade(order.id)?.tradeNo);
  });

  it('closes an unpaid order, and reports a paid one as paid instead', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 100, subject: 'x' });
    expect((await payments.close(order.id)).status).toBe('closed');
    const { order: other } = await payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    sandbox.pay(other.id);
    const error = await rejectionOf(payments.close(other.id));
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('already_paid');
    expect((await payments.getOrder(other.id)).status).toBe('paid');
  });

  it('returns the statement download URL', async () => {
    const { provider } = facade();
    expect(await provider.billDownloadUrl({ type: 'trade', date: '2024-05-01' })).toContain('bizDates=20240501');
    const error = await rejectionOf(provider.billDownloadUrl({ type: 'trade', date: '2024/05/01' }));
    expect(ValidationError.isInstance(error) && error.field).toBe('date');
  });

  it('works over HTTP against the sandbox on a local port', async () => {
    const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    const server = await sandbox.listen();
    try {
      const provider = alipay({
        appId: APP_ID,
        privateKey: APP_PRIVATE_KEY,
        alipayPublicKey: sandbox.alipayPublicKey,
        endpoint: server.baseUrl,
      });
      const payments = createPayments({ providers: [provider], notifyUrl: 'https://shop.example/webhooks/alipay' });
      const { order, action } = await payments.createPayment({
        provider: 'alipay',
        method: 'qr',
        amount: 4321,
        subject: 'HTTP',
      });
      expect(action.type).toBe('qr');
      await payments.handleNotification('alipay', sandbox.pay(order.id));
      expect((await payments.refund(order.id, { amount: 4321, refundId: 'refund000001' })).order.status).toBe(
        'refunded',
      );
      expect(formatYuan(sandbox.trade(order.id)?.amount ?? 0)).toBe('43.21');
    } finally {
      await server.close();
    }
  });
});
