/**
 * Alipay: notification handling (parse, verify, transition in the memory store) and request
 * signing, each beside raw node:crypto with a parsed key and the official `alipay-sdk` (v4), all in
 * the same run.
 *
 * Also the floor: the raw verify of each notification's signing string (built beforehand) run
 * through the core by a provider with no code of its own, its form parsing free. It is the best
 * any adapter can reach in this run.
 */
import { createSign, createVerify, generateKeyPairSync, verify } from 'node:crypto';
import { alipay as createAlipay } from '@hutong/adapter-alipay';
import {
  alipaySigningString,
  createAlipayClient,
  encodeAlipayForm,
  resolveAlipayOptions,
  signAlipayContent,
} from '@hutong/adapter-alipay/protocol';
import { createPayments, MemoryOrderStore, type PaymentEvent } from '@hutong/core';
import { FormFields } from '@hutong/core/provider-utils';
import { sampleOrder } from '@hutong/core/testing';
import { AlipaySdk } from 'alipay-sdk';
import {
  type Comparison,
  floorComparisons,
  floorProvider,
  type Measurement,
  measureInterleaved,
  report,
  SIGNING_SAMPLES,
} from './harness.js';

const PER_SAMPLE = 4_000;
const SAMPLES = 5;
const ORDERS = PER_SAMPLE * (SAMPLES + 1);
const APP_ID = '2021000122671080';

function pem() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

function notificationParams(orderId: string, i: number): Record<string, string> {
  return {
    gmt_create: '2024-05-01 12:00:00',
    charset: 'utf-8',
    seller_email: 'seller@example.com',
    subject: '西湖龙井 250g',
    buyer_id: '2088102534368455',
    invoice_amount: '19.99',
    notify_id: `2024050100222155624068450559${String(i).padStart(6, '0')}`,
    fund_bill_list: '[{"amount":"19.99","fundChannel":"ALIPAYACCOUNT"}]',
    notify_type: 'trade_status_sync',
    trade_status: 'TRADE_SUCCESS',
    receipt_amount: '19.99',
    app_id: APP_ID,
    buyer_pay_amount: '19.99',
    sign_type: 'RSA2',
    seller_id: '2088531891668739',
    gmt_payment: '2024-05-01 12:00:05',
    notify_time: '2024-05-01 12:00:06',
    version: '1.0',
    out_trade_no: orderId,
    total_amount: '19.99',
    trade_no: `20240501220014684505${String(i).padStart(8, '0')}`,
    auth_app_id: APP_ID,
    point_amount: '0.00',
  };
}

