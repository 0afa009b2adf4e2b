/**
 * The end-to-end demo: every wallet on its local sandbox, orders in a SQLite file, webhooks over
 * HTTP to a merchant server on loopback.
 *
 * 1. Each wallet takes a QR payment and a web payment, then a refund.
 * 2. One static code (码牌) that any wallet pays: Alipay, Cloud QuickPass, and a desktop browser
 *    that picks WeChat Pay.
 * 3. A till scanning three wallets' payment codes (互认互扫).
 * 4. The store is closed and opened again: the orders are still there.
 * 5. The same, as a platform with two shops on all three wallets (platform-demo.ts).
 * 6. A marketplace on WeChat Pay and Alipay: pay, split, refund, return, pay out (marketplace-demo.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCheckout, renderQrText } from '@hutong/checkout';
import { createPayments, formatYuan, type Order } from '@hutong/core';
import { createSqlStore } from '@hutong/store-sql';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'libsql';
import { type MarketplaceDemoSummary, runMarketplaceDemo } from './marketplace-demo.js';
import { type PlatformDemoSummary, runPlatformDemo } from './platform-demo.js';
import { describeAction, qrBlocks, wrapLine } from './terminal.js';
import { startWallets } from './wallets.js';
import { startWebhookServer } from './webhook-server.js';

type Wallet = 'alipay' | 'wechatpay' | 'unionpay';

/** What the demo ends with: the orders it made and what it found after the restart. */
export interface DemoSummary {
  /** The SQLite file the orders live in. */
  databaseFile: string;
  /** How many times the static code was paid. */
  codeCompletions: number;
  /** The orders read back after closing and reopening the store. */
  afterRestart: Order[];
  /** The platform step: every shop's orders and the payout's final status. */
  platform: PlatformDemoSummary;
  /** The marketplace step: the split order and the payout on WeChat Pay and Alipay. */
  marketplace: MarketplaceDemoSummary;
}

const NAMES: Record<Wallet, string> = { alipay: 'Alipay', wechatpay: 'WeChat Pay', unionpay: 'UnionPay' };
const USER_AGENTS = {
  alipay: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 AlipayClient/10.5.86.6000',
  unionpay: 'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36 UnionPay/1.0 CloudPay',
  desktop: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
};
/** A payment code of each wallet, as a scanner reads it (settled at once by the sandboxes). */
const TILL_CODES: Record<Wallet, string> = {
  alipay: '2856781234567890',
  wechatpay: '134567890123456789',
  unionpay: '6212345678901234567',
};

function openDatabase(file: string) {
  return new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
}

/** Whether every order the demo made was paid and the static code was paid three times. */
export function demoSucceeded(summary: DemoSummary): boolean {
  return summary.afterRestart.every((order) => order.paidAmount > 0) && summary.codeCompletions === 3;
}

/**
 * The demo's last lines, wrapped at `columns`: how many payments it made and the file they are in,
 * or that something went wrong (a payment not made, or the static code not paid three times).
 */
export function closingLines(summary: DemoSummary, columns: number): string[] {
  const text = demoSucceeded(summary)
    ? `Done: ${summary.afterRestart.length} payments on three wallets, all in ${summary.databaseFile}.`
    : 'Something went wrong.';
  return ['', ...wrapLine(text, columns)];
}

/**
 * Runs the demo, logging each step with the events it caused right under it.
 *
 * @param options.databaseFile - the SQLite file (default: a new temp file).
 * @param options.columns - the width to fit (default 80): text wraps, QR codes stack when narrow.
 */
