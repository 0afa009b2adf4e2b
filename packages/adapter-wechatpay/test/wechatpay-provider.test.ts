import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  createPayments,
  MemoryOrderStore,
  ProviderApiError,
  SignatureVerificationError,
  toNotificationRequest,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { wechatpay } from '../src/index.js';
import { verifyWechatpayMessage, wechatpaySigningMessage } from '../src/protocol/index.js';
import { fixture } from './helpers.js';
import { MERCHANT, sandboxed } from './sandbox-setup.js';

function facade(options: Parameters<typeof sandboxed>[0] = {}) {
  const context = sandboxed(options);
  const payments = createPayments({
    providers: [context.provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/wechatpay',
  });
  return { ...context, payments };
}

const merchantPublicKey = createPublicKey(fixture('wechatpay-java/merchant_certificate.pem'));

describe('creating payments', () => {
  it('qr: native with the Authorization signed over the exact body sent', async () => {
    const { payments, requests } = facade();
    const { order, action } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount: 1999,
      subject: '龙井 250g',
      expiresAt: new Date('2030-01-01T04:00:00Z'),
    });
    expect(action.type === 'qr' && action.content).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const sent = requests.at(-1) as (typeof requests)[number];
    expect(sent.url).toMatch(/\/v3\/pay\/transactions\/native$/);
    expect(JSON.parse(sent.body)).toMatchObject({
      appid: MERCHANT.appId,
      mchid: MERCHANT.mchId,
      out_trade_no: order.id,
      description: '龙井 250g',
      notify_url: 'https://shop.example/webhooks/wechatpay',
      amount: { total: 1999, currency: 'CNY' },
      time_expire: '2030-01-01T12:00:00+08:00',
    });
    expect(sent.headers.get('authorization')).toMatch(
      /^WECHATPAY2-SHA256-RSA2048 mchid="1234567891",nonce_str="\w{32}",timestamp="\d+",serial_no="5F1C72E2A8931B72A2E13AF8DEE92471EB397115",signature="/,
    );
  });

  it('jsapi: prepay, then paySign the buyer can check with the merchant key; refuses no openid', async () => {
    const { payments } = facade();
    const { action } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'jsapi',
      amount: 100,
      subject: 'x',
      buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    });
    expect(action.type).toBe('jsapi');
    if (action.type !== 'jsapi') return;
    const p = action.params;
    expect(p).toMatchObject({ appId: MERCHANT.appId, signType: 'RSA' });
    expect(p.package).toMatch(/^prepay_id=wx/);
    expect(
      verifyWechatpayMessage(
        wechatpaySigningMessage([p.appId as string, p.timeStamp as string, p.nonceStr as string, p.package as string]),
        p.paySign as string,
        merchantPublicKey,
      ),
    ).toBe(true);
    const error = await rejectionOf(
      payments.createPayment({ provider: 'wechatpay', method: 'jsapi', amount: 100, subject: 'x' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('buyerId');
  });

  it('app: signed PayReq parameters', async () => {
    const { payments } = facade();
    const { action } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'app',
      amount: 100,
      subject: 'x',
    });
    if (action.type !== 'app' || typeof action.payload === 'string') throw new Error('expected app parameters');
    const p = action.payload;
    expect(p).toMatchObject({ appid: MERCHANT.appId, partnerid: MERCHANT.mchId, package: 'Sign=WXPay' });
    expect(
      verifyWechatpayMessage(
        wechatpaySigningMessage([p.appid as string, p.timestamp as string, p.noncestr as string, p.prepayid as string]),
        p.sign as string,
        merchantPublicKey,
      ),
    ).toBe(true);
  });

  it('h5: needs the client IP, sends scene info, redirects with the return URL', async () => {
    const { payments, requests } = facade();
    const missing = await rejectionOf(
      payments.createPayment({ provider: 'wechatpay', method: 'h5', amount: 100, subject: 'x' }),
    );
    expect(ValidationError.isInstance(missing) && missing.field).toBe('clientIp');
    const { action } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'h5',
      amount: 100,
      subject: 'x',
      clientIp: '203.0.113.7',
      returnUrl: 'https://shop.example/done',
      providerOptions: { h5Type: 'iOS' },
    });
    expect(JSON.parse(requests.at(-1)?.body ?? '{}').scene_info).toEqual({
      payer_client_ip: '203.0.113.7',
      h5_info: { type: 'iOS' },
    });
    expect(action.type === 'redirect' && action.url).toMatch(
      /^https:\/\/wx\.tenpay\.com\/.*&redirect_url=https%3A%2F%2Fshop\.example%2Fdone$/,
    );
  });

  it('pos: codepay paid at once, or pending while the buyer enters a password, settled by sync, reversed on close', async () => {
    const { payments, sandbox, requests } = facade();
    const paid = await payments.createPayment({
      provider: 'wechatpay',
      method: 'pos',
      amount: 500,
      subject: 'x',
      authCode: '134567890123456789',
    });
    expect(paid.order.status).toBe('paid');
    expect(JSON.parse(requests.at(-1)?.body ?? '{}').payer).toEqual({ auth_code: '134567890123456789' });
    const waiting = await payments.createPayment({
      provider: 'wechatpay',
      method: 'pos',
      amount: 500,
      subject: 'x',
      authCode: '139000000000000001',
    });
    expect(waiting.order.status).toBe('pending');
    expect((await payments.sync(waiting.order.id)).status).toBe('pending');
    sandbox.confirmPassword(waiting.order.id);
    expect((await payments.sync(waiting.order.id)).status).toBe('paid');
    const abandoned = await payments.createPayment({
      provider: 'wechatpay',
      method: 'pos',
      amount: 500,
      subject: 'x',
      authCode: '139000000000000002',
    });
    expect((await payments.close(abandoned.order.id)).status).toBe('closed');
    expect(requests.at(-1)?.url).toMatch(/\/reverse$/);
    expect(sandbox.trade(abandoned.order.id)?.tradeState).toBe('REVOKED');
  });
});

