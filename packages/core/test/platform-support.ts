/**
 * A platform and its two shops for the platform-mode tests: a fake provider in platform mode, a
 * memory directory with shop A and shop B at it (and one direct provider beside), and a record of
 * the sub-merchant every provider call carried.
 */
import {
  createMemoryMerchantDirectory,
  createPayments,
  MemoryOrderStore,
  type MerchantAccount,
  type PaymentsOptions,
} from '../src/index.js';
import type { PaymentProvider } from '../src/provider-utils/index.js';
import { createFakeProvider, type FakeProvider } from '../src/testing/index.js';

export const NOW = new Date('2024-05-01T08:00:00.000Z');

export const SHOP_A: MerchantAccount = {
  merchant: 'shop-a',
  provider: 'platform',
  accountId: 'sub-a',
  name: '老王煎饼',
  enabled: true,
  fields: {},
};
export const SHOP_B: MerchantAccount = { ...SHOP_A, merchant: 'shop-b', accountId: 'sub-b', name: '小李面馆' };

/** Each call a provider received, with the sub-merchant account it carried (`null`: none). */
export interface RecordedCall {
  operation: string;
  orderId: string;
  merchant: string | null;
  hasMerchantKey: boolean;
}

const RECORDED = ['createPayment', 'resumePayment', 'queryPayment', 'closePayment', 'refund', 'queryRefund'] as const;

/** Wraps the provider's calls to record what each carried. */
export function recording<P extends PaymentProvider<string>>(provider: P, calls: RecordedCall[]): P {
  const wrapped = { ...provider } as Record<string, unknown>;
  for (const operation of RECORDED) {
    const original = provider[operation] as ((request: never) => Promise<unknown>) | undefined;
    if (!original) continue;
    wrapped[operation] = (request: { orderId: string; merchant?: MerchantAccount | null }) => {
      calls.push({
        operation,
        orderId: request.orderId,
        merchant: request.merchant?.accountId ?? null,
        hasMerchantKey: 'merchant' in request,
      });
      return original.call(provider, request as never);
    };
  }
  return wrapped as P;
}

export function platform(options: Partial<PaymentsOptions> = {}) {
  const fake = createFakeProvider({ id: 'platform', merchants: true, now: () => NOW });
  const direct = createFakeProvider({ id: 'direct', now: () => NOW });
  const calls: RecordedCall[] = [];
  const directory = createMemoryMerchantDirectory([SHOP_A, SHOP_B, { ...SHOP_A, provider: 'direct' }]);
  const store = new MemoryOrderStore();
  const payments = createPayments({
    providers: [recording(fake, calls), recording(direct, calls)],
    store,
    merchants: directory,
    now: () => NOW,
    ...options,
  });
  return { fake: fake as FakeProvider<'platform'>, direct, calls, directory, store, payments };
}

export const base = { method: 'qr', amount: 1999, subject: 'Tea' } as const;
