import { validationFieldOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { type AlipayOptions, alipay } from '../src/index.js';
import { fixture } from './helpers.js';

const base: AlipayOptions = {
  appId: '2021000122671080',
  privateKey: fixture('alipay-sdk-nodejs-all/app-private-key.pem'),
  alipayPublicKey: fixture('alipay-sdk-nodejs-all/alipay-public-key.pem'),
};

const fieldOf = (options: AlipayOptions) => validationFieldOf(() => alipay(options));

const certMode = {
  appId: '9021000122682882',
  privateKey: fixture('yansongda-pay/alipayAppSecretCert.pem'),
  appCert: fixture('yansongda-pay/alipayAppPublicCert.crt'),
  alipayPublicCert: fixture('yansongda-pay/alipayPublicCert.crt'),
  alipayRootCert: fixture('yansongda-pay/alipayRootCert.crt'),
};

describe('alipay(options) validation', () => {
  it('accepts every key form: PEM PKCS#1 and PKCS#8, and bare base64 of both', () => {
    for (const file of [
      'app-private-key.pem',
      'app-private-key-pkcs8.pem',
      'app-private-key-no-wrapper.pem',
      'app-private-key-pkcs8-no-wrapper.pem',
    ]) {
      expect(fieldOf({ ...base, privateKey: fixture(`alipay-sdk-nodejs-all/${file}`) }), file).toBeUndefined();
    }
    expect(
      fieldOf({ ...base, alipayPublicKey: fixture('alipay-sdk-nodejs-all/alipay-public-key-no-wrapper.pem') }),
    ).toBeUndefined();
  });

  it('names the field when a public key is passed as the private key, PEM or bare', () => {
    expect(fieldOf({ ...base, privateKey: fixture('alipay-sdk-nodejs-all/app-public-key.pem') })).toBe(
      'options.privateKey',
    );
    expect(fieldOf({ ...base, privateKey: fixture('alipay-sdk-nodejs-all/app-public-key-no-wrapper.pem') })).toBe(
      'options.privateKey',
    );
    expect(fieldOf({ ...base, privateKey: 'not a key' })).toBe('options.privateKey');
  });

  it('never puts key material in the error message', () => {
    const privateKey = fixture('alipay-sdk-nodejs-all/app-private-key.pem');
    try {
      alipay({ ...base, alipayPublicKey: privateKey });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('options.alipayPublicKey');
      expect(message).not.toContain(privateKey.split('\n')[1]?.slice(0, 20));
    }
  });

  it.each([
    ['an app id of the wrong shape', { appId: '12345' }, 'options.appId'],
    ['a seller id of the wrong shape', { sellerId: '1234' }, 'options.sellerId'],
    ['a non-URL endpoint', { endpoint: 'staging' }, 'options.endpoint'],
    ['a negative timeout', { timeoutMs: -1 }, 'options.timeoutMs'],
    ['an id that cannot name a route', { id: 'alipay/hk' }, 'options.id'],
    ['negative retries', { retries: -1 }, 'options.retries'],
    ['a hook that is not a function', { hooks: { onRequest: 'log' } }, 'options.hooks.onRequest'],
    ['requireNotifyUrl that is not a boolean', { requireNotifyUrl: 'no' }, 'options.requireNotifyUrl'],
  ])('refuses %s', (_label, patch, field) => {
    expect(fieldOf({ ...base, ...patch } as AlipayOptions)).toBe(field);
  });

  it('refuses an option it does not know, naming it', () => {
    const error = (() => {
      try {
        alipay({ ...base, alipayPublicKeys: 'x' } as unknown as AlipayOptions);
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.message).toContain('alipayPublicKeys');
  });

  it('refuses both key modes at once, and neither', () => {
    expect(fieldOf({ ...certMode, alipayPublicKey: base.alipayPublicKey } as unknown as AlipayOptions)).toBe('options');
    expect(fieldOf({ appId: base.appId, privateKey: base.privateKey } as unknown as AlipayOptions)).toBe('options');
  });

  it('accepts certificate mode and refuses it incomplete or with an app certificate of another key', () => {
    expect(fieldOf(certMode)).toBeUndefined();
    expect(fieldOf({ ...certMode, alipayRootCert: undefined } as unknown as AlipayOptions)).toBe(
      'options.alipayRootCert',
    );
    expect(fieldOf({ ...certMode, privateKey: base.privateKey })).toBe('options.appCert');
    expect(fieldOf({ ...certMode, alipayRootCert: 'not a certificate' })).toBe('options.alipayRootCert');
  });
});
