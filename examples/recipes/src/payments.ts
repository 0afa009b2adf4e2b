/**
 * The shop's payments facade, as every recipe receives it. Here it is wired to local sandboxes so
 * the recipes run offline: Alipay's own sandbox (form-encoded notifications, RSA2 signatures) and
 * the testing kit's fake provider (JSON notifications, HMAC signatures). A real shop configures
 * `alipay({ appId, privateKey, alipayPublicKey })` with its keys instead.
 *
 * @packageDocumentation
 */
import { generateKeyPairSync } from 'node:crypto';
import { alipay } from '@hutong/adapter-alipay';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { createPayments } from '@hutong/core';
import { createFakeProvider } from '@hutong/core/testing';

const APP_ID = '2021000000000001';
// The merchant's app key pair: generated once per process, as a shop loads its key once.
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A facade over the Alipay sandbox and a fake provider, with the sandboxes that act as the buyer. */
export function createSandboxPayments() {
  const alipaySandbox = createAlipaySandbox({
    appId: APP_ID,
    appPublicKey: merchant.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  });
  const fake = createFakeProvider({ id: 'fake' });
  const payments = createPayments({
    providers: [
      alipay({
        appId: APP_ID,
        privateKey: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        alipayPublicKey: alipaySandbox.alipayPublicKey,
        sellerId: alipaySandbox.sellerId,
        endpoint: alipaySandbox.baseUrl,
        fetch: alipaySandbox.fetch,
      }),
      fake,
    ],
    notifyUrl: (provider) => `https://shop.example/webhooks/${provider}`,
  });
  return { payments, sandboxes: { alipay: alipaySandbox, fake: fake.sandbox } };
}

/** The facade module a Next.js app imports (`lib/payments.ts`); see `next-route.ts`. */
export const { payments, sandboxes } = createSandboxPayments();
