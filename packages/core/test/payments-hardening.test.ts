/**
 * The facade against faulty gateways and callers' mistakes: what may mark an order or refund failed,
 * which provider's events apply to which orders, what is checked before anything is stored, and
 * offering a pending payment again.
 */
import { describe, expect, it } from 'vitest';
import {
  createPayments,
  InvalidTransitionError,
  MemoryOrderStore,
  type PaymentsEventType,
  RefundExceedsPaidError,
  UnexpectedResponseError,
  ValidationError,
} from '../src/index.js';
import { createFakeProvider, rejectionOf } from '../src/testing/index.js';

const NOW = new Date('2024-05-01T08:00:00.000Z');

function setup() {
  const fake = createFakeProvider({ now: () => NOW });
  const other = createFakeProvider({ id: 'other', now: () => NOW });
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers: [fake, other], store, now: () => NOW });
  const events: string[] = [];
  for (const type of ['order.created', 'order.failed', 'order.paid', 'notification.rejected'] as PaymentsEventType[]) {
    payments.on(type, () => void events.push(type));
  }
  return { fake, other, store, payments, events };
}

async function paidOrder(setupResult: ReturnType<typeof setup>, amount = 1000) {
  const { payments, fake } = setupResult;
  const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount, subject: 'Tea' });
  await payments.handleNotification('fake', fake.sandbox.pay(order.id));
  return order;
}

describe('an unreadable or foreign reply is an unknown outcome', () => {
  it('keeps the order pending when the reply cannot be read (UnexpectedResponseError)', async () => {
    const { payments, fake } = setup();
    fake.sandbox.failNext(
      'createPayment',
      new UnexpectedResponseError('fake', 'malformed', 'trade_status is missing', { field: 'response.trade_status' }),
    );
    const error = await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea', orderId: 'unknown00001' }),
    );
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect((await payments.getOrder('unknown00001')).status).toBe('created');
  });

  it('never lets a non-hutong error out of a provider call, and marks nothing failed', async () => {
    const setupResult = setup();
    const { payments, fake } = setupResult;
    fake.sandbox.failNext('createPayment', new SyntaxError('Unexpected token < in JSON'));
    const created = await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea', orderId: 'syntax000001' }),
    );
    expect(UnexpectedResponseError.isInstance(created)).toBe(true);
    expect((created as UnexpectedResponseError).cause).toBeInstanceOf(SyntaxError);
    expect((await payments.getOrder('syntax000001')).status).toBe('created');

    const order = await paidOrder(setupResult);
    fake.sandbox.failNext('refund', new TypeError("Cannot read properties of undefined (reading 'refund_fee')"));
    const refunded = await rejectionOf(payments.refund(order.id, { amount: 100, refundId: 'refund000001' }));
    expect(UnexpectedResponseError.isInstance(refunded)).toBe(true);
    const after = await payments.getOrder(order.id);
    expect(after.refunds).toEqual([expect.objectContaining({ id: 'refund000001', status: 'pending' })]);

    fake.sandbox.failNext('queryPayment', new SyntaxError('bad sign member'));
    expect(UnexpectedResponseError.isInstance(await rejectionOf(payments.sync(order.id)))).toBe(true);
    const open = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1, subject: 'Tea' });
    fake.sandbox.failNext('closePayment', new RangeError('Invalid time value'));
    expect(UnexpectedResponseError.isInstance(await rejectionOf(payments.close(open.order.id)))).toBe(true);
    expect((await payments.getOrder(open.order.id)).status).toBe('pending');
  });
});

describe('a notification applies only to orders of the provider it came through', () => {
  it('refuses a genuine notification of one provider for an order of another', async () => {
    const { payments, other, events } = setup();
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea' });
    // The other provider (another account) genuinely reports a payment with the same order id.
    await other.createPayment({
      orderId: order.id,
      createdAt: NOW,
      method: 'qr',
      amount: 100,
      currency: 'CNY',
      subject: 'Tea',
      notifyUrl: null,
      returnUrl: null,
      expiresAt: null,
      buyerId: null,
      authCode: null,
      clientIp: null,
      providerOptions: {},
    });
    const result = await payments.handleNotification('other', other.sandbox.pay(order.id));
    expect(result.ok).toBe(false);
    expect(result.response.status).toBeGreaterThanOrEqual(400);
    expect((await payments.getOrder(order.id)).status).toBe('pending');
    expect(events).toContain('notification.rejected');
    expect(events).not.toContain('order.paid');
  });
});

