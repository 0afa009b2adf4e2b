/**
 * Type-level tests (issue 11.3, 11.4, 11.5, 11.8): checked by `pnpm typecheck` (`tsc --strict`);
 * each `@ts-expect-error` fails the type check if the line it marks compiles.
 */
import type { AppAction, JsapiAction, PosAction, QrAction, RedirectAction } from '@hutong/core';
import { createPayments } from '@hutong/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type WechatpayAppParams,
  type WechatpayJsapiParams,
  type WechatpayOptions,
  type WechatpayProvider,
  wechatpay,
} from '../src/index.js';

declare const keys: { wechatpayPublicKey: string; wechatpayPublicKeyId: string };
declare const merchant: { mchId: string; privateKey: string; merchantSerialNo: string; apiV3Key: string };

describe('types', () => {
  it('narrows the action by method and types providerOptions', () => {
    const check = async () => {
      const payments = createPayments({ providers: [wechatpay({ ...merchant, ...keys, appId: 'wx1' })] });
      const base = { provider: 'wechatpay', amount: 100, subject: 'x' } as const;
      expectTypeOf((await payments.createPayment({ ...base, method: 'qr' })).action).toEqualTypeOf<QrAction>();
      expectTypeOf((await payments.createPayment({ ...base, method: 'jsapi', buyerId: 'o' })).action).toEqualTypeOf<
        JsapiAction<WechatpayJsapiParams>
      >();
      expectTypeOf((await payments.createPayment({ ...base, method: 'h5' })).action).toEqualTypeOf<RedirectAction>();
      expectTypeOf((await payments.createPayment({ ...base, method: 'app' })).action).toEqualTypeOf<
        AppAction<WechatpayAppParams>
      >();
      expectTypeOf(
        (await payments.createPayment({ ...base, method: 'pos', authCode: '1' })).action,
      ).toEqualTypeOf<PosAction>();
      await payments.createPayment({ ...base, method: 'h5', providerOptions: { h5Type: 'iOS', appRole: 'mp' } });
      // @ts-expect-error: a misspelt option
      await payments.createPayment({ ...base, method: 'h5', providerOptions: { h5type: 'iOS' } });
      // @ts-expect-error: WeChat Pay has no page payments
      await payments.createPayment({ ...base, method: 'page' });
      // @ts-expect-error: not a configured provider
      await payments.createPayment({ ...base, provider: 'wechatpy', method: 'qr' });
      expectTypeOf(payments.provider('wechatpay')).toEqualTypeOf<WechatpayProvider<'wechatpay'>>();
      expectTypeOf(payments.provider('wechatpay').downloadTradeBill).toBeFunction();
    };
    expectTypeOf(check).toBeFunction();
  });

  it('infers the id and refuses half-configured options', () => {
    const check = () => {
      expectTypeOf(
        wechatpay({ ...merchant, ...keys, appId: 'wx1', id: 'wechatpay-hk' }).id,
      ).toEqualTypeOf<'wechatpay-hk'>();
      expectTypeOf(
        wechatpay({ ...merchant, ...keys, appIds: { mp: 'wx1', mini: 'wx2' } }).id,
      ).toEqualTypeOf<'wechatpay'>();
      wechatpay({ ...merchant, appId: 'wx1', platformCertificates: 'auto' });
      wechatpay({ ...merchant, ...keys, appId: 'wx1', platformCertificates: 'auto' });
      // @ts-expect-error: no key mode
      wechatpay({ ...merchant, appId: 'wx1' });
      // @ts-expect-error: a public key without its id
      wechatpay({ ...merchant, appId: 'wx1', wechatpayPublicKey: 'pem' });
      // @ts-expect-error: no app id
      wechatpay({ ...merchant, ...keys });
      // @ts-expect-error: appId and appIds are exclusive
      wechatpay({ ...merchant, ...keys, appId: 'wx1', appIds: ['wx2'] });
      const options: WechatpayOptions = { ...merchant, ...keys, appIds: ['wx1', 'wx2'] };
      expectTypeOf(options).toExtend<WechatpayOptions>();
    };
    expectTypeOf(check).toBeFunction();
  });
});
