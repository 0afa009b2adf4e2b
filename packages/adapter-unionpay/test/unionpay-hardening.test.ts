/**
 * Issue 10 for UnionPay: replies bound to their request, unreadable replies as unknown outcomes,
 * "query later" codes, currencies and the webhook status class. Every reply and notification here
 * is genuine (signed by the sandbox's UnionPay chain): what changes is which request it answers.
 */
import {
  createPayments,
  MemoryOrderStore,
  type Order,
  toNotificationRequest,
  UnexpectedResponseError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

/**
 * A facade whose transport remembers every genuine reply by the orderId it was asked about, and can
 * serve the reply about one orderId as the answer to a request about another.
 */
function replaying() {
  const replies = new Map<string, string>();
  const swaps = new Map<string, string>();
  const context = sandboxed({
    rewrite: (text, _url, body) => {
      const orderId = new URLSearchParams(body).get('orderId') ?? '';
      const served = swaps.get(orderId);
      if (served !== undefined) return replies.get(served) ?? text;
      replies.set(orderId, text);
      return text;
    },
  });
  const payments = createPayments({
    providers: [context.provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/unionpay',
  });
  return {
    ...context,
    payments,
    /** From now on, a request about `asked` gets the last genuine reply about `served`. */
    serve(asked: string, served: string) {
      swaps.set(asked, served);
    },
  };
}

const mismatch = { code: 'unexpected_response', reason: 'mismatch' };
const malformed = { code: 'unexpected_response', reason: 'malformed' };

async function paidQrOrder(context: ReturnType<typeof replaying>, amount = 1000): Promise<Order> {
  const { order } = await context.payments.createPayment({ provider: 'unionpay', method: 'qr', amount, subject: 'x' });
  const result = await context.payments.handleNotification('unionpay', context.sandbox.pay(order.id));
  if (!result.ok) throw result.error;
  return result.order;
}

describe('10.1: a genuine reply answers only its own request (merId, orderId, txnTime, txnType, txnSubType)', () => {
  it('query: the paid reply about order A, served as the answer about B, does not mark B paid', async () => {
    const context = replaying();
    const { payments, sandbox } = context;
    const { order: a } = await payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 100,
      subject: 'a',
    });
    const { order: b } = await payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 100,
      subject: 'b',
    });
    sandbox.pay(a.id);
    expect((await payments.sync(a.id)).status).toBe('paid');
    context.serve(b.id, a.id);
    expect(await rejectionOf(payments.sync(b.id))).toMatchObject(mismatch);
    expect((await payments.getOrder(b.id)).status).toBe('pending');
  });

  it("create: A's genuine refusal (respCode 12) served for B does not mark B failed", async () => {
    const context = replaying();
    const { payments, provider } = context;
    const { order: a } = await payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 100,
      subject: 'a',
    });
    // A second consume with A's orderId: UnionPay refuses it, signed, as a duplicate.
    const request = {
      orderId: a.id,
      createdAt: new Date(a.createdAt),
      method: 'qr' as const,
      amount: 100,
      currency: 'CNY' as const,
      subject: 'a',
      notifyUrl: 'https://shop.example/webhooks/unionpay',
      returnUrl: null,
      expiresAt: null,
      buyerId: null,
      authCode: null,
      clientIp: null,
      providerOptions: {},
    };
    expect(await rejectionOf(provider.createPayment(request))).toMatchObject({ providerCode: '12' });
    context.serve('orderB000001', a.id);
    const error = await rejectionOf(
      payments.createPayment({
        provider: 'unionpay',
        method: 'qr',
        amount: 100,
        subject: 'b',
        orderId: 'orderB000001',
      }),
    );
    expect(error).toMatchObject(mismatch);
    expect((await payments.getOrder('orderB000001')).status).not.toBe('failed');
  });

  it("create: A's QR code served for B is not shown to B's buyer", async () => {
    const context = replaying();
    const { payments } = context;
    const { order: a } = await payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 100,
      subject: 'a',
    });
    context.serve('orderB000002', a.id);
    expect(
      await rejectionOf(
        payments.createPayment({
          provider: 'unionpay',
          method: 'qr',
          amount: 100,
          subject: 'b',
          orderId: 'orderB000002',
        }),
      ),
    ).toMatchObject(mismatch);
    expect((await payments.getOrder('orderB000002')).status).toBe('created');
  });

  it("refund: refund R1's genuine refusal served for refund R2 leaves R2 pending, not failed", async () => {
    const context = replaying();
    const { payments, provider } = context;
    const paid = await paidQrOrder(context);
    // Straight to the provider: a refund beyond the paid amount, refused (36) by UnionPay, signed.
    const refused = await rejectionOf(
      provider.refund({ orderId: paid.id, order: paid, refundId: 'refundR10001', amount: 5000, reason: null }),
    );
    expect(refused).toMatchObject({ providerCode: '36' });
    context.serve('refundR20001', 'refundR10001');
    expect(await rejectionOf(payments.refund(paid.id, { amount: 100, refundId: 'refundR20001' }))).toMatchObject(
      mismatch,
    );
    const order = await payments.getOrder(paid.id);
    expect(order.refunds.find((r) => r.id === 'refundR20001')?.status).toBe('pending');
  });

  it("refund query: R1's settled reply served for R2 does not settle R2", async () => {
    const context = replaying();
    const { payments, sandbox } = context;
    const paid = await paidQrOrder(context);
    await payments.refund(paid.id, { amount: 100, refundId: 'refundR10002' });
    sandbox.settleRefund(paid.id, 'refundR10002');
    expect((await payments.sync(paid.id)).refundedAmount).toBe(100);
    await payments.refund(paid.id, { amount: 900, refundId: 'refundR20002' });
    context.serve('refundR20002', 'refundR10002');
    expect(await rejectionOf(payments.sync(paid.id))).toMatchObject(mismatch);
    const order = await payments.getOrder(paid.id);
    expect(order.refundedAmount).toBe(100);
    expect(order.refunds.find((r) => r.id === 'refundR20002')?.status).toBe('pending');
  });

  it.each([
    ['txnType', '31'],
    ['txnSubType', '01'],
    ['txnTime', '20200101000000'],
    ['merId', '777290058199999'],
    ['bizType', '000201'],
    ['accessType', '1'],
  ])('a reply of another operation, time or merchant (%s=%s) is refused, the order unchanged', async (field, value) => {
    const context = replaying();
    context.sandbox.rewriteReplies((reply) => ({ ...reply, [field]: value }));
    expect(
      await rejectionOf(
        context.payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' }),
      ),
    ).toMatchObject(mismatch);
  });

  it('undo: a refund (04) reply is not the answer to an undo (31)', async () => {
    const context = replaying();
    const paid = await paidQrOrder(context);
    context.sandbox.rewriteReplies((reply) => ({ ...reply, txnType: '04' }));
    expect(await rejectionOf(context.provider.undoPayment({ order: paid, undoId: 'undo00000009' }))).toMatchObject(
      mismatch,
    );
  });
});