describe('verifying replies', () => {
  it('gets WeChat’s own 401 SIGN_ERROR when the merchant key is wrong', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { payments } = facade({
      provider: { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
    });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x' }),
    );
    expect(ProviderApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      providerCode: 'SIGN_ERROR',
      normalizedCode: 'invalid_signature',
      httpStatus: 401,
      retryable: false,
    });
  });

  it('names what to check when WeChat Pay refuses the request signature (a wrong merchantSerialNo, a wrong key), quoting no key material', async () => {
    const wrongSerial = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01';
    const serial = await rejectionOf(
      facade({ provider: { merchantSerialNo: wrongSerial } }).payments.createPayment({
        provider: 'wechatpay',
        method: 'qr',
        amount: 1,
        subject: 'x',
      }),
    );
    expect(serial).toMatchObject({ providerCode: 'SIGN_ERROR', httpStatus: 401, normalizedCode: 'invalid_signature' });
    expect((serial as ProviderApiError).providerMessage).toContain('商户证书序列号有误');
    const serialText = (serial as Error).message;
    expect(serialText).toContain('options.merchantSerialNo');
    expect(serialText).toContain('options.privateKey');
    expect(serialText).not.toContain(wrongSerial);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const key = await rejectionOf(
      facade({ provider: { privateKey: pem } }).payments.createPayment({
        provider: 'wechatpay',
        method: 'qr',
        amount: 1,
        subject: 'x',
      }),
    );
    expect(key).toMatchObject({ providerCode: 'SIGN_ERROR', httpStatus: 401 });
    const keyText = (key as Error).message;
    expect(keyText).toContain('options.privateKey');
    expect(keyText).toContain('options.merchantSerialNo');
    expect(keyText).not.toContain(MERCHANT.merchantSerialNo);
    expect(keyText).not.toMatch(/BEGIN|PRIVATE KEY|MII/);
  });

  it('refuses a tampered reply, an unsigned 4xx, and a reply outside the time window', async () => {
    const tampered = facade({
      rewrite: async (r) =>
        new Response((await r.text()).replace('weixin://', 'weixin://evil/'), { status: r.status, headers: r.headers }),
    });
    expect(
      await rejectionOf(
        tampered.payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x' }),
      ),
    ).toMatchObject({ reason: 'bad_signature' });

    const unsigned = facade({
      rewrite: async () => new Response('{"code":"ORDERPAID","message":"forged"}', { status: 400 }),
    });
    expect(
      await rejectionOf(
        unsigned.payments.createPayment({
          provider: 'wechatpay',
          method: 'qr',
          amount: 1,
          subject: 'x',
          orderId: 'unsigned0001',
        }),
      ),
    ).toMatchObject({ reason: 'missing_signature' });
    expect((await unsigned.payments.getOrder('unsigned0001')).status).toBe('created');

    const skewed = facade({ provider: { now: () => new Date(Date.now() + 301_000) } });
    expect(
      await rejectionOf(
        skewed.payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x' }),
      ),
    ).toMatchObject({
      reason: 'expired_timestamp',
    });
  });

  it('treats an unsigned 5xx from the infrastructure as retryable, and changes nothing', async () => {
    const { payments } = facade({ rewrite: async () => new Response('<html>bad gateway</html>', { status: 502 }) });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x', orderId: 'gateway00001' }),
    );
    expect(ProviderApiError.isInstance(error) && error.retryable).toBe(true);
    expect((await payments.getOrder('gateway00001')).status).toBe('created');
  });

  it("maps WeChat's error bodies: ORDER_NOT_EXIST", async () => {
    const { provider } = facade();
    const error = await rejectionOf(provider.queryPayment({ orderId: 'missing00001', order: {} as never }));
    expect(error).toMatchObject({ providerCode: 'ORDER_NOT_EXIST', normalizedCode: 'not_found', httpStatus: 404 });
  });

  it("certificate 'auto' mode: refreshes once on an unknown serial after rotation, then fails for a still-unknown one", async () => {
    let clock = Date.now();
    const { payments, sandbox, requests } = facade({ mode: 'certificate', now: () => new Date(clock) });
    await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x' });
    const downloads = () => requests.filter((r) => r.url.endsWith('/v3/certificates')).length;
    expect(downloads()).toBe(1);
    clock += 61_000; // at most one download a minute
    sandbox.rotateCertificate();
    await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x' });
    expect(downloads()).toBe(2);
    await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x' });
    expect(downloads()).toBe(2); // cached

    const stranger = facade({
      mode: 'certificate',
      rewrite: async (r) => {
        const h = new Headers(r.headers);
        if (h.get('wechatpay-serial')) h.set('wechatpay-serial', 'ABCDEF0123');
        return new Response(await r.text(), { status: r.status, headers: h });
      },
    });
    const error = await rejectionOf(
      stranger.payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x' }),
    );
    expect(SignatureVerificationError.isInstance(error)).toBe(true);
    expect(stranger.requests.filter((r) => r.url.endsWith('/v3/certificates')).length).toBe(1);
  });
});

