import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { createPayments, MemoryOrderStore, SignatureVerificationError, toNotificationRequest } from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { wechatpay, wechatpayAppParams, wechatpayJsapiParams } from '../src/index.js';
import {
  certificateSerial,
  decryptWechatpayResource,
  encryptWechatpayResource,
  signedMessageFromHeaders,
  signWechatpayMessage,
  verifyWechatpaySignedMessage,
  type WechatpayRequestToSign,
  wechatpayAuthorization,
  wechatpaySigningMessage,
} from '../src/protocol/index.js';
import { fixture, lower, type Vector, vectors } from './helpers.js';

const V = vectors();
const vector = (id: string) => V.get(id) as Vector;
const at = (seconds: string) => new Date(Number(seconds) * 1000);
const javaKey = () => createPrivateKey(fixture('wechatpay-java/merchant_private_key.pem'));

async function reason(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return SignatureVerificationError.isInstance(error) ? error.reason : error === undefined ? undefined : String(error);
}

function decryptionFailure(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return SignatureVerificationError.isInstance(error) ? error.reason : String(error);
  }
  return undefined;
}

/** The request a signed message stands for: its five lines (the body last, then the final `\n`). */
function requestToSign(message: string): WechatpayRequestToSign {
  const [method, canonicalUrl, timestamp, nonce, body] = message.split('\n') as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { method, canonicalUrl, timestamp, nonce, body };
}
describe('request signatures', () => {
  it('signs like wechatpay-go (S1)', () => {
    const v = vector('WX-S1');
    expect(signWechatpayMessage(v.message, createPrivateKey(fixture(v.key)))).toBe(v.expected_signature);
  });

  it('builds the request message, a body ending in \\n included (S2, D1)', () => {
    for (const c of vector('WX-S2').cases) {
      expect(wechatpaySigningMessage([c.method, c.canonical_url, c.timestamp, c.nonce, c.body])).toBe(c.message);
    }
    expect(
      wechatpaySigningMessage(['GET', '/v3/certificates', '1554208460', '593BEC0C930BF1AFEB40B4A08C8FB242', '']),
    ).toBe(vector('WX-D1').message);
  });

  it('reproduces the yansongda/pay Authorization header over the exact bytes sent (S7)', () => {
    const v = vector('WX-S7');
    const header = wechatpayAuthorization(requestToSign(v.message), {
      mchId: v.mchid,
      serialNo: v.serial_no,
      privateKey: createPrivateKey(fixture(v.key)),
    });
    expect(header).toBe(v.expected_authorization);
  });

  it.each(['WX-C1', 'WX-C2', 'WX-C3'])('computes the Authorization of %s', (id) => {
    const v = vector(id);
    const header = wechatpayAuthorization(requestToSign(v.message), {
      mchId: '1234567891',
      serialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
      privateKey: javaKey(),
    });
    expect(header).toBe(v.authorization);
  });
});

describe('client-side signatures', () => {
  it('JSAPI paySign over the documented message (D2, C4)', () => {
    const params = wechatpayJsapiParams({
      appId: 'wx8888888888888888',
      prepayId: 'wx201410272009395522657a690389285100',
      privateKey: javaKey(),
      timestamp: '1414561699',
      nonce: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    });
    expect(wechatpaySigningMessage([params.appId, params.timeStamp, params.nonceStr, params.package])).toBe(
      vector('WX-D2').jsapi_message,
    );
    expect(params.paySign).toBe(vector('WX-C4').paySign);
    expect(params.signType).toBe('RSA');
  });

  it('APP sign over the documented message (D3, C5)', () => {
    const params = wechatpayAppParams({
      appId: 'wx8888888888888888',
      mchId: '1900000109',
      prepayId: 'WX1217752501201407033233368018',
      privateKey: javaKey(),
      timestamp: '1414561699',
      nonce: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    });
    expect(wechatpaySigningMessage([params.appid, params.timestamp, params.noncestr, params.prepayid])).toBe(
      vector('WX-D3').app_message,
    );
    expect(params.sign).toBe(vector('WX-C5').sign);
    expect(params).toMatchObject({ partnerid: '1900000109', package: 'Sign=WXPay' });
  });
});

