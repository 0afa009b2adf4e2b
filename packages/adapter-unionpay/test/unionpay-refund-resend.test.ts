/**
 * Issue 20 item 4 for UnionPay: a refund committed `pending` whose request never reached UnionPay.
 * UnionPay's query answers 34 (查无此交易) for a refund it never received (queried by the refund's
 * own orderId and txnTime); the adapter reports that as `not_found`, so core's reconciler sends the
 * same request again under the same orderId, and the refund happens exactly once.
 */
import { createPayments, createReconciler, MemoryOrderStore, type Order, ProviderApiError } from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

const MINUTE = 60_000;

function setup() {
  let clock = Date.parse('2024-05-01T08:00:00.000Z');
  const now = () => new Date(clock);
  /** The refund (`backTransReq.do`, txnType 04) requests sent, the dropped one included. */
  const refundsSent: string[] = [];
  let dropNextRefund = false;
  const context = sandboxed({
    now,
    provider: {
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const body = new URLSearchParams(await request.clone().text());
        if (request.url.endsWith('/backTransReq.do') && body.get('txnType') === '04') {
          refundsSent.push(body.get('orderId') ?? '');
          if (dropNextRefund) {
            dropNextRefund = false;
            // The process dies between the commit and the call: the request never leaves.
            throw new Error('the process was killed before the request left');
          }
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
    notifyUrl: 'https://shop.example/webhooks/unionpay',
  });
  const reconciler = createReconciler({ payments, store, now, claims: false });
  return {
    ...context,
    payments,
    reconciler,
    refundsSent,
    dropNextRefund: () => {
      dropNextRefund = true;
    },
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

async function paidOrder(context: ReturnType<typeof setup>): Promise<Order> {
  const { order } = await context.payments.createPayment({
    provider: 'unionpay',
    method: 'qr',
    amount: 1000,
    subject: 'Tea',
  });
  const result = await context.payments.handleNotification('unionpay', context.sandbox.pay(order.id));
  if (!result.ok) throw result.error;
  return result.order;
}

describe('a UnionPay refund committed pending whose request never reached UnionPay', () => {
  it('queryRefund reports it not_found (34 on its own orderId and txnTime), not pending', async () => {
    const context = setup();
    const paid = await paidOrder(context);
    context.dropNextRefund();
    await rejectionOf(context.payments.refund(paid.id, { refundId: 'refundRS0001', amount: 300 }));
    const order = await context.payments.getOrder(paid.id);
    expect(order.refunds).toMatchObject([{ id: 'refundRS0001', status: 'pending' }]);
    expect(context.sandbox.trade('refundRS0001')).toBeUndefined(); // UnionPay never heard of it

    const error = await rejectionOf(
      context.provider.queryRefund({ orderId: paid.id, order, refundId: 'refundRS0001' }),
    );
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('not_found');
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('34');
  });

  it('a payment not yet made still queries as pending on 34 (a QR code not scanned)', async () => {
    const context = setup();
    const { order } = await context.payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 1000,
      subject: 'Tea',
    });
    expect(await context.provider.queryPayment({ orderId: order.id, order })).toMatchObject({
      type: 'payment.pending',
    });
  });

  it('is sent again under the same orderId by sync with resendRefundsAfterMs, and refunds once', async () => {
    const context = setup();
    const paid = await paidOrder(context);
    context.dropNextRefund();
    await rejectionOf(context.payments.refund(paid.id, { refundId: 'refundRS0002', amount: 300 }));

    // A plain sync never resends: the wallet's "no such refund" is the error.
    context.advance(10 * MINUTE);
    const plain = await rejectionOf(context.payments.sync(paid.id));
    expect(ProviderApiError.isInstance(plain) && plain.normalizedCode).toBe('not_found');
    expect(context.refundsSent).toEqual(['refundRS0002']);

    await context.payments.sync(paid.id, { resendRefundsAfterMs: 0 });
    expect(context.refundsSent).toEqual(['refundRS0002', 'refundRS0002']);
    expect(context.sandbox.trade('refundRS0002')).toMatchObject({ txnType: '04', amount: 300 });

    // UnionPay settles it; the notification is lost; the next sync records it, and sends nothing.
    context.sandbox.settleRefund(paid.id, 'refundRS0002');
    context.advance(MINUTE);
    const settled = await context.payments.sync(paid.id, { resendRefundsAfterMs: 0 });
    expect(settled).toMatchObject({ status: 'partially_refunded', refundedAmount: 300 });
    expect(settled.refunds).toMatchObject([{ id: 'refundRS0002', status: 'succeeded', amount: 300 }]);
    expect(context.refundsSent).toHaveLength(2);
  });

  it('is sent again by the reconciler after the grace period, and refunds once', async () => {
    const context = setup();
    const paid = await paidOrder(context);
    context.dropNextRefund();
    await rejectionOf(context.payments.refund(paid.id, { refundId: 'refundRS0003', amount: 400 }));

    // Within the grace period the request may still be in flight: nothing is sent again.
    context.advance(2 * MINUTE);
    await context.reconciler.runOnce();
    expect(context.refundsSent).toHaveLength(1);
    expect((await context.payments.getOrder(paid.id)).refunds).toMatchObject([{ status: 'pending' }]);

    context.advance(5 * MINUTE);
    await context.reconciler.runOnce();
    expect(context.refundsSent).toEqual(['refundRS0003', 'refundRS0003']);

    context.sandbox.settleRefund(paid.id, 'refundRS0003');
    context.advance(2 * MINUTE);
    await context.reconciler.runOnce();
    context.advance(10 * MINUTE);
    await context.reconciler.runOnce();
    const settled = await context.payments.getOrder(paid.id);
    expect(settled).toMatchObject({ status: 'partially_refunded', refundedAmount: 400 });
    expect(settled.refunds).toMatchObject([{ id: 'refundRS0003', status: 'succeeded' }]);
    expect(context.refundsSent).toHaveLength(2);
  });
});
