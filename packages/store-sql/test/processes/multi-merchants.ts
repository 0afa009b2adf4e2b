/** The 50 shops of the four-process test, as every process's merchants directory holds them. */
import type { MerchantAccount } from '../../../core/src/index.js';
import { createMemoryMerchantDirectory } from '../../../core/src/index.js';

/** How many shops the orders are spread over. */
export const MERCHANTS = 50;

/** Order `i`'s merchant: 50 merchants, and one order in eleven the provider's own. */
export function merchantOf(i: number): string | undefined {
  const slot = i % (MERCHANTS + 5);
  return slot < MERCHANTS ? `shop-${String(slot).padStart(2, '0')}` : undefined;
}

/** Shop `shop-NN`'s account at the fake provider: its own sub-merchant `subNN`. */
export function accountOf(merchant: string): MerchantAccount {
  return { merchant, provider: 'fake', accountId: `sub${merchant.slice(5)}`, enabled: true, fields: {} };
}

/** A directory with `shop-00` … `shop-49` at the fake provider. */
export function multiMerchants() {
  return createMemoryMerchantDirectory(
    Array.from({ length: MERCHANTS }, (_, index) => accountOf(`shop-${String(index).padStart(2, '0')}`)),
  );
}
