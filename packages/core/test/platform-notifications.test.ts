/**
 * Isolation between sub-merchants: a verified notification applies only to an order of the
 * sub-merchant the wallet signed into it. Every message below is genuinely signed by the wallet
 * (the fake gateway's key): what is hostile is which order it names.
 */
import { describe, expect, it } from 'vitest';
import { MerchantError, type Order, type PaymentsEventMap } from '../src/index.js';
import { base, platform, SHOP_A } from './platform-support.js';

/** A platform with an order of shop A, listening to what the facade reports. */
async function withOrderOfShopA() {
  const setup = platform();
  const { payments } = setup;
  const rejected: PaymentsEventMap['notification.rejected'][] = [];
  const paid: Order[] = [];
  payments.on('notification.rejected', (event) => {
    rejected.push(event);
  });
  payments.on('order.paid', ({ order }) => {
    paid.push(order);
  });
  const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
  return { ...setup, order, rejected, paid };
}

/** A genuine signed payment notification of the wallet, naming `orderId` for `account`. */
function paymentFor(setup: Awaited<ReturnType<typeof withOrderOfShopA>>, orderId: string, account?: string) {
  const body = {
    id: 'evt0000000001',
    type: 'payment.succeeded',
    order_id: orderId,
    amount: 1999,
    transaction_id: 'txn0000000001',
    ...(account === undefined ? {} : { account }),
  };
  return setup.fake.sandbox.notification(JSON.stringify(body));
}

function expectRefused(result: Awaited<ReturnType<ReturnType<typeof platform>['payments']['handleNotification']>>) {
  expect(result.ok).toBe(false);
  expect(result.response.status).toBe(400);
  expect(MerchantError.isInstance(result.error)).toBe(true);
  return result.error as MerchantError;
}

describe('platform mode: notifications are bound to the order’s merchant', () => {
  it('applies shop A’s notification to shop A’s order', async () => {
    const setup = await withOrderOfShopA();
    const result = await setup.payments.handleNotification('platform', setup.fake.sandbox.pay(setup.order.id));
    expect(result.ok).toBe(true);
    expect(result.order?.status).toBe('paid');
    expect(setup.paid.map((order) => order.merchant)).toEqual(['shop-a']);
  });

  it('refuses shop B’s genuine notification replayed against shop A’s order id, and records it', async () => {
    const setup = await withOrderOfShopA();
    const result = await setup.payments.handleNotification('platform', paymentFor(setup, setup.order.id, 'sub-b'));
    expect(expectRefused(result).code).toBe('merchant_mismatch');
    expect((await setup.payments.getOrder(setup.order.id)).status).toBe('pending');
    expect(setup.paid).toEqual([]);
    expect(setup.rejected).toHaveLength(1);
    expect(setup.rejected[0]?.merchant).toBe('shop-a');
    expect(setup.rejected[0]?.error).toBe(result.error);
  });

  it('refuses shop A’s notification about an order of the provider’s own account', async () => {
    const setup = await withOrderOfShopA();
    const { order: own } = await setup.payments.createPayment({ provider: 'platform', ...base });
    const result = await setup.payments.handleNotification('platform', paymentFor(setup, own.id, 'sub-a'));
    expect(expectRefused(result).code).toBe('merchant_mismatch');
    expect((await setup.payments.getOrder(own.id)).status).toBe('pending');
    expect(setup.rejected[0]?.merchant).toBeUndefined();
  });

  it('refuses a notification without a sub-merchant (direct mode) about a merchant’s order', async () => {
    const setup = await withOrderOfShopA();
    const result = await setup.payments.handleNotification('platform', paymentFor(setup, setup.order.id));
    expect(expectRefused(result).code).toBe('merchant_mismatch');
    expect((await setup.payments.getOrder(setup.order.id)).status).toBe('pending');
  });

  it('refuses every notification of a merchant the platform disabled, then applies it once re-enabled', async () => {
    const setup = await withOrderOfShopA();
    const notification = setup.fake.sandbox.pay(setup.order.id);
    await setup.payments.merchants?.put({ ...SHOP_A, enabled: false });
    const result = await setup.payments.handleNotification('platform', notification);
    expect(expectRefused(result).code).toBe('merchant_disabled');
    expect((await setup.payments.getOrder(setup.order.id)).status).toBe('pending');
    await setup.payments.merchants?.put(SHOP_A);
    // The wallet delivers it again: now it applies.
    expect((await setup.payments.handleNotification('platform', notification)).order?.status).toBe('paid');
  });

  it('refuses a notification for the order’s merchant under another account id (re-onboarded elsewhere)', async () => {
    const setup = await withOrderOfShopA();
    await setup.payments.merchants?.put({ ...SHOP_A, accountId: 'sub-a-new' });
    const result = await setup.payments.handleNotification('platform', setup.fake.sandbox.pay(setup.order.id));
    expect(expectRefused(result).code).toBe('merchant_mismatch');
  });

  it('answers the refusal 400 through the webhook handler too', async () => {
    const setup = await withOrderOfShopA();
    const input = paymentFor(setup, setup.order.id, 'sub-b');
    const response = await setup.payments.webhookHandler('platform')(
      new Request('https://shop.example/webhooks/platform', {
        method: 'POST',
        headers: input.headers as Record<string, string>,
        body: input.body as string,
      }),
    );
    expect(response.status).toBe(400);
    expect((await setup.payments.getOrder(setup.order.id)).status).toBe('pending');
  });

  it('keeps applying direct notifications to direct orders', async () => {
    const setup = await withOrderOfShopA();
    const { order } = await setup.payments.createPayment({ provider: 'direct', ...base });
    const result = await setup.payments.handleNotification('direct', setup.direct.sandbox.pay(order.id));
    expect(result.ok && result.order.status).toBe('paid');
    expect(setup.rejected).toEqual([]);
  });

  it('binds refund notifications as well', async () => {
    const setup = await withOrderOfShopA();
    await setup.payments.handleNotification('platform', setup.fake.sandbox.pay(setup.order.id));
    await setup.payments.refund(setup.order.id, { refundId: 'refund0001', amount: 100 });
    const forged = setup.fake.sandbox.notification(
      JSON.stringify({
        id: 'evt0000000002',
        type: 'refund.succeeded',
        order_id: setup.order.id,
        refund_id: 'refund0001',
        amount: 100,
        provider_refund_id: 'rf0001',
        account: 'sub-b',
      }),
    );
    expect(expectRefused(await setup.payments.handleNotification('platform', forged)).code).toBe('merchant_mismatch');
    expect((await setup.payments.getOrder(setup.order.id)).refunds[0]?.status).toBe('pending');
    const genuine = setup.fake.sandbox.settleRefund(setup.order.id, 'refund0001');
    expect((await setup.payments.handleNotification('platform', genuine)).order?.refunds[0]?.status).toBe('succeeded');
  });
});
