/**
 * Issue 10 for Alipay: every signed reply is bound to the request that caused it, a reply that
 * cannot be read is an unknown outcome (never a refusal), notifications carry their currency, and
 * inputs the wallet cannot use are refused before anything is stored.
 */
import {
  createPayments,
  MemoryOrderStore,
  type Order,
  OrderNotFoundError,
  ProviderApiError,
  SignatureVerificationError,
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
    notifyUrl: 'https://shop.example/webhooks/alipay',
  });
  return { ...context, payments, store };
}

type Facade = ReturnType<typeof facade>;

async function paidOrder({ payments, sandbox }: Facade, amount = 1000): Promise<Order> {
  const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount, subject: 'x' });
  const result = await payments.handleNotification('alipay', sandbox.pay(order.id));
  expect(result.ok, String(result.error)).toBe(true);
  return payments.getOrder(order.id);
}

function expectUnexpected(error: unknown, reason: 'malformed' | 'mismatch', field?: string) {
  expect(UnexpectedResponseError.isInstance(error), String(error)).toBe(true);
  expect((error as UnexpectedResponseError).reason).toBe(reason);
  expect((error as UnexpectedResponseError).provider).toBe('alipay');
  if (field !== undefined) expect((error as UnexpectedResponseError).field).toBe(field);
}

