/**
 * A marketplace's money, end to end through the facade on the WeChat Pay sandbox (direct merchant
 * and partner mode): a payment made for splitting, split between the platform and a courier, a
 * partial refund, a return of part of a split, and a payout the user confirms; and on the Alipay
 * sandbox the same, where the return is made within a refund (退分账: Alipay has no split return of
 * its own). Every state lands in the store; every report is verified and bound before it applies.
 */
import { alipay } from '@hutong/adapter-alipay';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import {
  createMemoryMerchantDirectory,
  createPayments,
  MemoryOrderStore,
  MerchantError,
  UnsupportedOperationError,
} from '@hutong/core';
import { describe, expect, it } from 'vitest';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY } from '../../../packages/adapter-alipay/test/sandbox-setup.js';
import { partnerSandboxed, SUB_A, SUB_B, sandboxed } from '../../../packages/adapter-wechatpay/test/sandbox-setup.js';

const COURIER_NAME = '张三';
const SCENE = {
  sceneId: '1005',
  sceneReports: [
    { type: '岗位类型', content: '外卖员' },
    { type: '报酬说明', content: '12月配送费' },
  ],
};

describe('a marketplace on the WeChat Pay sandbox: pay → split → partial refund → return → payout', () => {
  it('moves every fen once, with every state in the store', async () => {
    const { provider, sandbox } = sandboxed();
    const store = new MemoryOrderStore();
    const events: string[] = [];
    const payments = createPayments({
      providers: [provider],
      store,
      notifyUrl: 'https://market.example/webhooks/wechatpay',
      movementNotifyUrl: 'https://market.example/webhooks/wechatpay/movements',
    });
    for (const name of [
      'split.succeeded',
      'split.returned',
      'transfer.pending_confirmation',
      'transfer.succeeded',
    ] as const) {
      payments.on(name, () => void events.push(name));
    }
    const courier = sandbox.openid();
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: '平台有限公司',
      relationType: 'PARTNER',
    });
    await provider.profitSharing.addReceiver({
      type: 'PERSONAL_OPENID',
      account: courier,
      name: COURIER_NAME,
      relationType: 'STAFF',
    });

    // 1. A buyer pays 100.00 for an order the marketplace will split.
    const { order, action } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount: 10_000,
      subject: '外卖订单',
      split: true,
    });
    sandbox.open(action);
    await payments.handleNotification('wechatpay', sandbox.pay(order.id));
    expect((await payments.getOrder(order.id)).status).toBe('paid');

    // 2. Split: 10.00 to the platform, 8.00 to the courier (whose name the wallet checks).
    const requested = await payments.split(order.id, {
      splitId: 'split0001',
      receivers: [
        { type: 'merchant', account: '86693852', amount: 1000, description: '平台佣金' },
        { type: 'personal', account: courier, amount: 800, description: '配送费', name: COURIER_NAME },
      ],
    });
    expect(requested.amount).toBe(1800);
    // WeChat Pay reports each receiver in its own message, which names the split and the trade but
    // not the order: each applies at once, and the last one paid settles the split.
    for (const notification of sandbox.settleSplit('split0001')) {
      const applied = await payments.handleMovementNotification('wechatpay', notification);
      expect(applied).toMatchObject({ ok: true, outcome: 'applied' });
    }
    const afterSplit = await payments.getOrder(order.id);
    expect(afterSplit.splits?.[0]).toMatchObject({ id: 'split0001', status: 'succeeded', amount: 1800 });
    expect(JSON.stringify(afterSplit)).not.toContain(COURIER_NAME);

    // 3. A partial refund from what was not split.
    const { refund } = await payments.refund(order.id, { refundId: 'refund0001', amount: 3000 });
    await payments.handleNotification('wechatpay', sandbox.settleRefund(order.id, refund.id));
    expect((await payments.sync(order.id)).refundedAmount).toBe(3000);
    // More than is left unsplit is refused before anything is sent: 10000 − 3000 − 1800 = 5200.
    await expect(payments.refund(order.id, { refundId: 'refund0002', amount: 6000 })).rejects.toMatchObject({
      code: 'refund_exceeds_unsplit',
    });

    // 4. Part of the platform's share comes back (分账回退).
    const returned = await payments.returnSplit(order.id, {
      splitId: 'split0001',
      returnId: 'return0001',
      account: '86693852',
      amount: 300,
      description: '佣金退回',
    });
    expect(returned).toMatchObject({ id: 'return0001', amount: 300, status: 'succeeded' });

    // 5. A payout to a user, who confirms it in WeChat.
    const payout = await payments.transfer({
      provider: 'wechatpay',
      transferId: 'payout0001',
      amount: 500,
      payee: { type: 'openid', account: courier, name: COURIER_NAME },
      remark: '奖励',
      providerOptions: SCENE,
    });
    expect(payout.status).toBe('pending_confirmation');
    expect(payout.confirmation).toBeTruthy();
    const confirmed = await payments.handleMovementNotification('wechatpay', sandbox.confirmTransfer('payout0001'));
    expect(confirmed.response.status).toBeLessThan(300);
    expect(await payments.getTransfer('payout0001')).toMatchObject({ status: 'succeeded', amount: 500 });

    // Everything is in the store, and each event fired once.
    const stored = await store.get(order.id);
    expect(stored).toMatchObject({ status: 'partially_refunded', refundedAmount: 3000 });
    expect(stored?.splits?.[0]?.returns).toMatchObject([{ id: 'return0001', status: 'succeeded' }]);
    expect(events.filter((name) => name === 'transfer.succeeded')).toHaveLength(1);
    expect(events.filter((name) => name === 'split.succeeded')).toHaveLength(1);
  });

  it('a sub-merchant’s split goes out under its sub_mchid, and the other shop’s payment cannot be split for it', async () => {
    const { provider, sandbox, requests } = partnerSandboxed();
    const directory = createMemoryMerchantDirectory();
    await directory.put(SUB_A);
    await directory.put(SUB_B);
    const payments = createPayments({
      providers: [provider],
      merchants: directory,
      notifyUrl: 'https://market.example/webhooks/wechatpay',
    });
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: '平台有限公司',
      relationType: 'PARTNER',
      merchant: SUB_A,
    });
    const { order, action } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount: 5000,
      subject: '外卖订单',
      split: true,
      merchant: 'shop-a',
    });
    sandbox.open(action);
    await payments.handleNotification('wechatpay', sandbox.pay(order.id));
    await payments.split(order.id, {
      splitId: 'split0002',
      receivers: [{ type: 'merchant', account: '86693852', amount: 500, description: '平台佣金' }],
    });
    const sent = requests.find((request) => new URL(request.url).pathname === '/v3/profitsharing/orders');
    expect(JSON.parse(sent?.body ?? '{}')).toMatchObject({ sub_mchid: SUB_A.accountId, out_order_no: 'split0002' });
    // The wallet's message names shop A's sub_mchid and the trade, not the order: found and applied.
    for (const notification of sandbox.settleSplit('split0002')) {
      expect(await payments.handleMovementNotification('wechatpay', notification)).toMatchObject({ ok: true });
    }
    expect((await payments.getSplit(order.id, 'split0002')).status).toBe('succeeded');
    // Shop B is suspended: nothing of its own can move, before anything is sent.
    await directory.put({ ...SUB_B, enabled: false });
    const error = await payments
      .transfer({
        provider: 'wechatpay',
        transferId: 'payout0002',
        amount: 100,
        payee: { type: 'openid', account: sandbox.openid() },
        remark: '奖励',
        providerOptions: SCENE,
        merchant: 'shop-b',
      })
      .catch((caught: unknown) => caught);
    expect(MerchantError.isInstance(error)).toBe(true);
  });
});

