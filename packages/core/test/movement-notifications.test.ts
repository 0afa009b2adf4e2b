import { describe, expect, it } from 'vitest';
import {
  createPayments,
  isMovementNotificationUrl,
  MemoryOrderStore,
  type Order,
  SignatureVerificationError,
  type Split,
  ValidationError,
} from '../src/index.js';
import type { MoneyMovementEvent } from '../src/provider-utils/index.js';
import { MAX_SPLIT_ORDERS } from '../src/store-kit/index.js';
import { createFakeMovementProvider } from '../src/testing/index.js';

const clock = Date.parse('2024-05-01T08:00:00.000Z');
const now = () => new Date(clock);

const transferInput = {
  provider: 'fake' as const,
  transferId: 'payout0001',
  amount: 500,
  payee: { type: 'openid' as const, account: 'o4GgauInH_RCEdvrrNGrntXDuXXX' },
  remark: '佣金',
};
const receivers = [{ type: 'merchant' as const, account: 'shop0001', amount: 300, description: '平台佣金' }];

/** `beforeSplit` runs once the order is paid, before its split `split0001` is created. */
async function setup(beforeSplit?: (store: MemoryOrderStore, order: Order) => Promise<void>) {
  const fake = createFakeMovementProvider({ now });
  const other = createFakeMovementProvider({ id: 'other', now });
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers: [fake, other], store, now });
  const rejected: unknown[] = [];
  payments.on('notification.rejected', ({ error }) => {
    rejected.push(error);
  });
  const { order } = await payments.createPayment({
    provider: 'fake',
    method: 'qr',
    amount: 1000,
    subject: 'Tea',
    split: true,
  });
  await payments.handleNotification('fake', fake.sandbox.pay(order.id));
  await beforeSplit?.(store, await payments.getOrder(order.id));
  await payments.split(order.id, { splitId: 'split0001', receivers });
  await payments.transfer(transferInput);
  return { fake, other, payments, order, rejected, store };
}

/** Another order's pending split `split0001` to `shop0001`. */
function sharedSplit(at: string): Split {
  return {
    id: 'split0001',
    amount: 300,
    status: 'pending',
    receivers: [{ type: 'merchant', account: 'shop0001', amount: 300, description: '平台佣金', status: 'pending' }],
    finish: false,
    providerSplitId: null,
    returns: [],
    createdAt: at,
    updatedAt: at,
  };
}

/** A provider whose verified notifications report `event` instead (a genuine message about something else). */
function reporting(fake: ReturnType<typeof createFakeMovementProvider>, event: MoneyMovementEvent) {
  const verify = fake.verifyMovementNotification?.bind(fake) as NonNullable<typeof fake.verifyMovementNotification>;
  fake.verifyMovementNotification = async (request) => ({ ...(await verify(request)), event });
}