describe('AEAD_AES_256_GCM', () => {
  it('decrypts and refuses a wrong key or a forged ciphertext (S4: a 16-byte key, AES-128-GCM)', () => {
    const v = vector('WX-S4');
    const resource = { nonce: v.nonce, associated_data: v.associated_data, ciphertext: v.ciphertext };
    expect(decryptWechatpayResource(resource, Buffer.from(v.key))).toBe(v.plaintext);
    expect(decryptionFailure(() => decryptWechatpayResource(resource, Buffer.from('testAPIv3Key1111')))).toBe(
      'decryption_failed',
    );
    expect(
      decryptionFailure(() =>
        decryptWechatpayResource({ ...resource, ciphertext: 'SGVsbG8gV29ybGQK' }, Buffer.from(v.key)),
      ),
    ).toBe('decryption_failed');
  });

  it('encrypts byte for byte and checks AAD and nonce (S5: 32-byte key)', () => {
    const v = vector('WX-S5');
    const key = Buffer.from(v.key);
    expect(encryptWechatpayResource(v.plaintext, key, v.associated_data, v.nonce).ciphertext).toBe(v.ciphertext);
    const resource = { nonce: v.nonce, associated_data: v.associated_data, ciphertext: v.ciphertext };
    expect(decryptWechatpayResource(resource, key)).toBe(v.plaintext);
    expect(() => decryptWechatpayResource({ ...resource, associated_data: 'bad-associatedData' }, key)).toThrow(
      /authenticate/,
    );
    expect(() => decryptWechatpayResource({ ...resource, nonce: 'bad-4a9R25RW' }, key)).toThrow(/authenticate/);
  });

  it('refuses a resource whose tag was cut off', () => {
    const v = vector('WX-S5');
    const tagless = Buffer.from(v.ciphertext, 'base64').subarray(0, -16).toString('base64');
    expect(
      decryptionFailure(() =>
        decryptWechatpayResource(
          { nonce: v.nonce, associated_data: v.associated_data, ciphertext: tagless },
          Buffer.from(v.key),
        ),
      ),
    ).toBe('decryption_failed');
  });

  it('decrypts the /v3/certificates body into the platform certificate (S6)', () => {
    const v = vector('WX-S6');
    const body = JSON.parse(fixture(v.response_body_file)) as {
      data: { serial_no: string; encrypt_certificate: never }[];
    };
    const pem = decryptWechatpayResource(
      (body.data[0] as { encrypt_certificate: never }).encrypt_certificate,
      Buffer.from(v.api_v3_key),
    );
    expect(pem.trim()).toBe(fixture(v.decrypted_cert_file).trim());
    expect(certificateSerial(new X509Certificate(pem))).toBe(v.expected_serial_no);
  });
});

describe('response and notification signatures', () => {
  it('verifies the official notification and decrypts it (S3), inside the window only', async () => {
    const v = vector('WX-S3');
    const key = new X509Certificate(fixture(v.verify_cert)).publicKey;
    const keys = { publicKey: undefined, certificates: new Map([['D7CE59D1F522D701', key]]) };
    const message = signedMessageFromHeaders(lower(v.headers), v.body);
    await expect(
      verifyWechatpaySignedMessage(message, keys, at(v.headers['Wechatpay-Timestamp'] as string)),
    ).resolves.toBeUndefined();
    expect(await reason(verifyWechatpaySignedMessage(message, keys, new Date()))).toBe('expired_timestamp');
    const resource = (JSON.parse(v.body) as { resource: never }).resource;
    expect(decryptWechatpayResource(resource, Buffer.from(v.api_v3_key))).toBe(v.expected_plaintext);
  });

  it('verifies a response signature (S8) and refuses one body byte changed', async () => {
    const v = vector('WX-S8');
    const key = new X509Certificate(fixture(v.verify_cert)).publicKey;
    const keys = { publicKey: undefined, certificates: new Map([[v.headers['Wechatpay-Serial'] as string, key]]) };
    const now = at(v.headers['Wechatpay-Timestamp'] as string);
    expect(
      wechatpaySigningMessage([
        v.headers['Wechatpay-Timestamp'] as string,
        v.headers['Wechatpay-Nonce'] as string,
        v.body,
      ]),
    ).toBe(v.message_to_verify);
    await expect(
      verifyWechatpaySignedMessage(signedMessageFromHeaders(lower(v.headers), v.body), keys, now),
    ).resolves.toBeUndefined();
    expect(
      await reason(
        verifyWechatpaySignedMessage(
          signedMessageFromHeaders(lower(v.headers), v.body.replace('4049184564', '4049184565')),
          keys,
          now,
        ),
      ),
    ).toBe('bad_signature');
  });

  it('verifies over the exact raw bytes and fails on a re-serialised body (S9), then decrypts', async () => {
    const v = vector('WX-S9');
    const raw = fixture(v.body_file);
    const key = new X509Certificate(fixture(v.verify_cert)).publicKey;
    const keys = { publicKey: undefined, certificates: new Map([[v.headers['Wechatpay-Serial'] as string, key]]) };
    const now = at(v.headers['Wechatpay-Timestamp'] as string);
    await expect(
      verifyWechatpaySignedMessage(signedMessageFromHeaders(lower(v.headers), raw), keys, now),
    ).resolves.toBeUndefined();
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).not.toBe(raw);
    expect(
      await reason(verifyWechatpaySignedMessage(signedMessageFromHeaders(lower(v.headers), reserialised), keys, now)),
    ).toBe('bad_signature');
    const pem = decryptWechatpayResource((JSON.parse(raw) as { resource: never }).resource, Buffer.from(v.api_v3_key));
    expect(pem.trim()).toBe(fixture(v.expected_plaintext_file).trim());
  });
});

