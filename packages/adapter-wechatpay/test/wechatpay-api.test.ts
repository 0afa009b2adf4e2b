/**
 * Issue 11 for WeChat Pay: several app ids, a configurable id, resume, hooks, retries, Request-ID.
 */
import { createPublicKey } from 'node:crypto';
import {
  createPayments,
  MemoryOrderStore,
  ProviderApiError,
  type RedactedRequest,
  toNotificationRequest,
  ValidationError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { wechatpay } from '../src/index.js';
import { verifyWechatpayMessage, wechatpaySigningMessage } from '../src/protocol/index.js';
import { fixture } from './helpers.js';
import { MERCHANT, sandboxed } from './sandbox-setup.js';

const APPS = { mp: 'wx1111111111111111', mini: 'wx2222222222222222', app: 'wx3333333333333333' };
const merchantPublicKey = createPublicKey(fixture('wechatpay-java/merchant_certificate.pem'));

function facade(options: Parameters<typeof sandboxed>[0] = {}) {
  const context = sandboxed(options);
  const payments = createPayments({
    providers: [context.provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/wechatpay',
  });
  return { ...context, payments };
}

function multiApp() {
  return facade({ appIds: Object.values(APPS), provider: { appIds: APPS } });
}

const sentAppId = (requests: { body: string }[]) => JSON.parse(requests.at(-1)?.body ?? '{}').appid;

describe('several app ids under one merchant id (issue 11.9)', () => {
  it('picks the app id by method, by appRole or explicitly, and stores it on the order', async () => {
    const { payments, requests } = multiApp();
    const jsapi = await payments.createPayment({
      provider: 'wechatpay',
      method: 'jsapi',
      amount: 100,
      subject: 'x',
      buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    });
    expect(sentAppId(requests)).toBe(APPS.mp);
    expect(jsapi.action.params.appId).toBe(APPS.mp);
    expect(jsapi.order.providerData.appId).toBe(APPS.mp);

    const mini = await payments.createPayment({
      provider: 'wechatpay',
      method: 'jsapi',
      amount: 100,
      subject: 'x',
      buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      providerOptions: { appRole: 'mini' },
    });
    expect(mini.action.params.appId).toBe(APPS.mini);

    const app = await payments.createPayment({ provider: 'wechatpay', method: 'app', amount: 100, subject: 'x' });
    expect(app.action.payload.appid).toBe(APPS.app);
    expect(sentAppId(requests)).toBe(APPS.app);

    await payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount: 100,
      subject: 'x',
      providerOptions: { appId: APPS.mini },
    });
    expect(sentAppId(requests)).toBe(APPS.mini);
    await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    expect(sentAppId(requests)).toBe(APPS.mp);
  });

  it('refuses an app id that is not configured, before storing anything', async () => {
    const { payments } = multiApp();
    let created = 0;
    payments.on('order.created', () => {
      created++;
    });
    const error = await rejectionOf(
      payments.createPayment({
        provider: 'wechatpay',
        method: 'qr',
        amount: 100,
        subject: 'x',
        providerOptions: { appId: 'wx9999999999999999' },
      }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('providerOptions.appId');
    expect(created).toBe(0);
  });

  it('accepts notifications and replies for any configured app id', async () => {
    const { payments, sandbox } = multiApp();
    const { order } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'jsapi',
      amount: 100,
      subject: 'x',
      buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      providerOptions: { appRole: 'mini' },
    });
    const result = await payments.handleNotification('wechatpay', sandbox.pay(order.id));
    expect(result.ok, String(result.error)).toBe(true);
    expect((await payments.sync(order.id)).status).toBe('paid');
  });

  it('a single appId stays accepted; giving both appId and appIds is refused', () => {
    const { sandbox } = sandboxed();
    const keys = { wechatpayPublicKey: sandbox.wechatpayPublicKey, wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId };
    expect(wechatpay({ ...MERCHANT, ...keys }).id).toBe('wechatpay');
    const error = (() => {
      try {
        // @ts-expect-error: appId and appIds are exclusive
        wechatpay({ ...MERCHANT, ...keys, appIds: [MERCHANT.appId] });
      } catch (caught) {
        return caught;
      }
    })();
    expect(ValidationError.isInstance(error) && error.field).toBe('options.appIds');
  });
});

