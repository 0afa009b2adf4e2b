import { createPayments, ProviderApiError, SignatureVerificationError, UnexpectedResponseError } from '@hutong/core';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

const notifyUrl = 'https://shop.example/hooks/unionpay';

/** A facade on the sandbox with one pending QR order. */
async function pendingQrOrder() {
  const context = sandboxed();
  const payments = createPayments({ providers: [context.provider], notifyUrl });
  const { order, action } = await payments.createPayment({
    provider: 'unionpay',
    method: 'qr',
    amount: 1999,
    subject: 'hostile',
  });
  context.sandbox.open(action);
  return { ...context, payments, order };
}

describe('UnionPay sandbox: fail and close', () => {
  it('fail: a signed failure notification, and queries report the payment failed', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    const notification = sandbox.fail(order.id);
    const handled = await payments.handleNotification('unionpay', notification);
    expect(handled.ok && handled.order.status).toBe('failed');
    expect(sandbox.trade(order.id)?.state).toBe('failed');
    const other = await pendingQrOrder();
    other.sandbox.fail(other.order.id);
    expect((await other.payments.sync(other.order.id)).status).toBe('failed');
  });

  it('close: no notification (UnionPay sends none); queries report origRespCode 42, the order closes', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    expect(sandbox.close(order.id)).toBeUndefined();
    expect(sandbox.trade(order.id)?.state).toBe('closed');
    expect(() => sandbox.pay(order.id)).toThrow(/closed unpaid/);
    expect((await payments.sync(order.id)).status).toBe('closed');
  });

  it('expire: unlike close, the timed-out consume is no longer found (34), so the order stays pending', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    expect(sandbox.expire(order.id)).toBeUndefined();
    expect((await payments.sync(order.id)).status).toBe('pending');
  });

  it('settleRefund with fail: the refund fails, by notification and by query', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    await payments.handleNotification('unionpay', sandbox.pay(order.id));
    const { refund } = await payments.refund(order.id, { amount: 500, refundId: 'refundfail0001' });
    const handled = await payments.handleNotification(
      'unionpay',
      sandbox.settleRefund(order.id, refund.id, { fail: true }),
    );
    expect(handled.ok && handled.order.refunds[0]?.status).toBe('failed');
    expect(sandbox.trade(refund.id)?.state).toBe('failed');
  });
});

describe('UnionPay sandbox: hostile hooks, refused by the adapter', () => {
  it('forgeNotification: the amount changed under the genuine signature is a bad signature', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    const genuine = sandbox.pay(order.id);
    const forged = sandbox.hostile.forgeNotification(genuine);
    expect(forged.body).not.toBe(genuine.body);
    expect(forged.body).toContain('txnAmt=2000');
    const handled = await payments.handleNotification('unionpay', forged);
    expect(handled.ok).toBe(false);
    expect(SignatureVerificationError.isInstance(handled.error)).toBe(true);
    expect((await payments.getOrder(order.id)).status).toBe('pending');
    // The genuine one still passes.
    expect((await payments.handleNotification('unionpay', genuine)).ok).toBe(true);
  });

  it('unsignedNotification: a certificate not chained to the configured root is untrusted', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    const handled = await payments.handleNotification('unionpay', sandbox.hostile.unsignedNotification(order.id));
    expect(handled.ok).toBe(false);
    expect(handled.error).toMatchObject({ reason: 'untrusted_certificate' });
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('foreignNotification: genuinely signed for another merId, refused as not for this merchant', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    const handled = await payments.handleNotification('unionpay', sandbox.hostile.foreignNotification(order.id));
    expect(handled.ok).toBe(false);
    expect(handled.error).toMatchObject({ reason: 'wrong_recipient' });
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('staleNotification: undefined, as ACP signs no delivery time', async () => {
    const { sandbox, order } = await pendingQrOrder();
    expect(sandbox.hostile.staleNotification(order.id)).toBeUndefined();
  });

  it('tamperNextReply("amount"): a re-signed query reply with another amount is not taken as paid for 1999', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    sandbox.pay(order.id);
    sandbox.hostile.tamperNextReply('amount');
    const synced = await payments.sync(order.id);
    expect(synced.status).not.toBe('paid');
    expect(synced.paidAmount).not.toBe(1999);
  });

  it('tamperNextReply("order"): a re-signed reply about another order is a mismatch', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    sandbox.pay(order.id);
    sandbox.hostile.tamperNextReply('order');
    const error = await payments.sync(order.id).catch((caught: unknown) => caught);
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'mismatch' });
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('tamperNextReply("signature"): a reply with a broken signature is refused, and only that reply', async () => {
    const { sandbox, payments, order } = await pendingQrOrder();
    sandbox.pay(order.id);
    sandbox.hostile.tamperNextReply('signature');
    const error = await payments.sync(order.id).catch((caught: unknown) => caught);
    expect(SignatureVerificationError.isInstance(error)).toBe(true);
    expect(ProviderApiError.isInstance(error)).toBe(false);
    expect((await payments.sync(order.id)).status).toBe('paid');
  });
});
