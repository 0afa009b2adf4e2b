import { describe, expect, it } from 'vitest';
import { runProviderConformanceTests } from '../src/conformance/index.js';
import { SignatureVerificationError, ValidationError } from '../src/index.js';
import { toNotificationRequest } from '../src/provider-utils/index.js';
import { createFakeProvider, FAKE_SIGNATURE_HEADER } from '../src/testing/index.js';

runProviderConformanceTests({
  name: 'fake provider',
  createProvider: () => createFakeProvider(),
  createInput: (method) => (method === 'jsapi' ? { buyerId: 'buyer-openid-1' } : {}),
  pay: async (provider, order) => (provider as ReturnType<typeof createFakeProvider>).sandbox.pay(order.id),
  settleRefund: async (provider, order, refundId) =>
    (provider as ReturnType<typeof createFakeProvider>).sandbox.settleRefund(order.id, refundId),
});

runProviderConformanceTests({
  name: 'fake provider with synchronous refunds',
  createProvider: () => createFakeProvider({ instantRefunds: true }),
  methods: ['qr', 'page', 'h5', 'app'],
  pay: async (provider, order) => (provider as ReturnType<typeof createFakeProvider>).sandbox.pay(order.id),
});

describe('fake provider verification', () => {
  const now = new Date('2024-05-01T08:00:00Z');
  const fake = createFakeProvider({ now: () => now, secret: 'test-secret' });

  async function verify(body: string, headers: Record<string, string>) {
    return fake.verifyNotification(toNotificationRequest({ headers, body })).catch((e: unknown) => e);
  }

  it('refuses a signature of the right length made with another key', async () => {
    const other = createFakeProvider({ now: () => now, secret: 'other-secret' });
    const forged = other.sandbox.notification('{"type":"payment.closed","order_id":"o1"}');
    const error = await verify(forged.body as string, forged.headers as Record<string, string>);
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
  });

  it('refuses a non-hex or truncated signature without throwing anything else', async () => {
    const genuine = fake.sandbox.notification('{"type":"payment.closed","order_id":"o1"}');
    const headers = { ...(genuine.headers as Record<string, string>), [FAKE_SIGNATURE_HEADER]: 'zz' };
    const error = await verify(genuine.body as string, headers);
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
  });

  it('refuses an unknown notification type instead of defaulting it', async () => {
    const signed = fake.sandbox.notification('{"type":"payment.refunded_maybe","order_id":"o1"}');
    const error = await verify(signed.body as string, signed.headers as Record<string, string>);
    expect(ValidationError.isInstance(error) && error.field).toBe('notification.type');
  });

  it('refuses a payment notification with a float amount', async () => {
    const signed = fake.sandbox.notification(
      '{"type":"payment.succeeded","order_id":"o1","amount":19.99,"transaction_id":"t"}',
    );
    const error = await verify(signed.body as string, signed.headers as Record<string, string>);
    expect(ValidationError.isInstance(error) && error.field).toBe('notification.amount');
  });

  it('accepts a timestamp just inside the window and refuses one from the future beyond it', async () => {
    const seconds = Math.floor(now.getTime() / 1000);
    const inside = fake.sandbox.notification('{"type":"payment.closed","order_id":"o1"}', { timestamp: seconds - 299 });
    expect(await verify(inside.body as string, inside.headers as Record<string, string>)).toMatchObject({
      event: { type: 'payment.closed', orderId: 'o1' },
    });
    const future = fake.sandbox.notification('{"type":"payment.closed","order_id":"o1"}', { timestamp: seconds + 300 });
    const error = await verify(future.body as string, future.headers as Record<string, string>);
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('expired_timestamp');
  });
});