describe('retrying a failed refund id', () => {
  it('re-checks what is refundable and does not send it to the provider again', async () => {
    const setupResult = setup();
    const { payments, fake } = setupResult;
    const order = await paidOrder(setupResult);
    fake.sandbox.failNext('refund', Object.assign(new ValidationError('amount', 'refused before sending'), {}));
    await rejectionOf(payments.refund(order.id, { amount: 600, refundId: 'refundfail01' }));
    expect((await payments.getOrder(order.id)).refunds[0]?.status).toBe('failed');
    await payments.refund(order.id, { amount: 1000, refundId: 'refundfull01' });
    await payments.handleNotification('fake', fake.sandbox.settleRefund(order.id, 'refundfull01'));
    const calls = fake.sandbox.calls.refund;
    const error = await rejectionOf(payments.refund(order.id, { amount: 600, refundId: 'refundfail01' }));
    expect(RefundExceedsPaidError.isInstance(error)).toBe(true);
    expect(fake.sandbox.calls.refund).toBe(calls);
  });
});

describe('what a provider needs is checked before anything is stored', () => {
  it('stores no order and fires no event for a jsapi payment without the buyer id', async () => {
    const { payments, store, events } = setup();
    const error = await rejectionOf(
      payments.createPayment({
        provider: 'fake',
        method: 'jsapi',
        amount: 100,
        subject: 'Tea',
        orderId: 'nobuyer00001',
      }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('buyerId');
    expect(await store.get('nobuyer00001')).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('validates a facade-level notify URL like a per-order one', async () => {
    const fake = createFakeProvider();
    const fixed = rejectionOf(
      Promise.resolve().then(() => createPayments({ providers: [fake], notifyUrl: 'javascript:alert(1)' })),
    );
    expect(ValidationError.isInstance(await fixed)).toBe(true);
    const payments = createPayments({ providers: [fake], notifyUrl: () => 'javascript:alert(1)' });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea', orderId: 'badnotify001' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('options.notifyUrl');
    expect(fake.sandbox.calls.createPayment).toBe(0);
  });
});

describe('resume', () => {
  it('offers a pending payment again without a second order', async () => {
    const { payments, fake, store } = setup();
    const { order, action } = await payments.createPayment({
      provider: 'fake',
      method: 'qr',
      amount: 100,
      subject: 'Tea',
    });
    const resumed = await payments.resume(order.id);
    expect(resumed.action).toEqual(action);
    expect(resumed.order.id).toBe(order.id);
    expect(fake.sandbox.calls.resumePayment).toBe(1);
    expect((await store.get(order.id))?.status).toBe('pending');
  });

  it('refuses to resume a paid order', async () => {
    const setupResult = setup();
    const order = await paidOrder(setupResult);
    const error = await rejectionOf(setupResult.payments.resume(order.id));
    expect(InvalidTransitionError.isInstance(error)).toBe(true);
  });
});

describe('webhook endpoints report every refused delivery', () => {
  it('emits notification.rejected when a framework parsed the body away, and not for a GET', async () => {
    const { createServer } = await import('node:http');
    const { payments, fake } = setup();
    const rejected: unknown[] = [];
    payments.on('notification.rejected', ({ error }) => void rejected.push(error));
    const handler = payments.nodeWebhookHandler('fake');
    const server = createServer((request, response) => {
      if (request.url === '/parsed') {
        // What a JSON body parser leaves behind: the stream consumed, an object in its place.
        request.resume();
        request.on('end', () => {
          Object.assign(request, { body: { parsed: true } });
          void handler(request, response);
        });
        return;
      }
      void handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea' });
      const notification = fake.sandbox.pay(order.id);
      const parsed = await fetch(`http://127.0.0.1:${port}/parsed`, {
        method: 'POST',
        headers: notification.headers as Record<string, string>,
        body: notification.body as string,
      });
      expect(parsed.status).toBe(500);
      expect(rejected).toHaveLength(1);
      expect(ValidationError.isInstance(rejected[0]) && rejected[0].field).toBe('body');
      const get = await fetch(`http://127.0.0.1:${port}/`, { method: 'GET' });
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
      expect(rejected).toHaveLength(1);
      expect((await payments.getOrder(order.id)).status).toBe('pending');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
