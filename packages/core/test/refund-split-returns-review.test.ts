/**
 * Split returns within a refund under an attacker's and an operator's review: a failed refund asked
 * again must fit what its receivers hold now, counted together and as recorded; a refund settled by
 * a report that does not say what became of its returns leaves them pending for the query that does.
 * Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import {
  createPayments,
  MemoryOrderStore,
  RefundExceedsUnsplitError,
  SplitExceedsAvailableError,
} from '../src/index.js';
import type { Split } from '../src/money-movement.js';
import { transition } from '../src/order-state-machine.js';
import { returnableAmount, splitHeld, unsplitAmount } from '../src/split-amounts.js';
import { createFakeMovementProvider, rejectionOf } from '../src/testing/index.js';

let clock = Date.parse('2024-05-01T08:00:00.000Z');
const now = () => {
  clock += 1000;
  return new Date(clock);
};

async function splitOrder() {
  const fake = createFakeMovementProvider({ now, instantSplits: true, returnsInRefund: true });
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers: [fake], store, now });
  const { order } = await payments.createPayment({
    provider: 'fake',
    method: 'qr',
    amount: 1000,
    subject: 'Tea',
    split: true,
  });
  await payments.handleNotification('fake', fake.sandbox.pay(order.id));
  await payments.split(order.id, {
    splitId: 'split0001',
    receivers: [
      { type: 'merchant', account: 'shop0001', amount: 300, description: 'c' },
      { type: 'merchant', account: 'guide0001', amount: 200, description: 'g' },
    ],
  });
  return { fake, payments, order };
}

const ret = (returnId: string, account: string, amount: number) => ({
  splitId: 'split0001',
  returnId,
  account,
  amount,
  description: 'r',
});

describe('returns within a failed refund asked again', () => {
  it('does not reopen returns that together exceed what the receiver still holds', async () => {
    const { fake, payments, order } = await splitOrder();
    // shop0001 received 300: R1 takes 150 + 150 back from it, and fails.
    await payments.refund(order.id, {
      refundId: 'refund0001',
      amount: 300,
      splitReturns: [ret('return0001', 'shop0001', 150), ret('return0002', 'shop0001', 150)],
    });
    await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, 'refund0001', { fail: true }));
    // R2 takes 100 back from shop0001 (recorded as the facade records it): it holds 200 now.
    const failed = await payments.getOrder(order.id);
    const r2 = transition(
      failed,
      {
        type: 'refund.requested',
        orderId: order.id,
        refundId: 'refund0002',
        amount: 100,
        splitReturns: [ret('return0003', 'shop0001', 100)],
      },
      now(),
    ).order;
    expect(returnableAmount(r2.splits?.[0] as Split, 'shop0001')).toBe(200);
    // R1 asked again: 150 + 150 = 300 > 200 must be refused.
    const retry = () =>
      transition(
        r2,
        {
          type: 'refund.requested',
          orderId: order.id,
          refundId: 'refund0001',
          amount: 300,
          splitReturns: [ret('return0001', 'shop0001', 150), ret('return0002', 'shop0001', 150)],
        },
        now(),
      );
    // Before the fix: applied; shop0001 gives back 400 of the 300 it received (split holds 100 of 500).
    let held: number | undefined;
    try {
      held = splitHeld(retry().order.splits?.[0] as Split);
    } catch (error) {
      expect(error).toBeInstanceOf(SplitExceedsAvailableError);
    }
    expect(held).toBeUndefined();
  });

  it('checks a retried refund against the returns it was recorded with, not those asked (a return named twice)', async () => {
    const { fake, payments, order } = await splitOrder();
    // R1: 500, of which 200 from shop0001 and 10 from guide0001: 290 from the merchant's 500 unsplit.
    await payments.refund(order.id, {
      refundId: 'refund0001',
      amount: 500,
      splitReturns: [ret('return0001', 'shop0001', 200), ret('return0002', 'guide0001', 10)],
    });
    await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, 'refund0001', { fail: true }));
    // A plain refund of 300: the merchant holds 200 unsplit.
    await payments.refund(order.id, { refundId: 'refund0002', amount: 300 });
    // R1 asked honestly again is refused (290 > 200)...
    const honest = await rejectionOf(
      payments.refund(order.id, {
        refundId: 'refund0001',
        amount: 500,
        splitReturns: [ret('return0001', 'shop0001', 200), ret('return0002', 'guide0001', 10)],
      }),
    );
    expect(honest).toBeInstanceOf(RefundExceedsUnsplitError);
    // ...but naming return0001 twice passes sameRefundReturns and counts 400 from the receivers.
    const current = await payments.getOrder(order.id);
    let unsplit: number | undefined;
    try {
      const retried = transition(
        current,
        {
          type: 'refund.requested',
          orderId: order.id,
          refundId: 'refund0001',
          amount: 500,
          splitReturns: [ret('return0001', 'shop0001', 200), ret('return0001', 'shop0001', 200)],
        },
        now(),
      );
      unsplit = unsplitAmount(retried.order);
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
    }
    // Before the fix: applied, and the merchant's unsplit is -90 (receivers' shares refunded without a return).
    expect(unsplit).toBeUndefined();
  });
});

describe('a refund notification that carries no royalty results', () => {
  it('does not settle the refund returns as taken before the query that reports them (Alipay trade_status_sync with out_biz_no + refund_fee)', async () => {
    const { payments, order } = await splitOrder();
    await payments.refund(order.id, {
      refundId: 'refund0001',
      amount: 500,
      splitReturns: [ret('return0001', 'shop0001', 200), ret('return0002', 'guide0001', 100)],
    });
    const pending = await payments.getOrder(order.id);
    // What verifyAlipayNotification yields for the refund's async notification: no amount, no royalty lines.
    const notified = transition(
      pending,
      { type: 'refund.succeeded', orderId: order.id, refundId: 'refund0001', refundedTotal: 500 },
      now(),
    );
    // The refund query then reports guide0001's line FAIL (refund_royaltys result_code != SUCCESS).
    const queried = transition(
      notified.order,
      {
        type: 'refund.succeeded',
        orderId: order.id,
        refundId: 'refund0001',
        amount: 500,
        refundedTotal: 500,
        failedSplitReturns: [{ returnId: 'return0002', reason: 'FAIL' }],
      },
      now(),
    );
    // Before the fix: the query is a 'duplicate', return0002 stays 'succeeded', no split_return_not_taken.
    expect(queried.order.splits?.[0]?.returns.find((r) => r.id === 'return0002')?.status).toBe('failed');
  });
});
