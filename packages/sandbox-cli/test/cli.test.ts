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
import { createPayments, toNotificationRequest } from '@hutong/core';
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
});
