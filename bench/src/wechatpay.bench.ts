/**
 * WeChat Pay: notification handling (verify + decrypt + transition) beside one raw RSA-2048 verify
 * plus one raw AES-256-GCM decrypt, and beside wechatpay-node-v3 and wechatpay-axios-plugin doing
 * the same verification and decryption; Authorization header building beside a raw sign.
 *
 * Also the floor: the same raw crypto plus the work no adapter can skip (the body decoded to text,
 * the body and the decrypted resource each parsed as JSON, an event built) run through the core by a
 * provider with no code of its own. It is the best any adapter can reach in this run.
 */
import { constants, createDecipheriv, generateKeyPairSync, sign, verify } from 'node:crypto';
import { wechatpay } from '@hutong/adapter-wechatpay';
import {
  encryptWechatpayResource,
  signWechatpayMessage,
  signWechatpayRequest,
  wechatpaySigningMessage,
} from '@hutong/adapter-wechatpay/protocol';
import { createPayments, MemoryOrderStore, type PaymentEvent } from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import WxPay from 'wechatpay-node-v3';
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
const MCH_ID = '1230000109';
const APP_ID = 'wxd678efh567hg6787';
const API_V3_KEY = 'benchApiV3Key0123456789abcdefghi';
const PUB_KEY_ID = 'PUB_KEY_ID_0112300001092024';
const TIMESTAMP = '1714550400';

interface Signed {
  headers: Record<string, string>;
  body: string;
  /** The body as a server receives it: bytes off the socket (what the webhook handlers pass on). */
  bytes: Buffer;
  resource: { ciphertext: string; nonce: string; associated_data: string };
}