describe('a configurable provider id and the wallet (issue 11.8)', () => {
  it('runs two merchants side by side; errors and webhooks use the id', async () => {
    const hk = sandboxed({ provider: { id: 'wechatpay-hk' } });
    const main = sandboxed();
    const payments = createPayments({
      providers: [main.provider, hk.provider],
      notifyUrl: (id) => `https://shop.example/webhooks/${id}`,
    });
    expect(hk.provider.wallet).toBe('wechatpay');
    expect(hk.provider.id).toBe('wechatpay-hk');
    const { order } = await payments.createPayment({
      provider: 'wechatpay-hk',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    expect(JSON.parse(hk.requests.at(-1)?.body ?? '{}').notify_url).toBe('https://shop.example/webhooks/wechatpay-hk');
    const paid = await payments.handleNotification('wechatpay-hk', hk.sandbox.pay(order.id));
    expect(paid.ok, String(paid.error)).toBe(true);
    // The other merchant's keys cannot verify it.
    const wrong = await payments.handleNotification('wechatpay', hk.sandbox.pay(order.id));
    expect(wrong.ok).toBe(false);
    const error = await rejectionOf(hk.provider.queryPayment({ orderId: 'missing00001', order: {} as never }));
    expect(ProviderApiError.isInstance(error) && error.provider).toBe('wechatpay-hk');
  });
});

describe('hooks, retries and the Request-ID (issue 11.12)', () => {
  it("ProviderApiError carries WeChat Pay's Request-ID", async () => {
    let seen: string | null = null;
    const { provider } = facade({
      rewrite: async (response) => {
        seen = response.headers.get('request-id');
        return response;
      },
    });
    const error = await rejectionOf(provider.queryPayment({ orderId: 'missing00001', order: {} as never }));
    expect(seen).toMatch(/^[0-9a-f]{32}$/);
    expect(ProviderApiError.isInstance(error) && error.requestId).toBe(seen);
  });

  it('hooks see redacted requests; retries repeat a query after a 503', async () => {
    const seen: RedactedRequest[] = [];
    let failures = 1;
    const { provider, payments } = facade({
      provider: { hooks: { onRequest: (request) => seen.push(request) }, retries: 1 },
      // The first query reply is lost to a 503 from the infrastructure in front of WeChat Pay.
      rewrite: async (response) =>
        (await response.clone().text()).includes('"trade_state"') && failures-- > 0
          ? new Response('busy', { status: 503 })
          : response,
    });
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    expect(seen[0]?.headers.authorization).toBe('[redacted]');
    expect((await provider.queryPayment({ orderId: order.id, order })).type).toBe('payment.pending');
    expect(seen.filter((request) => request.method === 'GET').length).toBe(2);
  });
});

describe('resume: paying the same order again (issue 11.10)', () => {
  it('jsapi: re-signs the stored prepay id with the stored app id, without a call, while it is valid', async () => {
    let clock = Date.now();
    const { payments, requests } = facade({
      appIds: Object.values(APPS),
      provider: { appIds: APPS },
      now: () => new Date(clock),
    });
    const { order, action } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'jsapi',
      amount: 100,
      subject: 'x',
      buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      providerOptions: { appRole: 'mini' },
    });
    const calls = requests.length;
    clock += 60_000;
    const resumed = await payments.resume(order.id);
    expect(requests.length).toBe(calls);
    if (resumed.action.type !== 'jsapi') throw new Error('expected jsapi parameters');
    const p = resumed.action.params as typeof action.params;
    expect(p.appId).toBe(APPS.mini);
    expect(p.package).toBe(action.params.package);
    expect(p.timeStamp).not.toBe(action.params.timeStamp);
    expect(
      verifyWechatpayMessage(
        wechatpaySigningMessage([p.appId, p.timeStamp, p.nonceStr, p.package]),
        p.paySign,
        merchantPublicKey,
      ),
    ).toBe(true);
    // Past the prepay id's 2 hours, the same order is placed again with identical parameters.
    clock += 2 * 60 * 60 * 1000;
    const later = await payments.resume(order.id);
    expect(requests.length).toBe(calls + 1);
    expect(JSON.parse(requests.at(-1)?.body ?? '{}')).toMatchObject({ appid: APPS.mini, out_trade_no: order.id });
    expect(later.action.type).toBe('jsapi');
  });

  it('qr and h5: the same order placed again with identical parameters (h5 keeps its client IP)', async () => {
    const { payments, requests, sandbox } = facade();
    const qr = await payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount: 100,
      subject: 'x',
      providerOptions: { attach: 'cart-1' },
    });
    const resumedQr = await payments.resume(qr.order.id);
    expect(resumedQr.action).toMatchObject({ type: 'qr' });
    expect(JSON.parse(requests.at(-1)?.body ?? '{}').attach).toBe('cart-1');

    const h5 = await payments.createPayment({
      provider: 'wechatpay',
      method: 'h5',
      amount: 100,
      subject: 'x',
      clientIp: '203.0.113.7',
      providerOptions: { h5Type: 'iOS' },
    });
    const resumedH5 = await payments.resume(h5.order.id);
    expect(resumedH5.action.type === 'redirect' && resumedH5.action.url).toMatch(/^https:\/\/wx\.tenpay\.com\//);
    expect(JSON.parse(requests.at(-1)?.body ?? '{}').scene_info).toEqual({
      payer_client_ip: '203.0.113.7',
      h5_info: { type: 'iOS' },
    });
    // WeChat Pay refuses a paid order placed again; the facade refuses to resume it first.
    await payments.handleNotification('wechatpay', sandbox.pay(h5.order.id));
    expect(await rejectionOf(payments.resume(h5.order.id))).toMatchObject({ code: 'invalid_transition' });
  });

  it('the sandbox, like WeChat Pay, refuses the same out_trade_no with other parameters', async () => {
    const { provider } = facade();
    const request = {
      orderId: 'sameorder001',
      createdAt: new Date(),
      method: 'qr' as const,
      amount: 100,
      currency: 'CNY' as const,
      subject: 'x',
      notifyUrl: 'https://shop.example/hook',
      returnUrl: null,
      expiresAt: null,
      buyerId: null,
      authCode: null,
      clientIp: null,
      providerOptions: {},
    };
    await provider.createPayment(request);
    expect(await rejectionOf(provider.createPayment({ ...request, amount: 200 }))).toMatchObject({
      providerCode: 'INVALID_REQUEST',
    });
  });
});

describe('the stateless verification entry (issue 11.13)', () => {
  it('provider.verifyNotification verifies and parses a webhook without a facade or a store', async () => {
    const { provider, payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    const { event } = await provider.verifyNotification(toNotificationRequest(sandbox.pay(order.id)));
    expect(event).toMatchObject({ type: 'payment.succeeded', orderId: order.id, amount: 100, currency: 'CNY' });
  });
});
