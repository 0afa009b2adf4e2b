// An app compiled with `exactOptionalPropertyTypes` passes options whose values may be undefined
// (read from the environment, forwarded from its own options): every optional option takes them.
import { alipay } from '@hutong/adapter-alipay';
import { unionpay } from '@hutong/adapter-unionpay';
import { wechatpay } from '@hutong/adapter-wechatpay';
import { createCheckout } from '@hutong/checkout';
import { createPayments, MemoryOrderStore } from '@hutong/core';
import { createHttpClient } from '@hutong/core/provider-utils';

declare const env: Record<string, string | undefined>;
declare const maybeNumber: number | undefined;
declare const maybeFetch: typeof fetch | undefined;
declare const maybeDate: Date | undefined;

createHttpClient({
  provider: 'mywallet',
  fetch: maybeFetch,
  timeoutMs: maybeNumber,
  retries: maybeNumber,
  hooks: undefined,
});

const payments = createPayments({
  providers: [
    alipay({
      appId: '2021000000000000',
      privateKey: 'pem',
      alipayPublicKey: 'pem',
      sellerId: env.ALIPAY_SELLER_ID,
      endpoint: env.ALIPAY_ENDPOINT,
      fetch: maybeFetch,
      timeoutMs: maybeNumber,
      retries: maybeNumber,
    }),
    wechatpay({
      mchId: '1900000001',
      appId: 'wx0000000000000000',
      privateKey: 'pem',
      merchantSerialNo: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
      apiV3Key: 'k'.repeat(32),
      wechatpayPublicKey: 'pem',
      wechatpayPublicKeyId: 'PUB_KEY_ID_0000000000000000000000000000000000',
      endpoint: env.WECHATPAY_ENDPOINT,
      timeoutMs: maybeNumber,
    }),
    unionpay({
      merId: '777290058110048',
      signCert: { privateKey: 'pem', certificate: 'pem' },
      rootCert: 'pem',
      middleCert: 'pem',
      endpoint: env.UNIONPAY_ENDPOINT,
      timeoutMs: maybeNumber,
    }),
  ],
  store: new MemoryOrderStore(),
  notifyUrl: env.NOTIFY_URL,
});

await payments.createPayment({
  provider: 'alipay',
  method: 'qr',
  amount: 100,
  subject: 'Tea',
  orderId: env.ORDER_ID,
  notifyUrl: env.NOTIFY_URL,
  returnUrl: env.RETURN_URL,
  expiresAt: maybeDate,
  clientIp: env.CLIENT_IP,
  metadata: undefined,
});
// refundId is required (refunds are idempotent by it); the other fields take undefined.
await payments.refund('order0001', { amount: 100, refundId: env.REFUND_ID ?? 'refund0001', reason: env.REASON });
await new MemoryOrderStore().listOrders({
  status: undefined,
  provider: env.PROVIDER,
  limit: maybeNumber,
  cursor: env.CURSOR,
});

const checkout = createCheckout({
  payments,
  baseUrl: 'https://shop.example/pay',
  secret: 'k'.repeat(32),
  wallets: { alipay: { provider: 'alipay', oauth: undefined } },
  locale: undefined,
  onError: undefined,
});
await checkout.createSession({
  amount: maybeNumber,
  subject: 'Tea',
  returnUrl: env.RETURN_URL,
  payerAmount: { min: maybeNumber },
});
