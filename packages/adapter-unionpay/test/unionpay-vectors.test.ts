import { X509Certificate } from 'node:crypto';
import { SignatureVerificationError, toNotificationRequest, ValidationError } from '@hutong/core';
import { createTestIdentity, rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { unionpay } from '../src/index.js';
import {
  decodeUnionpayForm,
  encodeUnionpayForm,
  parseUnionpayForm,
  parseUnionpayResponse,
  readPfx,
  signUnionpayFields,
  UnionpayCertificateCache,
  unionpayCertId,
  unionpayDigest,
  unionpaySigningString,
  verifyUnionpayForm,
  verifyUnionpayMessage,
} from '../src/protocol/index.js';
import { fixture, fixtureBytes, MIDDLE, PFX, ROOT, type Vector, vectors } from './helpers.js';

const V = vectors();
const vector = (id: string) => V.get(id) as Vector;
const pfx = readPfx(PFX, '000000', 'signCert');
const key = (await import('node:crypto')).createPrivateKey(pfx.privateKeyPem);
const trust = (allowTestCn = false, root = ROOT, middle = MIDDLE) => ({
  root: new X509Certificate(root),
  middle: new X509Certificate(middle),
  allowTestCn,
});

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return SignatureVerificationError.isInstance(error)
      ? error.reason
      : ValidationError.isInstance(error)
        ? `validation:${error.field}`
        : String(error);
  }
  return undefined;
}

describe('signing certificates', () => {
  it('opens the current test PFX: certId 69903319369 (decimal serial via BigInt)', () => {
    expect(unionpayCertId(new X509Certificate(pfx.certificatePem))).toBe('69903319369');
  });

  it('opens the 2015 PFX whose RC2-40 bags OpenSSL 3 refuses', () => {
    const old = readPfx(fixtureBytes('zjsxwc-upacp-sdk/acp_test_sign.pfx'), '000000', 'signCert');
    expect(unionpayCertId(new X509Certificate(old.certificatePem))).toBe('68759663125');
  });

  it('names the password field for a wrong password', () => {
    expect(reason(() => readPfx(PFX, '123456', 'options.signCert'))).toBe('validation:options.signCert.password');
    expect(reason(() => readPfx(Buffer.from('not a pfx'), '000000', 'options.signCert'))).toBe(
      'validation:options.signCert.pfx',
    );
  });

  it('computes certId for serials beyond 2^53 exactly', () => {
    const big = createTestIdentity({
      subject: [['CN', 'x']],
      serial: 2n ** 70n + 12345n,
      notBefore: new Date(0),
      notAfter: new Date(2e12),
      modulusLength: 1024,
    });
    expect(unionpayCertId(big.certificate)).toBe((2n ** 70n + 12345n).toString());
  });
});

describe('request signing', () => {
  it.each(['UP-S1', 'UP-C1', 'UP-C2', 'UP-C3'])('%s: string, SHA-256 hex and signature byte for byte', (id) => {
    const v = vector(id);
    expect(unionpaySigningString(v.params)).toBe(v.string_to_sign);
    if (v.sha256_hex ?? v.sha256_hex_computed_here)
      expect(unionpayDigest(v.params)).toBe(v.sha256_hex ?? v.sha256_hex_computed_here);
    expect(signUnionpayFields(v.params, key)).toBe(v.expected_signature ?? v.signature);
  });
});

