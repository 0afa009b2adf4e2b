/**
 * The provider conformance suite: the spec, executable. Every adapter package runs it against its
 * own sandbox ({@link runProviderConformance}), so "implements the spec" means the same thing for
 * every wallet, and every rule of `docs/writing-an-adapter.md` is a case that fails when an adapter
 * breaks it.
 *
 * @packageDocumentation
 */

import type { NextAction, NotificationInput, Order } from '@hutong/core';
import {
  type CreatePaymentInput,
  createPayments,
  HutongError,
  MemoryOrderStore,
  PAYMENT_METHODS,
  type PaymentMethod,
  type Payments,
  RefundExceedsPaidError,
  SignatureVerificationError,
  UnsupportedOperationError,
  ValidationError,
} from '@hutong/core';
import type { PaymentProvider } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import type { ConformanceCase, ProviderConformanceSuite } from './provider-conformance-harness.js';
import { notificationCases } from './provider-conformance-notifications.js';
import { outcomeCases } from './provider-conformance-outcomes.js';
import { replyCases } from './provider-conformance-replies.js';
import { ACTIONS_BY_METHOD, OPTIONAL_OPERATIONS, specCases } from './provider-conformance-spec.js';

export type {
  ConformanceCase,
  ProviderConformanceSuite,
  ProviderUnderTest,
} from './provider-conformance-harness.js';
export { ACTIONS_BY_METHOD } from './provider-conformance-spec.js';

/**
 * Every case of the suite for one adapter, as plain functions: {@link runProviderConformance}
 * registers them as vitest tests; a test of the suite itself runs them directly (each rejects when
 * the adapter breaks the rule it names).
 *
 * @example
 * ```ts
 * for (const check of providerConformanceCases(suite)) await check.run();
 * ```
 */
export function providerConformanceCases(suite: ProviderConformanceSuite): ConformanceCase[] {
  const spec = specCases(suite, 0);
  const notifications = notificationCases(suite, 1);
  const outcomes = outcomeCases(suite, 1 + notifications.length);
  const replies = replyCases(suite, 1 + notifications.length + outcomes.length);
  return [...spec, ...notifications, ...outcomes, ...replies];
}

/**
 * Registers the provider conformance suite for one adapter and its sandbox: one vitest test per
 * case of {@link providerConformanceCases}. The sandbox must implement `WalletSandbox` with its
 * hostile hooks (`@hutong/core/testing`): the suite forges, re-signs with an attacker's key,
 * addresses to another merchant and delays notifications, tampers with replies, fails and closes
 * payments and fails refunds, and checks the adapter refuses or reports each as the guide says.
 *
 * @example
 * ```ts
 * runProviderConformance({
 *   name: 'mywallet',
 *   setup: () => {
 *     const sandbox = createMywalletSandbox();
 *     return { sandbox, provider: mywallet({ ...sandbox.keys, fetch: sandbox.fetch }) };
 *   },
 * });
 * ```
 */
export function runProviderConformance(suite: ProviderConformanceSuite): void {
  describe(`provider conformance: ${suite.name}`, () => {
    for (const check of providerConformanceCases(suite)) it(check.name, () => check.run());
  });
}

/**
 * How {@link runProviderConformanceTests} drives an adapter.
 *
 * @deprecated Use {@link ProviderConformanceSuite} with {@link runProviderConformance}.
 */
export interface ProviderConformanceHarness {
  /** Suite name, e.g. `alipay (public-key mode)`. */
  name: string;
  /** A fresh provider wired to a fresh sandbox, for each test. */
  createProvider(): PaymentProvider | Promise<PaymentProvider>;
  /** Acts as the buyer: pays the order in the sandbox and returns the notification it would post. */
  pay(provider: PaymentProvider, order: Order, action: NextAction): Promise<NotificationInput>;
  /**
   * Settles a refund that the provider left pending and returns its notification; omit for
   * providers whose refunds settle at once.
   */
  settleRefund?:
    | ((provider: PaymentProvider, order: Order, refundId: string) => Promise<NotificationInput | undefined>)
    | undefined;
  /** Extra create input per method (a WeChat openid for jsapi, a payment code for pos, ...). */
  createInput?: ((method: PaymentMethod) => Partial<CreatePaymentInput>) | undefined;
  /** Methods to exercise; default: every declared method but `pos`. */
  methods?: readonly PaymentMethod[] | undefined;
  /** Amount of test payments in fen. Default 1999. */
  amount?: number | undefined;
  /** Notification URL given to the provider. Default `https://merchant.example/notify`. */
  notifyUrl?: string | undefined;
  /** Changes a notification so that its signature no longer holds. Default: flips one body character. */
  tamper?: ((notification: NotificationInput) => NotificationInput) | undefined;
}