export async function benchWechatpay(): Promise<boolean> {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platformPem = platform.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const key = Buffer.from(API_V3_KEY);

  const notifications: Signed[] = [];
  const store = new MemoryOrderStore();
  const floorStore = new MemoryOrderStore();
  for (let i = 0; i < ORDERS; i++) {
    const id = `bench${String(i).padStart(10, '0')}`;
    await store.create(sampleOrder({ id, provider: 'wechatpay', status: 'pending', version: 2, amount: 1999 }));
    await floorStore.create(sampleOrder({ id, provider: 'floor', status: 'pending', version: 2, amount: 1999 }));
    const resource = encryptWechatpayResource(
      JSON.stringify({
        mchid: MCH_ID,
        appid: APP_ID,
        out_trade_no: id,
        transaction_id: `42000${String(i).padStart(23, '0')}`,
        trade_type: 'NATIVE',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        bank_type: 'OTHERS',
        attach: '',
        success_time: '2024-05-01T16:00:00+08:00',
        payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
        amount: { total: 1999, payer_total: 1999, currency: 'CNY', payer_currency: 'CNY' },
      }),
      key,
      'transaction',
    );
    const body = JSON.stringify({
      id: `EV-${i}`,
      create_time: '2024-05-01T16:00:01+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: { original_type: 'transaction', ...resource },
    });
    const nonce = `nonce${i}`;
    const signature = signWechatpayMessage(wechatpaySigningMessage([TIMESTAMP, nonce, body]), platform.privateKey);
    notifications.push({
      headers: {
        'wechatpay-timestamp': TIMESTAMP,
        'wechatpay-nonce': nonce,
        'wechatpay-serial': PUB_KEY_ID,
        'wechatpay-signature': signature,
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      },
      body,
      bytes: Buffer.from(body, 'utf8'),
      resource,
    });
  }

  const provider = wechatpay({
    mchId: MCH_ID,
    appId: APP_ID,
    privateKey: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    merchantSerialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
    apiV3Key: API_V3_KEY,
    wechatpayPublicKey: platformPem,
    wechatpayPublicKeyId: PUB_KEY_ID,
    now: () => new Date(Number(TIMESTAMP) * 1000),
  });
  const payments = createPayments({ providers: [provider], store });
  const wxpay = new WxPay({
    appid: APP_ID,
    mchid: MCH_ID,
    publicKey: Buffer.from(platformPem),
    privateKey: Buffer.from(merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    serial_no: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
    key: API_V3_KEY,
  });
  (WxPay as unknown as { certificates: Record<string, string> }).certificates[PUB_KEY_ID] = platformPem;
  // Ceiling: one raw verify (parsed key) plus one raw AES-256-GCM decrypt of the same notification.
  const rawCeilingFn = (i: number): string => {
    const n = notifications[i] as Signed;
    const message = Buffer.from(`${TIMESTAMP}\n${n.headers['wechatpay-nonce']}\n${n.body}\n`);
    if (
      !verify(
        'sha256',
        message,
        { key: platform.publicKey, padding: constants.RSA_PKCS1_PADDING },
        Buffer.from(n.headers['wechatpay-signature'] as string, 'base64'),
      )
    )
      throw new Error('verify');
    const data = Buffer.from(n.resource.ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, n.resource.nonce);
    decipher.setAAD(Buffer.from(n.resource.associated_data));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  };
  // Floor: the ceiling's crypto, both JSON.parse and a fresh event, inside the core.
  let floorIndex = 0;
  const floor = createPayments({
    providers: [
      floorProvider('floor', (request) => {
        const body = JSON.parse(request.body) as { resource?: object };
        const resource = JSON.parse(rawCeilingFn(floorIndex)) as {
          out_trade_no: string;
          transaction_id: string;
          amount: { total: number };
        };
        if (!body.resource) throw new Error('no resource');
        return {
          type: 'payment.succeeded',
          orderId: resource.out_trade_no,
          amount: resource.amount.total,
          providerTransactionId: resource.transaction_id,
        } satisfies PaymentEvent;
      }),
    ],
    store: floorStore,
  });

  const [rawCeiling, floorRate, hutong, nodeV3, axiosPlugin] = (await measureInterleaved(
    [
      { name: 'raw node:crypto RSA-2048 verify + AES-256-GCM decrypt', fn: rawCeilingFn, iterations: PER_SAMPLE },
      {
        name: 'floor: that + 2 JSON.parse + core, no adapter code',
        fn: async (i) => {
          floorIndex = i;
          const n = notifications[i] as Signed;
          const result = await floor.handleNotification('floor', { headers: n.headers, body: n.bytes });
          if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'hutong handleNotification (verify + decrypt + transition)',
        fn: async (i) => {
          const n = notifications[i] as Signed;
          const result = await payments.handleNotification('wechatpay', { headers: n.headers, body: n.bytes });
          if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'wechatpay-node-v3 verifySign + decipher_gcm',
        fn: async (i) => {
          const n = notifications[i] as Signed;
          const ok = await wxpay.verifySign({
            timestamp: TIMESTAMP,
            nonce: n.headers['wechatpay-nonce'] as string,
            body: n.body,
            serial: PUB_KEY_ID,
            signature: n.headers['wechatpay-signature'] as string,
          });
          if (!ok) throw new Error('wechatpay-node-v3 refused');
          wxpay.decipher_gcm(n.resource.ciphertext, n.resource.associated_data, n.resource.nonce, API_V3_KEY);
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'wechatpay-axios-plugin Rsa.verify + AesGcm.decrypt',
        fn: (i) => {
          const n = notifications[i] as Signed;
          const message = Formatter.joinedByLineFeed(TIMESTAMP, n.headers['wechatpay-nonce'] as string, n.body);
          if (!Rsa.verify(message, n.headers['wechatpay-signature'] as string, platformPem))
            throw new Error('axios-plugin refused');
          JSON.parse(
            Aes.AesGcm.decrypt(n.resource.ciphertext, API_V3_KEY, n.resource.nonce, n.resource.associated_data),
          );
        },
        iterations: PER_SAMPLE,
      },
    ],
    { samples: SAMPLES },
  )) as [Measurement, Measurement, Measurement, Measurement, Measurement];

  // Authorization header building.
  const body = JSON.stringify({
    appid: APP_ID,
    mchid: MCH_ID,
    description: '西湖龙井 250g',
    out_trade_no: 'bench0000000001',
    notify_url: 'https://shop.example/webhooks/wechatpay',
    amount: { total: 1999, currency: 'CNY' },
  });
  const [rawSign, hutongSign] = (await measureInterleaved(
    [
      {
        name: 'raw node:crypto RSA-2048 sign (parsed key)',
        fn: () => {
          sign(
            'sha256',
            Buffer.from(`POST\n/v3/pay/transactions/native\n${TIMESTAMP}\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n${body}\n`),
            merchant.privateKey,
          );
        },
      },
      {
        name: 'hutong Authorization header',
        fn: () => {
          signWechatpayRequest(
            {
              method: 'POST',
              canonicalUrl: '/v3/pay/transactions/native',
              timestamp: TIMESTAMP,
              nonce: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
              body,
            },
            { mchId: MCH_ID, serialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115', privateKey: merchant.privateKey },
          );
        },
      },
    ],
    SIGNING_SAMPLES,
  )) as [Measurement, Measurement];

  const comparisons: Comparison[] = [
    {
      label: 'notification: hutong ÷ raw verify+decrypt (rate)',
      ratio: hutong.opsPerSecond / rawCeiling.opsPerSecond,
      kind: 'min',
      target: 0.75,
    },
    ...floorComparisons(hutong, floorRate, rawCeiling, 'raw verify+decrypt'),
    {
      label: 'notification: hutong ÷ wechatpay-node-v3 (rate)',
      ratio: hutong.opsPerSecond / nodeV3.opsPerSecond,
      kind: 'min',
      target: 1,
    },
    {
      label: 'notification: hutong ÷ wechatpay-axios-plugin (rate)',
      ratio: hutong.opsPerSecond / axiosPlugin.opsPerSecond,
      kind: 'min',
      target: 1,
    },
    {
      label: 'Authorization: hutong ÷ raw sign (rate)',
      ratio: hutongSign.opsPerSecond / rawSign.opsPerSecond,
      kind: 'min',
      target: 0.9,
    },
  ];
  return report(
    '@hutong/adapter-wechatpay',
    [rawCeiling, floorRate, hutong, nodeV3, axiosPlugin, rawSign, hutongSign],
    comparisons,
  );
}