describe('notifications', () => {
  it('verifies, decrypts and marks paid; replies 204 with no body', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1999, subject: 'x' });
    const result = await payments.handleNotification('wechatpay', sandbox.pay(order.id));
    expect(result.ok, String(result.error)).toBe(true);
    expect(result.order).toMatchObject({ status: 'paid', paidAmount: 1999 });
    expect(result.response).toEqual({ status: 204, headers: {}, body: '' });
  });

  it('refuses a replay outside the 300-second window (clock injected)', async () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const { payments, sandbox } = facade({ now: () => now });
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    const notification = sandbox.pay(order.id);
    now = new Date(now.getTime() + 301_000);
    const result = await payments.handleNotification('wechatpay', notification);
    expect(SignatureVerificationError.isInstance(result.error) && result.error.reason).toBe('expired_timestamp');
    expect(JSON.parse(result.response.body)).toEqual({ code: 'FAIL', message: 'signature_invalid' });
    expect(result.response.status).toBe(400);
  });

  it('refuses the signature probe and a tampered body', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    const probe = await payments.handleNotification('wechatpay', sandbox.probe(order.id));
    expect(SignatureVerificationError.isInstance(probe.error) && probe.error.reason).toBe('probe');
    const genuine = sandbox.pay(order.id);
    const tampered = await payments.handleNotification('wechatpay', {
      ...genuine,
      body: (genuine.body as string).replace('"summary":"支付成功"', '"summary":"x"'),
    });
    expect(SignatureVerificationError.isInstance(tampered.error) && tampered.error.reason).toBe('bad_signature');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('refuses a notification for another merchant or app', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    const otherApp = wechatpay({
      ...MERCHANT,
      appId: 'wx0000000000000000',
      wechatpayPublicKey: sandbox.wechatpayPublicKey,
      wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
    });
    const error = await rejectionOf(otherApp.verifyNotification(toNotificationRequest(sandbox.pay(order.id))));
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('wrong_recipient');
  });

  it('refunds in parts through refund notifications; ABNORMAL frees the amount; a retried refund is not doubled', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1000, subject: 'x' });
    await payments.handleNotification('wechatpay', sandbox.pay(order.id));
    const first = await payments.refund(order.id, { amount: 300, refundId: 'refund000001', reason: '少发一盒' });
    expect(first.refund.status).toBe('pending');
    await payments.refund(order.id, { amount: 300, refundId: 'refund000001' });
    expect(sandbox.trade(order.id)?.refunds.size).toBe(1);
    const settled = await payments.handleNotification('wechatpay', sandbox.settleRefund(order.id, 'refund000001'));
    expect(settled.order).toMatchObject({ status: 'partially_refunded', refundedAmount: 300 });
    const second = await payments.refund(order.id, { amount: 700, refundId: 'refund000002' });
    const abnormal = await payments.handleNotification(
      'wechatpay',
      sandbox.settleRefund(order.id, second.refund.id, { fail: true }),
    );
    expect(abnormal.order?.refunds.find((r) => r.id === second.refund.id)?.status).toBe('failed');
    expect(abnormal.order?.status).toBe('partially_refunded');
  });

  it('settles a refund whose notification was lost through sync (refund query)', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1000, subject: 'x' });
    await payments.handleNotification('wechatpay', sandbox.pay(order.id));
    const { refund } = await payments.refund(order.id, { amount: 1000, refundId: 'refund000003' });
    sandbox.settleRefund(order.id, refund.id);
    expect((await payments.sync(order.id)).status).toBe('refunded');
  });
});

