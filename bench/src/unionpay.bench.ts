/**
 * UnionPay: notification handling with a cached certificate chain (and, separately, the cost of a
 * certificate seen for the first time) beside one raw RSA-2048 verify; request signing beside one
 * raw RSA-2048 sign.
 *
 * Also the floor: the SHA-256 of each notification's signing string (which ACP signs, and which
 * carries the 1.7 KB certificate) and the raw verify, run through the core by a provider with no code
 * of its own, its form parsing free. It is the best any adapter can reach in this run.
 */
import { constants, createHash, sign, verify } from 'node:crypto';
import { unionpay } from '@hutong/adapter-unionpay';
import {
  encodeUnionpayForm,
  signUnionpayFields,
  UnionpayCertificateCache,
  unionpaySigningString,
  verifyUnionpayMessage,
} from '@hutong/adapter-unionpay/protocol';
import { createPayments, MemoryOrderStore, type PaymentEvent } from '@hutong/core';
import { createTestIdentity, sampleOrder } from '@hutong/core/testing';
import {
  type Comparison,
  floorComparisons,
  floorProvider,
  type Measurement,
  measure,
  measureInterleaved,
  report,
  SIGNING_SAMPLES,
} from './harness.js';

const PER_SAMPLE = 4_000;
const SAMPLES = 5;
const ORDERS = PER_SAMPLE * (SAMPLES + 1);
const MER_ID = '777290058110048';

