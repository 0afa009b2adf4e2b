/**
 * Type-level tests of the facade (checked by `pnpm typecheck`, part of `pnpm test`): what the
 * compiler must accept and what it must refuse. A `@ts-expect-error` that stops erroring fails the
 * type check, so each refusal below is a test that can fail.
 */
import { expectTypeOf } from 'vitest';
import {
  type AppAction,
  createPayments,
  type FormAction,
  type HandleNotificationResult,
  type JsapiAction,
  type Order,
  type Payments,
  type PosAction,
  type QrAction,
  type RedirectAction,
} from '../../src/index.js';
import type { PaymentProvider, ProviderTypes } from '../../src/provider-utils/index.js';
import { createFakeProvider } from '../../src/testing/index.js';

interface InstallmentOptions {
  installments?: { count: 3 | 6 | 12 };
  quitUrl?: string;
}
interface WalletJsapiParams {
  appId: string;
  paySign: string;
}
type AlipayLike = PaymentProvider<
  'alipay',
  ProviderTypes<InstallmentOptions, { qr: QrAction; page: FormAction | RedirectAction; pos: PosAction }>
> & { billDownloadUrl(date: string): Promise<string> };
type WechatLike = PaymentProvider<
  'wechatpay',
  ProviderTypes<{ appId?: string }, { qr: QrAction; jsapi: JsapiAction<WalletJsapiParams>; app: AppAction }>
> & { downloadTradeBill(date: string): Promise<string> };

declare const alipayLike: AlipayLike;
declare const wechatLike: WechatLike;
const payments = createPayments({ providers: [alipayLike, wechatLike] });
const base = { amount: 1999, subject: 'Tea' } as const;

export async function providerIdsAreInferred() {
  await payments.createPayment({ provider: 'alipay', method: 'qr', ...base });
  // @ts-expect-error a misspelt provider id
  await payments.createPayment({ provider: 'alipya', method: 'qr', ...base });
  // @ts-expect-error a provider that is not configured
  await payments.createPayment({ provider: 'unionpay', method: 'qr', ...base });
  // @ts-expect-error a method the chosen provider does not take
  await payments.createPayment({ provider: 'alipay', method: 'jsapi', ...base });
  // @ts-expect-error webhook routes take configured ids only
  payments.webhookHandler('alipya');
}

export function providerReturnsTheAdaptersOwnType() {
  expectTypeOf(payments.provider('wechatpay')).toEqualTypeOf<WechatLike>();
  expectTypeOf(payments.provider('wechatpay').downloadTradeBill).toBeFunction();
  expectTypeOf(payments.provider('alipay')).toEqualTypeOf<AlipayLike>();
  // @ts-expect-error alipay has no downloadTradeBill
  payments.provider('alipay').downloadTradeBill;
}

export async function providerOptionsAreTypedByTheProvider() {
  await payments.createPayment({
    provider: 'alipay',
    method: 'page',
    ...base,
    providerOptions: { installments: { count: 6 } },
  });
  await payments.createPayment({
    provider: 'alipay',
    method: 'page',
    ...base,
    // @ts-expect-error a misspelt option key
    providerOptions: { instalments: { count: 6 } },
  });
  await payments.createPayment({
    provider: 'alipay',
    method: 'page',
    ...base,
    // @ts-expect-error a value the option does not take
    providerOptions: { installments: { count: 5 } },
  });
  await payments.createPayment({
    provider: 'wechatpay',
    method: 'qr',
    ...base,
    // @ts-expect-error another provider's option
    providerOptions: { installments: { count: 6 } },
  });
}

export async function actionsAreNarrowedByTheMethod() {
  const qr = await payments.createPayment({ provider: 'alipay', method: 'qr', ...base });
  expectTypeOf(qr.action).toEqualTypeOf<QrAction>();
  expectTypeOf(qr.action.content).toBeString();
  const page = await payments.createPayment({ provider: 'alipay', method: 'page', ...base });
  expectTypeOf(page.action).toEqualTypeOf<FormAction | RedirectAction>();
  const pos = await payments.createPayment({
    provider: 'alipay',
    method: 'pos',
    ...base,
    authCode: '2800000000000000',
  });
  expectTypeOf(pos.action).toEqualTypeOf<PosAction>();
  expectTypeOf(pos.action.status).toEqualTypeOf<'paid' | 'pending' | 'failed' | 'closed'>();
  const jsapi = await payments.createPayment({ provider: 'wechatpay', method: 'jsapi', ...base, buyerId: 'o1' });
  expectTypeOf(jsapi.action.params.paySign).toBeString();
  const app = await payments.createPayment({ provider: 'wechatpay', method: 'app', ...base });
  expectTypeOf(app.action).toEqualTypeOf<AppAction>();
}

export function notificationResultsNarrowOnOk(result: HandleNotificationResult) {
  if (result.ok) {
    expectTypeOf(result.order).toEqualTypeOf<Order>();
    expectTypeOf(result.order.id).toBeString();
  } else {
    expectTypeOf(result.error).toBeUnknown();
    // @ts-expect-error a refused notification has no order
    result.order.id;
  }
}

export async function untypedProvidersStillWork() {
  const fake = createFakeProvider({ id: 'fake-hk' });
  const loose = createPayments({ providers: [fake] });
  const { action } = await loose.createPayment({ provider: 'fake-hk', method: 'qr', ...base });
  expectTypeOf(action).toEqualTypeOf<QrAction>();
  // @ts-expect-error the fake's id is the literal given to it
  await loose.createPayment({ provider: 'fake', method: 'qr', ...base });
}

export function anyFacadeTakesEveryTypedFacade(narrow: Payments<AlipayLike | WechatLike>) {
  // A merchant's helper that takes any facade, whatever its providers.
  const mount = (payments: Payments) => payments.webhookHandler('alipay');
  mount(narrow);
  // A provider that declares fewer methods is still a provider.
  const bare: PaymentProvider = alipayLike;
  return bare;
}