describe('a marketplace on the Alipay sandbox: pay → split → partial refund → return within a refund → payout', () => {
  const PLATFORM = '2088101126765726';
  const GUIDE = '2088101126708402';

  it('moves every fen once; the return is part of a refund, and returnSplit is refused before anything is recorded', async () => {
    const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    // Certificate mode: Alipay pays transfers only to apps that sign with a certificate.
    const provider = alipay({
      appId: APP_ID,
      privateKey: APP_PRIVATE_KEY,
      ...sandbox.certificates(),
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    });
    const store = new MemoryOrderStore();
    const events: string[] = [];
    const payments = createPayments({
      providers: [provider],
      store,
      notifyUrl: 'https://market.example/webhooks/alipay',
      movementNotifyUrl: 'https://market.example/webhooks/alipay/movements',
    });
    for (const name of [
      'split.succeeded',
      'split.returned',
      'split.return_failed',
      'transfer.succeeded',
      'order.refunded',
    ] as const) {
      payments.on(name, () => void events.push(name));
    }
    // Settlements and transfers wait for the test, as Alipay's asynchronous ones do.
    sandbox.holdMoneyMovement({ settlements: true, transfers: true });
    await provider.bindRoyaltyRelation({
      requestId: 'bind0001',
      receivers: [{ account: PLATFORM }, { account: GUIDE }],
    });

    // 1. A buyer pays 100.00 on the web for an order the marketplace will split (Alipay names
    //    royalty returns in refunds of web, wap and app payments only).
    const { order, action } = await payments.createPayment({
      provider: 'alipay',
      method: 'page',
      amount: 10_000,
      subject: '旅游订单',
      split: true,
      returnUrl: 'https://market.example/paid',
    });
    sandbox.open(action);
    await payments.handleNotification('alipay', sandbox.pay(order.id));

    // 2. Split: 10.00 to the platform, 8.00 to the guide; Alipay's settle message names the split
    //    and the trade (trade_no), not the order: it applies at once.
    const split = await payments.split(order.id, {
      splitId: 'split0001',
      receivers: [
        { type: 'merchant', account: PLATFORM, amount: 1000, description: '平台佣金' },
        { type: 'personal', account: GUIDE, amount: 800, description: '导游分成' },
      ],
    });
    expect(split.status).toBe('pending');
    const settled = await payments.handleMovementNotification(
      'alipay',
      sandbox.finishSettlement(order.id, 'split0001'),
    );
    expect(settled).toMatchObject({ ok: true, outcome: 'applied' });
    expect(await payments.getSplit(order.id, 'split0001')).toMatchObject({ status: 'succeeded', amount: 1800 });

    // 3. A partial refund from what was not split; more than that is refused before anything is sent.
    const { refund } = await payments.refund(order.id, { refundId: 'refund0001', amount: 3000 });
    expect(refund.status).toBe('succeeded');
    await expect(payments.refund(order.id, { refundId: 'refund0002', amount: 6000 })).rejects.toMatchObject({
      code: 'refund_exceeds_unsplit',
    });

    // 4. Part of the platform's share comes back within a refund (退分账): 5.00 to the buyer, 3.00
    //    of it from the platform. Beyond what the platform holds: refused before anything is sent.
    const back = {
      splitId: 'split0001',
      returnId: 'return0001',
      account: PLATFORM,
      amount: 300,
      description: '佣金退回',
    };
    await expect(
      payments.refund(order.id, {
        refundId: 'refund0002',
        amount: 1100,
        splitReturns: [{ ...back, amount: 1001 }],
      }),
    ).rejects.toMatchObject({ code: 'split_exceeds_available' });
    const within = await payments.refund(order.id, { refundId: 'refund0002', amount: 500, splitReturns: [back] });
    expect(within.refund.status).toBe('succeeded');
    expect((await payments.getSplit(order.id, 'split0001')).returns).toEqual([
      expect.objectContaining({ id: 'return0001', amount: 300, status: 'succeeded', refundId: 'refund0002' }),
    ]);

    // Alipay has no split return of its own (分账回退): a typed refusal, and nothing recorded or sent.
    const refused = await payments
      .returnSplit(order.id, {
        splitId: 'split0001',
        returnId: 'return0002',
        account: PLATFORM,
        amount: 300,
        description: '佣金退回',
      })
      .catch((error: unknown) => error);
    expect(UnsupportedOperationError.isInstance(refused)).toBe(true);
    expect((await payments.getSplit(order.id, 'split0001')).returns).toHaveLength(1);

    // 5. A payout to a user, which Alipay finishes later.
    const payout = await payments.transfer({
      provider: 'alipay',
      transferId: 'payout0001',
      amount: 500,
      payee: { type: 'loginId', account: 'guide@example.com', name: '王导游' },
      remark: '奖励',
    });
    expect(payout.status).toBe('processing');
    const paid = await payments.handleMovementNotification('alipay', sandbox.finishTransfer('payout0001'));
    expect(paid).toMatchObject({ ok: true, outcome: 'applied' });
    expect(await payments.getTransfer('payout0001')).toMatchObject({ status: 'succeeded', amount: 500 });

    expect(await store.get(order.id)).toMatchObject({ status: 'partially_refunded', refundedAmount: 3500 });
    expect(events.sort()).toEqual([
      'order.refunded',
      'order.refunded',
      'split.returned',
      'split.succeeded',
      'transfer.succeeded',
    ]);
  });
});
