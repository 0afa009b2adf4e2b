/**
 * Split returns within a refund (退分账) on Alipay, through the facade and the sandbox: a web, wap
 * or app payment's refund takes part of its amount back from the receivers with
 * `refund_royalty_parameters`, recorded on their splits and settled with the refund; a face-to-face
 * payment's is refused before anything is recorded (Alipay returns its royalty by ratio); the
 * sandbox refuses what Alipay refuses; a lost refund is sent again with the same returns; and the
 * refund query's `refund_royaltys` is bound to the returns asked.
 */
import {
  createPayments,
  MemoryOrderStore,
  type Order,
  ProviderApiError,
  SplitExceedsAvailableError,
  UnexpectedResponseError,
  UnsupportedOperationError,
} from '@hutong/core';
import type { RefundRequest } from '@hutong/core/provider-utils';
import { rejectionOf, sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

const PLATFORM = '2088101126765726';
const GUIDE = '2088101126708402';
const STRANGER = '2088101126700000';

/** A facade on the sandbox, receivers bound, and an order paid by `method` for splitting and split 3000 + 1000 fen. */
async function splitOrder(method: 'page' | 'h5' | 'app' | 'qr' = 'page', amount = 10000) {
  const context = sandboxed();
  const store = new MemoryOrderStore();
  const payments = createPayments({
    providers: [context.provider],
    store,
    notifyUrl: 'https://shop.example/alipay',
  });
  await context.provider.bindRoyaltyRelation({
    requestId: 'bind0001',
    receivers: [{ account: PLATFORM }, { account: GUIDE }],
  });
  const returned: string[] = [];
  payments.on('split.returned', ({ splitReturn }) => void returned.push(splitReturn.id));
  const { order, action } = await payments.createPayment({
    provider: 'alipay',
    method,
    amount,
    subject: '龙井',
    split: true,
    ...(method === 'page' || method === 'h5' ? { returnUrl: 'https://shop.example/paid' } : {}),
  });
  if (method !== 'qr') context.sandbox.open(action);
  await payments.handleNotification('alipay', context.sandbox.pay(order.id));
  const split = await payments.split(order.id, {
    splitId: 'split0001',
    receivers: [
      { type: 'merchant', account: PLATFORM, amount: 3000, description: '平台佣金' },
      { type: 'merchant', account: GUIDE, amount: 1000, description: '导游分成' },
    ],
  });
  expect(split.status).toBe('succeeded');
  const refundRequests = () =>
    context.requests
      .map((r) => Object.fromEntries(new URLSearchParams(`${new URL(r.url).search.slice(1)}&${r.body}`)))
      .filter((params) => params.method === 'alipay.trade.refund')
      .map((params) => JSON.parse(params.biz_content ?? '{}') as Record<string, unknown>);
  return { ...context, payments, store, orderId: order.id, returned, refundRequests };
}

const back = (amount: number, account = PLATFORM, returnId = 'return0001') => ({
  splitId: 'split0001',
  returnId,
  account,
  amount,
  description: '退款退分账',
});

describe('a refund with split returns on a web payment', () => {
  it('sends refund_royalty_parameters, succeeds, and settles the return with it: split.returned once', async () => {
    const c = await splitOrder('page');
    const { refund, order } = await c.payments.refund(c.orderId, {
      refundId: 'refund0001',
      amount: 5000,
      splitReturns: [back(1200), back(300, GUIDE, 'return0002')],
    });
    expect(refund.status).toBe('succeeded');
    expect(c.refundRequests()).toEqual([
      {
        out_trade_no: c.orderId,
        refund_amount: '50.00',
        out_request_no: 'refund0001',
        refund_royalty_parameters: [
          {
            royalty_type: 'transfer',
            trans_out_type: 'userId',
            trans_out: PLATFORM,
            amount: '12.00',
            desc: '退款退分账',
          },
          { royalty_type: 'transfer', trans_out_type: 'userId', trans_out: GUIDE, amount: '3.00', desc: '退款退分账' },
        ],
      },
    ]);
    const returns = order.splits?.[0]?.returns ?? [];
    expect(returns.map((r) => [r.id, r.status, r.refundId])).toEqual([
      ['return0001', 'succeeded', 'refund0001'],
      ['return0002', 'succeeded', 'refund0001'],
    ]);
    // The query reported the royalty part, bound to these receivers and amounts.
    const query = JSON.parse(c.lastReply('alipay.trade.fastpay.refund.query'))
      .alipay_trade_fastpay_refund_query_response as Record<string, unknown>;
    expect(query.refund_royaltys).toEqual([
      { refund_amount: '12.00', royalty_type: 'transfer', result_code: 'SUCCESS', trans_out: PLATFORM },
      { refund_amount: '3.00', royalty_type: 'transfer', result_code: 'SUCCESS', trans_out: GUIDE },
    ]);
    await c.payments.sync(c.orderId);
    expect(c.returned).toEqual(['return0001', 'return0002']);
    // The merchant funded 5000 - 1500 of the refund: 10000 - 4000 split - 3500 is left to settle.
    expect(await c.provider.unsettledAmount({ orderId: c.orderId, order, requestId: 'q1' })).toBe(2500);
    // The royalty moved back: the receiver can give back only what it still holds (3000 - 1200).
    const more = await rejectionOf(
      c.provider.refund({
        orderId: c.orderId,
        order: await c.payments.getOrder(c.orderId),
        refundId: 'refund0002',
        amount: 2000,
        reason: null,
        splitReturns: [{ ...back(1801), returnId: 'return0003' }],
      }),
    );
    expect(ProviderApiError.isInstance(more) && more.providerCode).toBe('ACQ.ALLOC_AMOUNT_VALIDATE_ERROR');
  });

  it('is taken for wap and app payments too, and a refund without returns sends no refund_royalty_parameters', async () => {
    for (const method of ['h5', 'app'] as const) {
      const c = await splitOrder(method);
      const { refund } = await c.payments.refund(c.orderId, {
        refundId: 'refund0001',
        amount: 500,
        splitReturns: [back(500)],
      });
      expect(refund.status).toBe('succeeded');
      const plain = await c.payments.refund(c.orderId, { refundId: 'refund0002', amount: 100 });
      expect(plain.refund.status).toBe('succeeded');
      expect(c.refundRequests()[1]).not.toHaveProperty('refund_royalty_parameters');
      expect(c.returned).toEqual(['return0001']);
    }
  });
});

describe('refused before anything is recorded', () => {
  it('a return beyond what the receiver got: core refuses, no request is sent', async () => {
    const c = await splitOrder('page');
    const error = await rejectionOf(
      c.payments.refund(c.orderId, { refundId: 'refund0001', amount: 5000, splitReturns: [back(3001)] }),
    );
    expect(SplitExceedsAvailableError.isInstance(error)).toBe(true);
    const order = await c.payments.getOrder(c.orderId);
    expect(order.refunds).toEqual([]);
    expect(order.splits?.[0]?.returns).toEqual([]);
    expect(c.refundRequests()).toEqual([]);
  });

  it('a face-to-face (qr) payment: UnsupportedOperationError from validateRefund, nothing recorded or sent', async () => {
    const c = await splitOrder('qr');
    const error = await rejectionOf(
      c.payments.refund(c.orderId, { refundId: 'refund0001', amount: 500, splitReturns: [back(500)] }),
    );
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('qr payment');
    const order = await c.payments.getOrder(c.orderId);
    expect(order.refunds).toEqual([]);
    expect(order.splits?.[0]?.returns).toEqual([]);
    expect(c.refundRequests()).toEqual([]);
    // Its plain refund goes on as before.
    expect((await c.payments.refund(c.orderId, { refundId: 'refund0002', amount: 500 })).refund.status).toBe(
      'succeeded',
    );
  });

  it('validateRefund: page, h5 and app take returns; qr, pos and jsapi do not; no returns, any method', () => {
    const { provider } = sandboxed();
    const request = (method: Order['method'], splitReturns?: RefundRequest['splitReturns']): RefundRequest => ({
      orderId: 'o1',
      order: sampleOrder({ id: 'o1', method, status: 'paid' }),
      refundId: 'r1',
      amount: 500,
      reason: null,
      ...(splitReturns ? { splitReturns } : {}),
    });
    for (const method of ['page', 'h5', 'app'] as const)
      expect(() => provider.validateRefund(request(method, [back(1)]))).not.toThrow();
    for (const method of ['qr', 'pos', 'jsapi'] as const) {
      expect(() => provider.validateRefund(request(method, [back(1)]))).toThrow(UnsupportedOperationError);
      expect(() => provider.validateRefund(request(method))).not.toThrow();
      expect(() => provider.validateRefund(request(method, []))).not.toThrow();
    }
  });

  it('payments.returnSplit stays unsupported, pointing to the refund', async () => {
    const c = await splitOrder('page');
    const error = await rejectionOf(c.payments.returnSplit(c.orderId, back(100)));
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('receivers give back within a refund');
    expect((await c.payments.getOrder(c.orderId)).splits?.[0]?.returns).toEqual([]);
  });
});

describe('the sandbox refuses what Alipay refuses (requests sent directly)', () => {
  async function direct(method: 'page' | 'qr' = 'page') {
    const c = await splitOrder(method);
    const order = await c.payments.getOrder(c.orderId);
    const send = (refundId: string, amount: number, splitReturns: RefundRequest['splitReturns']) =>
      rejectionOf(
        c.provider.refund({
          orderId: c.orderId,
          // The provider's own check passes (a page order); the sandbox knows the trade's product.
          order: { ...order, method: 'page' },
          refundId,
          amount,
          reason: null,
          splitReturns,
        }),
      );
    return { ...c, send };
  }
  const codeOf = (error: unknown) => (ProviderApiError.isInstance(error) ? error.providerCode : error);

  it('more than the receiver got, a receiver the trade never paid, more than the refund: ACQ.ALLOC_AMOUNT_VALIDATE_ERROR', async () => {
    const c = await direct();
    expect(codeOf(await c.send('refund0001', 5000, [back(3001)]))).toBe('ACQ.ALLOC_AMOUNT_VALIDATE_ERROR');
    expect(codeOf(await c.send('refund0002', 5000, [back(100, STRANGER)]))).toBe('ACQ.ALLOC_AMOUNT_VALIDATE_ERROR');
    expect(codeOf(await c.send('refund0003', 500, [back(400), back(200, GUIDE, 'return0002')]))).toBe(
      'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR',
    );
    // Nothing was refunded: what is left to settle is untouched (10000 paid, 4000 split).
    expect(
      await c.provider.unsettledAmount({
        orderId: c.orderId,
        order: await c.payments.getOrder(c.orderId),
        requestId: 'q1',
      }),
    ).toBe(6000);
  });

  it('named returns on a face-to-face trade: ACQ.INVALID_PARAMETER (assumed code)', async () => {
    const c = await direct('qr');
    expect(codeOf(await c.send('refund0001', 500, [back(500)]))).toBe('ACQ.INVALID_PARAMETER');
  });
});

describe('a lost refund sent again', () => {
  it('the reconciler resend carries the same refund_royalty_parameters', async () => {
    const c = await splitOrder('page');
    // The first request never reaches Alipay; the shop sees a broken reply.
    c.serveNext('<html>gateway timeout</html>', 'alipay.trade.refund', { forward: false });
    await rejectionOf(
      c.payments.refund(c.orderId, { refundId: 'refund0001', amount: 5000, splitReturns: [back(1200)] }),
    );
    const pending = await c.payments.getOrder(c.orderId);
    expect(pending.refunds[0]?.status).toBe('pending');
    expect(pending.splits?.[0]?.returns[0]?.status).toBe('pending');
    const synced = await c.payments.sync(c.orderId, { resendRefundsAfterMs: 0 });
    expect(synced.refunds[0]?.status).toBe('succeeded');
    expect(synced.splits?.[0]?.returns[0]?.status).toBe('succeeded');
    const [first, again] = c.refundRequests();
    expect(again).toEqual(first);
    expect(first?.refund_royalty_parameters).toEqual([
      { royalty_type: 'transfer', trans_out_type: 'userId', trans_out: PLATFORM, amount: '12.00', desc: '退款退分账' },
    ]);
    expect(c.returned).toEqual(['return0001']);
  });
});

describe('the refund query binds refund_royaltys to the returns asked', () => {
  async function refundedWith(edit: (line: Record<string, unknown>) => Record<string, unknown>) {
    const c = await splitOrder('page');
    c.sandbox.alterNextReply('alipay.trade.fastpay.refund.query', (node) => ({
      ...node,
      refund_royaltys: (node.refund_royaltys as Record<string, unknown>[]).map(edit),
    }));
    const error = await rejectionOf(
      c.payments.refund(c.orderId, { refundId: 'refund0001', amount: 5000, splitReturns: [back(1200)] }),
    );
    return { c, error, order: await c.payments.getOrder(c.orderId) };
  }

  it.each([
    ['another receiver', (line: Record<string, unknown>) => ({ ...line, trans_out: GUIDE }), 'mismatch'],
    ['another amount', (line: Record<string, unknown>) => ({ ...line, refund_amount: '12.01' }), 'mismatch'],
  ])('%s: the refund and its return stay pending, never returned', async (_what, edit, reason) => {
    const { c, error, order } = await refundedWith(edit);
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe(reason);
    expect(order.refunds[0]?.status).toBe('pending');
    expect(order.splits?.[0]?.returns[0]?.status).toBe('pending');
    expect(c.returned).toEqual([]);
    // The genuine reply settles it.
    expect((await c.payments.sync(c.orderId)).splits?.[0]?.returns[0]?.status).toBe('succeeded');
    expect(c.returned).toEqual(['return0001']);
  });

  it('its royalty part not taken while the refund succeeded: that return fails, and the order records the anomaly', async () => {
    const { c, error, order } = await refundedWith((line) => ({ ...line, result_code: 'FAIL' }));
    expect(error).toBeUndefined();
    expect(order.refunds[0]?.status).toBe('succeeded');
    expect(order.splits?.[0]?.returns[0]).toMatchObject({ status: 'failed', failReason: 'FAIL' });
    expect(order.anomalies).toEqual([expect.objectContaining({ code: 'split_return_not_taken', amount: 1200 })]);
    expect(c.returned).toEqual([]);
  });

  it('takes a receiver Alipay masks (208810****765726)', async () => {
    const { error, order } = await refundedWith((line) => ({ ...line, trans_out: '208810****765726' }));
    expect(error).toBeUndefined();
    expect(order.splits?.[0]?.returns[0]?.status).toBe('succeeded');
  });
});
