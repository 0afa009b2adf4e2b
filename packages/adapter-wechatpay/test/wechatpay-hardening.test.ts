/**
 * Issue 10 for WeChat Pay: replies bound to their request, unreadable replies as unknown outcomes,
 * currencies, unknown certificate serials, inputs refused before storing, unknown-order answers.
 */
import { randomBytes } from 'node:crypto';
import {
  createPayments,
  MemoryOrderStore,
  type Order,
  ProviderApiError,
  RefundExceedsPaidError,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

function facade(options: Parameters<typeof sandboxed>[0] = {}) {
  const context = sandboxed(options);
  const store = new MemoryOrderStore();
  const payments = createPayments({
    providers: [context.provider],
    store,
    notifyUrl: 'https://shop.example/webhooks/wechatpay',
  });
  const created: string[] = [];
  payments.on('order.created', ({ order }) => {
    created.push(order.id);
  });
  return { ...context, payments, store, created };
}

async function paidOrder(context: ReturnType<typeof facade>, amount = 1000): Promise<Order> {
  const { order } = await context.payments.createPayment({ provider: 'wechatpay', method: 'qr', amount, subject: 'x' });
  const result = await context.payments.handleNotification('wechatpay', context.sandbox.pay(order.id));
  if (!result.ok) throw result.error;
  return result.order;
}

const mismatch = (error: unknown) => UnexpectedResponseError.isInstance(error) && error.reason;

describe('replies are bound to the request that caused them (issue 10.1)', () => {
  it('a genuine query reply about order A, served as the answer about B, leaves B unpaid', async () => {
    const context = facade();
    const { payments, sandbox } = context;
    const a = await paidOrder(context);
    const { order: b } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount: 1000,
      subject: 'x',
    });
    sandbox.answerAs(b.id, a.id);
    expect(mismatch(await rejectionOf(payments.sync(b.id)))).toBe('mismatch');
    expect((await payments.getOrder(b.id)).status).toBe('pending');
  });

  it("a genuine refund reply about another order's refund is not recorded as this refund", async () => {
    const context = facade();
    const { payments, sandbox } = context;
    const a = await paidOrder(context);
    const b = await paidOrder(context);
    await payments.refund(a.id, { amount: 1000, refundId: 'refundA00001' });
    await payments.handleNotification('wechatpay', sandbox.settleRefund(a.id, 'refundA00001'));
    sandbox.answerAs(b.id, a.id);
    sandbox.answerAs('refundB00001', 'refundA00001');
    expect(mismatch(await rejectionOf(payments.refund(b.id, { amount: 1000, refundId: 'refundB00001' })))).toBe(
      'mismatch',
    );
    const after = await payments.getOrder(b.id);
    expect(after.refundedAmount).toBe(0);
    expect(after.refunds.find((refund) => refund.id === 'refundB00001')?.status).toBe('pending');
    // The refund query is bound too.
    expect(mismatch(await rejectionOf(payments.sync(b.id)))).toBe('mismatch');
    expect((await payments.getOrder(b.id)).refundedAmount).toBe(0);
  });

  it('a query reply for another merchant id, another app id or another transaction id is refused', async () => {
    const context = facade();
    const { payments, sandbox } = context;
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    sandbox.pay(order.id);
    const transaction = sandbox.trade(order.id);
    if (!transaction) throw new Error('no transaction');
    transaction.mchId = '1900000001';
    expect(mismatch(await rejectionOf(payments.sync(order.id)))).toBe('mismatch');
    transaction.mchId = '1234567891';
    transaction.appId = 'wx00000000000000aa';
    expect(mismatch(await rejectionOf(payments.sync(order.id)))).toBe('mismatch');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
    transaction.appId = 'wxd678efh567hg6787';
    expect((await payments.sync(order.id)).status).toBe('paid');
    transaction.transactionId = '4200000000000000000000000001';
    expect(mismatch(await rejectionOf(payments.sync(order.id)))).toBe('mismatch');
  });
});

