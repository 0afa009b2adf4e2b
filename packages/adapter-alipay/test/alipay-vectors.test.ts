import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { toNotificationRequest } from '@hutong/core';
import { FormFields, loadRsaPrivateKey, loadRsaPublicKey } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import { alipay } from '../src/index.js';
import {
  alipayCertificateKey,
  alipayCertificateSn,
  alipayRootCertificateSn,
  alipaySigningString,
  alipayV3Authorization,
  alipayV3SigningString,
  decodeAlipayForm,
  signAlipayContent,
  verifyAlipayContent,
  verifyAlipayNotificationForm,
  verifyAlipayNotificationParams,
  verifyAlipayResponse,
  verifyAlipayV3Response,
} from '../src/protocol/index.js';
import { fixture, formBody, type Vector, vectors } from './helpers.js';

const V = vectors();
const vector = (id: string) => V.get(id) as Vector;
const flip = (text: string) =>
  text[10] === 'A' ? `${text.slice(0, 10)}B${text.slice(11)}` : `${text.slice(0, 10)}A${text.slice(11)}`;

describe('ALIPAY-S1/S2: certificate SNs (official Node SDK and yansongda/pay)', () => {
  it('computes app_cert_sn, alipay_cert_sn and alipay_root_cert_sn (S1)', () => {
    const { inputs, expected } = vector('ALIPAY-S1');
    expect(alipayCertificateSn(new X509Certificate(fixture(inputs.app_cert)))).toBe(expected.app_cert_sn);
    expect(alipayCertificateSn(new X509Certificate(fixture(inputs.alipay_cert)))).toBe(expected.alipay_cert_sn);
    expect(alipayRootCertificateSn(fixture(inputs.root_cert))).toBe(expected.alipay_root_cert_sn);
  });

  it('takes the RSA-signed certificates of the root bundle only (SM2 and ECDSA are skipped)', () => {
    const { inputs } = vector('ALIPAY-S1');
    expect(alipayRootCertificateSn(fixture(inputs.root_cert)).split('_')).toHaveLength(2);
  });

  it('extracts the Alipay public key from its certificate (S1)', () => {
    const { inputs, expected } = vector('ALIPAY-S1');
    const { key } = alipayCertificateKey(fixture(inputs.alipay_cert), 'cert');
    expect(key.export({ type: 'spki', format: 'der' }).toString('base64')).toBe(expected.alipay_public_key_b64);
  });

  it('computes the sandbox app_cert_sn and root SN, and the first cert of a two-cert file (S2)', () => {
    const { inputs, expected, computed_here_extra } = vector('ALIPAY-S2');
    expect(alipayCertificateSn(new X509Certificate(fixture(inputs.app_cert)))).toBe(expected.app_cert_sn);
    expect(alipayRootCertificateSn(fixture(inputs.root_cert))).toBe(expected.alipay_root_cert_sn);
    expect(alipayCertificateKey(fixture('yansongda-pay/alipayPublicCert.crt'), 'cert').sn).toBe(
      computed_here_extra['alipay_cert_sn_of_alipayPublicCert.crt(first cert)'] as string,
    );
  });
});

describe('request signing', () => {
  it('reproduces the yansongda/pay request string and RSA2 signature byte for byte (S3)', () => {
    const v = vector('ALIPAY-S3');
    expect(alipaySigningString(v.params)).toBe(v.string_to_sign);
    const pem = loadRsaPrivateKey(fixture('yansongda-pay/alipayAppSecretCert.pem'), 'key');
    const bare = loadRsaPrivateKey(fixture('yansongda-pay/alipayAppSecret.txt'), 'key');
    expect(signAlipayContent(v.string_to_sign, pem)).toBe(v.expected_sign);
    expect(signAlipayContent(v.string_to_sign, bare)).toBe(v.expected_sign);
  });

  it('drops empty values and signs raw, un-encoded UTF-8 (C1), with every key encoding', () => {
    const v = vector('ALIPAY-C1');
    expect(alipaySigningString(v.params)).toBe(v.string_to_sign);
    for (const file of [
      'app-private-key.pem',
      'app-private-key-pkcs8.pem',
      'app-private-key-no-wrapper.pem',
      'app-private-key-pkcs8-no-wrapper.pem',
    ]) {
      const key = loadRsaPrivateKey(fixture(`alipay-sdk-nodejs-all/${file}`), 'key');
      expect(signAlipayContent(v.string_to_sign, key), file).toBe(v.sign);
    }
  });
});

