/**
 * Refunds as Alipay's own rules have them: a refund query that finds no refund under an
 * `out_request_no` reports it unknown (`not_found`, so core's reconciler sends the same request
 * again), and every refund reply is bound to the refund it answers, amounts included.
 */
import {
  createPayments,
  createReconciler,
  MemoryOrderStore,
  ProviderApiError,
  UnexpectedResponseError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import type { AlipayProvider } from '../src/index.js';
import { sandboxed } from './sandbox-setup.js';

const START = Date.parse('2024-05-01T08:00:00.000Z');
const MINUTE = 60_000;

/** A paid order behind a facade with its own clock; `crashNextRefund` kills the next refund before it leaves. */
async function paidOrder(amount = 1999) {
  const context = sandboxed();
  let clock = START;
  const now = () => new Date(clock);
  let crash = false;
  let refundCalls = 0;
  const provider: AlipayProvider = {
    ...context.provider,
    refund: async (request) => {
      refundCalls += 1;
      if (crash) {
        crash = false;
        // The process "dies" between the commit and the call: the request never reaches Alipay.
        throw new Error('the process was killed before the request left');
      }
      return context.provider.refund(request);
    },
  };
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers: [provider], store, now, notifyUrl: 'https://shop.example/alipay' });
  const reconciler = createReconciler({ payments, store, now, claims: false });
  const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount, subject: '龙井' });
  await payments.handleNotification('alipay', context.sandbox.pay(order.id));
  return {
    ...context,
    payments,
    reconciler,
    order: await payments.getOrder(order.id),
    crashNextRefund: () => {
      crash = true;
    },
    refundCalls: () => refundCalls,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('a refund Alipay never received', () => {
  it('the sandbox answers its refund query with success and no refund data, as Alipay documents', async () => {
    const { provider, order, lastReply } = await paidOrder();
    await rejectionOf(
      provider.queryRefund({
        orderId: order.id,
        order: { ...order, refunds: [{ ...refundOf(order.id), id: 'never-sent' }] },
        refundId: 'never-sent',
      }),
    );
    const node = JSON.parse(lastReply('alipay.trade.fastpay.refund.query'))
      .alipay_trade_fastpay_refund_query_response as Record<string, unknown>;
    expect(node.code).toBe('10000');
    expect(node.refund_amount).toBeUndefined();
    expect(node.refund_status).toBeUndefined();
  });

  it('queryRefund throws ProviderApiError not_found for it, never reports it pending', async () => {
    const { provider, order } = await paidOrder();
    const error = await rejectionOf(
      provider.queryRefund({
        orderId: order.id,
        order: { ...order, refunds: [{ ...refundOf(order.id), id: 'never-sent' }] },
        refundId: 'never-sent',
      }),
    );
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('not_found');
  });

  it('committed pending, its request lost in a crash, is resent by the reconciler and refunds once', async () => {
    const context = await paidOrder();
    context.crashNextRefund();
    await rejectionOf(context.payments.refund(context.order.id, { refundId: 'refund0001', amount: 500 }));
    expect((await context.payments.getOrder(context.order.id)).refunds).toMatchObject([
      { id: 'refund0001', status: 'pending' },
    ]);
    expect(context.sandbox.trade(context.order.id)?.refunds.size).toBe(0); // Alipay never heard of it

    context.advance(10 * MINUTE);
    await context.reconciler.runOnce();
    expect(context.refundCalls()).toBe(2);
    const after = await context.payments.getOrder(context.order.id);
    expect(after).toMatchObject({ status: 'partially_refunded', refundedAmount: 500 });
    expect(after.refunds).toMatchObject([{ id: 'refund0001', status: 'succeeded', amount: 500 }]);
    const atAlipay = context.sandbox.trade(context.order.id)?.refunds;
    expect([...(atAlipay?.entries() ?? [])]).toEqual([['refund0001', 500]]);

    // Nothing is left to do: a later run neither resends nor refunds again.
    context.advance(10 * MINUTE);
    await context.reconciler.runOnce();
    expect(context.refundCalls()).toBe(2);
    expect(context.sandbox.trade(context.order.id)?.refunds.size).toBe(1);
  });
});

describe('refund replies bound to the refund they answer', () => {
  it("'amount' on the refund reply (refund_fee re-signed one fen higher): UnexpectedResponseError mismatch, never succeeded", async () => {
    const { payments, sandbox, order } = await paidOrder();
    sandbox.hostile.tamperNextReply('amount');
    const error = await rejectionOf(payments.refund(order.id, { refundId: 'refund0002', amount: 500 }));
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
    const after = await payments.getOrder(order.id);
    expect(after.refunds.find((refund) => refund.id === 'refund0002')?.status).not.toBe('succeeded');
    expect(after.refundedAmount).toBe(0);
  });

  it("'amount' on the refund query (refund_amount re-signed one fen higher): queryRefund throws UnexpectedResponseError mismatch", async () => {
    const { payments, sandbox, order, provider } = await paidOrder();
    const { order: refunded } = await payments.refund(order.id, { refundId: 'refund0003', amount: 500 });
    expect(refunded.refunds.find((refund) => refund.id === 'refund0003')?.status).toBe('succeeded');
    sandbox.hostile.tamperNextReply('amount');
    const error = await rejectionOf(
      provider.queryRefund({ orderId: order.id, order: refunded, refundId: 'refund0003' }),
    );
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
  });

  it('a genuine refund query reporting another amount than this refund asked for is a mismatch', async () => {
    const { provider, order, sandbox } = await paidOrder();
    sandbox.trade(order.id)?.refunds.set('refund0004', 700);
    const error = await rejectionOf(
      provider.queryRefund({
        orderId: order.id,
        order: { ...order, refunds: [{ ...refundOf(order.id), id: 'refund0004', amount: 500 }] },
        refundId: 'refund0004',
      }),
    );
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
  });

  it('successive partial refunds still succeed: refund_fee is the cumulative total, checked as such', async () => {
    const { payments, order } = await paidOrder();
    await payments.refund(order.id, { refundId: 'partrefund1', amount: 300 });
    const { order: after } = await payments.refund(order.id, { refundId: 'partrefund2', amount: 200 });
    expect(after.refunds.map((refund) => [refund.id, refund.status])).toEqual([
      ['partrefund1', 'succeeded'],
      ['partrefund2', 'succeeded'],
    ]);
    expect(after.refundedAmount).toBe(500);
  });

  it('refund_fee may include another pending refund Alipay executed meanwhile, and only that', async () => {
    const { provider, order, sandbox } = await paidOrder();
    // R1 reached Alipay but its answer was lost: pending in the order, executed at Alipay.
    sandbox.trade(order.id)?.refunds.set('pendrefund1', 300);
    const pending = {
      ...order,
      refunds: [{ ...refundOf(order.id), id: 'pendrefund1', amount: 300 }],
    };
    const event = await provider.refund({
      orderId: order.id,
      order: pending,
      refundId: 'pendrefund2',
      amount: 200,
      reason: null,
    });
    expect(event).toMatchObject({ type: 'refund.succeeded', amount: 200, refundedTotal: 500 });
    // One fen more than any combination of the refunds is refused.
    sandbox.hostile.tamperNextReply('amount');
    const error = await rejectionOf(
      provider.refund({ orderId: order.id, order: pending, refundId: 'pendrefund3', amount: 100, reason: null }),
    );
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
  });

  it('a send_back_fee above the refund is a mismatch', async () => {
    const { payments, sandbox, order } = await paidOrder();
    sandbox.alterNextReply('alipay.trade.refund', (node) => ({ ...node, send_back_fee: '5.01' }));
    const error = await rejectionOf(payments.refund(order.id, { refundId: 'backrefund1', amount: 500 }));
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
    expect((await payments.getOrder(order.id)).refundedAmount).toBe(0);
  });

  it('a refund sent again (same out_request_no) after Alipay executed it succeeds once: refund_fee already includes it', async () => {
    const { payments, provider, order } = await paidOrder();
    const { order: first } = await payments.refund(order.id, { refundId: 'againrefund1', amount: 300 });
    // The resend the reconciler would make: the order still lists the refund as pending.
    const pending = {
      ...first,
      refunds: first.refunds.map((refund) => ({ ...refund, status: 'pending' as const })),
    };
    const event = await provider.refund({
      orderId: order.id,
      order: pending,
      refundId: 'againrefund1',
      amount: 300,
      reason: null,
    });
    expect(event).toMatchObject({ type: 'refund.succeeded', amount: 300 });
  });
});

/** A pending refund record as the facade keeps it (only the fields a refund query reads matter). */
function refundOf(orderId: string) {
  const at = new Date(START).toISOString();
  return {
    id: 'r',
    orderId,
    amount: 500,
    status: 'pending' as const,
    reason: null,
    providerRefundId: null,
    createdAt: at,
    updatedAt: at,
  };
}
