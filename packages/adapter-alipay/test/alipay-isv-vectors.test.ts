import type { MerchantAccount, Split, Transfer } from '@hutong/core/provider-utils';
import { sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { alipay } from '../src/index.js';
import { alipaySigningString } from '../src/protocol/index.js';
import { fixture } from './helpers.js';
import { memoryDirectory } from './isv-setup.js';

interface IsvVector {
  id: string;
  params: Record<string, string>;
  string_to_sign: string;
  sign: string;
}

const VECTORS = new Map(
  (JSON.parse(fixture('computed_here_isv.json')) as IsvVector[]).map((vector) => [vector.id, vector]),
);
const vector = (id: string) => VECTORS.get(id) as IsvVector;

/** 2024-01-01 12:00:00 in China. */
const NOW = () => new Date('2024-01-01T04:00:00Z');
const TOKEN = '201510BBb507dc9f5efe41a0b98ae22f01519X62';
const TRADE = '2024010122001400000000000001';

/**
 * A provider whose every request is captured (and answered with nothing it accepts): the signed
 * parameters of the last request, system and body together.
 */
function capturing(mode: 'public-key' | 'certificate') {
  let last: Record<string, string> | undefined;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    last = Object.fromEntries(new URLSearchParams(`${new URL(String(input)).search.slice(1)}&${String(init?.body)}`));
    return new Response('{}', { status: 200 });
  };
  const keys =
    mode === 'public-key'
      ? {
          appId: '2021000122671080',
          privateKey: fixture('alipay-sdk-nodejs-all/app-private-key.pem'),
          alipayPublicKey: fixture('alipay-sdk-nodejs-all/alipay-public-key.pem'),
        }
      : {
          appId: '9021000122682882',
          privateKey: fixture('yansongda-pay/alipayAppSecretCert.pem'),
          appCert: fixture('yansongda-pay/alipayAppPublicCert.crt'),
          alipayPublicCert: fixture('yansongda-pay/alipayPublicCert.crt'),
          alipayRootCert: fixture('yansongda-pay/alipayRootCert.crt'),
        };
  const provider = alipay({
    ...keys,
    endpoint: 'https://gateway.example/gateway.do',
    fetch,
    now: NOW,
    retries: 0,
    sysServiceProviderId: '2088511833207846',
  } as Parameters<typeof alipay>[0]);
  return {
    provider,
    sent: async (call: () => Promise<unknown>) => {
      await call().catch(() => undefined);
      if (!last) throw new Error('nothing was sent');
      return last;
    },
  };
}

const merchant: MerchantAccount = {
  merchant: 'shop-42',
  provider: 'alipay',
  accountId: '2013111800001989',
  enabled: true,
  fields: { appAuthToken: TOKEN, appRefreshToken: '201510BB0c409dd5758b4d939d4008a525463X62' },
};

function expectVector(params: Record<string, string>, id: string) {
  const v = vector(id);
  const { sign, ...signed } = params;
  expect(signed).toEqual(v.params);
  expect(alipaySigningString(signed)).toBe(v.string_to_sign);
  expect(sign).toBe(v.sign);
}

const order = sampleOrder({ id: '20240101000001', amount: 8888, status: 'paid', providerTransactionId: TRADE });

function splitOf(): Split {
  const at = '2024-01-01T04:00:00.000Z';
  return {
    id: 'split0001',
    amount: 1239,
    status: 'pending',
    receivers: [
      { type: 'merchant', account: '2088101126765726', amount: 1234, description: '平台佣金', status: 'pending' },
      { type: 'personal', account: 'receiver@example.com', amount: 5, description: '配送费', status: 'pending' },
    ],
    finish: true,
    providerSplitId: null,
    returns: [],
    createdAt: at,
    updatedAt: at,
  };
}

const transfer: Transfer = {
  id: 'payout0001',
  provider: 'alipay',
  merchant: null,
  amount: 12345,
  currency: 'CNY',
  payee: { type: 'userId', account: '2088101126765726' },
  remark: '佣金',
  status: 'created',
  providerTransferId: null,
  confirmation: null,
  failReason: null,
  providerOptions: {},
  version: 1,
  createdAt: '2024-01-01T04:00:00.000Z',
  updatedAt: '2024-01-01T04:00:00.000Z',
};

