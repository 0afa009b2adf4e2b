/**
 * Issue 11 for Alipay at run time: several Alipay apps in one facade, hooks and retries, the trace
 * id on errors, and resuming a pending payment by Alipay's rule for paying one out_trade_no again.
 */
import {
  createPayments,
  InvalidTransitionError,
  MemoryOrderStore,
  ProviderApiError,
  type RedactedRequest,
  SignatureVerificationError,
  toNotificationRequest,
  ValidationError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { alipay } from '../src/index.js';
import { createAlipaySandbox } from '../src/sandbox/index.js';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY, sandboxed } from './sandbox-setup.js';

const notifyUrl = (provider: string) => `https://shop.example/webhooks/${provider}`;

describe('several Alipay apps in one facade (issue 11.8)', () => {
  it('keeps each id on its orders, webhooks and errors; the wallet stays alipay', async () => {
    const hkSandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    const shSandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    const wire = (id: 'alipay-hk' | 'alipay-sh', sandbox: typeof hkSandbox) =>
      alipay({
        id,
        appId: APP_ID,
        privateKey: APP_PRIVATE_KEY,
        alipayPublicKey: sandbox.alipayPublicKey,
        endpoint: sandbox.baseUrl,
        fetch: sandbox.fetch,
      });
    const hk = wire('alipay-hk', hkSandbox);
    const sh = wire('alipay-sh', shSandbox);
    expect([hk.id, sh.id, hk.wallet]).toEqual(['alipay-hk', 'alipay-sh', 'alipay']);
    const payments = createPayments({ providers: [hk, sh], notifyUrl });

    const { order } = await payments.createPayment({ provider: 'alipay-hk', method: 'qr', amount: 100, subject: 'x' });
    expect(order.provider).toBe('alipay-hk');
    expect(hkSandbox.trade(order.id)?.notifyUrl).toBe('https://shop.example/webhooks/alipay-hk');
    expect(shSandbox.trade(order.id)).toBeUndefined();

    const notification = hkSandbox.pay(order.id);
    const wrongDoor = await payments.handleNotification('alipay-sh', notification);
    expect(SignatureVerificationError.isInstance(wrongDoor.error) && wrongDoor.error.provider).toBe('alipay-sh');
    expect((await payments.handleNotification('alipay-hk', notification)).order?.status).toBe('paid');

    const error = await rejectionOf(
      sh.refund({ orderId: 'unknown00001', order, refundId: 'refund00001', amount: 1, reason: null }),
    );
    expect(ProviderApiError.isInstance(error) && error.provider).toBe('alipay-sh');
  });

  it('refuses an id that cannot name a webhook route', () => {
    const error = rejectionOf(
      Promise.resolve().then(() =>
        alipay({ id: 'alipay hk/1', appId: APP_ID, privateKey: APP_PRIVATE_KEY, alipayPublicKey: APP_PUBLIC_KEY }),
      ),
    );
    return error.then((e) => expect(ValidationError.isInstance(e) && e.field).toBe('options.id'));
  });
});

describe('hooks, retries and the trace id (issue 11.12)', () => {
  it('hands hooks redacted requests and replies', async () => {
    const seen: RedactedRequest[] = [];
    let replies = 0;
    const { provider } = sandboxed({
      hooks: { onRequest: (request) => seen.push(request), onResponse: () => replies++ },
    });
    const payments = createPayments({ providers: [provider], notifyUrl });
    await payments.createPayment({
      provider: 'alipay',
      method: 'pos',
      amount: 100,
      subject: 'x',
      authCode: '285123456789012345',
    });
    expect(seen).toHaveLength(1);
    expect(replies).toBe(1);
    expect(seen[0]?.url).toContain('method=alipay.trade.pay');
    expect(seen[0]?.url).not.toMatch(/sign=[A-Za-z0-9%]{20}/);
    // The payment code inside biz_content is redacted once the core's redaction reads JSON in form
    // fields (issue 10.14, core); not asserted here.
  });

  it('retries idempotent calls as configured, never a payment creation', async () => {
    for (const retries of [0, 2]) {
      const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
      let calls = 0;
      const provider = alipay({
        appId: APP_ID,
        privateKey: APP_PRIVATE_KEY,
        alipayPublicKey: sandbox.alipayPublicKey,
        endpoint: sandbox.baseUrl,
        retries,
        fetch: async (input, init) => {
          calls++;
          return calls === 1 ? new Response('busy', { status: 503 }) : sandbox.fetch(input, init);
        },
      });
      const outcome = await rejectionOf(provider.queryPayment({ orderId: 'order000001', order: {} as never }));
      expect(calls, `retries ${retries}`).toBe(retries === 0 ? 1 : 2);
      expect(ProviderApiError.isInstance(outcome) ? outcome.retryable : outcome).toBe(retries === 0 ? true : undefined);
    }
  });

  it('puts the gateway trace id on ProviderApiError', async () => {
    const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    const provider = alipay({
      appId: APP_ID,
      privateKey: APP_PRIVATE_KEY,
      alipayPublicKey: sandbox.alipayPublicKey,
      endpoint: sandbox.baseUrl,
      fetch: async (input, init) => {
        const response = await sandbox.fetch(input, init);
        return new Response(await response.text(), { status: 200, headers: { trace_id: '0b8f3c2a17321234' } });
      },
    });
    const error = await rejectionOf(
      provider.refund({ orderId: 'unknown00001', order: {} as never, refundId: 'r0000001', amount: 1, reason: null }),
    );
    expect(ProviderApiError.isInstance(error) && error.requestId).toBe('0b8f3c2a17321234');
  });
});

