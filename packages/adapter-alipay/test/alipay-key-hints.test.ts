/**
 * Issue 22 item 4: a wrong Alipay key says which option to check. The usual mistake is the app's
 * own public key pasted as `alipayPublicKey` (both are "public keys" in Alipay's console); the
 * error names the option and what it must hold, and never quotes key material.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createPayments, MemoryOrderStore, SignatureVerificationError, toNotificationRequest } from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { alipay } from '../src/index.js';
import { resolveAlipayOptions, signAlipayContent, verifyAlipayResponse } from '../src/protocol/index.js';
import { createAlipaySandbox } from '../src/sandbox/index.js';
import { fixture } from './helpers.js';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY, sandboxed } from './sandbox-setup.js';

/** No PEM armour and no run of base64 as long as a key's. */
function expectNoKeyMaterial(message: string) {
  expect(message).not.toMatch(/-----BEGIN|MII[A-Za-z0-9+/]{20}/);
  expect(message).not.toMatch(/[A-Za-z0-9+/]{64}/);
}

async function replyError(alipayPublicKey: string) {
  const { provider } = sandboxed({ alipayPublicKey });
  const payments = createPayments({
    providers: [provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/alipay',
  });
  return rejectionOf(payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x' }));
}

describe('a wrong alipayPublicKey names the option to check', () => {
  it("the app's own public key: the reply's error says it is the app's key, not Alipay's (支付宝公钥)", async () => {
    const error = await replyError(APP_PUBLIC_KEY);
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
    const message = (error as Error).message;
    expect(message).toMatch(/options\.alipayPublicKey/);
    expect(message).toMatch(/app's own public key/);
    expect(message).toMatch(/支付宝公钥/);
    expectNoKeyMaterial(message);
  });

  it("another key: the reply's error names options.alipayPublicKey and what it must be", async () => {
    const other = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    const error = await replyError(other.alipayPublicKey);
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
    const message = (error as Error).message;
    expect(message).toMatch(/does not verify with options\.alipayPublicKey/);
    expect(message).toMatch(/支付宝公钥/);
    expectNoKeyMaterial(message);
  });

  it("a notification's error names options.alipayPublicKey too", async () => {
    const { sandbox, provider } = sandboxed();
    const payments = createPayments({
      providers: [provider],
      store: new MemoryOrderStore(),
      notifyUrl: 'https://shop.example/webhooks/alipay',
    });
    const { order } = await payments.createPayment({ provider: 'alipay', method: 'qr', amount: 1, subject: 'x' });
    const misconfigured = alipay({ appId: APP_ID, privateKey: APP_PRIVATE_KEY, alipayPublicKey: APP_PUBLIC_KEY });
    const error = await rejectionOf(misconfigured.verifyNotification(toNotificationRequest(sandbox.pay(order.id))));
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
    const message = (error as Error).message;
    expect(message).toMatch(/options\.alipayPublicKey/);
    expect(message).toMatch(/app's own public key/);
    expectNoKeyMaterial(message);
  });
});

describe('a wrong alipayPublicCert names the option to check', () => {
  it('certificate mode: a reply that does not verify names options.alipayPublicCert', () => {
    const config = resolveAlipayOptions({
      appId: '9021000122682882',
      privateKey: fixture('yansongda-pay/alipayAppSecretCert.pem'),
      appCert: fixture('yansongda-pay/alipayAppPublicCert.crt'),
      alipayPublicCert: fixture('yansongda-pay/alipayPublicCert.crt'),
      alipayRootCert: fixture('yansongda-pay/alipayRootCert.crt'),
    });
    const node = '{"code":"10000","msg":"Success","out_trade_no":"o1","trade_status":"WAIT_BUYER_PAY"}';
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const text = `{"alipay_trade_query_response":${node},"sign":"${signAlipayContent(node, stranger)}"}`;
    let error: unknown;
    try {
      verifyAlipayResponse(text, 'alipay.trade.query', config);
    } catch (caught) {
      error = caught;
    }
    expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('bad_signature');
    const message = (error as Error).message;
    expect(message).toMatch(/options\.alipayPublicCert/);
    expectNoKeyMaterial(message);
  });
});