export async function runDemo(
  print: (line: string) => void,
  options: { databaseFile?: string; columns?: number } = {},
): Promise<DemoSummary> {
  const columns = options.columns ?? 80;
  /** Text, wrapped at the width. */
  const log = (text: string) => {
    for (const line of text.split('\n')) for (const part of wrapLine(line, columns)) print(part);
  };
  const databaseFile = options.databaseFile ?? join(mkdtempSync(join(tmpdir(), 'hutong-demo-')), 'orders.sqlite');
  const wallets = await startWallets();
  let db = openDatabase(databaseFile);
  let server: Awaited<ReturnType<typeof startWebhookServer>> | undefined;
  const payments = createPayments({
    providers: wallets.providers,
    store: createSqlStore({ db }),
    notifyUrl: (provider) => `${server?.url}/webhooks/${provider}`,
    relay: { autoStart: false }, // delivered step by step below, so each step's events print under it
  });
  server = await startWebhookServer(payments, ['alipay', 'wechatpay', 'unionpay']);
  const orders = new Map<string, Order>();
  payments.on('order.paid', ({ order }) => log(`      ↳ event order.paid: ship ${order.id}`));
  payments.on('order.refunded', ({ refund, fully }) =>
    log(`      ↳ event order.refunded: ${formatYuan(refund.amount)} yuan${fully ? ', fully refunded' : ''}`),
  );
  payments.on('order.closed', ({ order }) => log(`      ↳ event order.closed: ${order.id}`));
  payments.on('notification.rejected', ({ error }) => log(`      ✗ notification rejected: ${String(error)}`));
  const events = async () => {
    await payments.relay?.runOnce();
  };
  /** Posts a sandbox's notification to the merchant's webhook (its notify URL); the HTTP status. */
  const deliver = async (wallet: Wallet, notification: Parameters<typeof wallets.sandboxes.alipay.deliver>[0]) =>
    (await wallets.sandboxes[wallet].deliver(notification)).status;

  try {
    log(`orders live in ${databaseFile}\n(SQLite, @hutong/store-sql)`);

    // 1. Every wallet: a QR payment and a web payment.
    log('\n1. Every wallet takes a QR payment and a web payment');
    const qr = [];
    for (const wallet of ['alipay', 'wechatpay', 'unionpay'] as const) {
      const { order, action } = await payments.createPayment({
        provider: wallet,
        method: 'qr',
        amount: 1999,
        subject: '西湖龙井 250g',
      });
      qr.push({ wallet, order, content: action.content });
    }
    print(
      qrBlocks(
        qr.map(({ wallet, content }) => ({ caption: `${NAMES[wallet]} QR, 19.99 yuan`, qr: renderQrText(content) })),
        columns,
      ),
    );
    for (const { wallet, order, content } of qr) {
      wallets.sandboxes[wallet].open({ type: 'qr', content });
      const status = await deliver(wallet, wallets.sandboxes[wallet].pay(order.id));
      log(`   ${NAMES[wallet]}: scanned and paid ${order.id}, webhook ${status}`);
      await events();
      orders.set(order.id, order);
    }
    // The methods each wallet takes are checked at compile time: WeChat Pay has no `page`, its web
    // payment is `h5`, which needs the buyer's IP.
    const web = { amount: 5800, subject: '紫砂壶', returnUrl: 'https://shop.example/thanks' };
    const webPayments = {
      alipay: () => payments.createPayment({ provider: 'alipay', method: 'page', ...web }),
      wechatpay: () => payments.createPayment({ provider: 'wechatpay', method: 'h5', clientIp: '203.0.113.7', ...web }),
      unionpay: () => payments.createPayment({ provider: 'unionpay', method: 'page', ...web }),
    };
    for (const wallet of ['alipay', 'wechatpay', 'unionpay'] as const) {
      const { order, action } = await webPayments[wallet]();
      log(`   ${NAMES[wallet]} ${order.method}: the browser goes to ${describeAction(action)}`);
      wallets.sandboxes[wallet].open(action);
      const status = await deliver(wallet, wallets.sandboxes[wallet].pay(order.id));
      log(`      paid ${order.id}, webhook ${status}`);
      await events();
      // The refund's own id makes a retry (a double click) the same refund, never a second one.
      const { refund } = await payments.refund(order.id, {
        refundId: `R${order.id}`.slice(0, 32),
        amount: 800,
        reason: '少发一只杯子',
      });
      await deliver(wallet, wallets.sandboxes[wallet].settleRefund(order.id, refund.id));
      log(`      refunded 8.00 yuan (${refund.id}); the wallet notified it`);
      await events();
      orders.set(order.id, order);
    }

    // 2. One code, any wallet.
    log('\n2. One code on the table (码牌), any wallet: 18.00 yuan per visit');
    const checkout = createCheckout({
      payments,
      secret: 'hutong-demo-checkout-secret-0123456789',
      baseUrl: `${server.url}/pay`,
      wallets: {
        alipay: { provider: 'alipay' },
        wechatpay: { provider: 'wechatpay' },
        unionpay: { provider: 'unionpay' },
      },
    });
    let codeCompletions = 0;
    checkout.on('checkout.completed', ({ order }) => {
      codeCompletions++;
      log(`      ↳ event checkout.completed by ${order.provider} (${order.id})`);
    });
    const { url } = await checkout.createSession({
      amount: 1800,
      subject: '咖啡 大杯',
      reusable: true,
      maxCompletions: 10,
    });
    log(`   ${url}`);
    print(renderQrText(url));
    const visits: { who: string; userAgent: string; wallet: Wallet; via?: 'wechatpay' }[] = [
      { who: 'a buyer in Alipay', userAgent: USER_AGENTS.alipay, wallet: 'alipay' },
      { who: 'a buyer in Cloud QuickPass', userAgent: USER_AGENTS.unionpay, wallet: 'unionpay' },
      {
        who: 'a desktop browser, choosing WeChat Pay',
        userAgent: USER_AGENTS.desktop,
        wallet: 'wechatpay',
        via: 'wechatpay',
      },
    ];
    for (const visit of visits) {
      let routed = await checkout.visit({ url, userAgent: visit.userAgent });
      if (routed.type === 'cashier' && visit.via) {
        const option = routed.options.find((o) => o.wallet === visit.via);
        if (option) routed = await checkout.visit({ url: option.url, userAgent: visit.userAgent });
      }
      if (routed.type !== 'payment') throw new Error(`the visit of ${visit.who} was routed to ${routed.type}`);
      log(`   ${visit.who}: ${routed.order.method} payment ${routed.order.id}, paid`);
      wallets.sandboxes[visit.wallet].open(routed.action);
      await deliver(visit.wallet, wallets.sandboxes[visit.wallet].pay(routed.order.id));
      await events();
      orders.set(routed.order.id, routed.order);
    }

    // 3. The till.
    log("\n3. The till scans any wallet's payment code (互认互扫)");
    for (const wallet of ['wechatpay', 'alipay', 'unionpay'] as const) {
      const { order, action } = await payments.payWithCode({
        authCode: TILL_CODES[wallet],
        amount: 1200,
        subject: '早餐',
      });
      log(`   code ${TILL_CODES[wallet]} → ${order.provider}: ${action.status} (${order.id})`);
      await events();
      orders.set(order.id, order);
    }

    // 4. A restart: the orders are in the file.
    log('\n4. The store is closed and opened again');
    await db.destroy();
    db = openDatabase(databaseFile);
    const reopened = createSqlStore({ db });
    const afterRestart: Order[] = [];
    for (const id of orders.keys()) afterRestart.push((await reopened.get(id)) as Order);
    const paid = afterRestart.filter((order) => order.paidAmount > 0).length;
    log(`   ${afterRestart.length} orders read back from the file; ${paid} of them paid`);

    // 5. A platform: two shops on the three wallets, a split and a payout.
    log('\n5. A platform (service provider) with two shops on all three wallets');
    const platform = await runPlatformDemo(log);

    // 6. A marketplace: pay → split → partial refund → return → payout.
    log('\n6. A marketplace: pay, split, refund, return, pay out');
    const marketplace = await runMarketplaceDemo(log);
    return { databaseFile, codeCompletions, afterRestart, platform, marketplace };
  } finally {
    await server.close();
    await wallets.close();
    await db.destroy();
  }
}