describe('resuming a pending payment (issue 11.10)', () => {
  function facade() {
    const context = sandboxed();
    const payments = createPayments({ providers: [context.provider], store: new MemoryOrderStore(), notifyUrl });
    return { ...context, payments };
  }

  it('qr: precreates the same out_trade_no again and gets the same code; one trade at Alipay', async () => {
    const { payments, sandbox, lastRequest } = facade();
    const first = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1999, subject: '龙井' });
    const firstBiz = lastRequest().params.biz_content;
    const again = await payments.resume(first.order.id);
    expect(again.action).toEqual(first.action);
    expect(lastRequest().params.biz_content).toBe(firstBiz);
    expect(again.order.status).toBe('pending');
    await payments.handleNotification('alipay', sandbox.pay(first.order.id));
    expect(InvalidTransitionError.isInstance(await rejectionOf(payments.resume(first.order.id)))).toBe(true);
  });

  it('page: a freshly signed form with the same business parameters, which the cashier accepts', async () => {
    const { payments, sandbox } = facade();
    const first = await payments.createPayment({
      provider: 'alipay',
      method: 'page',
      amount: 120000,
      subject: '紫砂壶',
      returnUrl: 'https://shop.example/thanks',
      providerOptions: { installments: { count: 6 } },
    });
    sandbox.open(first.action); // the buyer logs in, then closes the tab
    const again = await payments.resume(first.order.id);
    expect(again.action.type).toBe('form');
    const fields = (action: typeof again.action) => (action.type === 'form' ? action.fields : {});
    expect(fields(again.action).biz_content).toBe(fields(first.action).biz_content);
    sandbox.open(again.action); // Alipay takes the same out_trade_no with the same parameters
    const redirect = await payments.resume(first.order.id, { providerOptions: { formMethod: 'GET' } });
    expect(redirect.action.type).toBe('redirect');
    sandbox.open(redirect.action);
    expect(sandbox.trade(first.order.id)?.amount).toBe(120000);
  });

  it('refuses to change the business parameters on resume, as Alipay would', async () => {
    const { payments, sandbox, provider } = facade();
    const first = await payments.createPayment({ provider: 'alipay', method: 'h5', amount: 500, subject: 'x' });
    sandbox.open(first.action);
    const error = await rejectionOf(
      payments.resume(first.order.id, { providerOptions: { installments: { count: 3 } } }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('providerOptions');
    // The sandbox enforces the gateway's rule: the same out_trade_no with other parameters is refused.
    const changed = await provider.createPayment({
      orderId: first.order.id,
      createdAt: new Date(),
      method: 'h5',
      amount: 600,
      currency: 'CNY',
      subject: 'x',
      notifyUrl: notifyUrl('alipay'),
      returnUrl: null,
      expiresAt: null,
      buyerId: null,
      authCode: null,
      clientIp: null,
      providerOptions: {},
    });
    expect(() => sandbox.open(changed.action)).toThrow(/ACQ\.CONTEXT_INCONSISTENT/);
  });
});

describe('stateless verification (issue 11.13)', () => {
  it('verifies and parses a webhook without a facade or a store', async () => {
    const { provider, sandbox } = sandboxed();
    const payments = createPayments({ providers: [provider], notifyUrl });
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 300, subject: 'x' });
    const { event } = await provider.verifyNotification(toNotificationRequest(sandbox.pay(order.id)));
    expect(event).toMatchObject({ type: 'payment.succeeded', orderId: order.id, amount: 300, currency: 'CNY' });
  });
});
