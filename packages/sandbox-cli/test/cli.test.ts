/**
 * `hutong-sandbox`, spawned as a user runs it: `start` prints the base URLs and key paths; `trigger`
 * posts signed notifications to a local server, which an adapter configured with those keys verifies.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { alipay } from '@hutong/adapter-alipay';
import { unionpay } from '@hutong/adapter-unionpay';
import { wechatpay } from '@hutong/adapter-wechatpay';
import { createCheckout } from '@hutong/checkout';
import { createPayments, type NotificationInput, toNotificationRequest } from '@hutong/core';
import type { PaymentProvider } from '@hutong/core/provider-utils';
import { DEFAULT_DELIVERY_TIMEOUT_MS, rejectionOf } from '@hutong/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { track } from '../../../tests/support/processes.js';
import type { SandboxStartInfo } from '../src/index.js';
import { startMerchantServer } from './merchant-server.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = ['--import', 'tsx', 'packages/sandbox-cli/src/cli.ts'];
const run = promisify(execFile);

let child: ChildProcess;
let started: SandboxStartInfo;
let merchant: Awaited<ReturnType<typeof startMerchantServer>>;
const verified: { wallet: string; type: string }[] = [];

beforeAll(async () => {
  child = track(
    spawn(process.execPath, [...cli, 'start', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let output = '';
  started = await new Promise<SandboxStartInfo>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      try {
        resolve(JSON.parse(output) as SandboxStartInfo);
      } catch {
        // not all of it yet
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => reject(new Error(chunk.toString('utf8'))));
    child.once('exit', (code) => reject(new Error(`hutong-sandbox start exited with ${code}`)));
  });
  // The merchant's adapters, configured from what `start` printed (keys read from its files).
  const read = (path: string | undefined) => readFileSync(path as string, 'utf8');
  const providers: Record<string, PaymentProvider> = {
    alipay: alipay({
      appId: started.alipay.appId,
      sellerId: started.alipay.sellerId,
      privateKey: read(started.alipay.keys.privateKey),
      alipayPublicKey: read(started.alipay.keys.alipayPublicKey),
      endpoint: started.baseUrls.alipay,
    }),
    wechatpay: wechatpay({
      mchId: started.wechatpay.mchId,
      appId: started.wechatpay.appId,
      apiV3Key: started.wechatpay.apiV3Key,
      merchantSerialNo: started.wechatpay.merchantSerialNo,
      privateKey: read(started.wechatpay.keys.privateKey),
      wechatpayPublicKey: read(started.wechatpay.keys.wechatpayPublicKey),
      wechatpayPublicKeyId: started.wechatpay.wechatpayPublicKeyId,
      endpoint: started.baseUrls.wechatpay,
    }),
    unionpay: unionpay({
      merId: started.unionpay.merId,
      signCert: {
        privateKey: read(started.unionpay.keys.privateKey),
        certificate: read(started.unionpay.keys.certificate),
      },
      rootCert: read(started.unionpay.keys.rootCert),
      middleCert: read(started.unionpay.keys.middleCert),
      endpoint: started.baseUrls.unionpay,
    }),
  };
  merchant = await startMerchantServer(async (path, notification) => {
    const wallet = path.split('/').pop() as string;
    const { event } = await (providers[wallet] as PaymentProvider).verifyNotification(
      toNotificationRequest(notification),
    );
    verified.push({ wallet, type: event.type });
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'success' };
  });
}, 60_000);

afterAll(async () => {
  if (child?.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await merchant?.close();
});

const trigger = (...args: string[]) =>
  run(process.execPath, [...cli, 'trigger', ...args, '--sandbox', started.controlUrl], { cwd: root });

describe('hutong-sandbox', () => {
  it('start prints the three base URLs and the test keys it wrote', () => {
    expect(Object.keys(started.baseUrls)).toEqual(['alipay', 'wechatpay', 'unionpay']);
    expect(readFileSync(started.alipay.keys.privateKey as string, 'utf8')).toContain('PRIVATE KEY');
    expect(readFileSync(started.unionpay.keys.rootCert as string, 'utf8')).toContain('CERTIFICATE');
  });

  it.each(['alipay', 'wechatpay', 'unionpay'])(
    'trigger payment, refund and notification (%s): the merchant verifies each with its adapter',
    async (wallet) => {
      const to = `${merchant.url}/webhooks/${wallet}`;
      const order = `cli${wallet}0001`;
      const payment = JSON.parse(
        (await trigger('payment', '--wallet', wallet, '--order', order, '--amount', '100', '--to', to)).stdout,
      );
      expect(payment).toMatchObject({ orderId: order, url: to, status: 200 });
      const refund = JSON.parse((await trigger('refund', '--wallet', wallet, '--order', order, '--to', to)).stdout);
      expect(refund).toMatchObject({ orderId: order, status: 200 });
      await trigger('notification', '--wallet', wallet, '--order', order, '--to', to);
      const types = verified.filter((entry) => entry.wallet === wallet).map((entry) => entry.type);
      expect(types[0]).toBe('payment.succeeded');
      expect(types.slice(1)).toEqual([expect.stringMatching(/^refund\./), expect.stringMatching(/^refund\./)]);
    },
    60_000,
  );

  it('trigger explains what is wrong', async () => {
    await expect(trigger('payment', '--wallet', 'paypal')).rejects.toMatchObject({ code: 2 });
    await expect(trigger('notification', '--wallet', 'alipay', '--order', 'neverTriggered1')).rejects.toMatchObject({
      code: 1,
    });
    // An order the sandbox never saw: no made-up amount, but what to do instead.
    const to = `${merchant.url}/webhooks/alipay`;
    const unknown = await rejectionOf(trigger('payment', '--wallet', 'alipay', '--order', 'appOrder0001', '--to', to));
    expect(unknown).toMatchObject({ code: 1 });
    expect(String((unknown as { stderr?: string }).stderr)).toContain('the sandbox has no trade appOrder0001');
    // Without --to either: it says the trade is unknown, not that --to is missing.
    const unseen = await rejectionOf(trigger('payment', '--wallet', 'wechatpay', '--order', 'appOrder0002'));
    expect(String((unseen as { stderr?: string }).stderr)).toContain(
      'names a trade the wechatpay sandbox has not seen: the sandbox has no trade appOrder0002',
    );
    expect(String((unseen as { stderr?: string }).stderr)).not.toContain('--to is needed');
  });

  it('merchant registers sub-merchants: a partner payment for the sub_mchid is refused before and taken after', async () => {
    const read = (path: string | undefined) => readFileSync(path as string, 'utf8');
    const partner = wechatpay({
      mode: 'partner',
      spMchId: started.wechatpay.mchId,
      spAppId: started.wechatpay.appId,
      apiV3Key: started.wechatpay.apiV3Key,
      merchantSerialNo: started.wechatpay.merchantSerialNo,
      privateKey: read(started.wechatpay.keys.privateKey),
      wechatpayPublicKey: read(started.wechatpay.keys.wechatpayPublicKey),
      wechatpayPublicKeyId: started.wechatpay.wechatpayPublicKeyId,
      endpoint: started.baseUrls.wechatpay,
    });
    const account = { merchant: 'shop-a', provider: 'wechatpay', accountId: '1900000777', enabled: true, fields: {} };
    const pay = (orderId: string) =>
      partner.createPayment({
        orderId,
        createdAt: new Date(),
        method: 'qr',
        amount: 100,
        currency: 'CNY',
        subject: 'tea',
        notifyUrl: 'https://platform.example/webhooks/wechatpay',
        returnUrl: null,
        expiresAt: null,
        buyerId: null,
        authCode: null,
        clientIp: null,
        providerOptions: {},
        merchant: account,
      });
    await expect(pay('subOrder0001')).rejects.toMatchObject({ code: 'provider_error' });
    const merchantCommand = (...args: string[]) =>
      run(process.execPath, [...cli, 'merchant', ...args, '--sandbox', started.controlUrl], { cwd: root });
    const { stdout } = await merchantCommand('--wallet', 'wechatpay', '--name', '老王煎饼', '--id', '1900000777');
    expect(JSON.parse(stdout)).toMatchObject({ wallet: 'wechatpay', accountId: '1900000777' });
    expect((await pay('subOrder0002')).action).toMatchObject({ type: 'qr' });
    const union = JSON.parse(
      (await merchantCommand('--wallet', 'unionpay', '--name', 'Bakery B', '--abbr', 'BakeryB')).stdout,
    );
    expect(union).toMatchObject({ wallet: 'unionpay', fields: { subMerName: 'Bakery B', subMerAbbr: 'BakeryB' } });
    expect(union.accountId).toMatch(/^898\d{12}$/);
    const ali = JSON.parse((await merchantCommand('--wallet', 'alipay', '--name', 'Shop C')).stdout);
    expect(ali.accountId).toMatch(/^\d{16}$/);
    await expect(merchantCommand('--wallet', 'paypal', '--name', 'x')).rejects.toMatchObject({ code: 2 });
  });

  it('start prints a SandboxStartInfo, the same as GET /', async () => {
    const served = (await (await fetch(started.controlUrl)).json()) as SandboxStartInfo;
    expect(served).toEqual(started);
    expect(Object.keys(started.unionpay.keys).sort()).toEqual(['certificate', 'middleCert', 'privateKey', 'rootCert']);
  });

  it('trigger posts to the merchant as a wallet does: a redirect is not followed', async () => {
    const elsewhere = await startMerchantServer(async () => ({ status: 200, headers: {}, body: 'taken' }));
    const redirecting = await startMerchantServer(async () => ({
      status: 302,
      headers: { location: `${elsewhere.url}/stolen` },
      body: '',
    }));
    try {
      const result = await rejectionOf(
        trigger('payment', '--wallet', 'alipay', '--amount', '100', '--to', `${redirecting.url}/hook`),
      );
      expect(String((result as { stdout?: string }).stdout)).toContain('"status":302');
      expect(elsewhere.received).toEqual([]);
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });

  it('pays a checkout attempt as the testing guide says: its order id from the attempt page, once the wallet page is open, no --to', async () => {
    // The app: a checkout on the `start` sandboxes (Alipay configured from what start printed), its
    // webhooks and its pages on one local server.
    const payments = createPayments({
      providers: [
        alipay({
          appId: started.alipay.appId,
          sellerId: started.alipay.sellerId,
          privateKey: readFileSync(started.alipay.keys.privateKey as string, 'utf8'),
          alipayPublicKey: readFileSync(started.alipay.keys.alipayPublicKey as string, 'utf8'),
          endpoint: started.baseUrls.alipay,
        }),
      ],
      notifyUrl: (provider) => `${app.url}/webhooks/${provider}`,
    });
    const hook = payments.nodeWebhookHandler('alipay');
    let checkout: ReturnType<typeof createCheckout> | undefined;
    const server = createServer((request, response) => {
      if (request.url?.startsWith('/webhooks/alipay')) return void hook(request, response);
      return void checkout?.nodeHandler(request, response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const app = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    try {
      checkout = createCheckout({
        payments,
        secret: 'sandbox-cli-checkout-secret-0123456789',
        baseUrl: `${app.url}/pay`,
        wallets: { alipay: { provider: 'alipay' } },
      });
      const { session, url } = await checkout.createSession({ amount: 1800, subject: '咖啡 大杯' });
      // The buyer opens the link in Alipay: an attempt, whose page is <link>/a/<orderId>.
      const routed = await checkout.visit({
        url,
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 AlipayClient/10.5.86.6000',
      });
      if (routed.type !== 'payment') throw new Error(`routed to ${routed.type}`);
      const orderId = routed.order.id;
      expect((await checkout.listAttempts(session.id)).map((attempt) => attempt.orderId)).toEqual([orderId]);
      const page = await fetch(`${url}/a/${orderId}`);
      expect(page.status).toBe(200);

      // An Alipay h5 (wap) payment is a signed form the buyer's browser takes to the wallet: until
      // the browser opens that page, the sandbox has no trade, and the CLI says what to do.
      const early = await rejectionOf(trigger('payment', '--wallet', 'alipay', '--order', orderId));
      expect(String((early as { stderr?: string }).stderr)).toContain(
        "a page payment (Alipay's or UnionPay's web or h5) reaches the sandbox only when the buyer's browser opens the wallet's page",
      );
      const { action } = routed;
      if (action.type !== 'form' && action.type !== 'redirect')
        throw new Error(`an h5 payment answered ${action.type}`);
      const opened =
        action.type === 'redirect'
          ? await fetch(action.url, { redirect: 'manual' })
          : await fetch(action.url, {
              method: action.method,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams(action.fields),
              redirect: 'manual',
            });
      expect(opened.status).toBe(200); // the sandbox's cashier page, with its pay button

      const { stdout } = await trigger('payment', '--wallet', 'alipay', '--order', orderId);
      expect(JSON.parse(stdout)).toMatchObject({ orderId, url: `${app.url}/webhooks/alipay`, status: 200 });
      expect((await payments.getOrder(orderId)).status).toBe('paid');
      const status = (await (await fetch(`${url}/a/${orderId}/status`)).json()) as { state: string };
      expect(status.state).toBe('paid');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);

  it('trigger gives up on a merchant that never answers, at the delivery deadline', async () => {
    const silent = createServer(() => {}); // accepts, never answers
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const to = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
    try {
      const started = Date.now();
      const failure = await rejectionOf(trigger('payment', '--wallet', 'unionpay', '--amount', '100', '--to', to));
      expect(String((failure as { stderr?: string }).stderr)).toContain('did not answer in time');
      expect(Date.now() - started).toBeLessThan(DEFAULT_DELIVERY_TIMEOUT_MS + 8_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  }, 40_000);

  it('trigger split and transfer: the wallet settles what the app made, and the app verifies each notification', async () => {
    const read = (path: string | undefined) => readFileSync(path as string, 'utf8');
    const movements: { wallet: string; event: unknown }[] = [];
    const movementServer = await startMerchantServer(async (path, notification: NotificationInput) => {
      const wallet = path.split('/').pop() as 'alipay' | 'wechatpay';
      const { event } = await providers[wallet].verifyMovementNotification(toNotificationRequest(notification));
      movements.push({ wallet, event });
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'success' };
    });
    const providers = {
      wechatpay: wechatpay({
        mchId: started.wechatpay.mchId,
        appId: started.wechatpay.appId,
        apiV3Key: started.wechatpay.apiV3Key,
        merchantSerialNo: started.wechatpay.merchantSerialNo,
        privateKey: read(started.wechatpay.keys.privateKey),
        wechatpayPublicKey: read(started.wechatpay.keys.wechatpayPublicKey),
        wechatpayPublicKeyId: started.wechatpay.wechatpayPublicKeyId,
        endpoint: started.baseUrls.wechatpay,
      }),
      // Certificate mode, from the certificate files `start` wrote: Alipay's transfers need it.
      alipay: alipay({
        appId: started.alipay.appId,
        sellerId: started.alipay.sellerId,
        privateKey: read(started.alipay.keys.privateKey),
        appCert: read(started.alipay.keys.appCert),
        alipayPublicCert: read(started.alipay.keys.alipayPublicCert),
        alipayRootCert: read(started.alipay.keys.alipayRootCert),
        endpoint: started.baseUrls.alipay,
      }),
    };
    const payments = createPayments({
      providers: [providers.wechatpay, providers.alipay],
      notifyUrl: (wallet) => `${merchant.url}/webhooks/${wallet}`,
      movementNotifyUrl: (wallet) => `${movementServer.url}/movements/${wallet}`,
    });
    const paidForSplit = async (wallet: 'alipay' | 'wechatpay', orderId: string) => {
      await payments.createPayment({
        provider: wallet,
        method: 'qr',
        orderId,
        amount: 1000,
        subject: '外卖',
        split: true,
      });
      await trigger('payment', '--wallet', wallet, '--order', orderId);
      expect((await payments.sync(orderId)).status).toBe('paid');
    };
    try {
      // WeChat Pay: a split of two receivers settles, one of them refused; a payout is confirmed.
      await paidForSplit('wechatpay', 'cliSplitWx01');
      for (const [type, account, name] of [
        ['MERCHANT_ID', '86693852', '平台有限公司'],
        ['MERCHANT_ID', '86693853', '配送有限公司'],
      ] as const) {
        await providers.wechatpay.profitSharing.addReceiver({ type, account, name, relationType: 'PARTNER' });
      }
      const split = await payments.split('cliSplitWx01', {
        splitId: 'cliWxSplit01',
        receivers: [
          { type: 'merchant', account: '86693852', amount: 100, description: '佣金' },
          { type: 'merchant', account: '86693853', amount: 200, description: '配送费' },
        ],
      });
      expect(split.status).toBe('pending');
      // WeChat Pay posts splits to the address on its merchant platform: without --to, nothing settles.
      const noTo = await rejectionOf(trigger('split', '--wallet', 'wechatpay', '--split', 'cliWxSplit01'));
      expect(String((noTo as { stderr?: string }).stderr)).toContain('--to');
      const to = `${movementServer.url}/movements/wechatpay`;
      const settled = JSON.parse(
        (await trigger('split', '--wallet', 'wechatpay', '--split', 'cliWxSplit01', '--fail', '86693853', '--to', to))
          .stdout,
      );
      expect(settled).toMatchObject({ splitId: 'cliWxSplit01', status: 200 });
      expect(settled.deliveries).toHaveLength(2);
      expect(movements.splice(0).map((m) => m.event)).toMatchObject([
        { type: 'split.status', splitId: 'cliWxSplit01', receivers: [{ account: '86693852', status: 'succeeded' }] },
        { type: 'split.status', splitId: 'cliWxSplit01', receivers: [{ account: '86693853', status: 'closed' }] },
      ]);
      expect((await payments.sync('cliSplitWx01')).splits?.[0]?.receivers.map((r) => r.status)).toEqual([
        'succeeded',
        'closed',
      ]);
      const payout = await payments.transfer({
        provider: 'wechatpay',
        transferId: 'cliWxPayout1',
        amount: 300,
        payee: { type: 'openid', account: 'oCliPayee0000000000000000001' },
        remark: '奖励',
        providerOptions: {
          sceneId: '1005',
          sceneReports: [
            { type: '岗位类型', content: '外卖员' },
            { type: '报酬说明', content: '奖励' },
          ],
        },
      });
      expect(payout.status).toBe('pending_confirmation');
      // Posted to the transfer's notify URL (the facade's movementNotifyUrl).
      const confirmed = JSON.parse(
        (await trigger('transfer', '--wallet', 'wechatpay', '--transfer', 'cliWxPayout1')).stdout,
      );
      expect(confirmed).toMatchObject({ transferId: 'cliWxPayout1', url: to, status: 200 });
      expect(movements.splice(0).map((m) => m.event)).toMatchObject([
        { type: 'transfer.status', transferId: 'cliWxPayout1', amount: 300, status: 'succeeded' },
      ]);
      expect((await payments.syncTransfer('cliWxPayout1')).status).toBe('succeeded');

      // Alipay: the served sandbox holds settlements and transfers until triggered.
      await paidForSplit('alipay', 'cliSplitAli1');
      await providers.alipay.bindRoyaltyRelation({
        requestId: 'cliBind0001',
        receivers: [{ account: '2088101126765726' }],
      });
      const aliSplit = await payments.split('cliSplitAli1', {
        splitId: 'cliAliSplit1',
        receivers: [{ type: 'personal', account: '2088101126765726', amount: 400, description: '佣金' }],
      });
      expect(aliSplit.status).toBe('pending');
      const aliTo = `${movementServer.url}/movements/alipay`;
      const noOrder = await rejectionOf(
        trigger('split', '--wallet', 'alipay', '--split', 'cliAliSplit1', '--to', aliTo),
      );
      expect(String((noOrder as { stderr?: string }).stderr)).toContain('--order');
      await trigger('split', '--wallet', 'alipay', '--split', 'cliAliSplit1', '--order', 'cliSplitAli1', '--to', aliTo);
      expect(movements.splice(0).map((m) => m.event)).toMatchObject([
        { type: 'split.status', splitId: 'cliAliSplit1', status: 'succeeded' },
      ]);
      expect((await payments.sync('cliSplitAli1')).splits?.[0]?.status).toBe('succeeded');
      const aliPayout = await payments.transfer({
        provider: 'alipay',
        transferId: 'cliAliPayout',
        amount: 500,
        payee: { type: 'userId', account: '2088101126765726' },
        remark: '佣金',
      });
      expect(aliPayout.status).toBe('processing');
      await expect(
        trigger('transfer', '--wallet', 'alipay', '--transfer', 'cliAliPayout', '--status', 'cancelled', '--to', aliTo),
      ).rejects.toMatchObject({ code: 1 });
      await trigger(
        'transfer',
        '--wallet',
        'alipay',
        '--transfer',
        'cliAliPayout',
        '--status',
        'failed',
        '--to',
        aliTo,
      );
      expect(movements.splice(0).map((m) => m.event)).toMatchObject([
        { type: 'transfer.status', transferId: 'cliAliPayout', amount: 500, status: 'failed' },
      ]);
      expect((await payments.syncTransfer('cliAliPayout')).status).toBe('failed');

      // UnionPay moves no money out.
      await expect(trigger('transfer', '--wallet', 'unionpay', '--transfer', 'x')).rejects.toMatchObject({ code: 2 });
    } finally {
      await movementServer.close();
    }
  }, 60_000);
});