describe('sync response verification over the raw *_response text', () => {
  it('verifies a real response from the official SDK tests (S4)', () => {
    const v = vector('ALIPAY-S4');
    const key = loadRsaPublicKey(fixture(v.verify_key), 'key');
    const config = { alipayKeys: new Map([['', key]]), defaultAlipayKey: key };
    const { node, isError } = verifyAlipayResponse(v.response_raw, 'alipay.open.file.upload', config);
    expect(isError).toBe(false);
    expect(node.file_id).toBe('CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr');
    expect(() =>
      verifyAlipayResponse(v.response_raw.replace('CAxA', 'CAxB'), 'alipay.open.file.upload', config),
    ).toThrow(/signature/);
  });

  it('verifies a real alipay.trade.query response with a nested array (S5), whitespace and order as received', () => {
    const v = vector('ALIPAY-S5');
    const key = loadRsaPublicKey(v.verify_key_b64, 'key');
    const config = { alipayKeys: new Map([['', key]]), defaultAlipayKey: key };
    const text = `{"alipay_trade_query_response":${v.signed_substring},"sign":"${v.sign}"}`;
    expect(verifyAlipayResponse(text, 'alipay.trade.query', config).node.trade_no).toBe('2019082922001432790585537960');
    const reordered = `{ "sign" : "${v.sign}" , "alipay_trade_query_response" : ${v.signed_substring} }`;
    expect(verifyAlipayResponse(reordered, 'alipay.trade.query', config).node.total_amount).toBe('0.01');
    const reserialised = `{"alipay_trade_query_response":${JSON.stringify(JSON.parse(v.signed_substring), null, 1)},"sign":"${v.sign}"}`;
    expect(() => verifyAlipayResponse(reserialised, 'alipay.trade.query', config)).toThrow(/signature/);
  });
});

describe('notification verification', () => {
  it('rebuilds the exact string Alipay signed and verifies the real notifications (S6, S7, S8)', () => {
    for (const id of ['ALIPAY-S6', 'ALIPAY-S7', 'ALIPAY-S8']) {
      const v = vector(id);
      const params = decodeAlipayForm(formBody(v.post_params));
      expect(params).toEqual(v.post_params);
      const keepsSignType = id === 'ALIPAY-S7';
      expect(alipaySigningString(params, keepsSignType ? ['sign'] : ['sign', 'sign_type']), id).toBe(
        v.string_to_verify,
      );
      const keyFile = v.verify_key?.split(' ')[0];
      const key = v.verify_key_b64
        ? loadRsaPublicKey(v.verify_key_b64, 'key')
        : keyFile?.endsWith('.crt')
          ? alipayCertificateKey(fixture(keyFile), 'cert').key
          : loadRsaPublicKey(fixture(keyFile), 'key');
      expect(verifyAlipayNotificationParams(params, [key]), id).toBe(true);
      expect(verifyAlipayNotificationParams({ ...params, total_amount: '999.00' }, [key]), `${id} tampered`).toBe(
        false,
      );
      // The byte path the provider takes: the signed string written straight from the raw body.
      const form = FormFields.parse(formBody(v.post_params));
      expect(form.signedBytes(keepsSignType ? ['sign'] : ['sign', 'sign_type']).toString('utf8'), id).toBe(
        v.string_to_verify,
      );
      expect(verifyAlipayNotificationForm(form, [key]), id).toBe(true);
      const tampered = FormFields.parse(formBody({ ...v.post_params, total_amount: '999.00' }));
      expect(verifyAlipayNotificationForm(tampered, [key]), `${id} tampered`).toBe(false);
    }
  });

  it('turns the real public-key-mode notification into a payment event through the provider (S6)', async () => {
    const v = vector('ALIPAY-S6');
    const provider = alipay({
      appId: '2019073166072302',
      privateKey: fixture('alipay-sdk-nodejs-all/app-private-key.pem'),
      alipayPublicKey: v.verify_key_b64 as string,
      sellerId: '2088531891668739',
    });
    const { event } = await provider.verifyNotification(
      toNotificationRequest({ headers: {}, body: formBody(v.post_params) }),
    );
    expect(event).toEqual({
      type: 'payment.succeeded',
      orderId: '20190815155618536-564-57',
      amount: 10,
      providerTransactionId: '2019081522001468450512505578',
      paidAt: '2019-08-15T07:56:24.000Z',
      buyerId: '2088102534368455',
      currency: 'CNY',
    });
  });

  it('verifies the real certificate-mode sandbox notification with "+" in the subject (S8)', async () => {
    const v = vector('ALIPAY-S8');
    const provider = alipay({
      appId: '9021000122682882',
      privateKey: fixture('yansongda-pay/alipayAppSecretCert.pem'),
      appCert: fixture('yansongda-pay/alipayAppPublicCert.crt'),
      alipayPublicCert: fixture('yansongda-pay/alipayPublicCert.crt'),
      alipayRootCert: fixture('yansongda-pay/alipayRootCert.crt'),
      sellerId: '2088721003899159',
    });
    const body = formBody(v.post_params);
    expect(body).toContain('subject=yansongda%2B%E6%B5%8B%E8%AF%95+-+1');
    const { event } = await provider.verifyNotification(toNotificationRequest({ headers: {}, body }));
    expect(event).toMatchObject({ type: 'payment.succeeded', orderId: '1703147160', amount: 1 });
  });

  it('verifies the real return_url query after decoding it once (S9)', () => {
    const v = vector('ALIPAY-S9');
    const params = decodeAlipayForm(new URL(v.return_url).search.slice(1));
    expect(params.timestamp).toBe('2023-12-21 14:48:44');
    expect(alipaySigningString(params, ['sign', 'sign_type'])).toBe(v.string_to_verify);
    const { key } = alipayCertificateKey(fixture(v.verify_key), 'cert');
    expect(verifyAlipayNotificationParams(params, [key])).toBe(true);
  });
});

