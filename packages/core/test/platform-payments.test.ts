import { describe, expect, it } from 'vitest';
import {
  createMemoryMerchantDirectory,
  createPayments,
  MemoryOrderStore,
  MerchantError,
  type PaymentsEventMap,
  ValidationError,
} from '../src/index.js';
import { createFakeProvider, rejectionOf } from '../src/testing/index.js';
import { base, NOW, platform, SHOP_A } from './platform-support.js';

function merchantCode(error: unknown): string | undefined {
  return MerchantError.isInstance(error) ? error.code : undefined;
}

describe('platform mode: createPayment({ merchant })', () => {
  it('stores the merchant on the order and sends its account with the create', async () => {
    const { payments, fake, calls } = platform();
    const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
    expect(order.merchant).toBe('shop-a');
    expect((await payments.getOrder(order.id)).merchant).toBe('shop-a');
    expect(calls).toEqual([{ operation: 'createPayment', orderId: order.id, merchant: 'sub-a', hasMerchantKey: true }]);
    expect(fake.sandbox.payment(order.id)?.account).toBe('sub-a');
  });

  it('leaves an order without a merchant exactly as before: no merchant field, none in the request', async () => {
    const { payments, calls } = platform();
    const { order } = await payments.createPayment({ provider: 'platform', ...base });
    expect('merchant' in order).toBe(false);
    expect(calls[0]?.hasMerchantKey).toBe(false);
  });

  it('refuses an unknown, a disabled and a not-enabled merchant before anything is stored or sent', async () => {
    const { payments, store, directory, fake } = platform();
    await directory.put({ ...SHOP_A, merchant: 'shop-off', enabled: false });
    const events: unknown[] = [];
    payments.on('order.created', (event) => {
      events.push(event);
    });
    for (const [merchant, code] of [
      ['shop-z', 'unknown_merchant'],
      ['shop-off', 'merchant_disabled'],
    ] as const) {
      const error = await rejectionOf(payments.createPayment({ provider: 'platform', ...base, merchant }));
      expect(merchantCode(error), merchant).toBe(code);
    }
    const other = createFakeProvider({ id: 'other', merchants: true });
    const withOther = createPayments({ providers: [other], store, merchants: directory });
    const notEnabled = await rejectionOf(withOther.createPayment({ provider: 'other', ...base, merchant: 'shop-a' }));
    expect(merchantCode(notEnabled)).toBe('merchant_not_enabled');
    expect(store.size).toBe(0);
    expect(events).toEqual([]);
    expect(fake.sandbox.calls.createPayment).toBe(0);
  });

  it('refuses a merchant for a provider without platform mode, and without a directory', async () => {
    const { payments, store } = platform();
    const direct = await rejectionOf(payments.createPayment({ provider: 'direct', ...base, merchant: 'shop-a' }));
    expect(merchantCode(direct)).toBe('merchant_unsupported');
    const noDirectory = createPayments({ providers: [createFakeProvider({ merchants: true })], store });
    const error = await rejectionOf(noDirectory.createPayment({ provider: 'fake', ...base, merchant: 'shop-a' }));
    expect(merchantCode(error)).toBe('merchant_unsupported');
    expect(store.size).toBe(0);
  });

  it('refuses a malformed merchant key with ValidationError', async () => {
    const { payments, store } = platform();
    for (const merchant of ['', 'shop a', 'x'.repeat(65)]) {
      const error = await rejectionOf(payments.createPayment({ provider: 'platform', ...base, merchant }));
      expect(ValidationError.isInstance(error) && error.field, JSON.stringify(merchant)).toBe('merchant');
    }
    expect(store.size).toBe(0);
  });

  it('carries the merchant in every event about the order', async () => {
    const { payments, fake } = platform();
    const seen: { type: string; merchant: string | undefined }[] = [];
    for (const type of ['order.created', 'order.pending', 'order.paid', 'order.refunded'] as const) {
      payments.on(type, (event: PaymentsEventMap[typeof type]) => {
        seen.push({ type, merchant: event.order.merchant });
      });
    }
    const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-b' });
    await payments.handleNotification('platform', fake.sandbox.pay(order.id));
    await payments.refund(order.id, { refundId: 'refund0001', amount: 100 });
    await payments.handleNotification('platform', fake.sandbox.settleRefund(order.id, 'refund0001'));
    expect(seen.map((event) => event.type)).toEqual(['order.created', 'order.pending', 'order.paid', 'order.refunded']);
    expect(seen.every((event) => event.merchant === 'shop-b')).toBe(true);
  });
});

