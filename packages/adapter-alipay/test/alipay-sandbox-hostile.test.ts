/**
 * The sandbox's failure and hostile hooks, each against the real adapter: a trade the wallet fails
 * or closes reads as closed; a forged, attacker-signed or foreign notification is refused and
 * changes nothing; a tampered reply is an unknown outcome (`UnexpectedResponseError` or
 * `SignatureVerificationError`), never an event.
 */
import {
  createPayments,
  MemoryOrderStore,
  SignatureVerificationError,
  toNotificationRequest,
  UnexpectedResponseError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

async function paidAndPending() {
  const context = sandboxed();
  const payments = createPayments({
    providers: [context.provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/alipay',
  });
  const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1999, subject: '龙井' });
  return { ...context, payments, order };
}

describe('fail and close', () => {
  it('fail: the trade closes at Alipay (TRADE_CLOSED), its notification closes the order and a query shows it', async () => {
    const { payments, sandbox, provider, order } = await paidAndPending();
    const notification = sandbox.fail(order.id);
    expect(sandbox.trade(order.id)?.status).toBe('TRADE_CLOSED');
    expect(new URLSearchParams(String(notification.body)).get('trade_status')).toBe('TRADE_CLOSED');
    const stored = await payments.getOrder(order.id);
    expect((await provider.queryPayment({ orderId: order.id, order: stored })).type).toBe('payment.closed');
    const result = await payments.handleNotification('alipay', notification);
    expect(result.order?.status).toBe('closed');
  });

  it('close: a sync after the wallet closed the unpaid trade maps the order to closed', async () => {
    const { payments, sandbox, order } = await paidAndPending();
    sandbox.close(order.id);
    expect((await payments.sync(order.id)).status).toBe('closed');
  });

  it('neither fails nor closes a paid trade', async () => {
    const { sandbox, order } = await paidAndPending();
    sandbox.pay(order.id);
    expect(() => sandbox.fail(order.id)).toThrow(/is paid/);
    expect(() => sandbox.close(order.id)).toThrow(/is paid/);
    expect(sandbox.trade(order.id)?.status).toBe('TRADE_SUCCESS');
  });
});

describe('hostile notifications', () => {
  it('forgeNotification: the amount changed after signing is refused as a bad signature, the order unchanged', async () => {
    const { payments, sandbox, order } = await paidAndPending();
    const genuine = sandbox.pay(order.id);
    const forged = sandbox.hostile.forgeNotification(genuine);
    const params = new URLSearchParams(String(forged.body));
    expect(params.get('total_amount')).toBe('20.00');
    expect(params.get('sign')).toBe(new URLSearchParams(String(genuine.body)).get('sign'));
    const result = await payments.handleNotification('alipay', forged);
    expect(SignatureVerificationError.isInstance(result.error) && result.error.reason).toBe('bad_signature');
    expect(result.response.body).not.toBe('success');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
    // The genuine one still pays it.
    expect((await payments.handleNotification('alipay', genuine)).order?.status).toBe('paid');
  });

  it('unsignedNotification: signed with a key that is not Alipay’s, refused as a bad signature', async () => {
    const { payments, sandbox, order } = await paidAndPending();
    const result = await payments.handleNotification('alipay', sandbox.hostile.unsignedNotification(order.id));
    expect(SignatureVerificationError.isInstance(result.error) && result.error.reason).toBe('bad_signature');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('foreignNotification: genuine, for another app, refused as for another recipient', async () => {
    const { payments, sandbox, provider, order } = await paidAndPending();
    const foreign = sandbox.hostile.foreignNotification(order.id);
    expect(new URLSearchParams(String(foreign.body)).get('app_id')).not.toBe('2021000122671080');
    const error = await rejectionOf(provider.verifyNotification(toNotificationRequest(foreign)));
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('wrong_recipient');
    const result = await payments.handleNotification('alipay', foreign);
    expect(result.response.body).not.toBe('success');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it('staleNotification: undefined, as Alipay’s notifications carry no freshness window', async () => {
    const { sandbox, order } = await paidAndPending();
    expect(sandbox.hostile.staleNotification(order.id)).toBeUndefined();
  });
});

describe('tampered replies', () => {
  it("'signature': the next reply's signature broken is a SignatureVerificationError, and sync changes nothing", async () => {
    const { payments, sandbox, order } = await paidAndPending();
    sandbox.pay(order.id);
    sandbox.hostile.tamperNextReply('signature');
    const error = await rejectionOf(payments.sync(order.id));
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
    expect((await payments.sync(order.id)).status).toBe('paid'); // the next, untampered reply
  });

  it("'order': a genuine re-signed reply about another order is an UnexpectedResponseError mismatch", async () => {
    const { payments, sandbox, order } = await paidAndPending();
    sandbox.pay(order.id);
    sandbox.hostile.tamperNextReply('order');
    const error = await rejectionOf(payments.sync(order.id));
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
    expect((await payments.getOrder(order.id)).status).toBe('pending');
  });

  it("'amount': a genuine re-signed reply with another amount does not mark the order paid", async () => {
    const { payments, sandbox, order } = await paidAndPending();
    sandbox.pay(order.id);
    sandbox.hostile.tamperNextReply('amount');
    const synced = await payments.sync(order.id);
    expect(synced.status).toBe('pending');
    expect((await payments.sync(order.id)).status).toBe('paid');
  });
});