describe('verification against the UnionPay chain', () => {
  const s2 = vector('UP-S2');
  const validAt = new Date('2022-09-11T00:00:00Z');

  it('verifies the real query response (S2) over the exact string, PEM line ends included', () => {
    expect(unionpaySigningString(s2.params)).toBe(s2.string_to_verify);
    expect(unionpayDigest(s2.params)).toBe(s2.sha256_hex);
    expect(
      reason(() => verifyUnionpayMessage(s2.params, trust(), new UnionpayCertificateCache(), validAt)),
    ).toBeUndefined();
  });

  it('refuses a tampered field', () => {
    expect(
      reason(() =>
        verifyUnionpayMessage({ ...s2.params, txnAmt: '100' }, trust(), new UnionpayCertificateCache(), validAt),
      ),
    ).toBe('bad_signature');
  });

  it('refuses the same message once its certificate has expired (clock injected), cached or not', () => {
    const cache = new UnionpayCertificateCache();
    verifyUnionpayMessage(s2.params, trust(), cache, validAt);
    expect(reason(() => verifyUnionpayMessage(s2.params, trust(), cache, new Date('2025-08-01T00:00:00Z')))).toBe(
      'untrusted_certificate',
    );
    expect(
      reason(() =>
        verifyUnionpayMessage(s2.params, trust(), new UnionpayCertificateCache(), new Date('2020-07-01T00:00:00Z')),
      ),
    ).toBe('untrusted_certificate');
  });

  it('refuses a certificate from another CA, even with the UnionPay CN', () => {
    const foreignRoot = createTestIdentity({
      subject: [['CN', 'Foreign Root']],
      isCA: true,
      notBefore: new Date('2020-01-01'),
      notAfter: new Date('2040-01-01'),
    });
    const forged = createTestIdentity({
      subject: [
        ['C', 'CN'],
        ['O', 'CFCA OCA1'],
        ['CN', '041@8310000000083040@中国银联股份有限公司@00016495'],
      ],
      issuer: foreignRoot,
      notBefore: new Date('2020-01-01'),
      notAfter: new Date('2040-01-01'),
    });
    const fields: Record<string, string> = { ...s2.params, signPubKeyCert: forged.pem };
    fields.signature = signUnionpayFields(fields, forged.privateKey);
    expect(reason(() => verifyUnionpayMessage(fields, trust(), new UnionpayCertificateCache(), validAt))).toBe(
      'untrusted_certificate',
    );
  });

  it('refuses a self-signed certificate', () => {
    const self = createTestIdentity({
      subject: [['CN', '041@8310000000083040@中国银联股份有限公司@1']],
      notBefore: new Date('2020-01-01'),
      notAfter: new Date('2040-01-01'),
    });
    const fields: Record<string, string> = { ...s2.params, signPubKeyCert: self.pem };
    fields.signature = signUnionpayFields(fields, self.privateKey);
    expect(reason(() => verifyUnionpayMessage(fields, trust(), new UnionpayCertificateCache(), validAt))).toBe(
      'untrusted_certificate',
    );
  });

  it('turns the real consume notification into a payment event (S3)', async () => {
    const s3 = vector('UP-S3');
    expect(unionpaySigningString(s3.params)).toBe(s3.string_to_verify);
    const provider = unionpay({
      merId: '777290058167151',
      signCert: { pfx: PFX, password: '000000' },
      rootCert: ROOT,
      middleCert: MIDDLE,
      now: () => new Date('2022-09-08T06:00:00Z'),
    });
    const { event } = await provider.verifyNotification(
      toNotificationRequest({ headers: {}, body: encodeUnionpayForm(s3.params) }),
    );
    expect(event).toEqual({
      type: 'payment.succeeded',
      orderId: 'yansongda20220908132206',
      amount: 1,
      currency: 'CNY',
      providerTransactionId: '782209081322060674028',
    });
    // Again with the certificate's decoding cached: a tampered amount still fails.
    const tampered = encodeUnionpayForm({ ...s3.params, txnAmt: '100' });
    expect(
      await rejectionOf(provider.verifyNotification(toNotificationRequest({ headers: {}, body: tampered }))),
    ).toMatchObject({ reason: 'bad_signature' });
    const other = unionpay({
      merId: '777290058110048',
      signCert: { pfx: PFX, password: '000000' },
      rootCert: ROOT,
      middleCert: MIDDLE,
      now: () => new Date('2022-09-08T06:00:00Z'),
    });
    await expect(
      other.verifyNotification(toNotificationRequest({ headers: {}, body: encodeUnionpayForm(s3.params) })),
    ).rejects.toMatchObject({ reason: 'wrong_recipient' });
  });

  it('accepts the test environment CN (00040000:SIGN) only when validateCnName is false (S4)', () => {
    const s4 = vector('UP-S4');
    const fields = decodeUnionpayForm(fixture(s4.raw_file).trim());
    expect(unionpaySigningString(fields)).toBe(s4.string_to_verify);
    expect(unionpayDigest(fields)).toBe(s4.sha256_hex);
    const signer = new X509Certificate(fields.signPubKeyCert as string);
    const within = new Date(Date.parse(signer.validFrom) + 86_400_000);
    const chain = [
      fixture('zjsxwc-upacp-sdk/acp_test_root.cer'),
      fixture('zjsxwc-upacp-sdk/acp_test_middle.cer'),
    ] as const;
    expect(
      reason(() => verifyUnionpayMessage(fields, trust(true, ...chain), new UnionpayCertificateCache(), within)),
    ).toBeUndefined();
    expect(
      reason(() => verifyUnionpayMessage(fields, trust(false, ...chain), new UnionpayCertificateCache(), within)),
    ).toBe('untrusted_certificate');
    // The raw body as UnionPay posted it, verified straight from the form.
    const form = parseUnionpayForm(fixture(s4.raw_file).trim(), 'body');
    expect(form.signedBytes(['signature']).toString('utf8')).toBe(s4.string_to_verify);
    const cache = new UnionpayCertificateCache();
    expect(reason(() => verifyUnionpayForm(form, trust(true, ...chain), cache, within))).toBeUndefined();
    expect(reason(() => verifyUnionpayForm(form, trust(true, ...chain), cache, within))).toBeUndefined();
    expect(reason(() => verifyUnionpayForm(form, trust(false, ...chain), new UnionpayCertificateCache(), within))).toBe(
      'untrusted_certificate',
    );
  });

  it('keeps the certificate cache bounded whatever texts arrive', () => {
    const cache = new UnionpayCertificateCache();
    for (let i = 0; i < 100; i++) cache.decoded(`raw-${i}`, () => `pem-${i}`);
    let decodes = 0;
    cache.decoded('raw-99', () => {
      decodes++;
      return 'pem-99';
    });
    expect(decodes).toBe(0); // recent entries stay
    cache.decoded('raw-0', () => {
      decodes++;
      return 'pem-0';
    });
    expect(decodes).toBe(1); // the oldest were forgotten
  });
});

describe('message encodings', () => {
  it('parses raw sync replies with braces and brackets holding & and =', () => {
    expect(
      parseUnionpayResponse('respCode=00&reserved={a=1&b={c=2&d=3}}&list=[x=1&y=2]&respMsg=成功[0000000]'),
    ).toEqual({
      respCode: '00',
      reserved: '{a=1&b={c=2&d=3}}',
      list: '[x=1&y=2]',
      respMsg: '成功[0000000]',
    });
  });
});
