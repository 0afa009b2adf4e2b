/**
 * Every framework line of docs/unified-checkout.md, run: each recipe in src/frameworks is started
 * as a merchant would start it on a free port of 127.0.0.1, then a desktop browser, a buyer in
 * Alipay and a wallet posting the buyer back go through it. A test also checks that the code the
 * guide shows is the code tested.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Checkout, createCheckout } from '@hutong/checkout';
import { createPayments } from '@hutong/core';
import { createFakeProvider } from '@hutong/core/testing';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressApp } from '../src/frameworks/express.js';
import { checkoutRoutes as fastifyRoutes } from '../src/frameworks/fastify.js';
import { createHonoApp } from '../src/frameworks/hono.js';
import { checkoutRoutes as nextRoutes } from '../src/frameworks/next-route.js';
import { createCheckoutServer } from '../src/frameworks/node-http.js';

const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const ALIPAY = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 AlipayClient/10.5.86.6000';

/** A checkout on fake wallets, mounted at https://shop.example/pay (the server itself is on loopback). */
function shop(): Checkout {
  const providers = ['alipay', 'wechatpay', 'unionpay'].map((wallet) =>
    createFakeProvider({ id: wallet, wallet, instantRefunds: true }),
  );
  const payments = createPayments({ providers, notifyUrl: (id) => `https://shop.example/webhooks/${id}` });
  return createCheckout({
    payments,
    secret: 'framework-recipes-secret-0123456789abcdef',
    baseUrl: 'https://shop.example/pay',
    wallets: {
      alipay: { provider: 'alipay' },
      wechatpay: { provider: 'wechatpay' },
      unionpay: { provider: 'unionpay' },
    },
  });
}

interface Running {
  /** How to send a request to the app: its path on the server (fetch, or a direct call). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

async function listening(server: Server): Promise<Running> {
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual', ...init }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const recipes: { name: string; start(checkout: Checkout): Promise<Running> }[] = [
  { name: 'node:http', start: (checkout) => listening(createCheckoutServer(checkout).listen(0, '127.0.0.1')) },
  { name: 'Express 5', start: (checkout) => listening(createExpressApp(checkout).listen(0, '127.0.0.1')) },
  {
    name: 'Fastify',
    async start(checkout) {
      const app = Fastify();
      await app.register(fastifyRoutes, { checkout });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return {
        fetch: (path, init) => fetch(`${url}${path}`, { redirect: 'manual', ...init }),
        close: () => app.close(),
      };
    },
  },
  {
    name: 'Hono (on @hono/node-server)',
    start: (checkout) =>
      listening(serve({ fetch: createHonoApp(checkout).fetch, port: 0, hostname: '127.0.0.1' }) as Server),
  },
  {
    name: 'Next.js route handler',
    async start(checkout) {
      const routes = nextRoutes(checkout);
      return {
        fetch: async (path, init) => {
          const request = new Request(`http://localhost:3000${path}`, init);
          const handle = request.method === 'POST' ? routes.POST : request.method === 'HEAD' ? routes.HEAD : routes.GET;
          return handle(request);
        },
        close: async () => undefined,
      };
    },
  },
];

const running: Running[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

for (const recipe of recipes) {
  describe(`${recipe.name} recipe`, () => {
    it('serves the cashier, routes a buyer in Alipay to the wallet, takes a POSTed return, 404s the rest', async () => {
      const checkout = shop();
      const app = await recipe.start(checkout);
      running.push(app);
      const { session, url } = await checkout.createSession({ amount: 1800, subject: '咖啡 大杯' });
      const link = new URL(url).pathname;

      const cashier = await app.fetch(link, { headers: { 'user-agent': DESKTOP } });
      expect(cashier.status).toBe(200);
      expect(await cashier.text()).toContain('<svg');

      const alipay = await app.fetch(link, { headers: { 'user-agent': ALIPAY } });
      expect(alipay.status).toBe(303);
      expect(alipay.headers.get('location')).toMatch(/^https:\/\/fake\.hutong\.invalid\//);

      const [attempt] = await checkout.listAttempts(session.id);
      const attemptPath = `${link}/a/${attempt?.orderId}`;
      const back = await app.fetch(attemptPath, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'respCode=00&orderId=x',
      });
      expect(back.status).toBe(303);
      expect(back.headers.get('location')).toBe(`https://shop.example${attemptPath}`);

      expect((await app.fetch('/pay/nothing-here', { headers: { 'user-agent': DESKTOP } })).status).toBe(404);
    });
  });
}

describe('Express 5 and the wildcard', () => {
  it('refuses the unnamed wildcard of Express 4 (`/pay/*`) at start: the recipe names it (`/pay/*splat`)', () => {
    const app = express();
    expect(() => app.all('/pay/*', shop().nodeHandler)).toThrow(/Missing parameter name/);
  });
});

describe('docs/unified-checkout.md framework recipes', () => {
  const doc = readFileSync(new URL('../../../docs/unified-checkout.md', import.meta.url), 'utf8');
  const blocks = new Map(
    [
      ...doc.matchAll(
        /<!-- recipe: (examples\/checkout\/src\/frameworks\/[\w-]+\.ts) -->\s*\n```typescript\n([\s\S]*?)```/g,
      ),
    ].map((match) => [match[1] as string, match[2] as string]),
  );

  it.each(['node-http.ts', 'express.ts', 'fastify.ts', 'hono.ts', 'next-route.ts'])(
    'shows src/frameworks/%s exactly as tested',
    (file) => {
      const source = readFileSync(new URL(`../src/frameworks/${file}`, import.meta.url), 'utf8');
      expect(blocks.get(`examples/checkout/src/frameworks/${file}`)).toBe(source);
    },
  );

  it('has no other framework line: every mount of the checkout in the guide is one of the recipes', () => {
    const outside = doc.replace(/<!-- recipe: [^>]+-->\s*\n```typescript\n[\s\S]*?```/g, '');
    expect(outside).not.toMatch(/app\.(all|get|post|use)\(/);
  });
});
