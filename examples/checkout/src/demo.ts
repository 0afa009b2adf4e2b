import { generateKeyPairSync } from 'node:crypto';
import { alipay } from '@hutong/adapter-alipay';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { unionpay } from '@hutong/adapter-unionpay';
import { createUnionpaySandbox } from '@hutong/adapter-unionpay/sandbox';
import { wechatpay } from '@hutong/adapter-wechatpay';
import { createWechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import {
  createPayments,
  formatYuan,
  type NextAction,
  type NotificationInput,
  type Order,
  type PaymentProvider,
} from '@hutong/core';
import { createFakeProvider, createTestIdentity, deliverNotification } from '@hutong/core/testing';
import { startWebhookServer } from './webhook-server.js';

/** One wallet in the demo: its provider, how the buyer pays, how a pending refund settles. */
export interface DemoWallet {
  provider: PaymentProvider;
  method: 'qr' | 'page' | 'h5';
  /** Acts as the buyer in the wallet's sandbox; returns the notification the sandbox posts. */
  pay(order: Order, action: NextAction): Promise<NotificationInput>;
  /** Settles a pending refund in the sandbox; returns its notification, if the wallet sends one. */
  settleRefund?(orderId: string, refundId: string): Promise<NotificationInput | undefined>;
}

/** A fresh RSA-2048 key pair, as a merchant generates with the wallet's key tool. */
function merchantKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

function alipayWallet(): DemoWallet {
  const appId = '2021000122671080';
  const keys = merchantKeys();
  const sandbox = createAlipaySandbox({ appId, appPublicKey: keys.publicKey });
  const provider = alipay({
    appId,
    privateKey: keys.privateKey,
    alipayPublicKey: sandbox.alipayPublicKey,
    sellerId: sandbox.sellerId,
    endpoint: sandbox.baseUrl,
    fetch: sandbox.fetch,
  });
  return {
    provider,
    method: 'page',
    pay: async (order, action) => {
      sandbox.open(action); // the buyer's browser submits the signed form to the cashier
      return sandbox.pay(order.id);
    },
    // Alipay refunds settle at once; its refund notification then confirms the refund.
    settleRefund: async (orderId, refundId) => sandbox.settleRefund(orderId, refundId),
  };
}

function wechatpayWallet(): DemoWallet {
  const merchant = {
    mchId: '1230000109',
    appId: 'wxd678efh567hg6787',
    merchantSerialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
  };
  const keys = merchantKeys();
  const apiV3Key = 'hutongDemoApiV3Key0123456789abcd';
  const sandbox = createWechatpaySandbox({ ...merchant, apiV3Key, merchantPublicKey: keys.publicKey });
  const provider = wechatpay({
    ...merchant,
    apiV3Key,
    privateKey: keys.privateKey,
    wechatpayPublicKey: sandbox.wechatpayPublicKey,
    wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
    endpoint: sandbox.baseUrl,
    fetch: sandbox.fetch,
  });
  return {
    provider,
    method: 'qr',
    pay: async (order) => sandbox.pay(order.id), // the buyer scans the code_url and pays
    settleRefund: async (orderId, refundId) => sandbox.settleRefund(orderId, refundId),
  };
}

function unionpayWallet(): DemoWallet {
  const merId = '777290058110048';
  // The merchant's signing certificate (UnionPay issues it as a .pfx; PEM works too).
  const year = 365 * 86_400_000;
  const merchant = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'hutong demo merchant'],
      ['CN', `041@Z12@${merId}:SIGN@00000001`],
    ],
    notBefore: new Date(Date.now() - year),
    notAfter: new Date(Date.now() + year),
  });
  const sandbox = createUnionpaySandbox({ merId, merchantCertificate: merchant.pem });
  const provider = unionpay({
    merId,
    signCert: {
      privateKey: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certificate: merchant.pem,
    },
    rootCert: sandbox.rootCert,
    middleCert: sandbox.middleCert,
    endpoint: sandbox.baseUrl,
    fetch: sandbox.fetch,
  });
  return {
    provider,
    method: 'page',
    pay: async (order, action) => {
      if (action.type === 'form') sandbox.open(action); // the browser posts the form to the cashier
      return sandbox.pay(order.id);
    },
    settleRefund: async (orderId, refundId) => sandbox.settleRefund(orderId, refundId),
  };
}