export async function benchUnionpay(): Promise<boolean> {
  const notBefore = new Date('2024-01-01T00:00:00Z');
  const notAfter = new Date('2034-01-01T00:00:00Z');
  const root = createTestIdentity({ subject: [['CN', 'bench root']], isCA: true, notBefore, notAfter });
  const middle = createTestIdentity({
    subject: [['CN', 'bench middle']],
    issuer: root,
    isCA: true,
    notBefore,
    notAfter,
  });
  const signer = createTestIdentity({
    subject: [['CN', '041@8310000000083040@中国银联股份有限公司@00000001']],
    issuer: middle,
    notBefore,
    notAfter,
  });
  const merchant = createTestIdentity({
    subject: [['CN', '041@Z12@777290058110048:SIGN@00000001']],
    issuer: middle,
    notBefore,
    notAfter,
  });

  // Bodies as a server receives them: bytes off the socket (what the webhook handlers pass on).
  const bodies: Buffer[] = [];
  // What the raw ceiling verifies: each notification's digest and signature, computed beforehand.
  const digests: Buffer[] = [];
  const signatures: Buffer[] = [];
  // What the floor hashes and verifies: each notification's signing string, as bytes.
  const signingStrings: Buffer[] = [];
  const floorEvents: PaymentEvent[] = [];
  const store = new MemoryOrderStore();
  const floorStore = new MemoryOrderStore();
  for (let i = 0; i < ORDERS; i++) {
    const id = `bench${String(i).padStart(10, '0')}`;
    await store.create(sampleOrder({ id, provider: 'unionpay', status: 'pending', version: 2, amount: 1999 }));
    await floorStore.create(sampleOrder({ id, provider: 'floor', status: 'pending', version: 2, amount: 1999 }));
    const fields: Record<string, string> = {
      accessType: '0',
      bizType: '000201',
      currencyCode: '156',
      encoding: 'UTF-8',
      merId: MER_ID,
      orderId: id,
      queryId: `78220908132206${String(i).padStart(7, '0')}`,
      respCode: '00',
      respMsg: 'success',
      settleAmt: '1999',
      settleCurrencyCode: '156',
      settleDate: '0908',
      signMethod: '01',
      traceNo: '067402',
      traceTime: '0908132206',
      txnAmt: '1999',
      txnSubType: '01',
      txnTime: '20240908132206',
      txnType: '01',
      version: '5.1.0',
      signPubKeyCert: signer.pem,
    };
    fields.signature = signUnionpayFields(fields, signer.privateKey);
    digests.push(Buffer.from(createHash('sha256').update(unionpaySigningString(fields)).digest('hex'), 'ascii'));
    signingStrings.push(Buffer.from(unionpaySigningString(fields), 'utf8'));
    floorEvents.push({
      type: 'payment.succeeded',
      orderId: id,
      amount: 1999,
      providerTransactionId: fields.queryId as string,
    });
    signatures.push(Buffer.from(fields.signature, 'base64'));
    bodies.push(Buffer.from(encodeUnionpayForm(fields), 'utf8'));
  }

  const sample = Object.fromEntries(new URLSearchParams((bodies[0] as Buffer).toString('utf8')));
  const provider = unionpay({
    merId: MER_ID,
    signCert: {
      privateKey: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certificate: merchant.pem,
    },
    rootCert: root.pem,
    middleCert: middle.pem,
    now: () => new Date('2025-01-01T00:00:00Z'),
  });
  const payments = createPayments({ providers: [provider], store });
  const signerKey = { key: signer.publicKey, padding: constants.RSA_PKCS1_PADDING };
  let floorIndex = 0;
  const floor = createPayments({
    providers: [
      floorProvider('floor', () => {
        const digest = createHash('sha256')
          .update(signingStrings[floorIndex] as Buffer)
          .digest('hex');
        if (!verify('sha256', Buffer.from(digest, 'latin1'), signerKey, signatures[floorIndex] as Buffer))
          throw new Error('verify');
        return { ...(floorEvents[floorIndex] as PaymentEvent) };
      }),
    ],
    store: floorStore,
  });
  const [rawVerify, floorRate, hutong] = (await measureInterleaved(
    [
      {
        name: 'raw node:crypto RSA-2048 verify (parsed key)',
        fn: (i) => {
          if (!verify('sha256', digests[i] as Buffer, signerKey, signatures[i] as Buffer)) throw new Error('verify');
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'floor: SHA-256 + that + core, no adapter code',
        fn: async (i) => {
          floorIndex = i;
          const result = await floor.handleNotification('floor', { headers: {}, body: bodies[i] as Buffer });
          if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'hutong handleNotification (cached chain: parse + verify + transition)',
        fn: async (i) => {
          const result = await payments.handleNotification('unionpay', { headers: {}, body: bodies[i] as Buffer });
          if (result.outcome !== 'applied') throw new Error(`not applied: ${String(result.error)}`);
        },
        iterations: PER_SAMPLE,
      },
    ],
    { samples: SAMPLES },
  )) as [Measurement, Measurement, Measurement];

  // A certificate never seen before: parse it, check the chain and CN, then verify.
  const trust = { root: root.certificate, middle: middle.certificate, allowTestCn: false };
  const firstSeen = await measure(
    'first-seen certificate (chain + CN check + verify, fresh cache)',
    () => verifyUnionpayMessage(sample, trust, new UnionpayCertificateCache(), new Date('2025-01-01T00:00:00Z')),
    { samples: 5, sampleMs: 200 },
  );

  const request: Record<string, string> = {
    version: '5.1.0',
    encoding: 'UTF-8',
    signMethod: '01',
    txnType: '01',
    txnSubType: '01',
    bizType: '000201',
    channelType: '07',
    accessType: '0',
    merId: MER_ID,
    orderId: 'bench0000000001',
    txnTime: '20240101120000',
    txnAmt: '1999',
    currencyCode: '156',
    frontUrl: 'https://shop.example/done',
    backUrl: 'https://shop.example/webhooks/unionpay',
    certId: '69903319369',
  };
  const requestDigest = Buffer.from(createHash('sha256').update(unionpaySigningString(request)).digest('hex'), 'ascii');
  const [rawSign, hutongSign] = (await measureInterleaved(
    [
      {
        name: 'raw node:crypto RSA-2048 sign (parsed key)',
        fn: () => sign('sha256', requestDigest, merchant.privateKey),
      },
      {
        name: 'hutong request signature (string + SHA-256 + sign)',
        fn: () => signUnionpayFields(request, merchant.privateKey),
      },
    ],
    SIGNING_SAMPLES,
  )) as [Measurement, Measurement];

  const comparisons: Comparison[] = [
    {
      label: 'notification: hutong ÷ raw verify (rate)',
      ratio: hutong.opsPerSecond / rawVerify.opsPerSecond,
      kind: 'min',
      target: 0.75,
    },
    ...floorComparisons(hutong, floorRate, rawVerify, 'raw verify'),
    {
      label: 'signing: hutong ÷ raw sign (rate)',
      ratio: hutongSign.opsPerSecond / rawSign.opsPerSecond,
      kind: 'min',
      target: 0.9,
    },
  ];
  return report(
    '@hutong/adapter-unionpay',
    [rawVerify, floorRate, hutong, firstSeen, rawSign, hutongSign],
    comparisons,
  );
}