describe('the computed notification through the provider (C6, C7)', () => {
  const v6 = vector('WX-C6');
  const base = {
    mchId: '1234567891',
    appId: 'wxd678efh567hg6787',
    privateKey: fixture('wechatpay-java/merchant_private_key.pem'),
    merchantSerialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
    apiV3Key: v6.api_v3_key,
    now: () => at(v6.headers['Wechatpay-Timestamp'] as string),
  };
  const expected = {
    type: 'payment.succeeded',
    orderId: '1217752501201407033233368018',
    amount: 100,
    providerTransactionId: '1217752501201407033233368018',
    paidAt: '2024-01-01T04:00:05.000Z',
    buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    currency: 'CNY',
  };

  it('certificate mode: verifies by certificate serial, decrypts and maps to payment.succeeded', async () => {
    const provider = wechatpay({
      ...base,
      platformCertificates: [fixture('wechatpay-java/wechat_pay_certificate.pem')],
    });
    const { event } = await provider.verifyNotification(toNotificationRequest({ headers: v6.headers, body: v6.body }));
    expect(event).toEqual(expected);
  });

  it('public-key mode: the same notification named by PUB_KEY_ID_ verifies with the public key', async () => {
    const provider = wechatpay({
      ...base,
      wechatpayPublicKey: fixture('wechatpay-java/wechat_pay_public_key.pem'),
      wechatpayPublicKeyId: 'PUB_KEY_ID_0112345678912024',
    });
    const headers = { ...v6.headers, 'Wechatpay-Serial': 'PUB_KEY_ID_0112345678912024' };
    expect((await provider.verifyNotification(toNotificationRequest({ headers, body: v6.body }))).event).toEqual(
      expected,
    );
    const wrongId = { ...v6.headers, 'Wechatpay-Serial': 'PUB_KEY_ID_0199999999992024' };
    expect(await reason(provider.verifyNotification(toNotificationRequest({ headers: wrongId, body: v6.body })))).toBe(
      'unknown_key',
    );
  });

  it('refuses the WECHATPAY/SIGNTEST/ probe quietly, and it never marks an order paid (C7)', async () => {
    const v7 = vector('WX-C7');
    const provider = wechatpay({
      ...base,
      platformCertificates: [fixture('wechatpay-java/wechat_pay_certificate.pem')],
    });
    const store = new MemoryOrderStore();
    await store.create(
      sampleOrder({
        id: '1217752501201407033233368018',
        provider: 'wechatpay',
        amount: 100,
        status: 'pending',
        version: 2,
      }),
    );
    const payments = createPayments({ providers: [provider], store });
    const result = await payments.handleNotification('wechatpay', { headers: v7.headers, body: v7.body });
    expect(result.ok).toBe(false);
    expect(SignatureVerificationError.isInstance(result.error) && result.error.reason).toBe('probe');
    expect(result.response.status).toBeGreaterThanOrEqual(400);
    expect((await store.get('1217752501201407033233368018'))?.status).toBe('pending');
  });

  it('public key and certificate are the same key pair (so both modes are exercised by one vector)', () => {
    const fromCert = new X509Certificate(fixture('wechatpay-java/wechat_pay_certificate.pem')).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(
      createPublicKey(fixture('wechatpay-java/wechat_pay_public_key.pem')).export({ type: 'spki', format: 'pem' }),
    ).toBe(fromCert);
  });
});
