/**
 * Every framework line of the docs outside the recipe files (those are run by frameworks.test.ts
 * and examples/recipes): each `app.<method>(…)` statement of a TypeScript block of the README, the
 * guides and the packages' READMEs is executed here, as written, on the framework it is for
 * (Express 5, or Hono for a handler that takes a web Request), against the wallets' sandboxes;
 * then the request it exists for goes through it. A new framework line with no runner here fails.
 */
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { alipay } from '@hutong/adapter-alipay';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import {
  createMemoryMerchantDirectory,
  createPayments,
  type NotificationInput,
  toNotificationRequest,
} from '@hutong/core';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWallets } from '../src/wallets.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The end of the statement that starts at `start` (its closing parenthesis), skipping strings. */
function statementEnd(code: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < code.length; i++) {
    const char = code[i] as string;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return i + 1;
  }
  throw new Error(`unbalanced statement at ${start}`);
}

/** Every `app.<method>(…)` statement of the docs' TypeScript blocks that are not recipe files. */
function frameworkLines(): { file: string; statement: string }[] {
  const files = [
    'README.md',
    ...readdirSync(`${root}docs`)
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
    ...readdirSync(`${root}packages`).map((name) => `packages/${name}/README.md`),
  ].filter((file) => existsSync(`${root}${file}`));
  const lines: { file: string; statement: string }[] = [];
  for (const file of files) {
    const text = readFileSync(`${root}${file}`, 'utf8');
    for (const block of text.matchAll(/(<!-- recipe: [^>]+-->\s*\n)?```(?:ts|typescript)\n([\s\S]*?)```/g)) {
      if (block[1]) continue;
      const code = block[2] as string;
      for (const call of code.matchAll(/^[ \t]*app\.\w+\(/gm))
        lines.push({ file, statement: code.slice(call.index, statementEnd(code, call.index)).trim() });
    }
  }
  return lines;
}

/** Runs a doc statement as written, with the names it uses bound to real objects. */
function runStatement(statement: string, scope: Record<string, unknown>): void {
  new Function(...Object.keys(scope), `${statement};`)(...Object.values(scope));
}

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const post = (url: string, notification: NotificationInput) =>
  fetch(url, {
    method: 'POST',
    headers: notification.headers as Record<string, string>,
    body: notification.body as string,
  });

/** The merchant's Alipay app key pair, for the Alipay apps this test adds. */
const appKeys = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
})();

/** The shop: the three wallets on their sandboxes, and two more Alipay apps (docs/alipay.md's hk and sh). */
async function shop() {
  const wallets = await startWallets();
  const apps = ['alipay-hk', 'alipay-sh'].map((id) => {
    const sandbox = createAlipaySandbox({ appId: '2021000000000002', appPublicKey: appKeys.publicKey });
    const provider = alipay({
      id,
      appId: '2021000000000002',
      privateKey: appKeys.privateKey,
      alipayPublicKey: sandbox.alipayPublicKey,
      sellerId: sandbox.sellerId,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    });
    return { id, sandbox, provider };
  });
  const payments = createPayments({
    providers: [...wallets.providers, ...apps.map((app) => app.provider)],
    notifyUrl: (provider) => `https://shop.example/webhooks/${provider}`,
  });
  const sandboxes = {
    ...wallets.sandboxes,
    ...Object.fromEntries(apps.map((app) => [app.id, app.sandbox])),
  } as Record<string, (typeof wallets.sandboxes)['alipay']>;
  return { wallets, payments, sandboxes };
}

type Shop = Awaited<ReturnType<typeof shop>>;
let current: Shop;
beforeAll(async () => {
  current = await shop();
}, 30_000);
afterAll(async () => {
  await current.wallets.close();
});

/** A QR payment of 19.99 yuan on `provider`, scanned and paid on its sandbox: the wallet's notification. */
async function paidOn(provider: string) {
  const { order, action } = await current.payments.createPayment({
    provider: provider as 'alipay',
    method: 'qr',
    amount: 1999,
    subject: '龙井',
  });
  const sandbox = current.sandboxes[provider];
  if (!sandbox) throw new Error(`no sandbox for ${provider}`);
  sandbox.open(action);
  return { order, notification: sandbox.pay(order.id) };
}