describe('an unreadable reply is an unknown outcome, not a refusal (issue 10.2)', () => {
  it('a signed create reply that is not JSON, or lacks code_url, leaves the order created, not failed', async () => {
    const { payments, sandbox } = facade();
    sandbox.serveOnce(/native$/, { body: 'not json' });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x', orderId: 'notjson00001' }),
    );
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('malformed');
    expect((await payments.getOrder('notjson00001')).status).toBe('created');
    sandbox.serveOnce(/native$/, { body: {} });
    const missing = await rejectionOf(
      payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x', orderId: 'nocodeurl001' }),
    );
    expect(UnexpectedResponseError.isInstance(missing) && missing.field).toBe('response.code_url');
    expect((await payments.getOrder('nocodeurl001')).status).toBe('created');
  });

  it('an unknown trade_state in a signed query reply is malformed and changes nothing', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    const transaction = sandbox.trade(order.id);
    if (!transaction) throw new Error('no transaction');
    transaction.tradeState = 'MYSTERY' as never;
    const error = await rejectionOf(payments.sync(order.id));
    expect(UnexpectedResponseError.isInstance(error) && error.field).toBe('response.trade_state');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('a refund reply with an unknown status leaves the refund pending, not failed (nothing becomes refundable twice)', async () => {
    const context = facade();
    const { payments, sandbox } = context;
    const order = await paidOrder(context);
    sandbox.serveOnce(/\/v3\/refund\/domestic\/refunds$/, {
      body: { out_refund_no: 'refundX00001', out_trade_no: order.id, refund_id: '50000001', status: 'MYSTERY' },
    });
    const error = await rejectionOf(payments.refund(order.id, { amount: 1000, refundId: 'refundX00001' }));
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('malformed');
    const after = await payments.getOrder(order.id);
    expect(after.refunds.find((refund) => refund.id === 'refundX00001')?.status).toBe('pending');
    // Still counted: nothing more is refundable.
    expect(
      RefundExceedsPaidError.isInstance(
        await rejectionOf(payments.refund(order.id, { amount: 1, refundId: 'refundX00002' })),
      ),
    ).toBe(true);
  });

  it('a bill whose hash type is unknown is malformed, not a ValidationError', async () => {
    const { provider, sandbox } = facade();
    sandbox.serveOnce(/tradebill$/, {
      body: { hash_type: 'MD5', hash_value: 'x', download_url: 'https://x.invalid/' },
    });
    const error = await rejectionOf(provider.tradeBill({ date: '2025-01-01' }));
    expect(UnexpectedResponseError.isInstance(error) && error.field).toBe('response.hash_type');
    expect(ValidationError.isInstance(error)).toBe(false);
  });
});

describe('currencies (issue 10.5)', () => {
  it('a genuine signed notification in USD does not mark the CNY order paid', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    const result = await payments.handleNotification('wechatpay', sandbox.pay(order.id, { currency: 'USD' }));
    expect(result.event).toMatchObject({ type: 'payment.succeeded', currency: 'USD' });
    const after = await payments.getOrder(order.id);
    expect(after.status).not.toBe('paid');
    expect(after.anomalies.map((anomaly) => anomaly.code)).toContain('currency_mismatch');
  });

  it('a query reply in USD does not mark the order paid either', async () => {
    const { payments, sandbox, provider } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    sandbox.pay(order.id, { currency: 'USD' });
    expect(await provider.queryPayment({ orderId: order.id, order })).toMatchObject({ currency: 'USD' });
    expect((await payments.sync(order.id)).status).not.toBe('paid');
  });
});

describe("unknown certificate serials in 'auto' mode (issue 10.11)", () => {
  it('50 unauthenticated notifications with random Wechatpay-Serial make at most one download a minute', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const now = () => new Date(clock);
    const { payments, sandbox, requests } = facade({ mode: 'certificate', now });
    const downloads = () => requests.filter((r) => r.url.endsWith('/v3/certificates')).length;
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    const genuine = sandbox.pay(order.id);
    const before = downloads();
    clock += 61_000;
    for (let i = 0; i < 50; i++) {
      const forged = {
        ...genuine,
        headers: { ...genuine.headers, 'wechatpay-serial': randomBytes(20).toString('hex') },
      };
      const result = await payments.handleNotification('wechatpay', forged);
      expect(result.ok).toBe(false);
    }
    expect(downloads() - before).toBeLessThanOrEqual(1);
    // The same unknown serial, a minute later, is remembered: no download for it.
    const repeated = { ...genuine, headers: { ...genuine.headers, 'wechatpay-serial': 'ABCDEF0123456789' } };
    clock += 61_000;
    await payments.handleNotification('wechatpay', repeated);
    const afterFirst = downloads();
    clock += 61_000;
    await payments.handleNotification('wechatpay', repeated);
    expect(downloads()).toBe(afterFirst);
    // A genuine rotation is still picked up once the interval has passed.
    sandbox.rotateCertificate();
    clock += 61_000;
    const rotated = await payments.handleNotification('wechatpay', sandbox.pay(order.id));
    expect(rotated.ok, String(rotated.error)).toBe(true);
  });
});