describe('movement notifications', () => {
  it('refuse a forged or expired message with the provider refusal and change nothing', async () => {
    const { fake, payments, order, rejected } = await setup();
    const genuine = fake.movements.completeTransfer('payout0001');
    const forged = { ...genuine, headers: { ...genuine.headers, 'x-fake-signature': 'AAAA' } };
    const forgedResult = await payments.handleMovementNotification('fake', forged);
    expect(forgedResult.ok).toBe(false);
    expect(forgedResult.response.status).toBe(400);
    const stale = fake.movements.notification(String(genuine.body), { timestamp: Math.floor(clock / 1000) - 3600 });
    expect((await payments.handleMovementNotification('fake', stale)).ok).toBe(false);
    expect(rejected.every((e) => SignatureVerificationError.isInstance(e))).toBe(true);
    expect((await payments.getTransfer('payout0001')).status).toBe('processing');
    expect((await payments.getOrder(order.id)).splits?.[0]?.status).toBe('pending');
  });

  it('are bound to their record: another amount, receiver, unknown transfer or provider is refused (400), nothing applied', async () => {
    const { fake, payments, order } = await setup();
    const genuine = fake.movements.completeTransfer('payout0001');
    const cases: MoneyMovementEvent[] = [
      { type: 'transfer.status', transferId: 'payout0001', amount: 50_000, status: 'succeeded' },
      { type: 'transfer.status', transferId: 'payout9999', amount: 500, status: 'succeeded' },
      {
        type: 'split.status',
        orderId: order.id,
        splitId: 'split0001',
        status: 'succeeded',
        receivers: [{ account: 'thief0001', amount: 300, status: 'succeeded' }],
      },
      {
        type: 'split.return.status',
        orderId: order.id,
        splitId: 'split0001',
        returnId: 'return0001',
        amount: 300,
        status: 'succeeded',
      },
    ];
    for (const event of cases) {
      reporting(fake, event);
      const result = await payments.handleMovementNotification('fake', genuine);
      expect(result.ok).toBe(false);
      expect(result.response.status).toBe(400);
    }
    expect((await payments.getTransfer('payout0001')).status).toBe('processing');
    expect((await payments.getOrder(order.id)).splits?.[0]?.status).toBe('pending');
  });

  it('a split message naming no order finds the split by its id and the trade, and applies at once', async () => {
    const { fake, payments, order } = await setup();
    const trade = (await payments.getOrder(order.id)).providerTransactionId as string;
    expect(trade).toBeTruthy();
    const genuine = fake.movements.completeTransfer('payout0001');
    const report = (providerTransactionId: string | undefined, amount = 300): MoneyMovementEvent => ({
      type: 'split.status',
      orderId: '',
      splitId: 'split0001',
      ...(providerTransactionId === undefined ? {} : { providerTransactionId }),
      status: 'pending',
      receivers: [{ account: 'shop0001', amount, status: 'succeeded' }],
    });
    // Another trade's split of the same id, or another amount: refused, nothing applied.
    for (const event of [report('txn-of-another-order'), report(trade, 3000)]) {
      reporting(fake, event);
      const refused = await payments.handleMovementNotification('fake', genuine);
      expect(refused.ok).toBe(false);
      expect(refused.response.status).toBe(400);
    }
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('pending');
    reporting(fake, report(trade));
    const applied = await payments.handleMovementNotification('fake', genuine);
    expect(applied).toMatchObject({ ok: true, outcome: 'applied' });
    expect(applied.ok && applied.order?.id).toBe(order.id);
    expect(await payments.getSplit(order.id, 'split0001')).toMatchObject({
      status: 'succeeded',
      receivers: [{ account: 'shop0001', status: 'succeeded' }],
    });
  });

  it('a split message naming no order finds its trade among more than MAX_SPLIT_ORDERS orders sharing the split id', async () => {
    // Other sub-merchants' paid orders used the split id first (ids unique only per merchant).
    const { fake, payments, order } = await setup(async (store, paid) => {
      for (let i = 0; i < MAX_SPLIT_ORDERS; i++) {
        const id = `otherShop${String(i).padStart(4, '0')}`;
        await store.create({ ...paid, id, providerTransactionId: `txn-${id}`, splits: [sharedSplit(paid.createdAt)] });
      }
    });
    const trade = (await payments.getOrder(order.id)).providerTransactionId as string;
    reporting(fake, {
      type: 'split.status',
      orderId: '',
      splitId: 'split0001',
      providerTransactionId: trade,
      status: 'pending',
      receivers: [{ account: 'shop0001', amount: 300, status: 'succeeded' }],
    });
    const applied = await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));
    expect(applied).toMatchObject({ ok: true, outcome: 'applied' });
    expect(applied.ok && applied.order?.id).toBe(order.id);
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('succeeded');
    expect((await payments.getSplit('otherShop0000', 'split0001')).status).toBe('pending');
  });

  it('a split message naming neither an order nor a trade is refused, however unique its split id', async () => {
    const { fake, payments, order } = await setup();
    reporting(fake, {
      type: 'split.status',
      orderId: '',
      splitId: 'split0001',
      status: 'pending',
      receivers: [{ account: 'shop0001', amount: 300, status: 'succeeded' }],
    });
    const refused = await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));
    expect(refused.ok).toBe(false);
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('pending');
  });

  it("a receiver's report delivered again after its one-receiver split settled is a duplicate, not stale", async () => {
    const { fake, payments, order } = await setup();
    const trade = (await payments.getOrder(order.id)).providerTransactionId as string;
    reporting(fake, {
      type: 'split.status',
      orderId: '',
      splitId: 'split0001',
      providerTransactionId: trade,
      status: 'pending',
      receivers: [{ account: 'shop0001', amount: 300, status: 'succeeded' }],
    });
    const message = fake.movements.completeTransfer('payout0001');
    const first = await payments.handleMovementNotification('fake', message);
    const again = await payments.handleMovementNotification('fake', message);
    expect([first.outcome, again.outcome]).toEqual(['applied', 'duplicate']);
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('succeeded');
  });

  it('a split message naming no order is still bound to the sub-merchant the wallet signed', async () => {
    const { fake, payments, order } = await setup();
    const trade = (await payments.getOrder(order.id)).providerTransactionId as string;
    reporting(fake, {
      type: 'split.status',
      orderId: '',
      splitId: 'split0001',
      providerTransactionId: trade,
      status: 'pending',
      receivers: [{ account: 'shop0001', amount: 300, status: 'succeeded' }],
    });
    const verify = fake.verifyMovementNotification?.bind(fake) as NonNullable<typeof fake.verifyMovementNotification>;
    fake.verifyMovementNotification = async (request) => ({ ...(await verify(request)), account: '1900000109' });
    const refused = await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));
    expect(refused.ok).toBe(false);
    expect(refused.response.status).toBe(400);
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('pending');
  });

  it('a split message naming no order is refused when the store cannot look splits up (the reconciler finishes it)', async () => {
    const { fake, payments, order, store } = await setup();
    const trade = (await payments.getOrder(order.id)).providerTransactionId as string;
    const lookup = store.findOrdersBySplit;
    expect(typeof lookup).toBe('function');
    Object.defineProperty(store, 'findOrdersBySplit', { value: undefined });
    reporting(fake, {
      type: 'split.status',
      orderId: '',
      splitId: 'split0001',
      providerTransactionId: trade,
      status: 'pending',
      receivers: [{ account: 'shop0001', amount: 300, status: 'succeeded' }],
    });
    const refused = await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));
    expect(refused.ok).toBe(false);
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('pending');
  });

  it("refuse a provider's report about another provider's transfer", async () => {
    const { other, payments } = await setup();
    reporting(other, { type: 'transfer.status', transferId: 'payout0001', amount: 500, status: 'succeeded' });
    const result = await payments.handleMovementNotification('other', other.movements.notification('{}'));
    expect(result.ok).toBe(false);
    expect((await payments.getTransfer('payout0001')).status).toBe('processing');
  });

  it("refuse a message the wallet signed for a sub-merchant: only the provider's own movements are kept", async () => {
    const { fake, payments } = await setup();
    const verify = fake.verifyMovementNotification?.bind(fake) as NonNullable<typeof fake.verifyMovementNotification>;
    fake.verifyMovementNotification = async (request) => ({ ...(await verify(request)), account: '1900000109' });
    const result = await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));
    expect(result.ok).toBe(false);
    expect(result.response.status).toBe(400);
    expect((await payments.getTransfer('payout0001')).status).toBe('processing');
  });

  it('a duplicate delivery is accepted again and changes nothing', async () => {
    const { fake, payments } = await setup();
    const message = fake.movements.completeTransfer('payout0001');
    const first = await payments.handleMovementNotification('fake', message);
    const second = await payments.handleMovementNotification('fake', message);
    expect([first.outcome, second.outcome]).toEqual(['applied', 'duplicate']);
    expect(second.response.status).toBe(200);
    expect((await payments.getTransfer('payout0001')).version).toBe(3);
  });

  it('arrive on the provider endpoint under /movements; other paths stay payment notifications', async () => {
    const { fake, payments, order } = await setup();
    const endpoint = payments.webhookHandler('fake');
    const post = (path: string, message: ReturnType<typeof fake.movements.completeTransfer>) =>
      endpoint(
        new Request(`https://shop.example${path}`, {
          method: 'POST',
          headers: message.headers as Record<string, string>,
          body: message.body as string,
        }),
      );
    const moved = await post('/webhooks/fake/movements', fake.movements.settleSplit(order.id, 'split0001'));
    expect(moved.status).toBe(200);
    expect((await payments.getSplit(order.id, 'split0001')).status).toBe('succeeded');
    // A movement message on the payments path is not a payment notification: refused.
    const misrouted = await post('/webhooks/fake', fake.movements.completeTransfer('payout0001'));
    expect(misrouted.status).toBe(400);
    expect((await payments.getTransfer('payout0001')).status).toBe('processing');
  });

  it('isMovementNotificationUrl reads the last path segment only', () => {
    expect(isMovementNotificationUrl('https://a.example/webhooks/wechatpay/movements')).toBe(true);
    expect(isMovementNotificationUrl('https://a.example/webhooks/wechatpay/movements/?x=1')).toBe(true);
    expect(isMovementNotificationUrl('https://a.example/movements/wechatpay')).toBe(false);
    expect(isMovementNotificationUrl('https://a.example/webhooks/wechatpay?path=movements')).toBe(false);
    expect(isMovementNotificationUrl(undefined)).toBe(false);
  });

  it('an unknown provider gets 404, an unsigned message the provider refusal', async () => {
    const { payments } = await setup();
    expect(
      (await payments.handleMovementNotification('nope' as 'fake', { headers: {}, body: '' })).response.status,
    ).toBe(404);
    const result = await payments.handleMovementNotification('fake', { headers: {}, body: '' });
    expect(result.ok).toBe(false);
    expect(ValidationError.isInstance(result.error) || SignatureVerificationError.isInstance(result.error)).toBe(true);
  });
});
