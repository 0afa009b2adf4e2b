/**
 * Issue 20 item 4 for WeChat Pay: a refund committed `pending` whose request never reached WeChat
 * Pay (the process died between the commit and the call). WeChat Pay's refund query answers
 * `RESOURCE_NOT_EXISTS` for an `out_refund_no` it never received; the adapter reports that as
 * `not_found`, so core's reconciler sends the same request again under the same `out_refund_no`
 * after the grace period, and the refund happens exactly once. (Alipay's and UnionPay's rules have
 * their own tests: alipay-refund-binding.test.ts, unionpay-refund-resend.test.ts.)
 */
import { createPayments, createReconciler, MemoryOrderStore, type Order, ProviderApiError } from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

const MINUTE = 60_000;
const REFUNDS_PATH = '/v3/refund/domestic/refunds';

function setup() {
  let clock = Date.parse('2024-05-01T08:00:00.000Z');
  const now = () => new Date(clock);
  /** The `out_refund_no` of every refund request that reached WeChat Pay. */
  const refundsSent: string[] = [];
  let crashed = false;
  const context = sandboxed({
    now,
    provider: {
      fetch: async (input, init): Promise<Response> => {
        const request = new Request(input, init);
        if (request.method === 'POST' && new URL(request.url).pathname === REFUNDS_PATH) {
          // The process died between the commit and the call: no attempt of the request leaves
          // (the client's own retries of an idempotent request included).
          if (crashed) throw new Error('the process was killed before the request left');
          refundsSent.push(String(JSON.parse(await request.clone().text()).out_refund_no));
        }
        return context.sandbox.fetch(request);
      },
    },
  });
  const store = new MemoryOrderStore();
  const payments = createPayments({
    providers: [context.provider],
    store,
    now,
    notifyUrl: 'https://shop.example/webhooks/wechatpay',
  });
  const reconciler = createReconciler({ payments, store, now, claims: false });
  return {
    ...context,
    payments,
    reconciler,
    refundsSent,
    /** Commits the refund `pending`, and the process dies before its request leaves. */
    refundThenCrash: async (orderId: string, refundId: string, amount: number) => {
      crashed = true;
      try {
        await rejectionOf(payments.refund(orderId, { refundId, amount }));
      } finally {
        crashed = false;
      }
    },
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

async function paidOrder(context: ReturnType<typeof setup>): Promise<Order> {
  const { order } = await context.payments.createPayment({
    provider: 'wechatpay',
    method: 'qr',
    amount: 1000,
    subject: 'Tea',
  });
  const result = await context.payments.handleNotification('wechatpay', context.sandbox.pay(order.id));
  if (!result.ok) throw result.error;
  return result.order;
}

describe('a WeChat Pay refund committed pending whose request never reached WeChat Pay', () => {
  it('queryRefund reports it not_found (RESOURCE_NOT_EXISTS), not pending', async () => {
    const context = setup();
    const paid = await paidOrder(context);
    await context.refundThenCrash(paid.id, 'refundWX0001', 300);
    const order = await context.payments.getOrder(paid.id);
    expect(order.refunds).toMatchObject([{ id: 'refundWX0001', status: 'pending' }]);
    expect(context.sandbox.trade(paid.id)?.refunds.size).toBe(0); // WeChat Pay never heard of it

    const error = await rejectionOf(
      context.provider.queryRefund({ orderId: paid.id, order, refundId: 'refundWX0001' }),
    );
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('not_found');
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('RESOURCE_NOT_EXISTS');
  });

  it('is sent again under the same out_refund_no by the reconciler after the grace period, and refunds once', async () => {
    const context = setup();
    const paid = await paidOrder(context);
    await context.refundThenCrash(paid.id, 'refundWX0002', 400);

    // Within the grace period the request may still be in flight: nothing is sent again.
    context.advance(2 * MINUTE);
    await context.reconciler.runOnce();
    expect(context.refundsSent).toEqual([]);
    expect((await context.payments.getOrder(paid.id)).refunds).toMatchObject([{ status: 'pending' }]);

    context.advance(5 * MINUTE);
    await context.reconciler.runOnce();
    expect(context.refundsSent).toEqual(['refundWX0002']);
    expect([...(context.sandbox.trade(paid.id)?.refunds.keys() ?? [])]).toEqual(['refundWX0002']);

    // WeChat Pay settles it; its notification is lost; the reconciler records it and sends nothing.
    context.sandbox.settleRefund(paid.id, 'refundWX0002');
    context.advance(10 * MINUTE);
    await context.reconciler.runOnce();
    const after = await context.payments.getOrder(paid.id);
    expect(after).toMatchObject({ status: 'partially_refunded', refundedAmount: 400 });
    expect(after.refunds).toMatchObject([{ id: 'refundWX0002', status: 'succeeded', amount: 400 }]);
    expect(context.refundsSent).toEqual(['refundWX0002']);
    expect(context.sandbox.trade(paid.id)?.refunds.size).toBe(1);
  });

  it('a refund WeChat Pay refuses when sent again is marked failed, its amount refundable again', async () => {
    const context = setup();
    const paid = await paidOrder(context);
    await context.refundThenCrash(paid.id, 'refundWX0003', 500);
    // WeChat Pay refuses the request sent again (the trade's balance is short, say).
    context.sandbox.serveOnce(/^\/v3\/refund\/domestic\/refunds$/, {
      status: 403,
      body: { code: 'NOT_ENOUGH', message: '基本账户余额不足' },
    });
    context.advance(10 * MINUTE);
    await context.reconciler.runOnce();
    expect(context.refundsSent).toEqual(['refundWX0003']);
    const after = await context.payments.getOrder(paid.id);
    expect(after.refunds).toMatchObject([{ id: 'refundWX0003', status: 'failed' }]);
    expect(after).toMatchObject({ status: 'paid', refundedAmount: 0 });
  });
});
