/**
 * Issue 20 item 3: while the store fails, the webhook answers 5xx so the wallet delivers the
 * notification again; a notification that fails verification keeps its refusal (4xx).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPayments,
  MemoryOrderStore,
  type NotificationInput,
  type Order,
  StoreError,
  type WebhookResponse,
} from '../src/index.js';
import { createFakeProvider } from '../src/testing/index.js';

/** A memory store whose reads fail while `down` is set, as a SQL store does while its server restarts. */
class FlakyStore extends MemoryOrderStore {
  down: Error | undefined;
  override async get(id: string): Promise<Order | undefined> {
    if (this.down) throw this.down;
    return super.get(id);
  }
}

/** A provider that answers refusals as WeChat Pay does: `{"code":"FAIL",...}` JSON. */
function wechatLikeProvider() {
  const fake = createFakeProvider();
  return Object.assign(fake, {
    acknowledgeNotification(outcome: { accepted: true } | { accepted: false; error: unknown }): WebhookResponse {
      if (outcome.accepted) return { status: 204, headers: {}, body: '' };
      return {
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'FAIL', message: 'refused' }),
      };
    },
  });
}

async function setup(provider = createFakeProvider()) {
  const store = new FlakyStore();
  const payments = createPayments({ providers: [provider], store });
  const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
  const genuine = provider.sandbox.pay(order.id);
  const forged: NotificationInput = {
    ...genuine,
    body: (genuine.body as string).replace('"amount":1999', '"amount":1'),
  };
  return { store, payments, order, genuine, forged };
}

const unavailable = () => new StoreError('store_unavailable', 'reading an order: the database is unavailable');

describe('handleNotification during a store outage', () => {
  it('answers 503 for a retryable StoreError, and the redelivery after the outage marks the order paid', async () => {
    const { store, payments, order, genuine } = await setup();
    store.down = unavailable();
    const during = await payments.handleNotification('fake', genuine);
    expect(during.ok).toBe(false);
    expect(StoreError.isInstance(during.error)).toBe(true);
    expect(during.response.status).toBe(503);
    store.down = undefined;
    const after = await payments.handleNotification('fake', genuine);
    expect(after.ok).toBe(true);
    expect((await payments.getOrder(order.id)).status).toBe('paid');
  });

  it('answers 503 for every retryable StoreError code', async () => {
    const { store, payments, genuine } = await setup();
    for (const code of ['store_unavailable', 'store_timeout', 'store_conflict'] as const) {
      store.down = new StoreError(code, 'the database did not answer');
      expect((await payments.handleNotification('fake', genuine)).response.status, code).toBe(503);
    }
  });

  it('answers 500 for a failure on our side that is not retryable (a bug, a non-retryable store_error)', async () => {
    const { store, payments, genuine } = await setup();
    store.down = new TypeError('cannot read properties of undefined');
    expect((await payments.handleNotification('fake', genuine)).response.status).toBe(500);
    store.down = new StoreError('store_error', 'the database failed');
    expect((await payments.handleNotification('fake', genuine)).response.status).toBe(500);
  });

  it("keeps the provider's failure body shape (WeChat Pay's FAIL JSON) with the 503", async () => {
    const { store, payments, genuine, forged } = await setup(wechatLikeProvider());
    store.down = unavailable();
    const during = await payments.handleNotification('fake', genuine);
    expect(during.response.status).toBe(503);
    expect(during.response.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(during.response.body)).toEqual({ code: 'FAIL', message: 'refused' });
    // A forged notification is still refused as the provider refuses it, outage or not.
    store.down = undefined;
    expect((await payments.handleNotification('fake', forged)).response.status).toBe(400);
  });

  it('still refuses a forged notification with 4xx while the store is down', async () => {
    const { store, payments, order, forged } = await setup();
    store.down = unavailable();
    const result = await payments.handleNotification('fake', forged);
    expect(result.ok).toBe(false);
    expect(result.response.status).toBe(400);
    store.down = undefined;
    expect((await payments.getOrder(order.id)).status).not.toBe('paid');
  });
});

describe('the webhook endpoints during a store outage', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  const post = (notification: NotificationInput) => ({
    method: 'POST',
    headers: notification.headers as Record<string, string>,
    body: notification.body as string,
  });

  it('webhookHandler answers 503 for a retryable StoreError and 400 for a forged notification', async () => {
    const { store, payments, genuine, forged } = await setup();
    const handler = payments.webhookHandler('fake');
    store.down = unavailable();
    const during = await handler(new Request('https://shop.example/hooks/fake', post(genuine)));
    expect(during.status).toBe(503);
    const refused = await handler(new Request('https://shop.example/hooks/fake', post(forged)));
    expect(refused.status).toBe(400);
  });

  it('nodeWebhookHandler answers 503 for a retryable StoreError and 400 for a forged notification', async () => {
    const { store, payments, order, genuine, forged } = await setup();
    const server = createServer(payments.nodeWebhookHandler('fake', { origin: 'https://shop.example' }));
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/fake`;
    store.down = unavailable();
    expect((await fetch(url, post(genuine))).status).toBe(503);
    expect((await fetch(url, post(forged))).status).toBe(400);
    store.down = undefined;
    expect((await fetch(url, post(genuine))).status).toBe(200);
    expect((await payments.getOrder(order.id)).status).toBe('paid');
  });
});
