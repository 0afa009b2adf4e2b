/**
 * The suite's spec cases: the provider's shape, its capabilities and the actions it answers with.
 *
 * @packageDocumentation
 */
import type { NextAction } from '@hutong/core';
import { PAYMENT_METHODS, type PaymentMethod, ValidationError } from '@hutong/core';
import { expect } from 'vitest';
import {
  type ConformanceCase,
  caseAmount,
  caseContext,
  type ProviderConformanceSuite,
} from './provider-conformance-harness.js';

/** The actions each method may answer with. */
export const ACTIONS_BY_METHOD: Readonly<Record<PaymentMethod, readonly NextAction['type'][]>> = {
  qr: ['qr'],
  page: ['redirect', 'form'],
  h5: ['redirect', 'form'],
  jsapi: ['jsapi'],
  app: ['app'],
  pos: ['none'],
};

/** The optional operations, by the capability that declares each. @internal */
export const OPTIONAL_OPERATIONS = [
  ['query', 'queryPayment'],
  ['close', 'closePayment'],
  ['refund', 'refund'],
  ['refundQuery', 'queryRefund'],
] as const;

/** The cases about the provider's shape. @internal */
export function specCases(suite: ProviderConformanceSuite, first: number): ConformanceCase[] {
  return [
    {
      name: 'implements specification v1 with an id and well-formed capabilities',
      async run() {
        const { provider } = await suite.setup();
        expect(provider.specificationVersion).toBe('v1');
        expect(provider.id).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(provider.capabilities.methods.length).toBeGreaterThan(0);
        for (const method of provider.capabilities.methods) expect(PAYMENT_METHODS).toContain(method);
        expect(typeof provider.createPayment).toBe('function');
        expect(typeof provider.verifyNotification).toBe('function');
        expect(typeof provider.acknowledgeNotification).toBe('function');
      },
    },
    {
      name: 'implements exactly the optional operations its capabilities declare',
      async run() {
        const { provider } = await suite.setup();
        for (const [capability, operation] of OPTIONAL_OPERATIONS) {
          expect(typeof provider[operation] === 'function', `${capability} ↔ ${operation}`).toBe(
            provider.capabilities[capability],
          );
        }
        if (provider.capabilities.partialRefund || provider.capabilities.multipleRefunds) {
          expect(provider.capabilities.refund).toBe(true);
        }
      },
    },
    {
      name: 'creates a payment for every method with an action of the right kind',
      async run() {
        const context = await caseContext(suite);
        const amount = caseAmount(first);
        const methods = suite.methods ?? context.provider.capabilities.methods.filter((m) => m !== 'pos');
        for (const method of methods) {
          const { order, action } = await context.payments.createPayment({
            provider: context.provider.id,
            method,
            amount,
            subject: 'hutong conformance 测试',
            returnUrl: 'https://merchant.example/return',
            ...suite.createInput?.(method),
          });
          expect(ACTIONS_BY_METHOD[method], `${method} → ${action.type}`).toContain(action.type);
          expect(order.status).toBe('pending');
          expect(order.amount).toBe(amount);
        }
      },
    },
    {
      name: 'refuses a float amount before anything reaches the provider',
      async run() {
        const context = await caseContext(suite);
        const error = await context.payments
          .createPayment({ provider: context.provider.id, method: 'qr', amount: 19.99, subject: 'x' })
          .catch((e: unknown) => e);
        expect(ValidationError.isInstance(error)).toBe(true);
        expect((error as ValidationError).field).toBe('amount');
      },
    },
  ];
}