describe('10.2: a reply that cannot be read is an unknown outcome, never a refusal', () => {
  it('a genuine QR reply without qrCode: malformed, the order not failed', async () => {
    const context = replaying();
    context.sandbox.rewriteReplies(({ qrCode: _dropped, ...reply }) => reply);
    const error = await rejectionOf(
      context.payments.createPayment({
        provider: 'unionpay',
        method: 'qr',
        amount: 1,
        subject: 'x',
        orderId: 'order0000m1',
      }),
    );
    expect(error).toMatchObject({ ...malformed, field: 'response.qrCode' });
    expect((await context.payments.getOrder('order0000m1')).status).toBe('created');
  });

  it('a respCode UnionPay never documented: malformed, the order not failed', async () => {
    const context = replaying();
    context.sandbox.rewriteReplies((reply) => ({ ...reply, respCode: 'Z9' }));
    expect(
      await rejectionOf(
        context.payments.createPayment({
          provider: 'unionpay',
          method: 'app',
          amount: 1,
          subject: 'x',
          orderId: 'order0000m2',
        }),
      ),
    ).toMatchObject(malformed);
    expect((await context.payments.getOrder('order0000m2')).status).toBe('created');
  });

  it('a body that is not k=v&...: malformed, the order not failed', async () => {
    const context = sandboxed({ rewrite: () => '<html>502 Bad Gateway</html>' });
    const payments = createPayments({ providers: [context.provider], notifyUrl: 'https://shop.example/hook' });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x', orderId: 'order0000m3' }),
    );
    expect(UnexpectedResponseError.isInstance(error) || (error as { code?: string }).code === 'signature_invalid').toBe(
      true,
    );
    expect((await payments.getOrder('order0000m3')).status).toBe('created');
  });

  it('a successful query without queryId, or with an unknown origRespCode: malformed', async () => {
    const context = replaying();
    const { order } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 1,
      subject: 'x',
    });
    context.sandbox.pay(order.id);
    context.sandbox.rewriteReplies(({ queryId: _dropped, ...reply }) => reply);
    expect(await rejectionOf(context.payments.sync(order.id))).toMatchObject({
      ...malformed,
      field: 'response.queryId',
    });
    context.sandbox.rewriteReplies((reply) => ({ ...reply, origRespCode: 'Q7' }));
    expect(await rejectionOf(context.payments.sync(order.id))).toMatchObject(malformed);
    expect((await context.payments.getOrder(order.id)).status).toBe('pending');
  });

  it('a refund reply with an undocumented code leaves the refund pending', async () => {
    const context = replaying();
    const paid = await paidQrOrder(context);
    context.sandbox.rewriteReplies((reply) => ({ ...reply, respCode: 'ZZ' }));
    expect(
      await rejectionOf(context.payments.refund(paid.id, { amount: 100, refundId: 'refund0000m5' })),
    ).toMatchObject(malformed);
    const order = await context.payments.getOrder(paid.id);
    expect(order.refunds[0]?.status).toBe('pending');
  });
});