describe('inputs refused before anything is stored (issue 10.12, 11.7)', () => {
  it.each([
    ['an http:// notify URL', { method: 'qr', notifyUrl: 'http://shop.example/hook' }, 'notifyUrl'],
    ['h5 without the client IP', { method: 'h5' }, 'clientIp'],
    ['jsapi without the openid', { method: 'jsapi' }, 'buyerId'],
    [
      'an unknown providerOptions key',
      { method: 'h5', clientIp: '203.0.113.7', providerOptions: { h5type: 'iOS' } },
      'providerOptions.h5type',
    ],
  ] as const)('%s', async (_label, input, field) => {
    const { payments, created, store } = facade();
    const error = await rejectionOf(
      payments.createPayment({
        provider: 'wechatpay',
        amount: 100,
        subject: 'x',
        orderId: 'refused00001',
        ...input,
      } as never),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe(field);
    expect(created).toEqual([]);
    expect(await store.get('refused00001')).toBeUndefined();
  });

  it('no notify URL at all is refused before storing', async () => {
    const { provider } = sandboxed();
    const payments = createPayments({ providers: [provider] });
    let fired = 0;
    payments.on('order.created', () => {
      fired++;
    });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 1, subject: 'x' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('notifyUrl');
    expect(fired).toBe(0);
  });
});

describe('webhook answers (issue 10.13)', () => {
  it('a signed notification for an order this shop does not know gets a 4xx, like the other wallets', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'x' });
    const notification = sandbox.pay(order.id);
    // The same provider (same keys) in front of a store that does not know the order.
    const fresh = createPayments({
      providers: [payments.provider('wechatpay')],
      store: new MemoryOrderStore(),
      notifyUrl: 'https://shop.example/hook',
    });
    const result = await fresh.handleNotification('wechatpay', notification);
    expect(result.ok).toBe(false);
    expect(result.response.status).toBe(400);
    expect(JSON.parse(result.response.body)).toMatchObject({ code: 'FAIL' });
  });
});

