/**
 * Nothing stays pending for ever (issue 20 item 4), on each wallet's own sandbox: the process dies
 * between the commit and the wallet call of a payment or a close, and the reconciler finishes the
 * order by that wallet's rule (docs/order-lifecycle.md, "Per wallet"). Core's
 * `nothing-pending-forever.test.ts` holds the same cases on the fake provider; refunds have a test
 * per adapter (`alipay-refund-binding`, `wechatpay-refund-resend`, `unionpay-refund-resend`).
 */
import { createPayments, createReconciler, MemoryOrderStore, type NotificationInput } from '@hutong/core';
import type { PaymentProvider } from '@hutong/core/provider-utils';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { sandboxed as alipaySandboxed } from '../../../packages/adapter-alipay/test/sandbox-setup.js';
import { sandboxed as unionpaySandboxed } from '../../../packages/adapter-unionpay/test/sandbox-setup.js';
import { sandboxed as wechatpaySandboxed } from '../../../packages/adapter-wechatpay/test/sandbox-setup.js';

const START = Date.parse('2024-05-01T08:00:00.000Z');
const MINUTE = 60_000;

/** What the tests read of a sandbox: its record of a trade, and a buyer who pays. */
interface Sandbox {
  trade(orderId: string): Record<string, unknown> | undefined;
  pay(orderId: string): NotificationInput;
}

type Wallet = 'alipay' | 'wechatpay' | 'unionpay';

/** Each wallet's sandbox on a shared clock, and how its record says a trade is closed there. */
const WALLETS: Record<Wallet, { make(now: () => Date): { provider: unknown; sandbox: unknown }; closed: object }> = {
  alipay: { make: (now) => alipaySandboxed({ now }), closed: { status: 'TRADE_CLOSED' } },
  wechatpay: { make: (now) => wechatpaySandboxed({ now }), closed: { tradeState: 'CLOSED' } },
  unionpay: { make: (now) => unionpaySandboxed({ now }), closed: { state: 'closed' } },
};

/** A facade on `wallet`'s sandbox whose provider `crash` may replace calls of. */
function setup(wallet: Wallet, crash: (real: PaymentProvider) => Partial<PaymentProvider>) {
  let clock = START;
  const now = () => new Date(clock);
  const context = WALLETS[wallet].make(now);
  const real = context.provider as PaymentProvider;
  const provider = { ...real, ...crash(real) } as PaymentProvider;
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers: [provider], store, now, notifyUrl: `https://shop.example/${wallet}` });
  const reconciler = createReconciler({ payments, store, now, claims: false });
  return {
    payments,
    reconciler,
    sandbox: context.sandbox as Sandbox,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const killed = () => new Error('the process was killed');

describe.each(['alipay', 'wechatpay', 'unionpay'] as const)('on the %s sandbox', (wallet) => {
  it('a payment whose create call never reached the wallet stays created for the grace period, then is closed', async () => {
    const context = setup(wallet, () => ({
      createPayment: async () => {
        throw killed();
      },
    }));
    const input = { provider: wallet, method: 'qr', amount: 1999, subject: 'Tea', orderId: 'order0001' } as const;
    await rejectionOf(context.payments.createPayment(input));
    expect((await context.payments.getOrder('order0001')).status).toBe('created');
    expect(context.sandbox.trade('order0001')).toBeUndefined(); // the wallet never heard of it

    context.advance(5 * MINUTE);
    await context.reconciler.runOnce();
    expect((await context.payments.getOrder('order0001')).status).toBe('created');

    context.advance(10 * MINUTE);
    expect(await context.reconciler.runOnce()).toMatchObject({ changed: 1, failed: 0 });
    expect((await context.payments.getOrder('order0001')).status).toBe('closed');
    // Done: a later run has nothing left to do.
    context.advance(10 * MINUTE);
    expect(await context.reconciler.runOnce()).toMatchObject({ examined: 0 });
  });

  it('a payment whose create reached the wallet but whose answer was lost is closed, and never lost if paid', async () => {
    const context = setup(wallet, (real) => ({
      createPayment: async (request) => {
        await real.createPayment(request);
        throw killed();
      },
    }));
    const input = { provider: wallet, method: 'qr', amount: 1999, subject: 'Tea', orderId: 'order0002' } as const;
    await rejectionOf(context.payments.createPayment(input));
    expect(context.sandbox.trade('order0002')).toBeDefined();
    context.advance(15 * MINUTE);
    expect(await context.reconciler.runOnce()).toMatchObject({ changed: 1, failed: 0 });
    expect((await context.payments.getOrder('order0002')).status).toBe('closed');
    if (wallet === 'unionpay') {
      // UnionPay cannot close an unpaid consume: it expires there by its payTimeout, and a payment
      // that still arrives is recorded as paid, with an anomaly for a person, never dropped.
      const late = await context.payments.handleNotification(wallet, context.sandbox.pay('order0002'));
      expect(late.ok).toBe(true);
      const order = await context.payments.getOrder('order0002');
      expect(order.status).toBe('paid');
      expect(order.anomalies.map((anomaly) => anomaly.code)).toEqual(['paid_after_closed']);
    } else {
      // Alipay and WeChat Pay close the trade: nobody can pay it any more.
      expect(context.sandbox.trade('order0002')).toMatchObject(WALLETS[wallet].closed);
    }
  });

  it('a close the wallet received before the process died is recorded by the next run', async () => {
    let crashes = 1;
    const context = setup(wallet, (real) => ({
      closePayment: async (request) => {
        await real.closePayment?.(request);
        if (crashes-- > 0) throw killed(); // the first close dies after the call; the process restarts
      },
    }));
    const { order } = await context.payments.createPayment({
      provider: wallet,
      method: 'qr',
      amount: 1999,
      subject: 'Tea',
      expiresAt: new Date(START + 30 * MINUTE),
    });
    await rejectionOf(context.payments.close(order.id));
    expect((await context.payments.getOrder(order.id)).status).toBe('pending');
    context.advance(2 * MINUTE);
    await context.reconciler.runOnce();
    if (wallet === 'unionpay') {
      // UnionPay has no close: the query finds the consume unpaid, so the order stays pending
      // until it expires, and is closed then (its payTimeout ended it at UnionPay).
      expect((await context.payments.getOrder(order.id)).status).toBe('pending');
      context.advance(30 * MINUTE);
      await context.reconciler.runOnce();
    }
    expect((await context.payments.getOrder(order.id)).status).toBe('closed');
  });
});
