import { createPayments, MemoryOrderStore, ValidationError } from '@hutong/core';
import { describe, expect, it } from 'vitest';
import { alipay } from '../src/index.js';
import { createAlipaySandbox } from '../src/sandbox/index.js';
import { collect, thrown } from './alipay-statements-bill-helpers.js';
import { memoryDirectory, REDIRECT_URI, STATE_SECRET } from './isv-setup.js';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY } from './sandbox-setup.js';

/** 2025-03-01 10:00 in China. */
const NOW = new Date('2025-03-01T02:00:00Z');
const DAY = '2025-03-01';

function setup() {
  let clock = NOW.getTime();
  const now = () => new Date(clock);
  const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY, now });
  const requests: string[] = [];
  const provider = alipay({
    appId: APP_ID,
    privateKey: APP_PRIVATE_KEY,
    alipayPublicKey: sandbox.alipayPublicKey,
    sellerId: sandbox.sellerId,
    endpoint: sandbox.baseUrl,
    now,
    fetch: async (input, init) => {
      requests.push(`${String(input)} ${String(init?.body ?? '')}`);
      return sandbox.fetch(input, init);
    },
  });
  const payments = createPayments({
    providers: [provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/alipay',
    now,
  });
  return { sandbox, provider, payments, requests, tick: (ms: number) => (clock += ms) };
}

async function payAndRefund(context: ReturnType<typeof setup>) {
  const { payments, sandbox, tick } = context;
  const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1999, subject: '龙井' });
  await payments.handleNotification('alipay', sandbox.pay(order.id));
  tick(60_000);
  await payments.refund(order.id, { amount: 500, refundId: 'refund0001' });
  return { orderId: order.id, tradeNo: (await payments.getOrder(order.id)).providerTransactionId };
}

// The sandbox signs with RSA on every call: generous time on a loaded machine (nothing here is timed).
describe('Alipay sandbox statements → provider.statement', { timeout: 120_000 }, () => {
  it('trade: the zip of GBK CSVs at the URL yields exactly the payment and the refund made on the sandbox', async () => {
    const context = setup();
    const { orderId, tradeNo } = await payAndRefund(context);
    const lines = await collect(context.provider.statement({ date: DAY }));
    const common = { provider: 'alipay', merchant: null, orderId, providerTradeId: tradeNo, currency: 'CNY' };
    expect(lines).toEqual([
      {
        ...common,
        kind: 'payment',
        amount: 1999,
        fee: 12,
        time: '2025-03-01T10:00:00+08:00',
        line: 6,
        raw: expect.stringMatching(new RegExp(`^${tradeNo}\\t,${orderId}\\t,交易\\t,龙井,2025-03-01 10:00:00,`)),
      },
      {
        ...common,
        kind: 'refund',
        refundId: 'refund0001',
        amount: 500,
        fee: -3,
        time: '2025-03-01T10:01:00+08:00',
        line: 7,
        raw: expect.stringContaining(',-5.00,-5.00,'),
      },
    ]);
    expect(context.requests.some((r) => r.includes('alipay.data.dataservice.bill.downloadurl.query'))).toBe(true);
    expect(context.requests.some((r) => r.includes('/downloadBillFile.resource?bizType=trade'))).toBe(true);
  });

  it('signcustomer: the account flows of the same trades', async () => {
    const context = setup();
    const { orderId } = await payAndRefund(context);
    const lines = await collect(context.provider.statement({ date: DAY, kind: 'signcustomer' }));
    expect(lines.map((l) => [l.kind, l.amount, l.orderId])).toEqual([
      ['payment', 1999, orderId],
      ['fee', 12, orderId],
      ['refund', 500, orderId],
    ]);
  });

  it('another day has no records; an ISV merchant is asked for with its app_auth_token', async () => {
    const context = setup();
    await payAndRefund(context);
    expect(await collect(context.provider.statement({ date: '2025-02-28' }))).toEqual([]);
    // The merchant authorises the app on the sandbox; its account carries the token Alipay issued.
    const directory = memoryDirectory();
    const authorization = context.provider.authorization({
      directory,
      redirectUri: REDIRECT_URI,
      stateSecret: STATE_SECRET,
    });
    const shop = context.sandbox.addMerchant({ name: '老王煎饼' });
    const state = new URL(authorization.authorizeUrl('shop-42')).searchParams.get('state') ?? '';
    const callback = context.sandbox.authorizeMerchant(shop.authAppId, REDIRECT_URI, state);
    expect((await authorization.handleCallback(new Request(callback))).status).toBe(200);
    const merchant = await directory.resolve('shop-42', 'alipay');
    const token = merchant.fields.appAuthToken ?? '';
    expect(token).not.toBe('');
    const lines = await collect(context.provider.statement({ date: DAY, merchant }));
    expect(lines.every((line) => line.merchant === 'shop-42')).toBe(true);
    expect(context.requests.at(-2)).toContain(`app_auth_token=${token}`);
    const missing = await thrown(() =>
      collect(context.provider.statement({ date: DAY, merchant: { ...merchant, fields: {} } })),
    );
    expect(ValidationError.isInstance(missing)).toBe(true);
    expect(String((missing as Error).message)).not.toContain(token);
  });

  it('a kind Alipay does not have is a ValidationError; the capability is declared', async () => {
    const { provider } = setup();
    expect(
      ValidationError.isInstance(await thrown(() => collect(provider.statement({ date: DAY, kind: 'fundflow' })))),
    ).toBe(true);
    expect(provider.capabilities.statements).toBe(true);
  });
});
