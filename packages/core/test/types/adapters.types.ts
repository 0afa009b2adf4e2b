/**
 * Type-level tests of the 1.0 API with the real adapters (checked by `pnpm typecheck`): issue 11,
 * items 1 to 6, as a merchant writes them.
 */
import { type AlipayProvider, alipay } from '@hutong/adapter-alipay';
import { type UnionpayProvider, unionpay } from '@hutong/adapter-unionpay';
import { type WechatpayProvider, wechatpay } from '@hutong/adapter-wechatpay';
import { expectTypeOf } from 'vitest';
import {
  createPayments,
  type FormAction,
  type HandleNotificationResult,
  type Order,
  type PosAction,
  type QrAction,
  type RedirectAction,
} from '../../src/index.js';

declare const privateKey: string;
declare const alipayPublicKey: string;
declare const apiV3Key: string;
declare const wechatpayPublicKey: string;
declare const pfx: Uint8Array;

const payments = createPayments({
  providers: [
    alipay({ appId: '2021000000000000', privateKey, alipayPublicKey }),
    alipay({ id: 'alipay-hk', appId: '2021000000000001', privateKey, alipayPublicKey }),
    wechatpay({
      mchId: '1230000109',
      appIds: { mp: 'wx1111111111111111', app: 'wx2222222222222222' },
      privateKey,
      merchantSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      apiV3Key,
      wechatpayPublicKey,
      wechatpayPublicKeyId: 'PUB_KEY_ID_0000000000000000000000000000000',
    }),
    unionpay({
      merId: '777290058110048',
      signCert: { pfx, password: '000000' },
      rootCert: '',
      middleCert: '',
    }),
  ],
  notifyUrl: (provider) => `https://shop.example/webhooks/${provider}`,
});
const base = { amount: 1999, subject: 'Tea' };

export async function item1ProviderIdsAreInferred() {
  await payments.createPayment({ provider: 'alipay-hk', method: 'qr', ...base });
  // @ts-expect-error a misspelt id
  await payments.createPayment({ provider: 'alipya', method: 'qr', ...base });
  // @ts-expect-error UnionPay takes no jsapi payments
  await payments.createPayment({ provider: 'unionpay', method: 'jsapi', ...base });
}

export function item2ProviderReturnsTheAdaptersOwnType() {
  expectTypeOf(payments.provider('wechatpay')).toEqualTypeOf<WechatpayProvider<'wechatpay'>>();
  expectTypeOf(payments.provider('alipay-hk')).toEqualTypeOf<AlipayProvider<'alipay-hk'>>();
  expectTypeOf(payments.provider('unionpay')).toEqualTypeOf<UnionpayProvider<'unionpay'>>();
  expectTypeOf(payments.provider('wechatpay').downloadTradeBill).toBeFunction();
}

export async function item3ProviderOptionsAreTyped() {
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
    // @ts-expect-error misspelt
    providerOptions: { instalments: { count: 6 } },
  });
}

export async function item4ActionsFollowTheMethod() {
  const qr = await payments.createPayment({ provider: 'alipay', method: 'qr', ...base });
  expectTypeOf(qr.action).toEqualTypeOf<QrAction>();
  const page = await payments.createPayment({
    provider: 'unionpay',
    method: 'page',
    ...base,
    returnUrl: 'https://s.example/',
  });
  expectTypeOf(page.action).toExtend<FormAction | RedirectAction>();
  const jsapi = await payments.createPayment({ provider: 'wechatpay', method: 'jsapi', ...base, buyerId: 'o1' });
  expectTypeOf(jsapi.action.params.paySign).toBeString();
  const pos = await payments.createPayment({
    provider: 'alipay',
    method: 'pos',
    ...base,
    authCode: '2856781234567890',
  });
  expectTypeOf(pos.action).toEqualTypeOf<PosAction>();
}

export function item5KeyModesAreUnions() {
  // @ts-expect-error neither public-key nor certificate mode
  alipay({ appId: '2021000000000000', privateKey });
  // @ts-expect-error no platform key mode
  wechatpay({ mchId: '1230000109', appId: 'wx1111111111111111', privateKey, merchantSerialNo: 'x', apiV3Key });
  // @ts-expect-error no signing certificate
  unionpay({ merId: '777290058110048', rootCert: '', middleCert: '' });
}

export function item6NotificationResultsNarrow(result: HandleNotificationResult) {
  if (result.ok) expectTypeOf(result.order).toEqualTypeOf<Order>();
}