describe('OpenAPI v3 signatures (C2, C3, C4)', () => {
  const privateKey = createPrivateKey(fixture('alipay-sdk-nodejs-all/app-private-key.pem'));

  it('signs a POST (C2)', () => {
    const v = vector('ALIPAY-C2');
    const request = {
      appId: '2021000122671080',
      nonce: '3246658768654544',
      timestamp: '1702452177941',
      method: v.method,
      requestUri: v.request_uri,
      body: v.body,
    };
    expect(alipayV3SigningString(request)).toBe(v.string_to_sign);
    expect(alipayV3Authorization(request, privateKey)).toBe(v.authorization_header);
  });

  it('signs a GET with query, app_cert_sn and app auth token (C3)', () => {
    const v = vector('ALIPAY-C3');
    const request = {
      appId: '2021000122671080',
      appCertSn: '866efef280dec9137a87d047ac446315',
      nonce: '3246658768654544',
      timestamp: '1702452177941',
      method: 'GET',
      requestUri: '/v3/alipay/trade/query?out_trade_no=20240101000001',
      body: '',
      appAuthToken: v.extra_headers['alipay-app-auth-token'] as string,
    };
    expect(alipayV3SigningString(request)).toBe(v.string_to_sign);
    expect(alipayV3Authorization(request, privateKey)).toBe(v.authorization_header);
  });

  it('verifies a response over timestamp, nonce and body (C4)', () => {
    const v = vector('ALIPAY-C4');
    const key = createPublicKey(fixture(v.verify_key));
    const response = {
      timestamp: v.headers['alipay-timestamp'] as string,
      nonce: v.headers['alipay-nonce'] as string,
      signature: v.headers['alipay-signature'] as string,
      body: v.body,
    };
    expect(verifyAlipayV3Response(response, key)).toBe(true);
    expect(verifyAlipayV3Response({ ...response, nonce: flip(response.nonce) }, key)).toBe(false);
    expect(verifyAlipayContent(v.string_to_verify, response.signature, key)).toBe(true);
  });
});

describe('certificate rotation', () => {
  it('picks the Alipay certificate named by alipay_cert_sn, and refuses an unknown one', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const oldKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const newKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const config = {
      alipayKeys: new Map([
        ['sn-old', oldKey.publicKey],
        ['sn-new', newKey.publicKey],
      ]),
      defaultAlipayKey: oldKey.publicKey,
    };
    const node = '{"code":"10000","msg":"Success","trade_no":"2024"}';
    const signed = (sn: string) =>
      `{"alipay_trade_query_response":${node},"alipay_cert_sn":"${sn}","sign":"${signAlipayContent(node, newKey.privateKey)}"}`;
    expect(verifyAlipayResponse(signed('sn-new'), 'alipay.trade.query', config).node.trade_no).toBe('2024');
    expect(() => verifyAlipayResponse(signed('sn-old'), 'alipay.trade.query', config)).toThrow(/signature/);
    expect(() => verifyAlipayResponse(signed('sn-unknown'), 'alipay.trade.query', config)).toThrow(
      /no Alipay certificate with SN/,
    );
  });
});
