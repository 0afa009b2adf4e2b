/**
 * The suite's outcome cases: a payment that fails or is closed at the wallet, refunds that settle
 * and refunds that fail, each read both from the notification and from a query, so a wrong status
 * map in either place is caught.
 *
 * @packageDocumentation
 */
import type { Order } from '@hutong/core';
import { RefundExceedsPaidError, UnsupportedOperationError } from '@hutong/core';
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

async function expectUnsupported(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(UnsupportedOperationError.isInstance(error), 'refused as unsupported').toBe(true);
}

/** Delivers what the sandbox sent (if anything), then asks the wallet: both must agree on `status`. */
async function expectStatus(
  context: CaseContext,
  order: Order,
  notification: Parameters<CaseContext['payments']['handleNotification']>[1] | undefined,
  status: Order['status'],
  what: string,
): Promise<void> {
  if (notification !== undefined) {
    const result = await context.payments.handleNotification(context.provider.id, notification);
    expect(result.ok, `${what}: the notification is accepted (${String(result.error)})`).toBe(true);
    expect(result.order?.status, `${what}, from the notification`).toBe(status);
  }
  if (context.provider.capabilities.query) {
    const synced = await context.payments.sync(order.id);
    expect(synced.status, `${what}, from a query`).toBe(status);
  }
}

async function refundStatus(context: CaseContext, orderId: string, refundId: string) {
  return (await context.payments.getOrder(orderId)).refunds.find((r) => r.id === refundId)?.status;
}

/** Requests a refund that the wallet leaves processing; asserts it is pending. */
async function pendingRefund(suite: ProviderConformanceSuite, context: CaseContext, amount: number, refundId: string) {
  const { order } = await paidOrder(suite, context, amount);
  const { refund } = await context.payments.refund(order.id, { refundId, amount: 500, reason: 'conformance' });
  expect(refund.status, 'a refund the wallet has not settled yet is pending, not succeeded').toBe('pending');
  return order;
}

/** The cases about the outcomes the wallet reports. @internal */
export function outcomeCases(suite: ProviderConformanceSuite, first: number): ConformanceCase[] {
  const at = (i: number) => caseAmount(first + i);
  const failed = suite.failedPaymentStatus ?? 'failed';
  const refunds = (context: CaseContext) =>
    context.provider.capabilities.refund && context.provider.capabilities.partialRefund && !suite.refundsSettleAtOnce;
  return [
    {
      name: `records a payment that failed at the wallet as ${failed}, from its notification and from a query`,
      async run() {
        const context = await caseContext(suite);
        const order = await createOpened(suite, context, at(0));
        await expectStatus(context, order, context.sandbox.fail(order.id), failed, 'a failed payment');
      },
    },
    {
      name: 'records a trade the wallet closed as closed, from its notification and from a query',
      async run() {
        const context = await caseContext(suite);
        const order = await createOpened(suite, context, at(1));
        await expectStatus(context, order, context.sandbox.close(order.id), 'closed', 'a closed trade');
      },
    },
    {
      name: 'reports a paid order as paid when queried (or refuses sync when it cannot query)',
      async run() {
        const context = await caseContext(suite);
        const { order } = await paidOrder(suite, context, at(2));
        if (!context.provider.capabilities.query) return expectUnsupported(context.payments.sync(order.id));
        const synced = await context.payments.sync(order.id);
        expect(synced.status).toBe('paid');
        expect(synced.version).toBe(order.version);
      },
    },
    {
      name: 'closes an unpaid order (or refuses close when it cannot)',
      async run() {
        const context = await caseContext(suite);
        const order = await createOpened(suite, context, at(3));
        if (!context.provider.capabilities.close) return expectUnsupported(context.payments.close(order.id));
        expect((await context.payments.close(order.id)).status).toBe('closed');
      },
    },
    {
      name: 'refunds in parts, then in full, and refuses to refund more than was paid',
      async run() {
        const context = await caseContext(suite);
        const amount = at(4);
        const { order } = await paidOrder(suite, context, amount);
        const { capabilities } = context.provider;
        if (!capabilities.refund || !capabilities.partialRefund) {
          return expectUnsupported(context.payments.refund(order.id, { refundId: 'refund001', amount: 1 }));
        }
        const settle = async (refundId: string) => {
          if ((await refundStatus(context, order.id, refundId)) !== 'pending') return;
          const notification = context.sandbox.settleRefund(order.id, refundId);
          if (capabilities.refundNotifications) {
            const result = await context.payments.handleNotification(context.provider.id, notification);
            expect(result.ok, String(result.error)).toBe(true);
          } else await context.payments.sync(order.id);
        };
        await context.payments.refund(order.id, { refundId: 'refund001', amount: 500, reason: 'conformance' });
        await settle('refund001');
        let current = await context.payments.getOrder(order.id);
        expect(current.status).toBe('partially_refunded');
        expect(current.refundedAmount).toBe(500);
        const over = await context.payments
          .refund(order.id, { refundId: 'refund002', amount: amount - 500 + 1 })
          .catch((e: unknown) => e);
        expect(RefundExceedsPaidError.isInstance(over)).toBe(true);
        if (!capabilities.multipleRefunds) return;
        await context.payments.refund(order.id, { refundId: 'refund003', amount: amount - 500 });
        await settle('refund003');
        current = await context.payments.getOrder(order.id);
        expect(current.status).toBe('refunded');
        expect(current.refundedAmount).toBe(amount);
      },
    },
    {
      name: 'records a refund the wallet failed as failed, from its notification',
      async run() {
        const context = await caseContext(suite);
        if (!refunds(context) || !context.provider.capabilities.refundNotifications) return;
        const order = await pendingRefund(suite, context, at(5), 'refundfail001');
        const notification = context.sandbox.settleRefund(order.id, 'refundfail001', { fail: true });
        const result = await context.payments.handleNotification(context.provider.id, notification);
        expect(result.ok, String(result.error)).toBe(true);
        expect(await refundStatus(context, order.id, 'refundfail001'), 'a failed refund').toBe('failed');
        expect((await context.payments.getOrder(order.id)).refundedAmount).toBe(0);
      },
    },
    {
      name: 'records a refund the wallet failed as failed, from a query',
      async run() {
        const context = await caseContext(suite);
        if (!refunds(context) || !context.provider.capabilities.refundQuery) return;
        const order = await pendingRefund(suite, context, at(6), 'refundfail002');
        context.sandbox.settleRefund(order.id, 'refundfail002', { fail: true }); // the notification is lost
        await context.payments.sync(order.id);
        expect(await refundStatus(context, order.id, 'refundfail002'), 'a failed refund').toBe('failed');
      },
    },
    {
      name: 'records a settled refund as succeeded, from a query',
      async run() {
        const context = await caseContext(suite);
        if (!refunds(context) || !context.provider.capabilities.refundQuery) return;
        const order = await pendingRefund(suite, context, at(7), 'refundok001');
        context.sandbox.settleRefund(order.id, 'refundok001'); // the notification is lost
        await context.payments.sync(order.id);
        expect(await refundStatus(context, order.id, 'refundok001'), 'a settled refund').toBe('succeeded');
      },
    },
  ];
}
