import { validationFieldOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { type WechatpayOptions, wechatpay } from '../src/index.js';
import { fixture } from './helpers.js';
import { MERCHANT } from './sandbox-setup.js';

const base: WechatpayOptions = {
  ...MERCHANT,
  wechatpayPublicKey: fixture('wechatpay-java/wechat_pay_public_key.pem'),
  wechatpayPublicKeyId: 'PUB_KEY_ID_0112345678912024',
};

const fieldOf = (options: WechatpayOptions) => validationFieldOf(() => wechatpay(options));

describe('wechatpay(options) validation', () => {
  it('accepts public-key mode, certificate mode, auto certificates, and both at once', () => {
    expect(fieldOf(base)).toBeUndefined();
    const certificate = fixture('wechatpay-java/wechat_pay_certificate.pem');
    expect(fieldOf({ ...MERCHANT, platformCertificates: [certificate] })).toBeUndefined();
    expect(fieldOf({ ...MERCHANT, platformCertificates: 'auto' })).toBeUndefined();
    expect(fieldOf({ ...base, platformCertificates: [certificate] })).toBeUndefined();
  });

  it.each([
    ['a 31-byte APIv3 key', { apiV3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8G' }, 'options.apiV3Key'],
    ['a 33-byte APIv3 key', { apiV3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gbb' }, 'options.apiV3Key'],
    [
      'a certificate passed as the private key',
      { privateKey: fixture('wechatpay-java/merchant_certificate.pem') },
      'options.privateKey',
    ],
    [
      'a public key passed as the private key',
      { privateKey: fixture('wechatpay-java/wechat_pay_public_key.pem') },
      'options.privateKey',
    ],
    ['a non-hex merchant serial', { merchantSerialNo: 'not-hex' }, 'options.merchantSerialNo'],
    ['a malformed public key id', { wechatpayPublicKeyId: 'KEY_1' }, 'options.wechatpayPublicKeyId'],
    ['a public key without its id', { wechatpayPublicKeyId: undefined }, 'options.wechatpayPublicKeyId'],
    ['an app id not starting with wx', { appId: 'ab12345678901234' }, 'options.appId'],
    ['a platform certificate that is not one', { platformCertificates: ['nope'] }, 'options.platformCertificates.0'],
  ])('refuses %s, naming the field', (_label, patch, field) => {
    expect(fieldOf({ ...base, ...patch } as WechatpayOptions)).toBe(field);
  });

  it('refuses no verification key at all (a compile error too)', () => {
    // @ts-expect-error: no key mode
    expect(fieldOf({ ...MERCHANT })).toBe('options');
  });

  it('refuses an unknown option (a typo) instead of ignoring it, naming it', () => {
    expect(fieldOf({ ...base, merchantSerialNumber: 'ABC' } as WechatpayOptions)).toBe('options.merchantSerialNumber');
    expect(fieldOf({ ...base, timeout: 5000 } as WechatpayOptions)).toBe('options.timeout');
  });
});