describe('replies are bound to the request (issue 10.1)', () => {
  it('refuses a genuine precreate reply for order A as the answer about order B; B stays created', async () => {
    const context = facade();
    const { payments } = context;
    await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 100, subject: 'A' });
    context.serveNext(context.lastReply('alipay.trade.precreate'));
    const error = await rejectionOf(
      payments.createPayment({ provider: 'alipay', method: 'qr', amount: 100, subject: 'B', orderId: 'orderB00001' }),
    );
    expectUnexpected(error, 'mismatch', 'response.out_trade_no');
    expect((await payments.getOrder('orderB00001')).status).toBe('created');
  });

  it('does not mark B paid from a genuine query reply about paid order A', async () => {
    const context = facade();
    const a = await paidOrder(context, 500);
    await context.payments.sync(a.id);
    const { order: b } = await context.payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 500,
      subject: 'B',
    });
    context.serveNext(context.lastReply('alipay.trade.query'));
    expectUnexpected(await rejectionOf(context.payments.sync(b.id)), 'mismatch', 'response.out_trade_no');
    expect((await context.payments.getOrder(b.id)).status).toBe('pending');
  });

  it('does not mark an order paid from a query reply naming another trade_no than the one recorded', async () => {
    const context = facade();
    const order = await paidOrder(context, 500);
    expect(order.providerTransactionId).toBeTruthy();
    context.sandbox.alterNextReply('alipay.trade.query', (node) => ({ ...node, trade_no: '2024000000000000000001' }));
    expectUnexpected(await rejectionOf(context.payments.sync(order.id)), 'mismatch', 'response.trade_no');
    expect((await context.payments.getOrder(order.id)).providerTransactionId).toBe(order.providerTransactionId);
  });

  it("does not record B's refund from a genuine refund reply about order A", async () => {
    const context = facade();
    const a = await paidOrder(context);
    await context.payments.refund(a.id, { amount: 100, refundId: 'refundA0001' });
    const b = await paidOrder(context);
    context.serveNext(context.lastReply('alipay.trade.refund'));
    const error = await rejectionOf(context.payments.refund(b.id, { amount: 100, refundId: 'refundB0001' }));
    expectUnexpected(error, 'mismatch', 'response.out_trade_no');
    const stored = await context.payments.getOrder(b.id);
    expect(stored.refunds.find((r) => r.id === 'refundB0001')?.status).toBe('pending');
    expect(stored.refundedAmount).toBe(0);
  });

  it('does not take the reply of an earlier refund of the same order as the answer to a new one', async () => {
    const context = facade();
    const order = await paidOrder(context);
    await context.payments.refund(order.id, { amount: 100, refundId: 'refund00001' });
    context.serveNext(context.lastReply('alipay.trade.refund'));
    const error = await rejectionOf(context.payments.refund(order.id, { amount: 200, refundId: 'refund00002' }));
    expectUnexpected(error, 'mismatch', 'response.refund_fee');
    const stored = await context.payments.getOrder(order.id);
    expect(stored.refunds.find((r) => r.id === 'refund00002')?.status).toBe('pending');
    expect(stored.refundedAmount).toBe(100);
  });

  it('refuses a genuine refund reply value renamed to the query node (Alipay signs only the value)', async () => {
    const context = facade();
    const order = await paidOrder(context);
    await context.payments.refund(order.id, { amount: 1000, refundId: 'refund00001' });
    const renamed = context
      .lastReply('alipay.trade.refund')
      .replace('"alipay_trade_refund_response"', '"alipay_trade_query_response"');
    context.serveNext(renamed);
    expectUnexpected(await rejectionOf(context.payments.sync(order.id)), 'mismatch');
    expect((await context.payments.getOrder(order.id)).status).toBe('refunded');
  });

  it('does not close a paid order on a genuine query reply renamed to the close node', async () => {
    const context = facade();
    const { order } = await context.payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    context.sandbox.pay(order.id); // paid; the notification is lost
    await context.provider.queryPayment?.({ orderId: order.id, order });
    const renamed = context
      .lastReply('alipay.trade.query')
      .replace('"alipay_trade_query_response"', '"alipay_trade_close_response"');
    context.serveNext(renamed);
    expectUnexpected(await rejectionOf(context.payments.close(order.id)), 'mismatch');
    expect((await context.payments.getOrder(order.id)).status).toBe('pending');
  });

  it('refuses a pos reply about another order; the order is neither failed nor paid', async () => {
    const context = facade();
    await context.payments.createPayment({
      provider: 'alipay',
      method: 'pos',
      amount: 500,
      subject: 'A',
      authCode: '285123456789012345',
    });
    context.serveNext(context.lastReply('alipay.trade.pay'));
    const error = await rejectionOf(
      context.payments.createPayment({
        provider: 'alipay',
        method: 'pos',
        amount: 500,
        subject: 'B',
        authCode: '285123456789012346',
        orderId: 'posB0000001',
      }),
    );
    expectUnexpected(error, 'mismatch', 'response.out_trade_no');
    expect((await context.payments.getOrder('posB0000001')).status).toBe('created');
  });

  it("does not fail B's refund on a signed business error about order A", async () => {
    const context = facade();
    const b = await paidOrder(context);
    context.sandbox.alterNextReply('alipay.trade.refund', () => ({
      code: '40004',
      msg: 'Business Failed',
      sub_code: 'ACQ.TRADE_NOT_ALLOW_REFUND',
      sub_msg: '当前交易不允许退款',
      out_trade_no: 'orderA000001',
    }));
    const error = await rejectionOf(context.payments.refund(b.id, { amount: 100, refundId: 'refundB0001' }));
    expectUnexpected(error, 'mismatch', 'response.out_trade_no');
    expect((await context.payments.getOrder(b.id)).refunds[0]?.status).toBe('pending');
  });

  it('does not settle a pending refund from the refund query reply of another refund (out_request_no)', async () => {
    const context = facade();
    const order = await paidOrder(context);
    await context.payments.refund(order.id, { amount: 100, refundId: 'refund00001' });
    await context.provider.queryRefund?.({ orderId: order.id, order, refundId: 'refund00001' });
    const other = context.lastReply('alipay.trade.fastpay.refund.query');
    // the second refund's reply is lost: it stays pending
    context.serveNext('<html>502 Bad Gateway</html>', 'alipay.trade.refund');
    await rejectionOf(context.payments.refund(order.id, { amount: 300, refundId: 'refund00002' }));
    expect((await context.payments.getOrder(order.id)).refunds[1]?.status).toBe('pending');
    context.serveNext(other, 'alipay.trade.fastpay.refund.query');
    expectUnexpected(await rejectionOf(context.payments.sync(order.id)), 'mismatch', 'response.out_request_no');
    const stored = await context.payments.getOrder(order.id);
    expect(stored.refunds[1]?.status).toBe('pending');
    expect(stored.refundedAmount).toBe(100);
  });
});