export async function benchAlipay(): Promise<boolean> {
  const app = pem();
  const gatewayKeys = pem();
  const bizContent = {
    out_trade_no: 'bench0000000001',
    total_amount: '19.99',
    subject: '西湖龙井 250g',
    product_code: 'QUICK_MSECURITY_PAY',
  };
  const requestContent = alipaySigningString({
    app_id: APP_ID,
    method: 'alipay.trade.app.pay',
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: '2024-05-01 12:00:00',
    version: '1.0',
    notify_url: 'https://shop.example/webhooks/alipay',
    biz_content: JSON.stringify(bizContent),
  });

  // hutong: full notification handling through the facade, each notification paying another order.
  const provider = createAlipay({ appId: APP_ID, privateKey: app.privatePem, alipayPublicKey: gatewayKeys.publicPem });
  const store = new MemoryOrderStore();
  const floorStore = new MemoryOrderStore();
  const formFloorStore = new MemoryOrderStore();
  const payments = createPayments({ providers: [provider], store });
  // Bodies as a server receives them: bytes off the socket (what the webhook handlers pass on).
  const bodies: Buffer[] = [];
  const postData: Record<string, string>[] = [];
  const signedContents: string[] = [];
  // What the floor verifies: each signing string as bytes and its signature, and the event it makes.
  const signedBytes: Buffer[] = [];
  const signatures: Buffer[] = [];
  const floorEvents: PaymentEvent[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const id = `bench${String(i).padStart(10, '0')}`;
    await store.create(sampleOrder({ id, provider: 'alipay', status: 'pending', version: 2, amount: 1999 }));
    await floorStore.create(sampleOrder({ id, provider: 'floor', status: 'pending', version: 2, amount: 1999 }));
    await formFloorStore.create(sampleOrder({ id, provider: 'floor', status: 'pending', version: 2, amount: 1999 }));
    const params = notificationParams(id, i);
    const content = alipaySigningString(params, ['sign', 'sign_type']);
    params.sign = signAlipayContent(content, gatewayKeys.privateKey);
    signedContents.push(content);
    signedBytes.push(Buffer.from(content, 'utf8'));
    signatures.push(Buffer.from(params.sign, 'base64'));
    floorEvents.push({
      type: 'payment.succeeded',
      orderId: id,
      amount: 1999,
      providerTransactionId: params.trade_no as string,
      currency: 'CNY',
      paidAt: '2024-05-01T04:00:05.000Z',
      buyerId: params.buyer_id as string,
    });
    bodies.push(Buffer.from(new URLSearchParams(params).toString(), 'utf8'));
    postData.push(params);
  }
  const headers = { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' };
  const sdk = new AlipaySdk({ appId: APP_ID, privateKey: app.privatePem, alipayPublicKey: gatewayKeys.publicPem });
  // Floor: the ceiling's verify over bytes (one-shot, as the adapter does), a fresh event, the core.
  let floorIndex = 0;
  const floor = createPayments({
    providers: [
      floorProvider('floor', () => {
        if (
          !verify('sha256', signedBytes[floorIndex] as Buffer, gatewayKeys.publicKey, signatures[floorIndex] as Buffer)
        )
          throw new Error('verify');
        return { ...(floorEvents[floorIndex] as PaymentEvent) };
      }),
    ],
    store: floorStore,
  });
  // For reference: the floor plus core's form reader (split, sorted signed string), which every
  // Alipay adapter must run before it can verify; what is left beyond it is the adapter's own.
  let formFloorIndex = 0;
  const formFloor = createPayments({
    providers: [
      floorProvider('floor', (request) => {
        const form = FormFields.parse(request.body, 'notification.body');
        const signature = Buffer.from(form.get('sign') ?? '', 'base64');
        if (!verify('sha256', form.signedBytes(['sign', 'sign_type']), gatewayKeys.publicKey, signature))
          throw new Error('verify');
        return { ...(floorEvents[formFloorIndex] as PaymentEvent) };
      }),
    ],
    store: formFloorStore,
  });
  // The ceiling verifies the same notifications' signed strings with raw node:crypto (parsed key);
  // all walk the same inputs, sampled in alternation.
  const [rawVerify, floorRate, formFloorRate, hutongNotify, sdkNotify] = (await measureInterleaved(
    [
      {
        name: 'raw node:crypto RSA-2048 verify (parsed key)',
        fn: (i) => {
          const ok = createVerify('RSA-SHA256')
            .update(signedContents[i] as string, 'utf8')
            .verify(gatewayKeys.publicKey, (postData[i] as Record<string, string>).sign as string, 'base64');
          if (!ok) throw new Error('raw verify refused');
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'floor: that + core, no adapter code (parsing free)',
        fn: async (i) => {
          floorIndex = i;
          const result = await floor.handleNotification('floor', { headers, body: bodies[i] as Buffer });
          if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
        },
        iterations: PER_SAMPLE,
      },
      {
        name: "floor + core's form reader (parse, signed string)",
        fn: async (i) => {
          formFloorIndex = i;
          const result = await formFloor.handleNotification('floor', { headers, body: bodies[i] as Buffer });
          if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'hutong handleNotification (parse + verify + transition)',
        fn: async (i) => {
          const result = await payments.handleNotification('alipay', { headers, body: bodies[i] as Buffer });
          if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'alipay-sdk checkNotifySign (verify only, parsed input)',
        fn: (i) => {
          if (!sdk.checkNotifySign(postData[i] as Record<string, string>)) throw new Error('alipay-sdk refused');
        },
        iterations: PER_SAMPLE,
      },
    ],
    { samples: SAMPLES },
  )) as [Measurement, Measurement, Measurement, Measurement, Measurement];

  // Request signing: build, sign and encode an app.pay order string.
  const client = createAlipayClient(
    resolveAlipayOptions({ appId: APP_ID, privateKey: app.privatePem, alipayPublicKey: gatewayKeys.publicPem }),
  );
  const [rawSign, hutongSign, sdkSign] = (await measureInterleaved(
    [
      {
        name: 'raw node:crypto RSA-2048 sign (parsed key)',
        fn: () => createSign('RSA-SHA256').update(requestContent, 'utf8').sign(app.privateKey, 'base64'),
      },
      {
        name: 'hutong app.pay order string (build + sign + encode)',
        fn: () =>
          encodeAlipayForm(
            client.signedParams('alipay.trade.app.pay', bizContent, {
              notifyUrl: 'https://shop.example/webhooks/alipay',
            }),
          ),
      },
      {
        name: 'alipay-sdk sdkExecute (build + sign + encode)',
        fn: () =>
          sdk.sdkExecute('alipay.trade.app.pay', { bizContent, notify_url: 'https://shop.example/webhooks/alipay' }),
      },
    ],
    SIGNING_SAMPLES,
  )) as [Measurement, Measurement, Measurement];

  const comparisons: Comparison[] = [
    {
      label: 'notification: hutong ÷ raw verify (rate)',
      ratio: hutongNotify.opsPerSecond / rawVerify.opsPerSecond,
      kind: 'min',
      target: 0.8,
    },
    ...floorComparisons(hutongNotify, floorRate, rawVerify, 'raw verify'),
    {
      label: "notification: hutong ÷ floor with core's form reader (rate)",
      ratio: hutongNotify.opsPerSecond / formFloorRate.opsPerSecond,
      kind: 'info',
      target: 0,
    },
    {
      label: 'notification: hutong ÷ floor with form reader (CPU time)',
      ratio: (formFloorRate.cpuNsPerOp ?? Number.NaN) / (hutongNotify.cpuNsPerOp ?? Number.NaN),
      kind: 'info',
      target: 0,
    },
    {
      label: 'notification: hutong ÷ alipay-sdk checkNotifySign (rate)',
      ratio: hutongNotify.opsPerSecond / sdkNotify.opsPerSecond,
      kind: 'min',
      target: 8,
    },
    {
      label: 'signing: hutong ÷ raw sign (rate)',
      ratio: hutongSign.opsPerSecond / rawSign.opsPerSecond,
      kind: 'min',
      target: 0.9,
    },
    {
      label: 'signing: hutong ÷ alipay-sdk sdkExecute (rate)',
      ratio: hutongSign.opsPerSecond / sdkSign.opsPerSecond,
      kind: 'min',
      target: 3,
    },
  ];
  return report(
    '@hutong/adapter-alipay',
    [rawVerify, floorRate, formFloorRate, hutongNotify, sdkNotify, rawSign, hutongSign, sdkSign],
    comparisons,
  );
}