describe('platform mode: the order’s merchant in every later call', () => {
  it('sends the account with sync, refund, refund queries, resume and close', async () => {
    const { payments, fake, calls } = platform();
    const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
    await payments.resume(order.id);
    fake.sandbox.pay(order.id); // paid, its notification lost
    expect((await payments.sync(order.id)).status).toBe('paid');
    await payments.refund(order.id, { refundId: 'refund0001', amount: 100 });
    await payments.sync(order.id);
    const second = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
    expect((await payments.close(second.order.id)).status).toBe('closed');
    expect(calls.map((call) => `${call.operation}:${call.merchant}`)).toEqual([
      'createPayment:sub-a',
      'resumePayment:sub-a',
      'queryPayment:sub-a',
      'refund:sub-a',
      'queryPayment:sub-a',
      'queryRefund:sub-a',
      'createPayment:sub-a',
      'closePayment:sub-a',
    ]);
  });

  it('refuses a refund or a resume asked for another merchant than the order’s, recording nothing', async () => {
    const { payments, fake } = platform();
    const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
    const resumed = await rejectionOf(payments.resume(order.id, { merchant: 'shop-b' }));
    expect(merchantCode(resumed)).toBe('merchant_mismatch');
    await payments.handleNotification('platform', fake.sandbox.pay(order.id));
    const refused = await rejectionOf(
      payments.refund(order.id, { refundId: 'refund0001', amount: 100, merchant: 'shop-b' }),
    );
    expect(merchantCode(refused)).toBe('merchant_mismatch');
    expect((await payments.getOrder(order.id)).refunds).toEqual([]);
    expect(fake.sandbox.calls.refund).toBe(0);
    const refunded = await payments.refund(order.id, { refundId: 'refund0001', amount: 100, merchant: 'shop-a' });
    expect(refunded.refund.status).toBe('pending');
  });

  it('refuses every call for a merchant disabled since, sending nothing', async () => {
    const { payments, fake } = platform();
    const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
    await payments.handleNotification('platform', fake.sandbox.pay(order.id));
    await payments.merchants?.put({ ...SHOP_A, enabled: false });
    const queries = fake.sandbox.calls.queryPayment;
    expect(merchantCode(await rejectionOf(payments.sync(order.id)))).toBe('merchant_disabled');
    expect(merchantCode(await rejectionOf(payments.refund(order.id, { refundId: 'refund0001', amount: 1 })))).toBe(
      'merchant_disabled',
    );
    expect((await payments.getOrder(order.id)).refunds).toEqual([]);
    expect(fake.sandbox.calls.queryPayment).toBe(queries);
    expect(fake.sandbox.calls.refund).toBe(0);
  });

  it('resolves each account once within the cache’s time, and again after it', async () => {
    let now = NOW;
    const { payments, directory } = platform({ now: () => now, merchantCache: { ttlMs: 1000 } });
    let lookups = 0;
    const resolve = directory.resolve.bind(directory);
    directory.resolve = (merchant, provider) => {
      lookups++;
      return resolve(merchant, provider);
    };
    const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
    await payments.sync(order.id);
    await payments.sync(order.id);
    expect(lookups).toBe(1);
    now = new Date(NOW.getTime() + 1000);
    await payments.sync(order.id);
    expect(lookups).toBe(2);
  });

  it('asks the directory every time with merchantCache: false', async () => {
    const { payments, directory } = platform({ merchantCache: false });
    let lookups = 0;
    const resolve = directory.resolve.bind(directory);
    directory.resolve = (merchant, provider) => {
      lookups++;
      return resolve(merchant, provider);
    };
    const { order } = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
    await payments.sync(order.id);
    expect(lookups).toBe(2);
  });
});

describe('platform mode: payWithCode({ merchant }) and listOrders({ merchant })', () => {
  it('routes a merchant’s code to the first provider of its wallet in platform mode', async () => {
    const direct = createFakeProvider({ id: 'alipay-own', wallet: 'alipay' });
    const isv = createFakeProvider({ id: 'alipay-isv', wallet: 'alipay', merchants: true });
    const merchants = createMemoryMerchantDirectory([{ ...SHOP_A, provider: 'alipay-isv' }]);
    const payments = createPayments({ providers: [direct, isv], merchants, store: new MemoryOrderStore() });
    const own = await payments.payWithCode({ authCode: '2856781234567890', amount: 100, subject: 'Tea' });
    expect(own.order.provider).toBe('alipay-own');
    const { order } = await payments.payWithCode({
      authCode: '2856781234567891',
      amount: 100,
      subject: 'Tea',
      merchant: 'shop-a',
    });
    expect(order.provider).toBe('alipay-isv');
    expect(order.merchant).toBe('shop-a');
    expect(order.status).toBe('paid');
    expect(isv.sandbox.payment(order.id)?.account).toBe('sub-a');
  });

  it('lists a merchant’s orders only', async () => {
    const { payments, store } = platform();
    const a = await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-a' });
    await payments.createPayment({ provider: 'platform', ...base, merchant: 'shop-b' });
    await payments.createPayment({ provider: 'platform', ...base });
    const { orders } = await store.listOrders({ merchant: 'shop-a' });
    expect(orders.map((order) => order.id)).toEqual([a.order.id]);
  });
});