describe('a reply that cannot be read is an unknown outcome (issue 10.2)', () => {
  it('precreate without qr_code: UnexpectedResponseError, the order is not failed', async () => {
    const context = facade();
    context.sandbox.alterNextReply('alipay.trade.precreate', ({ qr_code: _qr, ...node }) => node);
    const error = await rejectionOf(
      context.payments.createPayment({
        provider: 'alipay',
        method: 'qr',
        amount: 1,
        subject: 'x',
        orderId: 'noqr000001',
      }),
    );
    expectUnexpected(error, 'malformed', 'response.qr_code');
    expect((await context.payments.getOrder('noqr000001')).status).toBe('created');
  });

  it('pos without total_amount: the order is not failed', async () => {
    const context = facade();
    context.sandbox.alterNextReply('alipay.trade.pay', ({ total_amount: _amount, ...node }) => node);
    const error = await rejectionOf(
      context.payments.createPayment({
        provider: 'alipay',
        method: 'pos',
        amount: 500,
        subject: 'x',
        authCode: '285123456789012345',
        orderId: 'posnoamount1',
      }),
    );
    expectUnexpected(error, 'malformed', 'response.total_amount');
    expect((await context.payments.getOrder('posnoamount1')).status).toBe('created');
  });

  it('a refund reply with an unreadable refund_fee leaves the refund pending, never failed', async () => {
    const context = facade();
    const order = await paidOrder(context);
    context.sandbox.alterNextReply('alipay.trade.refund', (node) => ({ ...node, refund_fee: 'lots' }));
    const error = await rejectionOf(context.payments.refund(order.id, { amount: 100, refundId: 'refund00001' }));
    expectUnexpected(error, 'malformed', 'response.refund_fee');
    expect((await context.payments.getOrder(order.id)).refunds[0]?.status).toBe('pending');
  });

  it('an unknown trade_status or refund_status is UnexpectedResponseError and changes nothing', async () => {
    const context = facade();
    const order = await paidOrder(context);
    context.sandbox.alterNextReply('alipay.trade.query', (node) => ({ ...node, trade_status: 'TRADE_PAUSED' }));
    expectUnexpected(await rejectionOf(context.payments.sync(order.id)), 'malformed', 'response.trade_status');
    context.sandbox.alterNextReply('alipay.trade.refund', (node) => ({ ...node, refund_fee: undefined }));
    await rejectionOf(context.payments.refund(order.id, { amount: 100, refundId: 'refund00001' }));
    context.sandbox.alterNextReply('alipay.trade.fastpay.refund.query', (node) => ({
      ...node,
      refund_status: 'REFUND_MAYBE',
    }));
    expectUnexpected(await rejectionOf(context.payments.sync(order.id)), 'malformed', 'response.refund_status');
    const stored = await context.payments.getOrder(order.id);
    expect(stored.status).toBe('paid');
    expect(stored.refunds[0]?.status).toBe('pending');
  });

  it.each([
    ['a sign that is not a string', (text: string) => text.replace(/"sign":"[^"]+"/, '"sign":12')],
    ['a sign that is not base64', (text: string) => text.replace(/"sign":"[^"]+"/, '"sign":"not*base64!"')],
    ['a sign that is not JSON', (text: string) => text.replace(/"sign":"[^"]+"/, '"sign":abc')],
    ['a body that is not JSON', () => '<html>502 Bad Gateway</html>'],
    ['two nodes of the same name', (text: string) => text.replace('{', '{"alipay_trade_precreate_response":{},')],
  ])('%s: UnexpectedResponseError, the order stays created', async (_label, rewrite) => {
    const context = facade({ rewrite });
    const error = await rejectionOf(
      context.payments.createPayment({
        provider: 'alipay',
        method: 'qr',
        amount: 1,
        subject: 'x',
        orderId: 'badsign0001',
      }),
    );
    expectUnexpected(error, 'malformed');
    expect((await context.payments.getOrder('badsign0001')).status).toBe('created');
  });

  it('still refuses a well-formed sign that does not verify as a signature failure', async () => {
    const context = facade({ rewrite: (text) => text.replace(/"sign":"[A-Za-z0-9+/]{8}/, '"sign":"AAAAAAAA') });
    const error = await rejectionOf(
      context.payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x' }),
    );
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
  });
});

describe('currency (issue 10.5)', () => {
  it('a genuine signed notification in USD does not mark the CNY order paid', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1999, subject: 'x' });
    const result = await payments.handleNotification('alipay', sandbox.pay(order.id, { currency: 'USD' }));
    expect(result.event).toMatchObject({ type: 'payment.succeeded', currency: 'USD' });
    expect((await payments.getOrder(order.id)).status).not.toBe('paid');
  });

  it('a query reply priced in USD does not mark the order paid; CNY does', async () => {
    const context = facade();
    const { order } = await context.payments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 1999,
      subject: 'x',
    });
    context.sandbox.pay(order.id);
    context.sandbox.alterNextReply('alipay.trade.query', (node) => ({ ...node, trans_currency: 'USD' }));
    expect((await context.payments.sync(order.id)).status).not.toBe('paid');
    context.sandbox.alterNextReply('alipay.trade.query', (node) => ({ ...node, trans_currency: 'CNY' }));
    expect((await context.payments.sync(order.id)).status).toBe('paid');
  });
});

describe('inputs refused before anything is stored (issues 10.12, 11.3, 11.7)', () => {
  it.each([['javascript:alert(1)'], ['data:text/html,hi'], ['ftp://shop.example/cart']])(
    'refuses quitUrl %s',
    async (quitUrl) => {
      const { payments, store } = facade();
      const error = await rejectionOf(
        payments.createPayment({
          provider: 'alipay',
          method: 'h5',
          amount: 1,
          subject: 'x',
          providerOptions: { quitUrl },
        }),
      );
      expect(ValidationError.isInstance(error) && error.field).toBe('providerOptions.quitUrl');
      expect(store.size).toBe(0);
    },
  );

  it('refuses an unknown providerOptions key, naming it, and stores nothing', async () => {
    const { payments, store } = facade();
    const error = await rejectionOf(
      payments.createPayment({
        provider: 'alipay',
        method: 'qr',
        amount: 1,
        subject: 'x',
        // @ts-expect-error: a misspelt option is a compile error too
        providerOptions: { instalments: { count: 6 } },
      }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('providerOptions.instalments');
    expect(store.size).toBe(0);
  });

  it('refuses a payment without any notify URL unless notifications are declined explicitly', async () => {
    const context = sandboxed();
    const store = new MemoryOrderStore();
    const payments = createPayments({ providers: [context.provider], store });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x', orderId: 'nonotify001' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('notifyUrl');
    expect(OrderNotFoundError.isInstance(await rejectionOf(payments.getOrder('nonotify001')))).toBe(true);

    const declined = sandboxed({ requireNotifyUrl: false });
    const quiet = createPayments({ providers: [declined.provider] });
    const { action } = await quiet.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x' });
    expect(action.type).toBe('qr');
    expect(declined.lastRequest().params.notify_url).toBeUndefined();
  });

  it('refuses jsapi without a buyer id before storing anything', async () => {
    const { payments, store } = facade();
    const error = await rejectionOf(
      payments.createPayment({ provider: 'alipay', method: 'jsapi', amount: 1, subject: 'x' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('buyerId');
    expect(store.size).toBe(0);
  });
});

describe('notification replies (issue 10.13)', () => {
  it('answers 400 for an order this shop does not know and 500 when the store fails', async () => {
    const context = sandboxed();
    const store = new MemoryOrderStore();
    const payments = createPayments({ providers: [context.provider], store, notifyUrl: 'https://shop.example/n' });
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 100, subject: 'x' });
    const notification = context.sandbox.pay(order.id);

    const elsewhere = createPayments({ providers: [context.provider], notifyUrl: 'https://shop.example/n' });
    const unknown = await elsewhere.handleNotification('alipay', notification);
    expect(unknown.ok).toBe(false);
    expect(unknown.response.status).toBe(400);

    store.get = async () => {
      throw new Error('connection refused');
    };
    const outage = await payments.handleNotification('alipay', notification);
    expect(outage.ok).toBe(false);
    expect(outage.response.status).toBe(500);
    expect(outage.response.body).not.toBe('success');
  });
});

describe('refund replies, which name no refund, are confirmed by the refund itself (review)', () => {
  it('does not record a refund from the genuine reply of another, pending refund', async () => {
    const context = facade();
    const { payments, sandbox } = context;
    const order = await paidOrder(context, 100);
    // R1 reaches Alipay, but its reply is lost on the way back: R1 stays pending.
    context.serveNext('<html>502 Bad Gateway</html>', 'alipay.trade.refund');
    await rejectionOf(payments.refund(order.id, { amount: 30, refundId: 'refundR1001' }));
    const r1Reply = context.lastReply('alipay.trade.refund');
    // R2 never reaches Alipay; R1's genuine reply comes back as its answer.
    context.serveNext(r1Reply, 'alipay.trade.refund', { forward: false });
    await rejectionOf(payments.refund(order.id, { amount: 30, refundId: 'refundR2001' })).catch(() => undefined);
    const after = await payments.getOrder(order.id);
    expect(after.refunds.find((r) => r.id === 'refundR2001')?.status).not.toBe('succeeded');
    expect(after.refundedAmount).toBe(0);
    expect(Object.fromEntries(sandbox.trade(order.id)?.refunds ?? [])).toEqual({ refundR1001: 30 });
    // Sync records R1; R2, which Alipay never received, is reported unknown (not_found)...
    const unknown = await rejectionOf(payments.sync(order.id));
    expect(ProviderApiError.isInstance(unknown) && unknown.normalizedCode).toBe('not_found');
    expect((await payments.getOrder(order.id)).refundedAmount).toBe(30);
    // ...so the reconciler's sync sends it again under the same out_request_no, once.
    const resent = await payments.sync(order.id, { resendRefundsAfterMs: 0 });
    expect(resent.refundedAmount).toBe(60);
    expect(Object.fromEntries(sandbox.trade(order.id)?.refunds ?? [])).toEqual({ refundR1001: 30, refundR2001: 30 });
  });

  it('does not mark a refund failed from a genuine refusal of another order, when Alipay refunded it', async () => {
    const context = facade();
    const { payments, sandbox } = context;
    const x = await paidOrder(context, 100);
    sandbox.alterNextReply('alipay.trade.refund', () => ({
      code: '40004',
      msg: 'Business Failed',
      sub_code: 'ACQ.TRADE_NOT_ALLOW_REFUND',
      sub_msg: '当前交易不允许退款',
      refund_fee: '0.00',
      send_back_fee: '0.00',
    }));
    await rejectionOf(payments.refund(x.id, { amount: 10, refundId: 'refundX0001' }));
    const refusal = context.lastReply('alipay.trade.refund');
    const y = await paidOrder(context, 100);
    // Alipay refunds Y; the refusal about X comes back as the answer.
    context.serveNext(refusal, 'alipay.trade.refund');
    await rejectionOf(payments.refund(y.id, { amount: 100, refundId: 'refundY0001' })).catch(() => undefined);
    const after = await payments.getOrder(y.id);
    expect(after.refunds.find((r) => r.id === 'refundY0001')?.status).not.toBe('failed');
    expect(Object.fromEntries(sandbox.trade(y.id)?.refunds ?? [])).toEqual({ refundY0001: 100 });
  });
});

describe('pos refusals, which name no order, are checked against the trade (review)', () => {
  const pos = (orderId: string, authCode: string) => ({
    provider: 'alipay' as const,
    method: 'pos' as const,
    amount: 500,
    subject: 'Tea',
    authCode,
    orderId,
  });

  it('the sandbox refuses a payment code that is no Alipay code, and makes no trade', async () => {
    const context = facade();
    const error = await rejectionOf(context.payments.createPayment(pos('posRefused01', '123456789012345678')));
    expect((error as { providerCode?: string }).providerCode).toBe('ACQ.PAYMENT_AUTH_CODE_INVALID');
    expect(context.sandbox.trade('posRefused01')).toBeUndefined();
    // Alipay holds no trade of the order: the refusal stands.
    expect((await context.payments.getOrder('posRefused01')).status).toBe('failed');
  });

  it('does not fail a pos order that Alipay charged on the genuine refusal of another code', async () => {
    const context = facade();
    await rejectionOf(context.payments.createPayment(pos('posRefusedX1', '123456789012345678')));
    const refusal = context.lastReply('alipay.trade.pay');
    // Y's request reaches Alipay, which charges the buyer; X's refusal comes back as the answer.
    context.serveNext(refusal, 'alipay.trade.pay');
    const result = await context.payments.createPayment(pos('posChargedY1', '285123456789012345'));
    expect(context.sandbox.trade('posChargedY1')?.status).toBe('TRADE_SUCCESS');
    expect(result.order.status).toBe('paid');
    expect(result.action).toMatchObject({ type: 'pos', status: 'paid' });
  });

  it("cancels a trade still awaiting the buyer's password on a refusal, so the code cannot be charged later", async () => {
    const context = facade();
    await rejectionOf(context.payments.createPayment(pos('posRefusedX2', '123456789012345678')));
    context.serveNext(context.lastReply('alipay.trade.pay'), 'alipay.trade.pay');
    const error = await rejectionOf(context.payments.createPayment(pos('posWaitingY2', '260000000000000003')));
    expect((error as { providerCode?: string }).providerCode).toBe('ACQ.PAYMENT_AUTH_CODE_INVALID');
    expect(context.sandbox.trade('posWaitingY2')?.status).toBe('TRADE_CLOSED');
    expect((await context.payments.getOrder('posWaitingY2')).status).toBe('failed');
  });

  it("a resumed payment's refusal, which marks nothing failed, is Alipay's own", async () => {
    const context = facade();
    const { order } = await context.payments.createPayment({
      provider: 'alipay',
      method: 'jsapi',
      amount: 500,
      subject: 'Tea',
      buyerId: context.sandbox.buyerId,
    });
    context.sandbox.pay(order.id); // paid at Alipay; the notification is still on its way
    const error = await rejectionOf(context.payments.resume(order.id));
    expect(ProviderApiError.isInstance(error), String(error)).toBe(true);
    expect((error as ProviderApiError).normalizedCode).toBe('already_paid');
  });

  it('leaves the order as it was when the trade query is itself refused', async () => {
    const context = facade();
    await rejectionOf(context.payments.createPayment(pos('posRefusedX4', '123456789012345678')));
    context.serveNext(context.lastReply('alipay.trade.pay'), 'alipay.trade.pay');
    context.sandbox.alterNextReply('alipay.trade.query', () => ({
      code: '40004',
      msg: 'Business Failed',
      sub_code: 'ACQ.INVALID_PARAMETER',
      sub_msg: '参数无效',
    }));
    const error = await rejectionOf(context.payments.createPayment(pos('posUnknownY4', '285123456789012345')));
    expectUnexpected(error, 'mismatch', 'response.sub_code');
    expect(context.sandbox.trade('posUnknownY4')?.status).toBe('TRADE_SUCCESS');
    expect((await context.payments.getOrder('posUnknownY4')).status).toBe('created');
    expect((await context.payments.sync('posUnknownY4')).status).toBe('paid');
  });

  it('leaves a refund as it was when the refund query is itself refused', async () => {
    const context = facade();
    const order = await paidOrder(context, 100);
    context.sandbox.alterNextReply('alipay.trade.refund', () => ({
      code: '40004',
      msg: 'Business Failed',
      sub_code: 'ACQ.TRADE_NOT_ALLOW_REFUND',
      sub_msg: '当前交易不允许退款',
    }));
    context.sandbox.alterNextReply('alipay.trade.fastpay.refund.query', () => ({
      code: '40004',
      msg: 'Business Failed',
      sub_code: 'ACQ.INVALID_PARAMETER',
      sub_msg: '参数无效',
    }));
    await rejectionOf(context.payments.refund(order.id, { amount: 10, refundId: 'refundQ0001' }));
    expect((await context.payments.getOrder(order.id)).refunds[0]?.status).toBe('pending');
  });

  it('leaves the order as it was when the trade query cannot confirm a refusal', async () => {
    const context = facade();
    await rejectionOf(context.payments.createPayment(pos('posRefusedX3', '123456789012345678')));
    context.serveNext(context.lastReply('alipay.trade.pay'), 'alipay.trade.pay', { forward: false });
    context.sandbox.alterNextReply('alipay.trade.query', () => ({
      code: '20000',
      msg: 'Service Currently Unavailable',
      sub_code: 'aop.ACQ.SYSTEM_ERROR',
      sub_msg: '系统繁忙',
    }));
    await rejectionOf(context.payments.createPayment(pos('posUnknownY3', '285123456789012345')));
    expect((await context.payments.getOrder('posUnknownY3')).status).not.toBe('failed');
  });
});
