/**
 * The suite's notification cases: what a genuine notification does, and every hostile one the
 * sandbox can make refused with a 400 and no change to the order.
 *
 * @packageDocumentation
 */
import type { NotificationInput, Order } from '@hutong/core';
import { HutongError, SignatureVerificationError } from '@hutong/core';
import { expect } from 'vitest';
import {
  type CaseContext,
  type ConformanceCase,
  caseAmount,
  caseContext,
  createOpened,
  type ProviderConformanceSuite,
  paidOrder,
} from './provider-conformance-harness.js';

/** Delivers `notification` and asserts it is refused as a bad message, with `order` untouched. */
async function expectRefused(
  context: CaseContext,
  order: Order,
  notification: NotificationInput,
  what: string,
): Promise<unknown> {
  const result = await context.payments.handleNotification(context.provider.id, notification);
  expect(result.ok, `${what} was accepted`).toBe(false);
  expect(HutongError.isInstance(result.error), `${what}: refused with a hutong error`).toBe(true);
  expect(result.response, `${what}: answered as the provider answers a refusal`).toEqual(
    context.provider.acknowledgeNotification({ accepted: false, error: result.error }),
  );
  expect(result.response.status, `${what}: the wallet is told 400, not 2xx`).toBe(400);
  const stored = await context.payments.getOrder(order.id);
  expect(stored.status, `${what}: the order is unchanged`).toBe(order.status);
  expect(stored.version, `${what}: the order is unchanged`).toBe(order.version);
  return result.error;
}

/** The cases about notifications. @internal */
export function notificationCases(suite: ProviderConformanceSuite, first: number): ConformanceCase[] {
  const at = (i: number) => caseAmount(first + i);
  return [
    {
      name: 'acknowledges an accepted notification with 2xx, a refused one with 400 and its own failure with 500',
      async run() {
        const { provider } = await suite.setup();
        const accepted = provider.acknowledgeNotification({ accepted: true });
        expect(accepted.status).toBeGreaterThanOrEqual(200);
        expect(accepted.status).toBeLessThan(300);
        const refused = provider.acknowledgeNotification({
          accepted: false,
          error: new SignatureVerificationError(provider.id, 'bad_signature', 'conformance'),
        });
        expect(refused.status, 'a refused notification').toBe(400);
        const failed = provider.acknowledgeNotification({ accepted: false, error: new Error('store down') });
        expect(failed.status, "the merchant's own failure").toBe(500);
      },
    },
    {
      name: 'marks the order paid from a verified notification, at the amount the wallet reports',
      async run() {
        const context = await caseContext(suite);
        const amount = at(1);
        const order = await createOpened(suite, context, amount);
        const result = await context.payments.handleNotification(context.provider.id, context.sandbox.pay(order.id));
        expect(result.ok, String(result.error)).toBe(true);
        expect(result.order?.status).toBe('paid');
        expect(result.order?.paidAmount).toBe(amount);
        expect(result.order?.providerTransactionId).toBeTruthy();
        expect(result.response).toEqual(context.provider.acknowledgeNotification({ accepted: true }));
      },
    },
    {
      name: 'takes the paid amount from the notification, never from the order',
      async run() {
        const context = await caseContext(suite);
        const amount = at(2);
        const order = await createOpened(suite, context, amount);
        const short = context.sandbox.pay(order.id, { amount: amount - 1000 });
        await context.payments.handleNotification(context.provider.id, short);
        const stored = await context.payments.getOrder(order.id);
        expect(stored.status, 'an underpaid order is not paid').not.toBe('paid');
        expect(
          stored.anomalies.some((a) => a.code === 'amount_mismatch'),
          'the short payment is recorded as an amount mismatch',
        ).toBe(true);
      },
    },
    {
      name: 'treats a redelivered notification as a no-op',
      async run() {
        const context = await caseContext(suite);
        const { order, notification } = await paidOrder(suite, context, at(3));
        const again = await context.payments.handleNotification(context.provider.id, notification);
        expect(again.ok).toBe(true);
        expect(again.outcome).toBe('duplicate');
        expect(again.order?.version).toBe(order.version);
      },
    },
    {
      name: 'refuses a forged notification (amount changed, signature kept)',
      async run() {
        const context = await caseContext(suite);
        const order = await createOpened(suite, context, at(4));
        const forged = context.sandbox.hostile.forgeNotification(context.sandbox.pay(order.id));
        const error = await expectRefused(context, order, forged, 'a forged notification');
        expect(SignatureVerificationError.isInstance(error), 'refused for its signature').toBe(true);
      },
    },
    {
      name: "refuses a notification signed with a key that is not the wallet's",
      async run() {
        const context = await caseContext(suite);
        const order = await createOpened(suite, context, at(5));
        const unsigned = context.sandbox.hostile.unsignedNotification(order.id);
        const error = await expectRefused(context, order, unsigned, "a notification signed with an attacker's key");
        expect(SignatureVerificationError.isInstance(error), 'refused for its signature').toBe(true);
      },
    },
    {
      name: 'refuses a notification with its signature removed',
      async run() {
        const context = await caseContext(suite);
        const order = await createOpened(suite, context, at(8));
        const strip = context.sandbox.hostile.strippedNotification;
        if (strip === undefined) return; // a sandbox written before the hook: nothing to send
        const stripped = strip.call(context.sandbox.hostile, context.sandbox.pay(order.id));
        const error = await expectRefused(context, order, stripped, 'a notification without a signature');
        expect(SignatureVerificationError.isInstance(error), 'refused for its missing signature').toBe(true);
      },
    },
    {
      name: 'refuses a genuine notification for another merchant',
      async run() {
        const context = await caseContext(suite);
        const order = await createOpened(suite, context, at(6));
        const foreign = context.sandbox.hostile.foreignNotification(order.id);
        await expectRefused(context, order, foreign, 'a notification for another merchant');
      },
    },
    {
      name: "refuses a genuine notification signed outside the wallet's time window",
      async run() {
        const context = await caseContext(suite);
        const order = await createOpened(suite, context, at(7));
        const stale = context.sandbox.hostile.staleNotification(order.id);
        if (stale === undefined) return; // the wallet's signature carries no time
        const error = await expectRefused(context, order, stale, 'a stale notification');
        expect(SignatureVerificationError.isInstance(error), 'refused for its timestamp').toBe(true);
      },
    },
  ];
}
