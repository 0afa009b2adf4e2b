import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPayments } from '../src/index.js';
import { normalizeHeaders, toNotificationRequest } from '../src/provider-utils/index.js';
import { createFakeProvider } from '../src/testing/index.js';

describe('normalizeHeaders', () => {
  const expected = { 'wechatpay-serial': 'PUB_KEY_ID_1', 'x-multi': 'a, b' };

  it.each([
    [
      'a plain object with array values (Node)',
      { 'Wechatpay-Serial': 'PUB_KEY_ID_1', 'X-Multi': ['a', 'b'], skipped: undefined },
    ],
    [
      'a web Headers',
      new Headers([
        ['Wechatpay-Serial', 'PUB_KEY_ID_1'],
        ['X-Multi', 'a'],
        ['X-Multi', 'b'],
      ]),
    ],
    [
      'a Map',
      new Map([
        ['Wechatpay-Serial', 'PUB_KEY_ID_1'],
        ['x-multi', 'a, b'],
      ]),
    ],
    [
      'an array of pairs',
      [
        ['Wechatpay-Serial', 'PUB_KEY_ID_1'],
        ['X-Multi', 'a'],
        ['x-multi', 'b'],
      ] as [string, string][],
    ],
  ])('lower-cases and flattens %s', (_label, input) => {
    expect(normalizeHeaders(input as never)).toEqual(expected);
  });
});

describe('toNotificationRequest', () => {
  it('keeps the raw bytes and decodes them as UTF-8 exactly once', () => {
    const text = 'subject=%E8%8C%B6&note=100%25+sure&emoji=😀';
    const bytes = new TextEncoder().encode(text);
    const fromBytes = toNotificationRequest({ headers: {}, body: bytes });
    expect(fromBytes.body).toBe(text);
    expect(fromBytes.rawBody).toBe(bytes);
    const fromBuffer = toNotificationRequest({ headers: {}, body: bytes.buffer as ArrayBuffer });
    expect(fromBuffer.body).toBe(text);
    const fromString = toNotificationRequest({ headers: {}, body: text, method: 'post' });
    expect(Buffer.from(fromString.rawBody).equals(Buffer.from(bytes))).toBe(true);
    expect(fromString.method).toBe('POST');
  });
});

async function paidSetup() {
  const fake = createFakeProvider();
  const payments = createPayments({ providers: [fake] });
  const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea' });
  return { fake, payments, order, notification: fake.sandbox.pay(order.id) };
}

describe('webhookHandler (web-standard Request → Response)', () => {
  it('verifies the raw body and answers with the provider acknowledgement', async () => {
    const { payments, order, notification } = await paidSetup();
    const handler = payments.webhookHandler('fake');
    const response = await handler(
      new Request('https://shop.example/hooks/fake', {
        method: 'POST',
        headers: notification.headers as Record<string, string>,
        body: notification.body as string,
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect((await payments.getOrder(order.id)).status).toBe('paid');
  });

  it('answers a forged request with the rejection reply', async () => {
    const { payments, order, notification } = await paidSetup();
    const response = await payments.webhookHandler('fake')(
      new Request('https://shop.example/hooks/fake', {
        method: 'POST',
        headers: notification.headers as Record<string, string>,
        body: `${notification.body} `,
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'signature_invalid' });
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const { payments } = await paidSetup();
    const response = await payments.webhookHandler('fake')(
      new Request('https://shop.example/hooks/fake', { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) }),
    );
    expect(response.status).toBe(413);
  });
});

describe('nodeWebhookHandler (node:http)', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  async function serve(handler: Parameters<typeof createServer>[1]) {
    const server = createServer(handler);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/fake`;
  }

  it('reads the raw body from the socket and replies as the provider expects', async () => {
    const { payments, order, notification } = await paidSetup();
    const url = await serve(payments.nodeWebhookHandler('fake'));
    const response = await fetch(url, {
      method: 'POST',
      headers: notification.headers as Record<string, string>,
      body: notification.body as string,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect((await payments.getOrder(order.id)).status).toBe('paid');
  });

  it('uses a raw body a framework already read (express.raw style)', async () => {
    const { payments, order, notification } = await paidSetup();
    const handler = payments.nodeWebhookHandler('fake');
    const url = await serve(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      Object.assign(request, { body: Buffer.concat(chunks) });
      await handler(request, response);
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: notification.headers as Record<string, string>,
      body: notification.body as string,
    });
    expect(response.status).toBe(200);
    expect((await payments.getOrder(order.id)).status).toBe('paid');
  });

  it('refuses to verify a body that a framework parsed into an object', async () => {
    const { payments, notification } = await paidSetup();
    const handler = payments.nodeWebhookHandler('fake');
    const url = await serve(async (request, response) => {
      for await (const _chunk of request) {
        // drain, as a JSON body parser would
      }
      Object.assign(request, { body: { parsed: true } });
      await handler(request, response);
    });
    const response = await fetch(url, { method: 'POST', body: notification.body as string });
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('raw body');
  });
});