async function expectUnsupported(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(UnsupportedOperationError.isInstance(error)).toBe(true);
}

/** Flips one letter or digit near the middle of the body, away from `%XX` escapes. */
export function flipOneCharacter(notification: NotificationInput): NotificationInput {
  const body =
    typeof notification.body === 'string'
      ? notification.body
      : new TextDecoder().decode(notification.body as Uint8Array);
  for (let offset = 0; offset < body.length; offset++) {
    const i = (Math.floor(body.length / 2) + offset) % body.length;
    const char = body[i] as string;
    const nearEscape = body.slice(Math.max(0, i - 2), i).includes('%');
    if (/[A-Za-z0-9]/.test(char) && !nearEscape) {
      const replacement = char === '1' ? '2' : '1';
      return { ...notification, body: body.slice(0, i) + replacement + body.slice(i + 1) };
    }
  }
  throw new Error('nothing to tamper with in the notification body');
}

/**
 * Registers the first conformance tests for one provider, without a sandbox: the spec's shape, a
 * payment, a redelivery, a tampered body, query, close and refunds.
 *
 * @deprecated Use {@link runProviderConformance} with the adapter's `WalletSandbox`: only it checks
 * forged, foreign and stale notifications, tampered replies, failed and closed payments and failed
 * refunds.
 *
 * @example
 * ```ts
 * runProviderConformanceTests({
 *   name: 'alipay',
 *   createProvider: () => alipay({ ...keys, fetch: sandbox.fetch }),
 *   pay: async (_provider, order) => sandbox.pay(order.id),
 * });
 * ```
 */
