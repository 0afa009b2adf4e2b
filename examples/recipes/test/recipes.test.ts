import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type NotificationInput, SignatureVerificationError } from '@hutong/core';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressApp } from '../src/express.js';
import { webhookRoutes } from '../src/fastify.js';
import { createHonoApp } from '../src/hono.js';
import { createKoaApp } from '../src/koa.js';
import { POST } from '../src/next-route.js';
import { createSandboxPayments, payments as nextPayments, sandboxes as nextSandboxes } from '../src/payments.js';

/** A running server: its base URL and how to stop it. */
interface Running {
  url: string;
  close(): Promise<void>;
}

/** Waits for a Node server started with `listen(0, '127.0.0.1')` and returns its URL. */
async function running(server: Server): Promise<Running> {
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** The shop's facade, with its providers' own types, as the recipes receive it. */
type ShopPayments = ReturnType<typeof createSandboxPayments>['payments'];

/** How each framework's app is started as a merchant would, on a free port of 127.0.0.1. */
const recipes: { name: string; start(payments: ShopPayments): Promise<Running> }[] = [
  {
    name: 'Express (express.raw)',
    start: (payments) => running(createExpressApp(payments).listen(0, '127.0.0.1')),
  },
  {
    name: 'Fastify (raw-body plugin)',
    async start(payments) {
      const app = Fastify();
      await app.register(webhookRoutes, { payments });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, close: () => app.close() };
    },
  },
  {
    name: 'Koa (ctx.req, ctx.respond = false)',
    start: (payments) => running(createKoaApp(payments).listen(0, '127.0.0.1')),
  },
  {
    name: 'Hono (web handler on @hono/node-server)',
    start: (payments) =>
      running(serve({ fetch: createHonoApp(payments).fetch, port: 0, hostname: '127.0.0.1' }) as Server),
  },
];

/** Posts a notification as the wallet does: its headers and raw body, with `fetch`. */
function post(url: string, notification: NotificationInput): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: notification.headers as Record<string, string>,
    body: notification.body as string,
  });
}

/** The notification with one form field or JSON value changed after signing. */
function tampered(notification: NotificationInput, from: string, to: string): NotificationInput {
  const body = notification.body as string;
  expect(body).toContain(from);
  return { ...notification, body: body.replace(from, to) };
}

let servers: Running[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

/** Why each refused notification was refused: a signature failure's reason, else the error. */
function refusals(payments: ShopPayments): unknown[] {
  const reasons: unknown[] = [];
  payments.on('notification.rejected', ({ error }) => {
    reasons.push(SignatureVerificationError.isInstance(error) ? error.reason : error);
  });
  return reasons;
}

/** A new shop (facade and sandboxes) served by `recipe` on a free port. */
async function shop(recipe: (typeof recipes)[number]) {
  const { payments, sandboxes } = createSandboxPayments();
  const server = await recipe.start(payments);
  servers.push(server);
  return { payments, sandboxes, url: server.url, refused: refusals(payments) };
}

for (const recipe of recipes) {
  describe(`${recipe.name} recipe`, () => {
    it('marks an Alipay order paid from its form-encoded notification', async () => {
      const { payments, sandboxes, url } = await shop(recipe);
      const { order } = await payments.createPayment({
        provider: 'alipay',
        method: 'qr',
        amount: 1999,
        subject: '龙井茶',
      });
      const notification = sandboxes.alipay.pay(order.id);
      expect(notification.headers).toMatchObject({
        'content-type': expect.stringMatching(/^application\/x-www-form-urlencoded/),
      });

      const reply = await post(`${url}/webhooks/alipay`, notification);

      expect(reply.status).toBe(200);
      expect(await reply.text()).toBe('success');
      expect((await payments.getOrder(order.id)).status).toBe('paid');
    });

    it('marks an order paid from a JSON notification (fake provider)', async () => {
      const { payments, sandboxes, url } = await shop(recipe);
      const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });

      const reply = await post(`${url}/webhooks/fake`, sandboxes.fake.pay(order.id));

      expect(reply.status).toBe(200);
      expect(await reply.text()).toBe('ok');
      expect((await payments.getOrder(order.id)).status).toBe('paid');
    });

    it('refuses a tampered form body and leaves the order unpaid', async () => {
      const { payments, sandboxes, url, refused } = await shop(recipe);
      const { order } = await payments.createPayment({
        provider: 'alipay',
        method: 'qr',
        amount: 1999,
        subject: 'Tea',
      });
      const forged = tampered(sandboxes.alipay.pay(order.id), 'total_amount=19.99', 'total_amount=0.01');

      const reply = await post(`${url}/webhooks/alipay`, forged);

      expect(reply.status).toBe(400);
      expect(await reply.text()).toBe('failure');
      expect((await payments.getOrder(order.id)).status).toBe('pending');
      expect(refused).toEqual(['bad_signature']);
    });

    it('refuses a tampered JSON body and leaves the order unpaid', async () => {
      const { payments, sandboxes, url, refused } = await shop(recipe);
      const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
      const forged = tampered(sandboxes.fake.pay(order.id), '"amount":1999', '"amount":1');

      const reply = await post(`${url}/webhooks/fake`, forged);

      expect(reply.status).toBe(400);
      expect(await reply.json()).toEqual({ error: 'signature_invalid' });
      expect((await payments.getOrder(order.id)).status).toBe('pending');
      expect(refused).toEqual(['bad_signature']);
    });
  });
}