describe('signed requests of the service-provider and money-movement methods, byte for byte (computed_here_isv.json)', () => {
  it('ISV1–3: the token exchange, refresh and query', async () => {
    const { provider, sent } = capturing('public-key');
    const authorization = provider.authorization({
      directory: memoryDirectory(),
      redirectUri: 'https://platform.example/cb',
      stateSecret: 'x'.repeat(32),
    });
    expectVector(await sent(() => authorization.exchange('ca34ea491e7146cc87d25fca24c4cD11')), 'ALIPAY-ISV1');
    expectVector(await sent(() => authorization.refreshIfDue(merchant, { force: true })), 'ALIPAY-ISV2');
    expectVector(await sent(() => authorization.check(merchant)), 'ALIPAY-ISV3');
  });

  it('ISV4: a merchant payment to be split', async () => {
    const { provider, sent } = capturing('public-key');
    const params = await sent(() =>
      provider.createPayment({
        orderId: '20240101000001',
        createdAt: NOW(),
        method: 'qr',
        amount: 8888,
        currency: 'CNY',
        subject: '测试商品',
        notifyUrl: 'https://platform.example/webhooks/alipay',
        returnUrl: null,
        expiresAt: null,
        buyerId: null,
        authCode: null,
        clientIp: null,
        providerOptions: {},
        merchant,
        split: true,
      }),
    );
    expectVector(params, 'ALIPAY-ISV4');
  });

  it('ISV5–8: settle, its query, a relation bound, the unsettled amount', async () => {
    const { provider, sent } = capturing('public-key');
    const reference = { orderId: order.id, order, merchant };
    expectVector(await sent(() => provider.split({ ...reference, split: splitOf(), notifyUrl: null })), 'ALIPAY-ISV5');
    expectVector(await sent(() => provider.querySplit({ ...reference, split: splitOf() })), 'ALIPAY-ISV6');
    expectVector(
      await sent(() =>
        provider.bindRoyaltyRelation({
          requestId: 'bind0001',
          receivers: [{ account: '2088101126765726', memo: '平台' }],
          merchant,
        }),
      ),
      'ALIPAY-ISV7',
    );
    expectVector(await sent(() => provider.unsettledAmount({ ...reference, requestId: 'q0001' })), 'ALIPAY-ISV8');
  });

  it('ISV11: a refund that takes part back from the receivers (refund_royalty_parameters)', async () => {
    const { provider, sent } = capturing('public-key');
    const paidByPage = { ...order, method: 'page' as const };
    const params = await sent(() =>
      provider.refund({
        orderId: order.id,
        order: paidByPage,
        refundId: 'refund0001',
        amount: 5000,
        reason: '退货',
        splitReturns: [
          {
            splitId: 'split0001',
            returnId: 'return0001',
            account: '2088101126765726',
            amount: 1234,
            description: '退款退分账',
          },
          {
            splitId: 'split0001',
            returnId: 'return0002',
            account: 'receiver@example.com',
            amount: 5,
            description: '配送费退回',
          },
        ],
        merchant,
      }),
    );
    expectVector(params, 'ALIPAY-ISV11');
  });

  it('ISV9–10: a transfer and its query, in certificate mode', async () => {
    const { provider, sent } = capturing('certificate');
    expectVector(await sent(() => provider.transfer({ transfer, notifyUrl: null })), 'ALIPAY-ISV9');
    expectVector(await sent(() => provider.queryTransfer({ transfer, notifyUrl: null })), 'ALIPAY-ISV10');
  });
});

describe('a real Alipay reply of a new method (vectors_from_sources_isv.json)', () => {
  it('S10: the certificate-mode alipay.fund.trans.common.query reply verifies and reads as the transfer succeeded', async () => {
    const [v] = JSON.parse(fixture('vectors_from_sources_isv.json')) as {
      response_raw: string;
      signed_substring: string;
    }[];
    const raw = (v as { response_raw: string }).response_raw;
    expect(raw).toContain((v as { signed_substring: string }).signed_substring);
    const provider = alipay({
      appId: '9021000122682882',
      privateKey: fixture('yansongda-pay/alipayAppSecretCert.pem'),
      appCert: fixture('yansongda-pay/alipayAppPublicCert.crt'),
      alipayPublicCert: fixture('yansongda-pay/alipayPublicCert.crt'),
      alipayRootCert: fixture('yansongda-pay/alipayRootCert.crt'),
      endpoint: 'https://gateway.example/gateway.do',
      fetch: async () => new Response(raw, { status: 200 }),
    });
    const request = { transfer: { ...transfer, id: '2023122022560000', amount: 1 }, notifyUrl: null };
    expect(await provider.queryTransfer(request)).toEqual({
      type: 'transfer.status',
      transferId: '2023122022560000',
      amount: 1,
      status: 'succeeded',
      providerTransferId: '20231220110070000002150000657610',
    });
    // The same genuine reply does not answer a transfer of another amount, nor one altered by a byte.
    const other = await provider
      .queryTransfer({ ...request, transfer: { ...request.transfer, amount: 2 } })
      .catch((e) => e);
    expect((other as { reason?: string }).reason).toBe('mismatch');
    const altered = alipay({
      appId: '9021000122682882',
      privateKey: fixture('yansongda-pay/alipayAppSecretCert.pem'),
      appCert: fixture('yansongda-pay/alipayAppPublicCert.crt'),
      alipayPublicCert: fixture('yansongda-pay/alipayPublicCert.crt'),
      alipayRootCert: fixture('yansongda-pay/alipayRootCert.crt'),
      endpoint: 'https://gateway.example/gateway.do',
      fetch: async () => new Response(raw.replace('"0.01"', '"0.02"'), { status: 200 }),
    });
    const forged = await altered
      .queryTransfer({ ...request, transfer: { ...request.transfer, amount: 2 } })
      .catch((e) => e);
    expect((forged as { code?: string }).code).toBe('signature_invalid');
  });
});