/** How each kind of framework line is run, and what it must then do. */
const runners: { name: string; matches: RegExp; run(statement: string): Promise<void> }[] = [
  {
    name: 'Express 5: the facade’s webhook handler (with express.raw or no parser), a wallet’s notification',
    matches: /nodeWebhookHandler\('([\w-]+)'\)\)$/,
    async run(statement) {
      const provider = /nodeWebhookHandler\('([\w-]+)'\)/.exec(statement)?.[1] as string;
      const path = /^app\.post\('([^']+)'/.exec(statement)?.[1] as string;
      const app = express();
      runStatement(statement, { app, express, payments: current.payments });
      const server = await listen(app.listen(0, '127.0.0.1'));
      try {
        const { order, notification } = await paidOn(provider);
        const reply = await post(`${server.url}${path}`, notification);
        expect(reply.status, await reply.clone().text()).toBeLessThan(300);
        expect((await current.payments.getOrder(order.id)).status).toBe('paid');
      } finally {
        await server.close();
      }
    },
  },
  {
    name: 'Express 5: verifyNotification on express.text, markPaid on a verified payment, failure otherwise',
    matches: /^app\.post\('\/webhooks\/alipay', express\.text\(/,
    async run(statement) {
      const app = express();
      const paid: [string, number][] = [];
      const markPaid = async (orderId: string, amount: number) => void paid.push([orderId, amount]);
      const provider = current.payments.provider('alipay');
      runStatement(statement, { app, express, provider, toNotificationRequest, markPaid });
      const server = await listen(app.listen(0, '127.0.0.1'));
      try {
        const { order, notification } = await paidOn('alipay');
        const forged = {
          ...notification,
          body: String(notification.body).replace('total_amount=19.99', 'total_amount=0.01'),
        };
        expect(String(forged.body)).not.toBe(String(notification.body));
        const refused = await post(`${server.url}/webhooks/alipay`, forged);
        expect([refused.status, await refused.text()]).toEqual([400, 'failure']);
        const reply = await post(`${server.url}/webhooks/alipay`, notification);
        expect([reply.status, await reply.text()]).toEqual([200, 'success']);
        expect(paid).toEqual([[order.id, 1999]]);
      } finally {
        await server.close();
      }
    },
  },
  {
    name: 'Hono: the Alipay app-authorisation callback, a merchant authorising the platform’s app',
    matches: /^app\.get\('\/alipay\/authorized', \(c\) => authorization\.handleCallback\(c\.req\.raw\)\)$/,
    async run(statement) {
      const sandbox = createAlipaySandbox({ appId: '2021000000000003', appPublicKey: appKeys.publicKey });
      const directory = createMemoryMerchantDirectory([]);
      const provider = alipay({
        appId: '2021000000000003',
        privateKey: appKeys.privateKey,
        alipayPublicKey: sandbox.alipayPublicKey,
        endpoint: sandbox.baseUrl,
        fetch: sandbox.fetch,
        appAuth: { directory },
      });
      const authorization = provider.authorization({
        directory,
        redirectUri: 'https://platform.example/alipay/authorized',
        stateSecret: 'a-doc-line-state-secret-of-32-chars',
      });
      const app = new Hono();
      runStatement(statement, { app, authorization });
      const merchant = sandbox.addMerchant({ name: '老王煎饼' });
      const state = new URL(authorization.authorizeUrl('shop-42')).searchParams.get('state') ?? '';
      const callback = sandbox.authorizeMerchant(
        merchant.authAppId,
        'https://platform.example/alipay/authorized',
        state,
      );
      const reply = await app.fetch(new Request(callback));
      expect(reply.status).toBe(200);
      expect(await directory.resolve('shop-42', 'alipay')).toMatchObject({ accountId: merchant.authAppId });
      const replayed = await app.fetch(new Request(callback.replace(/state=[^&]+/, 'state=forged')));
      expect(replayed.status).toBe(400);
    },
  },
];

describe('framework lines of the docs, outside the recipe files', () => {
  const lines = frameworkLines();

  it('are found (the guides that have them)', () => {
    const files = new Set(lines.map((line) => line.file));
    for (const file of ['docs/alipay.md', 'docs/unionpay.md', 'docs/webhooks.md', 'packages/adapter-alipay/README.md'])
      expect(files).toContain(file);
  });

  for (const { file, statement } of lines) {
    it(`${file}: ${statement.split('\n')[0]}`, async () => {
      const runner = runners.find((candidate) => candidate.matches.test(statement));
      expect(runner, `no runner in this test for the framework line of ${file}: add one`).toBeDefined();
      await runner?.run(statement);
    }, 30_000);
  }
});
