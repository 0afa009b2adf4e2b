/**
 * All three wallets end to end in Node, Bun, Deno and workerd: the merchant app (bundled from the
 * packages' sources) runs in the runtime; the wallets' sandboxes run here, over HTTP. Per wallet:
 * a QR payment is created against the sandbox, the buyer scans and pays, the sandbox posts its
 * signed notification to the app's webhook, the order is paid; a refund is asked, settled by the
 * wallet and notified, and the order is refunded.
 *
 * A runtime whose binary is missing is skipped with the reason, except under `CI=true`, where it
 * fails: CI must run all four.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { createUnionpaySandbox } from '@hutong/adapter-unionpay/sandbox';
import { createWechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import type { NextAction } from '@hutong/core';
import type { WalletSandbox, WalletSandboxServer } from '@hutong/core/testing';
import { createTestIdentity } from '@hutong/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnavailable } from '../../support/unavailable.js';
import type { MerchantSetup, Wallet } from '../src/merchant-app.js';
import { type Bundles, bundle, type RunningApp, type Runtime, runtimes } from './runtimes.js';

const pem = {
  privateKey: (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
    key.export({ type: 'pkcs8', format: 'pem' }) as string,
  publicKey: (key: ReturnType<typeof generateKeyPairSync>['publicKey']) =>
    key.export({ type: 'spki', format: 'pem' }) as string,
};

/** The three sandboxes, with the merchant's keys for each (all made here, for this run). */
function makeWallets() {
  const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = createAlipaySandbox({ appId: '2021000122671080', appPublicKey: pem.publicKey(alipayKeys.publicKey) });
  const wechatKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const wechat = {
    mchId: '1234567891',
    appId: 'wxd678efh567hg6787',
    merchantSerialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
    apiV3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
  };
  const wechatpay = createWechatpaySandbox({ ...wechat, merchantPublicKey: pem.publicKey(wechatKeys.publicKey) });
  const now = Date.now();
  const unionMerchant = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['CN', 'runtime test merchant'],
    ],
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
  });
  const merId = '777290058110048';
  const unionpay = createUnionpaySandbox({ merId, merchantCertificate: unionMerchant.pem });
  const sandboxes: Record<Wallet, WalletSandbox> = { alipay, wechatpay, unionpay };
  const setup = (endpoints: Record<Wallet, string>, notifyBase: string): MerchantSetup => ({
    notifyBase,
    alipay: {
      appId: '2021000122671080',
      privateKey: pem.privateKey(alipayKeys.privateKey),
      alipayPublicKey: alipay.alipayPublicKey,
      sellerId: alipay.sellerId,
      endpoint: endpoints.alipay,
    },
    wechatpay: {
      ...wechat,
      privateKey: pem.privateKey(wechatKeys.privateKey),
      wechatpayPublicKey: wechatpay.wechatpayPublicKey,
      wechatpayPublicKeyId: wechatpay.wechatpayPublicKeyId,
      endpoint: endpoints.wechatpay,
    },
    unionpay: {
      merId,
      signCert: { privateKey: pem.privateKey(unionMerchant.privateKey), certificate: unionMerchant.pem },
      rootCert: unionpay.rootCert,
      middleCert: unionpay.middleCert,
      endpoint: endpoints.unionpay,
    },
  });
  return { sandboxes, setup };
}

const wallets = makeWallets();
const servers: WalletSandboxServer[] = [];
let endpoints: Record<Wallet, string>;
let bundles: Bundles;
const all = runtimes();
const apps = new Map<Runtime['name'], Promise<RunningApp>>();

beforeAll(async () => {
  bundles = await bundle();
  const [alipay, wechatpay, unionpay] = await Promise.all([
    wallets.sandboxes.alipay.listen(),
    wallets.sandboxes.wechatpay.listen(),
    wallets.sandboxes.unionpay.listen(),
  ]);
  servers.push(alipay, wechatpay, unionpay);
  endpoints = { alipay: alipay.baseUrl, wechatpay: wechatpay.baseUrl, unionpay: unionpay.baseUrl };
  // The runtimes start side by side; each suite waits for its own.
  for (const runtime of all) if (!runtime.missing) apps.set(runtime.name, startAndSetUp(runtime));
  await Promise.allSettled(apps.values());
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([...apps.values()].map(async (app) => (await app).stop()));
  await Promise.all(servers.map((server) => server.close()));
  bundles?.remove();
});

async function startAndSetUp(runtime: Runtime): Promise<RunningApp> {
  const app = await runtime.start(bundles);
  const reply = await call(app, 'POST', '/setup', wallets.setup(endpoints, app.url));
  expect(reply).toEqual({ ok: true, runtime: runtime.name });
  return app;
}

async function call(app: RunningApp, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const reply = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(reply)}`);
  return reply;
}

let sequence = 0;
/** A fresh order id (8 to 32 letters and digits) for one runtime and wallet. */
const orderIdFor = (runtime: string, wallet: string, prefix: string) =>
  `${prefix}${runtime.slice(0, 2)}${wallet.slice(0, 2)}${Date.now().toString(36)}${++sequence}`;

async function payAndRefund(app: RunningApp, runtime: Runtime['name'], wallet: Wallet): Promise<void> {
  const sandbox = wallets.sandboxes[wallet];
  const orderId = orderIdFor(runtime, wallet, 'rt');
  const created = await call(app, 'POST', '/payments', { wallet, orderId, amount: 1999 });
  expect(created.status).toBe('pending');
  const action = created.action as NextAction;
  expect(action.type).toBe('qr');

  // The buyer scans and pays; the wallet posts its signed notification to the app's webhook.
  sandbox.open(action);
  const paid = await sandbox.deliver(sandbox.pay(orderId));
  expect(paid.ok).toBe(true);
  expect(await call(app, 'GET', `/orders/${orderId}`)).toEqual({ status: 'paid', refunded: 0 });

  const refundId = orderIdFor(runtime, wallet, 'rf');
  const refund = await call(app, 'POST', '/refunds', { orderId, refundId, amount: 500 });
  expect(refund.refundId).toBe(refundId);
  const settled = await sandbox.deliver(sandbox.settleRefund(orderId, refundId));
  expect(settled.ok).toBe(true);
  expect(await call(app, 'GET', `/orders/${orderId}`)).toEqual({ status: 'partially_refunded', refunded: 500 });
}

for (const runtime of all) {
  describe(`${runtime.name}`, () => {
    for (const wallet of ['alipay', 'wechatpay', 'unionpay'] as const) {
      it(`${wallet}: a QR payment is paid through the webhook and refunded`, async (context) => {
        if (runtime.missing) return skipUnavailable(context, `${runtime.name}: ${runtime.missing}`);
        const app = await apps.get(runtime.name);
        if (!app) throw new Error(`${runtime.name} was not started`);
        await payAndRefund(app, runtime.name, wallet);
      });
    }
  });
}