describe('operations', () => {
  it('closes an unpaid order and reports ORDERPAID for a paid one, then records the payment', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    expect((await payments.close(order.id)).status).toBe('closed');
    const { order: other } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    sandbox.pay(other.id);
    expect(await rejectionOf(payments.close(other.id))).toMatchObject({
      providerCode: 'ORDERPAID',
      normalizedCode: 'already_paid',
    });
    expect((await payments.getOrder(other.id)).status).toBe('paid');
  });

  it('downloads the trade bill and checks its SHA1 hash (a byte-order mark included)', async () => {
    const { payments, sandbox, provider } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1999, subject: 'x' });
    await payments.handleNotification('wechatpay', sandbox.pay(order.id));
    // The sandbox's bill lists the trades of the day asked (China time).
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const bill = await provider.tradeBill({ date: today });
    expect(bill.hashType).toBe('SHA1');
    const csv = await provider.downloadTradeBill({ date: today });
    expect(csv.startsWith('\ufeff')).toBe(true);
    expect(csv).toContain(order.id);

    const corrupt = facade({
      rewrite: async (r) =>
        r.headers.get('content-type')?.startsWith('text/plain')
          ? new Response(`${await r.text()}x`, { status: 200 })
          : r,
    });
    const { order: o2 } = await corrupt.payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount: 1,
      subject: 'x',
    });
    corrupt.sandbox.pay(o2.id);
    const error = await rejectionOf(corrupt.provider.downloadTradeBill({ date: today }));
    expect(UnexpectedResponseError.isInstance(error) && error.field).toBe('bill');
  });

  it('works over HTTP on a local port', async () => {
    const { sandbox } = sandboxed();
    const server = await sandbox.listen();
    try {
      const provider = wechatpay({
        ...MERCHANT,
        wechatpayPublicKey: sandbox.wechatpayPublicKey,
        wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
        endpoint: server.baseUrl,
      });
      const payments = createPayments({ providers: [provider], notifyUrl: 'https://shop.example/hook' });
      const { order } = await payments.createPayment({
        provider: 'wechatpay',
        method: 'qr',
        amount: 4321,
        subject: 'HTTP',
      });
      await payments.handleNotification('wechatpay', sandbox.pay(order.id));
      const { refund } = await payments.refund(order.id, { amount: 4321, refundId: 'refund000004' });
      await payments.handleNotification('wechatpay', sandbox.settleRefund(order.id, refund.id));
      expect((await payments.sync(order.id)).status).toBe('refunded');
    } finally {
      await server.close();
    }
  });
});
