/**
 * Type-level tests (issue 11: 1 to 5 for Alipay). `pnpm typecheck` checks them (a wrong type or an
 * unused `@ts-expect-error` fails it); vitest only runs the `expectTypeOf` calls, which do nothing
 * at run time. Nothing here talks to a gateway: the bodies are never called.
 */
import type {
  AppAction,
  FormAction,
  JsapiAction,
  PosAction,
  QrAction,
  RedirectAction,
  WalletOAuth,
} from '@hutong/core';
import { createPayments } from '@hutong/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { AlipayOptionsInput } from '../src/alipay-options.js';
import {
  type AlipayCertificateOptions,
  type AlipayJsapiParams,
  type AlipayOptions,
  type AlipayProvider,
  type AlipayPublicKeyOptions,
  alipay,
} from '../src/index.js';

declare const privateKey: string;
declare const alipayPublicKey: string;
declare const pem: string;
const appId = '2021000122671080';

function configured() {
  const hk = alipay({ id: 'alipay-hk', appId, privateKey, alipayPublicKey });
  const sh = alipay({ id: 'alipay-sh', appId, privateKey, appCert: pem, alipayPublicCert: pem, alipayRootCert: pem });
  return createPayments({ providers: [hk, sh, alipay({ appId, privateKey, alipayPublicKey })] });
}

describe('alipay() types', () => {
  it('takes exactly one key mode', () => {
    expectTypeOf(() => {
      // @ts-expect-error: neither public-key nor certificate mode
      alipay({ appId, privateKey });
      // @ts-expect-error: both modes at once
      alipay({ appId, privateKey, alipayPublicKey, appCert: pem, alipayPublicCert: pem, alipayRootCert: pem });
      // @ts-expect-error: certificate mode without the root certificate
      alipay({ appId, privateKey, appCert: pem, alipayPublicCert: pem });
    }).toBeFunction();
  });

  it('infers the id as a literal, the wallet name by default', () => {
    expectTypeOf(() => alipay({ appId, privateKey, alipayPublicKey })).returns.toEqualTypeOf<
      AlipayProvider<'alipay'>
    >();
    expectTypeOf(() => alipay({ id: 'alipay-hk', appId, privateKey, alipayPublicKey })).returns.toEqualTypeOf<
      AlipayProvider<'alipay-hk'>
    >();
    expectTypeOf<AlipayProvider['wallet']>().toEqualTypeOf<'alipay'>();
  });

  it('types the facade by the configured ids, methods, providerOptions and actions', () => {
    expectTypeOf(async () => {
      const payments = configured();
      const base = { amount: 100, subject: 'x' } as const;
      const qr = await payments.createPayment({ ...base, provider: 'alipay-hk', method: 'qr' });
      expectTypeOf(qr.action).toEqualTypeOf<QrAction>();
      const page = await payments.createPayment({ ...base, provider: 'alipay', method: 'page' });
      expectTypeOf(page.action).toEqualTypeOf<FormAction | RedirectAction>();
      const jsapi = await payments.createPayment({ ...base, provider: 'alipay-sh', method: 'jsapi', buyerId: 'b' });
      expectTypeOf(jsapi.action).toEqualTypeOf<JsapiAction<AlipayJsapiParams>>();
      expectTypeOf(jsapi.action.params.tradeNO).toBeString();
      const app = await payments.createPayment({ ...base, provider: 'alipay', method: 'app' });
      expectTypeOf(app.action).toEqualTypeOf<AppAction<string>>();
      const pos = await payments.createPayment({ ...base, provider: 'alipay', method: 'pos', authCode: '28' });
      expectTypeOf(pos.action).toEqualTypeOf<PosAction>();
      await payments.createPayment({
        ...base,
        provider: 'alipay',
        method: 'page',
        providerOptions: { installments: { count: 6 }, formMethod: 'GET' },
      });
      // @ts-expect-error: no provider of that id is configured
      await payments.createPayment({ ...base, provider: 'alipay-sz', method: 'qr' });
      // @ts-expect-error: a misspelt provider option
      await payments.createPayment({ ...base, provider: 'alipay', method: 'qr', providerOptions: { instalments: {} } });
      await payments.createPayment({
        ...base,
        provider: 'alipay',
        method: 'qr',
        // @ts-expect-error: Huabei has no 5-period plan
        providerOptions: { installments: { count: 5 } },
      });
      expectTypeOf(payments.provider('alipay-hk')).toEqualTypeOf<AlipayProvider<'alipay-hk'>>();
      expectTypeOf(payments.provider('alipay-hk').billDownloadUrl).toBeFunction();
    }).toBeFunction();
  });

  it('types the options from the schema alipay() validates them with (issue 21 item 3)', () => {
    // Every typed option is one the schema takes, of a type it takes: none typed and not validated.
    expectTypeOf<AlipayPublicKeyOptions>().toExtend<AlipayOptionsInput>();
    expectTypeOf<Omit<AlipayCertificateOptions, 'alipayPublicCert'>>().toExtend<AlipayOptionsInput>();
    expectTypeOf<string[]>().toExtend<NonNullable<AlipayOptionsInput['alipayPublicCert']>>();
    // And every field the schema takes is an option of one mode or the other.
    expectTypeOf<keyof AlipayOptionsInput>().toEqualTypeOf<keyof AlipayPublicKeyOptions>();
    expectTypeOf<keyof AlipayOptionsInput>().toEqualTypeOf<keyof AlipayCertificateOptions>();
    expectTypeOf<AlipayPublicKeyOptions['appId']>().toEqualTypeOf<AlipayOptionsInput['appId']>();
    expectTypeOf<AlipayOptions['timeoutMs']>().toEqualTypeOf<AlipayOptionsInput['timeoutMs']>();
  });

  it('offers OAuth in the one shape of every wallet (WalletOAuth)', () => {
    expectTypeOf<ReturnType<AlipayProvider['oauth']>>().toExtend<WalletOAuth>();
    expectTypeOf(() => alipay({ appId, privateKey, alipayPublicKey }).oauth().buyerId('code')).returns.toEqualTypeOf<
      Promise<string>
    >();
  });
});
