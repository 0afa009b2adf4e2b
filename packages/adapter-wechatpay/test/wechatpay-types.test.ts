/**
 * Type-level tests (issue 11.3, 11.4, 11.5, 11.8): checked by `pnpm typecheck` (`tsc --strict`);
 * each `@ts-expect-error` fails the type check if the line it marks compiles.
 */
import type { AppAction, JsapiAction, PosAction, QrAction, RedirectAction } from '@hutong/core';
import { createPayments } from '@hutong/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { input } from 'zod/mini';
import {
  type WechatpayAppParams,
  type WechatpayJsapiParams,
  type WechatpayOptions,
  type WechatpayProvider,
  wechatpay,
} from '../src/index.js';
import type { WechatpayMissingKeyMode, wechatpayOptionsSchema } from '../src/wechatpay-options.js';

/** Every key of every member of a union. */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;
/** The type of `K` in the members of a union that have it. */
type FieldOf<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;
type SchemaInput = input<typeof wechatpayOptionsSchema>;
/** The never-satisfiable member's message key, not an option. */
type MessageKey = Exclude<
  keyof WechatpayMissingKeyMode,
  'wechatpayPublicKey' | 'wechatpayPublicKeyId' | 'platformCertificates'
>;
type OptionKeys = Exclude<KeysOfUnion<WechatpayOptions>, MessageKey>;
/** A readonly array as zod's input type writes it (parsing never mutates it). */
type Writable<T> = T extends readonly (infer E)[] ? E[] : T;
/** The keys whose public type allows a value the schema's input type does not (none, when they agree). */
type Disagreements = {
  [K in keyof SchemaInput]-?: [Writable<Exclude<FieldOf<WechatpayOptions, K>, undefined>>] extends [
    Exclude<SchemaInput[K], undefined>,
  ]
    ? never
    : K;
}[keyof SchemaInput];

declare const keys: { wechatpayPublicKey: string; wechatpayPublicKeyId: string };
declare const merchant: { mchId: string; privateKey: string; merchantSerialNo: string; apiV3Key: string };
declare const signer: { privateKey: string; merchantSerialNo: string; apiV3Key: string };

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

  it("types partner mode (服务商): its options do not compile in direct mode, nor direct mode's in it", () => {
    const check = () => {
      const partner = wechatpay({ ...signer, ...keys, mode: 'partner', spMchId: '1900000100', spAppId: 'wx1' });
      expectTypeOf(partner.profitSharing.addReceiver).toBeFunction();
      expectTypeOf(partner.transfer).toBeFunction();
      wechatpay({ ...signer, mode: 'partner', spMchId: '1900000100', spAppId: 'wx1', platformCertificates: 'auto' });
      wechatpay({ ...merchant, ...keys, appId: 'wx1', mode: 'direct' });
      // @ts-expect-error: spMchId is a partner-mode option
      wechatpay({ ...merchant, ...keys, appId: 'wx1', spMchId: '1900000100' });
      // @ts-expect-error: spAppId is a partner-mode option
      wechatpay({ ...merchant, ...keys, appId: 'wx1', spAppId: 'wx2' });
      // @ts-expect-error: partner mode takes spMchId and spAppId, not mchId and appId
      wechatpay({ ...merchant, ...keys, appId: 'wx1', mode: 'partner' });
      // @ts-expect-error: mchId is a direct-mode option
      wechatpay({ ...signer, ...keys, mode: 'partner', spMchId: '1900000100', spAppId: 'wx1', mchId: '1' });
      // @ts-expect-error: appIds are direct-mode options
      wechatpay({ ...signer, ...keys, mode: 'partner', spMchId: '1900000100', spAppId: 'wx1', appIds: ['wx2'] });
      // @ts-expect-error: partner mode without spAppId
      wechatpay({ ...signer, ...keys, mode: 'partner', spMchId: '1900000100' });
      // @ts-expect-error: partner mode still needs a key mode
      wechatpay({ ...signer, mode: 'partner', spMchId: '1900000100', spAppId: 'wx1' });
    };
    expectTypeOf(check).toBeFunction();
  });

  it('checks the public option types against the schema wechatpay() validates with', () => {
    // The same fields, both ways: an option the schema does not know, or a schema field the types lack, fails here.
    expectTypeOf<OptionKeys>().toEqualTypeOf<keyof SchemaInput>();
    // Every value the public types allow is one the schema's input type takes.
    expectTypeOf<Disagreements>().toBeNever();
    expectTypeOf<MessageKey>().toEqualTypeOf<'wechatpayPublicKey + wechatpayPublicKeyId, or platformCertificates'>();
  });
});