/** The wallets the demo runs, each on its local sandbox, plus the core's fake provider. */
export function demoWallets(): DemoWallet[] {
  const fake = createFakeProvider();
  return [
    alipayWallet(),
    wechatpayWallet(),
    unionpayWallet(),
    {
      provider: fake,
      method: 'qr',
      pay: async (order) => fake.sandbox.pay(order.id),
      settleRefund: async (orderId, refundId) => fake.sandbox.settleRefund(orderId, refundId),
    },
  ];
}

/** What a run of the demo ends with, per wallet. */
export interface DemoResult {
  provider: string;
  order: Order;
}

/**
 * Runs the whole checkout on every wallet: create → buyer pays → webhook → paid → partial refund →
 * refund webhook → full refund. Webhooks travel over real HTTP to a merchant server on loopback.
 */
export async function runDemo(log: (line: string) => void, wallets = demoWallets()): Promise<DemoResult[]> {
  const ids = wallets.map((wallet) => wallet.provider.id);
  let server: Awaited<ReturnType<typeof startWebhookServer>> | undefined;
  const payments = createPayments({
    providers: wallets.map((wallet) => wallet.provider),
    notifyUrl: (provider) => `${server?.url}/webhooks/${provider}`,
  });
  server = await startWebhookServer(payments, ids);
  payments.on('order.paid', ({ order }) => log(`    ✓ event order.paid: ship order ${order.id}`));
  payments.on('order.refunded', ({ refund, fully }) =>
    log(`    ✓ event order.refunded: ${formatYuan(refund.amount)} yuan${fully ? ' (fully refunded)' : ''}`),
  );
  payments.on('notification.rejected', ({ error }) => log(`    ✗ notification rejected: ${String(error)}`));

  const results: DemoResult[] = [];
  try {
    for (const wallet of wallets) {
      const id = wallet.provider.id;
      log(`\n── ${id}: checkout of 19.99 yuan by ${wallet.method}`);
      const { order, action } = await payments.createPayment({
        provider: id,
        method: wallet.method,
        amount: 1999,
        subject: '西湖龙井 250g',
        returnUrl: 'https://shop.example/thanks',
      });
      log(`  1. created order ${order.id} (${order.status}); next action: ${action.type}`);

      const paid = await deliverNotification(await wallet.pay(order, action), `${server.url}/webhooks/${id}`);
      log(`  2. buyer paid; the sandbox posted the notification; merchant answered HTTP ${paid.status}`);
      log(`  3. order is ${(await payments.getOrder(order.id)).status}`);

      const { refund } = await payments.refund(order.id, { amount: 500, reason: '少发一盒' });
      log(`  4. refund of ${formatYuan(refund.amount)} yuan requested (${refund.status})`);
      await settle(wallet, server.url, order.id, refund.id, log);
      log(`  5. order is ${(await payments.getOrder(order.id)).status}`);

      const rest = await payments.refund(order.id, { amount: 1499 });
      await settle(wallet, server.url, order.id, rest.refund.id, log);
      const final = await payments.getOrder(order.id);
      log(`  6. refunded the rest; order is ${final.status}, refunded ${formatYuan(final.refundedAmount)} yuan`);
      results.push({ provider: id, order: final });
    }
  } finally {
    await server.close();
  }
  return results;
}

async function settle(wallet: DemoWallet, base: string, orderId: string, refundId: string, log: (l: string) => void) {
  const notification = await wallet.settleRefund?.(orderId, refundId);
  if (!notification) return;
  const response = await deliverNotification(notification, `${base}/webhooks/${wallet.provider.id}`);
  log(`     refund notification answered HTTP ${response.status}`);
}
