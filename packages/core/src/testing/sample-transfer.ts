/**
 * Builds transfers for tests without going through a provider.
 *
 * @packageDocumentation
 */
import type { Transfer } from '@hutong/core';

/**
 * A valid `created` transfer of 5 yuan to a WeChat openid, with any field overridden.
 *
 * @example
 * ```ts
 * const transfer = sampleTransfer({ id: 'payout0002', status: 'processing', version: 2 });
 * ```
 */
export function sampleTransfer(overrides: Partial<Transfer> = {}): Transfer {
  const at = '2024-01-01T00:00:00.000Z';
  return {
    id: 'payout0001',
    provider: 'fake',
    merchant: null,
    amount: 500,
    currency: 'CNY',
    payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX', name: '王小明' },
    remark: '佣金',
    status: 'created',
    providerTransferId: null,
    confirmation: null,
    failReason: null,
    providerOptions: {},
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}
