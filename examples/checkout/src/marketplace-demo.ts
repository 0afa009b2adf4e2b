/**
 * The demo's marketplace: on WeChat Pay and on Alipay, a buyer pays an order that is split between
 * the platform and a guide; part of the order is refunded, part of the platform's share comes back,
 * and a user is paid out. WeChat Pay returns a split on its own (分账回退) before a refund; Alipay
 * takes it back within a refund (退分账). In-process sandboxes: nothing listens.
 */
import { generateKeyPairSync } from 'node:crypto';
import { alipay } from '@hutong/adapter-alipay';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { wechatpay } from '@hutong/adapter-wechatpay';
import { createWechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import { createPayments, formatYuan, type Order, type Transfer } from '@hutong/core';

function keys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** What the marketplace step leaves on each wallet: the order and the payout, as stored. */
export interface MarketplaceDemoSummary {
  wechatpay: { order: Order; payout: Transfer };
  alipay: { order: Order; payout: Transfer };
}

const yuan = (fen: number) => formatYuan(fen);

async function onWechatPay(log: (text: string) => void): Promise<MarketplaceDemoSummary['wechatpay']> {
  const merchant = { mchId: '1900000109', appId: 'wx8888888888888888' };
  const apiV3Key = 'hutongDemoApiV3Key0123456789abcd';
  const merchantSerialNo = '5F1C72E2A8931B72A2E13AF8DEE92471EB397115';
  const { privateKey, publicKey } = keys();
  const sandbox = createWechatpaySandbox({ ...merchant, apiV3Key, merchantSerialNo, merchantPublicKey: publicKey });
  const provider = wechatpay({
    ...merchant,
    merchantSerialNo,
    privateKey,
    apiV3Key,
    wechatpayPublicKey: sandbox.wechatpayPublicKey,
    wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
    endpoint: sandbox.baseUrl,
    fetch: sandbox.fetch,
  });
  const payments = createPayments({
    providers: [provider],
    notifyUrl: 'https://market.example/webhooks/wechatpay',
    movementNotifyUrl: 'https://market.example/webhooks/wechatpay/movements',
  });
  const platform = '86693852';
  const guide = sandbox.openid();
  await provider.profitSharing.addReceiver({
    type: 'MERCHANT_ID',
    account: platform,
    name: '平台有限公司',
    relationType: 'PARTNER',
  });
  await provider.profitSharing.addReceiver({
    type: 'PERSONAL_OPENID',
    account: guide,
    name: '张三',
    relationType: 'STAFF',
  });

  const { order, action } = await payments.createPayment({
    provider: 'wechatpay',
    method: 'qr',
    amount: 10_000,
    subject: '一日游',
    split: true,
  });
  sandbox.open(action);
  await payments.handleNotification('wechatpay', sandbox.pay(order.id));
  await payments.split(order.id, {
    splitId: 'split0001',
    receivers: [
      { type: 'merchant', account: platform, amount: 1000, description: '平台佣金' },
      { type: 'personal', account: guide, amount: 800, description: '导游分成', name: '张三' },
    ],
  });
  for (const message of sandbox.settleSplit('split0001'))
    await payments.handleMovementNotification('wechatpay', message);
  const { refund } = await payments.refund(order.id, { refundId: 'refund0001', amount: 3000 });
  await payments.handleNotification('wechatpay', sandbox.settleRefund(order.id, refund.id));
  const returned = await payments.returnSplit(order.id, {
    splitId: 'split0001',
    returnId: 'return0001',
    account: platform,
    amount: 300,
    description: '佣金退回',
  });
  const payout = await payments.transfer({
    provider: 'wechatpay',
    transferId: 'payout0001',
    amount: 500,
    payee: { type: 'openid', account: guide },
    remark: '好评奖励',
    providerOptions: {
      sceneId: '1005',
      sceneReports: [
        { type: '岗位类型', content: '导游' },
        { type: '报酬说明', content: '好评奖励' },
      ],
    },
  });
  await payments.handleMovementNotification('wechatpay', sandbox.confirmTransfer(payout.id));
  const stored = await payments.getOrder(order.id);
  const split = stored.splits?.[0];
  log(`   WeChat Pay: paid ${yuan(stored.paidAmount)}, split ${yuan(split?.amount ?? 0)} (${split?.status}),`);
  log(`     refunded ${yuan(stored.refundedAmount)}, ${yuan(returned.amount)} returned (${returned.status}),`);
  const paidOut = await payments.getTransfer(payout.id);
  log(`     ${yuan(paidOut.amount)} paid out once the user confirmed (${paidOut.status})`);
  return { order: stored, payout: paidOut };
}

async function onAlipay(log: (text: string) => void): Promise<MarketplaceDemoSummary['alipay']> {
  const appId = '2021000122671100';
  const { privateKey, publicKey } = keys();
  const sandbox = createAlipaySandbox({ appId, appPublicKey: publicKey });
  // Certificate mode: Alipay pays transfers only to apps that sign with a certificate.
  const provider = alipay({
    appId,
    privateKey,
    ...sandbox.certificates(),
    endpoint: sandbox.baseUrl,
    fetch: sandbox.fetch,
  });
  const payments = createPayments({
    providers: [provider],
    notifyUrl: 'https://market.example/webhooks/alipay',
  });
  const platform = '2088101126765726';
  const guide = '2088101126708402';
  await provider.bindRoyaltyRelation({ requestId: 'bind0001', receivers: [{ account: platform }, { account: guide }] });
  // A web payment: Alipay takes split returns within refunds of web, wap and app payments.
  const { order, action } = await payments.createPayment({
    provider: 'alipay',
    method: 'page',
    amount: 10_000,
    subject: '一日游',
    split: true,
    returnUrl: 'https://market.example/paid',
  });
  sandbox.open(action);
  await payments.handleNotification('alipay', sandbox.pay(order.id));
  await payments.split(order.id, {
    splitId: 'split0001',
    receivers: [
      { type: 'merchant', account: platform, amount: 1000, description: '平台佣金' },
      { type: 'personal', account: guide, amount: 800, description: '导游分成' },
    ],
  });
  await payments.refund(order.id, { refundId: 'refund0001', amount: 3000 });
  // 退分账: 5.00 back to the buyer, 3.00 of it from the platform's share.
  await payments.refund(order.id, {
    refundId: 'refund0002',
    amount: 500,
    splitReturns: [
      { splitId: 'split0001', returnId: 'return0001', account: platform, amount: 300, description: '佣金退回' },
    ],
  });
  const payout = await payments.transfer({
    provider: 'alipay',
    transferId: 'payout0001',
    amount: 500,
    payee: { type: 'userId', account: guide },
    remark: '好评奖励',
  });
  const stored = await payments.getOrder(order.id);
  const split = stored.splits?.[0];
  const returned = split?.returns[0];
  log(`   Alipay: paid ${yuan(stored.paidAmount)}, split ${yuan(split?.amount ?? 0)} (${split?.status}),`);
  log(
    `     refunded ${yuan(stored.refundedAmount)}, ${yuan(returned?.amount ?? 0)} of it from the platform (${returned?.status}),`,
  );
  const paidOut = await payments.getTransfer(payout.id);
  log(`     ${yuan(paidOut.amount)} paid out (${paidOut.status})`);
  return { order: stored, payout: paidOut };
}

/** Runs the marketplace step on WeChat Pay and Alipay, logging each line with `log`. */
export async function runMarketplaceDemo(log: (text: string) => void): Promise<MarketplaceDemoSummary> {
  const summary = { wechatpay: await onWechatPay(log), alipay: await onAlipay(log) };
  log('   UnionPay: no profit sharing or payouts (see docs/money-movement.md)');
  return summary;
}