describe('refusals, which name no order or refund, are checked by a query (review)', () => {
  /**
   * A facade whose fetch can answer the next codepay request with an earlier genuine reply (signed,
   * inside the timestamp window) after the sandbox has handled the request itself.
   */
  function replaying() {
    type Reply = { status: number; headers: [string, string][]; body: string };
    const last = new Map<string, Reply>();
    let replayNext: { path: string; reply: Reply } | undefined;
    const context = facade({
      rewrite: async (response, request) => {
        const path = new URL(request.url).pathname;
        const genuine = { status: response.status, headers: [...response.headers], body: await response.text() };
        let served = genuine;
        if (replayNext && replayNext.path === path) {
          served = replayNext.reply;
          replayNext = undefined;
        }
        last.set(path, genuine);
        return new Response(served.body, { status: served.status, headers: served.headers });
      },
    });
    return {
      ...context,
      /** The next request to `path` is answered with the last genuine reply to it, once handled. */
      replayLastReply: (path = '/v3/pay/transactions/codepay') => {
        const reply = last.get(path);
        if (!reply) throw new Error(`no reply to ${path} yet`);
        replayNext = { path, reply };
      },
    };
  }
  const pos = (orderId: string, authCode: string) => ({
    provider: 'wechatpay' as const,
    method: 'pos' as const,
    amount: 500,
    subject: 'Tea',
    authCode,
    orderId,
  });

  it('the sandbox refuses a code that is no WeChat Pay code and makes no transaction; the refusal stands', async () => {
    const context = facade();
    const error = await rejectionOf(context.payments.createPayment(pos('posRefused01', '987654321098765432')));
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('AUTH_CODE_INVALID');
    expect(context.sandbox.trade('posRefused01')).toBeUndefined();
    expect((await context.payments.getOrder('posRefused01')).status).toBe('failed');
  });

  it('does not fail a pos order WeChat Pay charged on the genuine refusal of another code', async () => {
    const context = replaying();
    await rejectionOf(context.payments.createPayment(pos('posRefusedX1', '987654321098765432')));
    context.replayLastReply();
    const result = await context.payments.createPayment(pos('posChargedY1', '134567890123456789'));
    expect(context.sandbox.trade('posChargedY1')?.tradeState).toBe('SUCCESS');
    expect(result.order.status).toBe('paid');
  });

  it('leaves the order as it was when the order query cannot confirm a refusal', async () => {
    const context = replaying();
    await rejectionOf(context.payments.createPayment(pos('posRefusedX3', '987654321098765432')));
    context.replayLastReply();
    context.sandbox.serveOnce(/out-trade-no\/posUnknownY3$/, {
      status: 500,
      body: { code: 'SYSTEM_ERROR', message: '系统繁忙' },
    });
    await rejectionOf(context.payments.createPayment(pos('posUnknownY3', '134567890123456789')));
    expect((await context.payments.getOrder('posUnknownY3')).status).not.toBe('failed');
  });

  it("reverses a transaction still awaiting the buyer's password on a refusal, so the code cannot be charged later", async () => {
    const context = replaying();
    await rejectionOf(context.payments.createPayment(pos('posRefusedX2', '987654321098765432')));
    context.replayLastReply();
    const error = await rejectionOf(context.payments.createPayment(pos('posWaitingY2', '139000000000000003')));
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('AUTH_CODE_INVALID');
    expect(context.sandbox.trade('posWaitingY2')?.tradeState).toBe('REVOKED');
    expect((await context.payments.getOrder('posWaitingY2')).status).toBe('failed');
  });

  it('leaves the order as it was when the order query is itself refused', async () => {
    const context = replaying();
    await rejectionOf(context.payments.createPayment(pos('posRefusedX4', '987654321098765432')));
    context.replayLastReply();
    context.sandbox.serveOnce(/out-trade-no\/posUnknownY4$/, {
      status: 400,
      body: { code: 'PARAM_ERROR', message: '参数错误' },
    });
    const error = await rejectionOf(context.payments.createPayment(pos('posUnknownY4', '134567890123456789')));
    expect(mismatch(error)).toBe('mismatch');
    expect(context.sandbox.trade('posUnknownY4')?.tradeState).toBe('SUCCESS');
    expect((await context.payments.getOrder('posUnknownY4')).status).not.toBe('failed');
    expect((await context.payments.sync('posUnknownY4')).status).toBe('paid');
  });

  it('leaves a refund as it was when the refund query is itself refused', async () => {
    const context = facade();
    const order = await paidOrder(context);
    context.sandbox.serveOnce(/\/v3\/refund\/domestic\/refunds$/, {
      status: 403,
      body: { code: 'NOT_ENOUGH', message: '基本账户余额不足，请充值后重新发起' },
    });
    context.sandbox.serveOnce(/\/v3\/refund\/domestic\/refunds\/refundQ0001$/, {
      status: 400,
      body: { code: 'PARAM_ERROR', message: '参数错误' },
    });
    await rejectionOf(context.payments.refund(order.id, { amount: 100, refundId: 'refundQ0001' }));
    expect((await context.payments.getOrder(order.id)).refunds[0]?.status).toBe('pending');
  });

  it('does not fail a refund WeChat Pay accepted on the genuine refusal of another refund', async () => {
    const context = replaying();
    const x = await paidOrder(context);
    context.sandbox.serveOnce(/\/v3\/refund\/domestic\/refunds$/, {
      status: 403,
      body: { code: 'NOT_ENOUGH', message: '基本账户余额不足，请充值后重新发起' },
    });
    const refused = await rejectionOf(context.payments.refund(x.id, { amount: 100, refundId: 'refundX0001' }));
    expect(ProviderApiError.isInstance(refused) && refused.providerCode).toBe('NOT_ENOUGH');
    expect((await context.payments.getOrder(x.id)).refunds[0]?.status).toBe('failed');
    const y = await paidOrder(context);
    context.replayLastReply('/v3/refund/domestic/refunds');
    const { refund } = await context.payments.refund(y.id, { amount: 100, refundId: 'refundY0001' });
    expect(refund.status).toBe('pending');
    const settled = await context.payments.handleNotification(
      'wechatpay',
      context.sandbox.settleRefund(y.id, refund.id),
    );
    expect(settled.ok && settled.order.refundedAmount).toBe(100);
  });
});
