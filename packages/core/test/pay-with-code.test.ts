import { describe, expect, it } from 'vitest';
import { createPayments, MemoryOrderStore, type PaymentsEventType, ValidationError } from '../src/index.js';
import { createFakeProvider, rejectionOf } from '../src/testing/index.js';

const CODES = {
  wechatpay: '134567890123456789',
  alipay: '2856781234567890',
  unionpay: '6212345678901234567',
} as const;

function till(options: { posConfirmation?: boolean; wallets?: readonly string[] } = {}) {
  const wallets = options.wallets ?? ['alipay', 'wechatpay', 'unionpay'];
  const providers = wallets.map((wallet) =>
    createFakeProvider({ id: `${wallet}-shop`, wallet, posConfirmation: options.posConfirmation }),
  );
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers, store });
  const events: PaymentsEventType[] = [];
  for (const type of ['order.created', 'order.paid', 'order.closed'] as const) {
    payments.on(type, () => void events.push(type));
  }
  return { payments, providers, store, events };
}

describe('payWithCode', () => {
  it('routes each wallet code to that wallet provider and settles it at once', async () => {
    const { payments } = till();
    for (const [wallet, authCode] of Object.entries(CODES)) {
      const { order, action } = await payments.payWithCode({ authCode, amount: 1800, subject: '拿铁' });
      expect(order.provider).toBe(`${wallet}-shop`);
      expect(order.method).toBe('pos');
      expect(action).toEqual({ type: 'pos', status: 'paid' });
    }
  });

  it('refuses an unknown code, or one of a wallet no provider takes, before anything is stored', async () => {
    const { payments, store, events } = till({ wallets: ['alipay'] });
    const unknown = await rejectionOf(
      payments.payWithCode({ authCode: '9912345678901234', amount: 100, subject: 'Tea', orderId: 'till00000001' }),
    );
    expect(ValidationError.isInstance(unknown) && unknown.field).toBe('authCode');
    const unsupported = await rejectionOf(
      payments.payWithCode({ authCode: CODES.wechatpay, amount: 100, subject: 'Tea', orderId: 'till00000002' }),
    );
    expect(ValidationError.isInstance(unsupported) && unsupported.message).toMatch(/wechatpay/);
    expect(await store.get('till00000001')).toBeUndefined();
    expect(await store.get('till00000002')).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('waits while the buyer confirms in the wallet, then records the payment', async () => {
    const { payments, providers } = till({ posConfirmation: true });
    const alipay = providers[0] as (typeof providers)[number];
    const paying = payments.payWithCode({
      authCode: CODES.alipay,
      amount: 100,
      subject: 'Tea',
      orderId: 'till00000003',
      pollIntervalMs: 5,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await payments.getOrder('till00000003')).status).toBe('pending');
    alipay.sandbox.pay('till00000003'); // the buyer enters the password; the notification is not delivered
    const { order, action } = await paying;
    expect(order.status).toBe('paid');
    expect(action.status).toBe('paid');
  });

  it('cancels a payment the buyer never confirms, so the code cannot be charged later', async () => {
    const { payments, providers, events } = till({ posConfirmation: true });
    const { order, action } = await payments.payWithCode({
      authCode: CODES.wechatpay,
      amount: 100,
      subject: 'Tea',
      confirmTimeoutMs: 30,
      pollIntervalMs: 5,
    });
    expect(order.status).toBe('closed');
    expect(action).toEqual({ type: 'pos', status: 'closed' });
    expect(providers[1]?.sandbox.payment(order.id)?.status).toBe('CLOSED');
    expect(events).toContain('order.closed');
  });

  it('uses the provider named when several take the code wallet, and refuses one of another wallet', async () => {
    const first = createFakeProvider({ id: 'alipay-hk', wallet: 'alipay' });
    const second = createFakeProvider({ id: 'alipay-sh', wallet: 'alipay' });
    const payments = createPayments({ providers: [first, second] });
    const { order } = await payments.payWithCode({
      authCode: CODES.alipay,
      amount: 1,
      subject: 'Tea',
      provider: 'alipay-sh',
    });
    expect(order.provider).toBe('alipay-sh');
    const byDefault = await payments.payWithCode({ authCode: CODES.alipay, amount: 1, subject: 'Tea' });
    expect(byDefault.order.provider).toBe('alipay-hk');
  });
});