describe('10.7: respCode 03, 04, 05 ("unknown, query later") leave the order pending', () => {
  it.each(['03', '04', '05'])('a notification with respCode %s does not fail the order', async (respCode) => {
    const context = replaying();
    const { order } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 1,
      subject: 'x',
    });
    const result = await context.payments.handleNotification('unionpay', context.sandbox.pay(order.id, { respCode }));
    expect(result.response.status).toBe(200);
    expect((await context.payments.getOrder(order.id)).status).toBe('pending');
    // And the real outcome still lands.
    expect((await context.payments.handleNotification('unionpay', context.sandbox.pay(order.id))).order?.status).toBe(
      'paid',
    );
  });

  it.each(['03', '04', '05'])('a create reply with respCode %s is retryable and fails nothing', async (respCode) => {
    const context = replaying();
    context.sandbox.rewriteReplies((reply) => ({ ...reply, respCode }));
    const error = await rejectionOf(
      context.payments.createPayment({
        provider: 'unionpay',
        method: 'qr',
        amount: 1,
        subject: 'x',
        orderId: 'order0000u1',
      }),
    );
    expect(error).toMatchObject({ retryable: true });
    expect((await context.payments.getOrder('order0000u1')).status).toBe('created');
  });

  it('a pos reply with respCode 05 leaves the payment pending', async () => {
    const context = replaying();
    context.sandbox.rewriteReplies((reply) => ({ ...reply, respCode: '05' }));
    const { order, action } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'pos',
      amount: 1,
      subject: 'x',
      authCode: '6200000000000000001',
    });
    expect(order.status).toBe('pending');
    expect(action).toEqual({ type: 'pos', status: 'pending' });
  });

  it.each(['03', '04', '05'])('a query whose origRespCode is %s leaves the order pending', async (code) => {
    const context = replaying();
    const { order } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 1,
      subject: 'x',
    });
    context.sandbox.pay(order.id);
    context.sandbox.rewriteReplies((reply) => ({ ...reply, origRespCode: code }));
    expect((await context.payments.sync(order.id)).status).toBe('pending');
  });
});

describe('10.5: currencyCode is the payment currency', () => {
  it('a genuine notification with currencyCode 840 (USD) does not mark the CNY order paid', async () => {
    const context = replaying();
    const { order } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 1,
      subject: 'x',
    });
    const result = await context.payments.handleNotification(
      'unionpay',
      context.sandbox.pay(order.id, { fields: { currencyCode: '840' } }),
    );
    expect(result.event).toMatchObject({ type: 'payment.succeeded', currency: 'USD' });
    const stored = await context.payments.getOrder(order.id);
    expect(stored.status).not.toBe('paid');
    expect(stored.anomalies.map((a) => a.code)).toContain('currency_mismatch');
  });

  it('156 is CNY on events from notifications and queries; a query in USD does not mark paid', async () => {
    const context = replaying();
    const { order } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 1,
      subject: 'x',
    });
    const { event } = await context.provider.verifyNotification(toNotificationRequest(context.sandbox.pay(order.id)));
    expect(event).toMatchObject({ type: 'payment.succeeded', currency: 'CNY' });
    context.sandbox.rewriteReplies((reply) => ({ ...reply, currencyCode: '840' }));
    expect((await context.payments.sync(order.id)).status).not.toBe('paid');
  });

  it('an unknown currencyCode is refused', async () => {
    const context = replaying();
    const { order } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 1,
      subject: 'x',
    });
    const result = await context.payments.handleNotification(
      'unionpay',
      context.sandbox.pay(order.id, { fields: { currencyCode: '000' } }),
    );
    expect(result.ok).toBe(false);
    expect((await context.payments.getOrder(order.id)).status).toBe('pending');
  });
});

describe('13: webhook status classes', () => {
  it('a genuine notification for an unknown order is 400; a store outage is 500', async () => {
    const context = replaying();
    const { order } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 1,
      subject: 'x',
    });
    const notification = context.sandbox.pay(order.id);
    const elsewhere = createPayments({ providers: [context.provider] });
    expect((await elsewhere.handleNotification('unionpay', notification)).response.status).toBe(400);
    const broken = new MemoryOrderStore();
    const failing = createPayments({ providers: [context.provider], store: broken });
    broken.get = async () => {
      throw new Error('connection refused');
    };
    expect((await failing.handleNotification('unionpay', notification)).response.status).toBe(500);
  });
});
