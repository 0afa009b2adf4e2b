/**
 * The sandbox's failure outcomes and hostile hooks are faithful (each message is what it claims to
 * be: genuinely signed where it says so, old where it says so) and the real adapter refuses each
 * for the right reason.
 */
import { X509Certificate } from 'node:crypto';
import {
  createPayments,
  MemoryOrderStore,
  type NotificationInput,
  SignatureVerificationError,
  toNotificationRequest,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import {
  decryptWechatpayResource,
  readWechatpaySignedMessage,
  verifyWechatpaySignedMessage,
  WECHATPAY_TIMESTAMP_TOLERANCE,
} from '../src/protocol/index.js';
import { WECHATPAY_SANDBOX_FOREIGN_MERCHANT } from '../src/sandbox/index.js';
import { MERCHANT, sandboxed } from './sandbox-setup.js';

function setUp(mode: 'public-key' | 'certificate' = 'public-key') {
  const context = sandboxed({ mode });
  const payments = createPayments({
    providers: [context.provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/wechatpay',
  });
  const created = async (amount = 1999) => {
    const { order, action } = await payments.createPayment({
      provider: 'wechatpay',
      method: 'qr',
      amount,
      subject: 'x',
    });
    context.sandbox.open(action);
    return order;
  };
  /** The platform keys a genuine message verifies with. */
  const platformKeys = () => {
    const certificate = new X509Certificate(context.sandbox.platformCertificate);
    return {
      publicKey: { id: context.sandbox.wechatpayPublicKeyId, key: certificate.publicKey },
      certificates: new Map([[context.sandbox.platformSerial, certificate.publicKey]]),
    };
  };
  return { ...context, payments, created, platformKeys };
}

const bodyOf = (notification: NotificationInput) => JSON.parse(String(notification.body));
const headersOf = (notification: NotificationInput) => notification.headers as Record<string, string>;
const resourceOf = (notification: NotificationInput) =>
  JSON.parse(decryptWechatpayResource(bodyOf(notification).resource, Buffer.from(MERCHANT.apiV3Key)));

describe('the sandbox’s outcomes', () => {
  it('fail: PAYERROR, which a query reports as failed; WeChat Pay sends no notification', async () => {
    const { sandbox, provider, created } = setUp();
    const order = await created();
    expect(sandbox.fail(order.id)).toBeUndefined();
    expect(sandbox.trade(order.id)?.tradeState).toBe('PAYERROR');
    expect(await provider.queryPayment({ orderId: order.id, order })).toMatchObject({ type: 'payment.failed' });
    expect(() => sandbox.fail(order.id), 'a failed payment does not fail again').toThrow(ValidationError);
    const paid = await created(2000);
    sandbox.pay(paid.id);
    expect(() => sandbox.fail(paid.id)).toThrow(ValidationError);
  });

  it('close: CLOSED, which a query reports as closed; a paid trade cannot be closed', async () => {
    const { sandbox, provider, created } = setUp();
    const order = await created();
    expect(sandbox.close(order.id)).toBeUndefined();
    expect(await provider.queryPayment({ orderId: order.id, order })).toMatchObject({ type: 'payment.closed' });
    const paid = await created(2000);
    sandbox.pay(paid.id);
    expect(() => sandbox.close(paid.id)).toThrow(ValidationError);
  });
});

describe('the sandbox’s hostile hooks, against the adapter', () => {
  for (const mode of ['public-key', 'certificate'] as const) {
    it(`forgeNotification changes the amount under the genuine signature, which no longer verifies (${mode})`, async () => {
      const { sandbox, provider, created } = setUp(mode);
      const order = await created(1999);
      const genuine = sandbox.pay(order.id);
      const forged = sandbox.hostile.forgeNotification(genuine);
      expect(headersOf(forged)['wechatpay-signature']).toBe(headersOf(genuine)['wechatpay-signature']);
      expect(resourceOf(genuine).amount.total).toBe(1999);
      expect(resourceOf(forged).amount.total).not.toBe(1999);
      const error = await rejectionOf(provider.verifyNotification(toNotificationRequest(forged)));
      expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
    });
  }

  it('unsignedNotification is signed by another key under WeChat Pay’s serial: refused, bad signature', async () => {
    const { sandbox, provider, created } = setUp();
    const order = await created();
    const unsigned = sandbox.hostile.unsignedNotification(order.id);
    expect(headersOf(unsigned)['wechatpay-serial']).toBe(sandbox.wechatpayPublicKeyId);
    expect(resourceOf(unsigned)).toMatchObject({ out_trade_no: order.id, trade_state: 'SUCCESS' });
    const error = await rejectionOf(provider.verifyNotification(toNotificationRequest(unsigned)));
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
  });

  it('foreignNotification is genuinely signed but for another merchant and app: refused, wrong recipient', async () => {
    const { sandbox, provider, created, platformKeys } = setUp();
    const order = await created();
    const foreign = sandbox.hostile.foreignNotification(order.id);
    const signed = readWechatpaySignedMessage(headersOf(foreign), String(foreign.body));
    await expect(verifyWechatpaySignedMessage(signed, platformKeys(), new Date())).resolves.toBeUndefined();
    expect(resourceOf(foreign)).toMatchObject({
      mchid: WECHATPAY_SANDBOX_FOREIGN_MERCHANT.mchId,
      appid: WECHATPAY_SANDBOX_FOREIGN_MERCHANT.appId,
      out_trade_no: order.id,
    });
    const error = await rejectionOf(provider.verifyNotification(toNotificationRequest(foreign)));
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('wrong_recipient');
  });

  it('staleNotification is genuinely signed, outside the 300-second window: refused, expired', async () => {
    const { sandbox, provider, created, platformKeys } = setUp();
    const order = await created();
    const stale = sandbox.hostile.staleNotification(order.id) as NotificationInput;
    const age = Date.now() / 1000 - Number(headersOf(stale)['wechatpay-timestamp']);
    expect(age).toBeGreaterThan(WECHATPAY_TIMESTAMP_TOLERANCE);
    const signed = readWechatpaySignedMessage(headersOf(stale), String(stale.body));
    // Genuine: it verifies at the time it claims.
    const then = new Date(Number(headersOf(stale)['wechatpay-timestamp']) * 1000);
    await expect(verifyWechatpaySignedMessage(signed, platformKeys(), then)).resolves.toBeUndefined();
    const error = await rejectionOf(provider.verifyNotification(toNotificationRequest(stale)));
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('expired_timestamp');
  });

  it('tamperNextReply alters the next reply about a trade once: signature, order, amount', async () => {
    const { sandbox, provider, created } = setUp('certificate');
    const order = await created(1999);
    sandbox.pay(order.id);
    const query = () => provider.queryPayment({ orderId: order.id, order });
    sandbox.hostile.tamperNextReply('signature');
    const broken = await rejectionOf(query());
    expect(SignatureVerificationError.isInstance(broken) && broken.reason).toBe('bad_signature');
    expect(await query()).toMatchObject({ type: 'payment.succeeded', amount: 1999 });
    sandbox.hostile.tamperNextReply('order');
    const other = await rejectionOf(query());
    expect(UnexpectedResponseError.isInstance(other) && other.reason).toBe('mismatch');
    sandbox.hostile.tamperNextReply('amount');
    expect(await query()).toMatchObject({ type: 'payment.succeeded', amount: 2000 });
    expect(await query()).toMatchObject({ amount: 1999 });
  });
});