// Longer than 150 lines on purpose: a suite's body is its list of test cases; deprecated, so kept as
// it was rather than split (runProviderConformance's cases live one concern per file).
export function runProviderConformanceTests(harness: ProviderConformanceHarness): void {
  const amount = harness.amount ?? 1999;
  const notifyUrl = harness.notifyUrl ?? 'https://merchant.example/notify';

  async function setup(): Promise<{ provider: PaymentProvider; payments: Payments }> {
    const provider = await harness.createProvider();
    const payments = createPayments({ providers: [provider], store: new MemoryOrderStore(), notifyUrl });
    return { provider, payments };
  }

  async function create(payments: Payments, provider: PaymentProvider, method: PaymentMethod) {
    return payments.createPayment({
      provider: provider.id,
      method,
      amount,
      subject: 'hutong conformance 测试',
      returnUrl: 'https://merchant.example/return',
      ...harness.createInput?.(method),
    });
  }

  async function paidOrder() {
    const { provider, payments } = await setup();
    const method = (harness.methods ?? provider.capabilities.methods).find((m) => m !== 'pos') ?? 'qr';
    const { order, action } = await create(payments, provider, method);
    const notification = await harness.pay(provider, order, action);
    const result = await payments.handleNotification(provider.id, notification);
    return { provider, payments, order: result.order as Order, notification, result };
  }

  async function settle(provider: PaymentProvider, payments: Payments, order: Order, refundId: string) {
    const current = await payments.getOrder(order.id);
    if (current.refunds.find((r) => r.id === refundId)?.status !== 'pending') return current;
    const notification = await harness.settleRefund?.(provider, current, refundId);
    if (notification) {
      const result = await payments.handleNotification(provider.id, notification);
      expect(result.ok, String(result.error)).toBe(true);
      return result.order as Order;
    }
    return payments.sync(order.id);
  }

  describe(`provider conformance: ${harness.name}`, () => {
    it('implements specification v1 with an id and well-formed capabilities', async () => {
      const provider = await harness.createProvider();
      expect(provider.specificationVersion).toBe('v1');
      expect(provider.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(provider.capabilities.methods.length).toBeGreaterThan(0);
      for (const method of provider.capabilities.methods) expect(PAYMENT_METHODS).toContain(method);
      expect(typeof provider.createPayment).toBe('function');
      expect(typeof provider.verifyNotification).toBe('function');
      expect(typeof provider.acknowledgeNotification).toBe('function');
    });

    it('implements exactly the optional operations its capabilities declare', async () => {
      const provider = await harness.createProvider();
      for (const [capability, operation] of OPTIONAL_OPERATIONS) {
        expect(typeof provider[operation] === 'function', `${capability} ↔ ${operation}`).toBe(
          provider.capabilities[capability],
        );
      }
      if (provider.capabilities.partialRefund || provider.capabilities.multipleRefunds) {
        expect(provider.capabilities.refund).toBe(true);
      }
    });

    it('answers accepted and rejected notifications differently', async () => {
      const provider = await harness.createProvider();
      const accepted = provider.acknowledgeNotification({ accepted: true });
      const rejected = provider.acknowledgeNotification({ accepted: false, error: new Error('x') });
      expect(accepted.status).toBeGreaterThanOrEqual(200);
      expect(accepted.status).toBeLessThan(300);
      expect(rejected.status !== accepted.status || rejected.body !== accepted.body).toBe(true);
    });

    it('creates a payment for every method with an action of the right kind', async () => {
      const { provider, payments } = await setup();
      for (const method of harness.methods ?? provider.capabilities.methods.filter((m) => m !== 'pos')) {
        const { order, action } = await create(payments, provider, method);
        expect(ACTIONS_BY_METHOD[method], `${method} → ${action.type}`).toContain(action.type);
        expect(order.status).toBe('pending');
        expect(order.amount).toBe(amount);
      }
    });

    it('refuses a float amount before anything reaches the provider', async () => {
      const { provider, payments } = await setup();
      const error = await payments
        .createPayment({ provider: provider.id, method: 'qr', amount: 19.99, subject: 'x' })
        .catch((e: unknown) => e);
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).field).toBe('amount');
    });

    it('marks the order paid from a verified notification and acknowledges it', async () => {
      const { provider, result, order } = await paidOrder();
      expect(result.ok, String(result.error)).toBe(true);
      expect(order.status).toBe('paid');
      expect(order.paidAmount).toBe(amount);
      expect(order.providerTransactionId).toBeTruthy();
      expect(result.response).toEqual(provider.acknowledgeNotification({ accepted: true }));
    });

    it('treats a redelivered notification as a no-op', async () => {
      const { payments, provider, notification, order } = await paidOrder();
      const again = await payments.handleNotification(provider.id, notification);
      expect(again.ok).toBe(true);
      expect(again.outcome).toBe('duplicate');
      expect(again.order?.version).toBe(order.version);
    });

    it('refuses a tampered notification and changes nothing', async () => {
      const { provider, payments } = await setup();
      const method = (harness.methods ?? provider.capabilities.methods).find((m) => m !== 'pos') ?? 'qr';
      const { order, action } = await create(payments, provider, method);
      const notification = await harness.pay(provider, order, action);
      const tampered = (harness.tamper ?? flipOneCharacter)(notification);
      const result = await payments.handleNotification(provider.id, tampered);
      expect(result.ok).toBe(false);
      expect(HutongError.isInstance(result.error)).toBe(true);
      expect(SignatureVerificationError.isInstance(result.error) || ValidationError.isInstance(result.error)).toBe(
        true,
      );
      expect(result.response).toEqual(provider.acknowledgeNotification({ accepted: false, error: result.error }));
      expect(
        result.response.status >= 300 ||
          result.response.body !== provider.acknowledgeNotification({ accepted: true }).body,
      ).toBe(true);
      const stored = await payments.getOrder(order.id);
      expect(stored.status).toBe('pending');
      expect(stored.version).toBe(order.version);
    });

    it('reports a paid order as paid when queried (or refuses sync when it cannot query)', async () => {
      const { provider, payments, order } = await paidOrder();
      if (!provider.capabilities.query) {
        await expectUnsupported(payments.sync(order.id));
        return;
      }
      const synced = await payments.sync(order.id);
      expect(synced.status).toBe('paid');
      expect(synced.version).toBe(order.version);
    });

    it('closes an unpaid order (or refuses close when it cannot)', async () => {
      const { provider, payments } = await setup();
      const method = (harness.methods ?? provider.capabilities.methods).find((m) => m !== 'pos') ?? 'qr';
      const { order } = await create(payments, provider, method);
      if (!provider.capabilities.close) {
        await expectUnsupported(payments.close(order.id));
        return;
      }
      const closed = await payments.close(order.id);
      expect(closed.status).toBe('closed');
    });

    it('refunds in parts, then in full, and refuses to refund more than was paid', async () => {
      const { provider, payments, order } = await paidOrder();
      if (!provider.capabilities.refund || !provider.capabilities.partialRefund) {
        await expectUnsupported(payments.refund(order.id, { refundId: 'refund001', amount: 1 }));
        return;
      }
      const first = await payments.refund(order.id, { refundId: 'refund001', amount: 500, reason: 'conformance' });
      let current = await settle(provider, payments, order, first.refund.id);
      expect(current.status).toBe('partially_refunded');
      expect(current.refundedAmount).toBe(500);

      const over = await payments
        .refund(order.id, { refundId: 'refund002', amount: amount - 500 + 1 })
        .catch((e: unknown) => e);
      expect(RefundExceedsPaidError.isInstance(over)).toBe(true);

      if (provider.capabilities.multipleRefunds) {
        const second = await payments.refund(order.id, { refundId: 'refund003', amount: amount - 500 });
        current = await settle(provider, payments, order, second.refund.id);
        expect(current.status).toBe('refunded');
        expect(current.refundedAmount).toBe(amount);
      }
    });
  });
}