describe('Express recipe, around the webhook routes', () => {
  it('leaves JSON parsing to the routes mounted after it', async () => {
    const { payments } = createSandboxPayments();
    const app = createExpressApp(payments);
    app.post('/api/echo', (request, response) => {
      response.json({ parsed: request.body });
    });
    const server = await running(app.listen(0, '127.0.0.1'));
    servers.push(server);

    const reply = await fetch(`${server.url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"tea":"longjing"}',
    });

    expect(await reply.json()).toEqual({ parsed: { tea: 'longjing' } });
  });
});

describe('Fastify recipe, around the webhook routes', () => {
  it('is needed: a Fastify app without the raw parser answers 415 to a form post', async () => {
    const { payments, sandboxes } = createSandboxPayments();
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1999, subject: 'Tea' });
    const app = Fastify();
    app.post('/webhooks/alipay', async () => 'unreachable');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push({ url, close: () => app.close() });

    const reply = await post(`${url}/webhooks/alipay`, sandboxes.alipay.pay(order.id));

    expect(reply.status).toBe(415);
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('keeps the raw parser inside its plugin: the rest of the app still parses JSON', async () => {
    const { payments } = createSandboxPayments();
    const app = Fastify();
    await app.register(webhookRoutes, { payments });
    app.post('/api/echo', async (request) => ({ parsed: request.body }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push({ url, close: () => app.close() });

    const reply = await fetch(`${url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"tea":"longjing"}',
    });

    expect(await reply.json()).toEqual({ parsed: { tea: 'longjing' } });
  });
});

describe('Next.js route handler recipe (POST called with a plain Request)', () => {
  const request = (notification: NotificationInput) =>
    new Request('http://localhost:3000/api/webhooks/alipay', {
      method: 'POST',
      headers: notification.headers as Record<string, string>,
      body: notification.body as string,
    });

  it('marks an Alipay order paid from its form-encoded notification', async () => {
    const { order } = await nextPayments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 1999,
      subject: '龙井茶',
    });

    const reply = await POST(request(nextSandboxes.alipay.pay(order.id)));

    expect(reply.status).toBe(200);
    expect(await reply.text()).toBe('success');
    expect((await nextPayments.getOrder(order.id)).status).toBe('paid');
  });

  it('refuses a tampered form body and leaves the order unpaid', async () => {
    const { order } = await nextPayments.createPayment({
      provider: 'alipay',
      method: 'qr',
      amount: 1999,
      subject: 'Tea',
    });
    const forged = tampered(nextSandboxes.alipay.pay(order.id), 'total_amount=19.99', 'total_amount=0.01');
    const refused = refusals(nextPayments);

    const reply = await POST(request(forged));

    expect(reply.status).toBe(400);
    expect(await reply.text()).toBe('failure');
    expect((await nextPayments.getOrder(order.id)).status).toBe('pending');
    expect(refused).toEqual(['bad_signature']);
  });
});

describe('docs/webhooks.md framework recipes', () => {
  const doc = readFileSync(new URL('../../../docs/webhooks.md', import.meta.url), 'utf8');
  const blocks = new Map(
    [...doc.matchAll(/<!-- recipe: (examples\/recipes\/src\/[\w-]+\.ts) -->\s*\n```typescript\n([\s\S]*?)```/g)].map(
      (match) => [match[1] as string, match[2] as string],
    ),
  );

  it.each(['express.ts', 'fastify.ts', 'koa.ts', 'hono.ts', 'next-route.ts'])(
    'shows src/%s exactly as tested',
    (file) => {
      const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
      expect(blocks.get(`examples/recipes/src/${file}`)).toBe(source);
    },
  );
});
