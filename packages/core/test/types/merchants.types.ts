/**
 * Type-level tests of platform mode (checked by `pnpm typecheck`): `merchant` takes the platform's
 * key type, and does not compile for a provider that declares it cannot act for a sub-merchant.
 */
import { expectTypeOf } from 'vitest';
import {
  createMemoryMerchantDirectory,
  createPayments,
  type MerchantAccount,
  type MerchantDirectory,
  type Payments,
  type QrAction,
} from '../../src/index.js';
import type { PaymentProvider, ProviderTypes } from '../../src/provider-utils/index.js';

type ShopId = string & { readonly __brand: 'ShopId' };
declare const shop: ShopId;

type Partner = PaymentProvider<'partner', ProviderTypes<object, { qr: QrAction }, true>>;
type DirectOnly = PaymentProvider<'direct', ProviderTypes<object, { qr: QrAction }, false>>;
type Undeclared = PaymentProvider<'undeclared', ProviderTypes<object, { qr: QrAction }>>;
declare const partner: Partner;
declare const directOnly: DirectOnly;
declare const undeclared: Undeclared;
const base = { method: 'qr', amount: 1999, subject: 'Tea' } as const;

export async function merchantTakesThePlatformsKeyType() {
  const payments = createPayments({
    providers: [partner],
    merchants: createMemoryMerchantDirectory<ShopId>(),
  });
  expectTypeOf(payments).toEqualTypeOf<Payments<Partner, ShopId>>();
  await payments.createPayment({ provider: 'partner', ...base, merchant: shop });
  // @ts-expect-error a plain string is not a ShopId
  await payments.createPayment({ provider: 'partner', ...base, merchant: 'shop-42' });
  await payments.refund('order0001', { refundId: 'refund0001', amount: 1, merchant: shop });
  // @ts-expect-error the refund's merchant is a ShopId too
  await payments.refund('order0001', { refundId: 'refund0001', amount: 1, merchant: 'shop-42' });
  await payments.payWithCode({ authCode: '2856781234567890', amount: 1, subject: 'Tea', merchant: shop });
}

export async function anyDirectoryTakesStrings(directory: MerchantDirectory) {
  const payments = createPayments({ providers: [partner, undeclared], merchants: directory });
  await payments.createPayment({ provider: 'partner', ...base, merchant: 'shop-42' });
  // A provider that declares nothing takes a merchant; the facade checks its capability at run time.
  await payments.createPayment({ provider: 'undeclared', ...base, merchant: 'shop-42' });
  // @ts-expect-error a merchant key is a string
  await payments.createPayment({ provider: 'partner', ...base, merchant: 42 });
}

export async function aDirectOnlyProviderRefusesAMerchant() {
  const payments = createPayments({ providers: [partner, directOnly] });
  await payments.createPayment({ provider: 'direct', ...base });
  // @ts-expect-error `direct` declares it cannot act for a sub-merchant
  await payments.createPayment({ provider: 'direct', ...base, merchant: 'shop-42' });
  await payments.createPayment({ provider: 'partner', ...base, merchant: 'shop-42' });
}

export function aPlatformFacadeIsAFacade(platform: Payments<Partner, ShopId>) {
  const mount = (payments: Payments) => payments.webhookHandler('partner');
  mount(platform);
  expectTypeOf(platform.merchants?.peek).toEqualTypeOf<
    ((merchant: string, provider: string) => MerchantAccount | undefined) | undefined
  >();
}
