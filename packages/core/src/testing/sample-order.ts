/**
 * Builds orders for tests without going through a provider.
 *
 * @packageDocumentation
 */
import type { Order } from '@hutong/core';

/**
 * A valid `created` order of 19.99 yuan, with any field overridden.
 *
 * @example
 * ```ts
 * const order = sampleOrder({ status: 'paid', paidAmount: 1999 });
 * ```
 */
export function sampleOrder(overrides: Partial<Order> = {}): Order {
  const at = '2024-01-01T00:00:00.000Z';
  return {
    id: 'order0000001',
    provider: 'fake',
    method: 'qr',
    amount: 1999,
    currency: 'CNY',
    subject: 'Longjing tea 250g',
    status: 'created',
    paidAmount: 0,
    refundedAmount: 0,
    providerTransactionId: null,
    refunds: [],
    anomalies: [],
    version: 1,
    buyerId: null,
    expiresAt: null,
    paidAt: null,
    notifyUrl: null,
    returnUrl: null,
    metadata: {},
    providerData: {},
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}
