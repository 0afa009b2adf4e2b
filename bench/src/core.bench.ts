/**
 * The core's own overhead per notification (normalise the request, apply the event through the
 * state machine with compare-and-set in the memory store, build the acknowledgement) beside one
 * raw RSA-2048 verify. The provider here does no cryptography, so what is measured is the core alone.
 */
import { constants, createSign, createVerify, generateKeyPairSync, verify } from 'node:crypto';
import {
  createPayments,
  MemoryOrderStore,
  type NotificationRequest,
  type PaymentEvent,
  type PaymentProvider,
} from '@hutong/core';
import { sampleOrder } from '@hutong/core/testing';
import { type Comparison, type Measurement, measure, report } from './harness.js';

const PER_SAMPLE = 20_000;
const SAMPLES = 7;
/** Every notification pays a different order: one per operation, warm-up included. */
const ORDERS = PER_SAMPLE * (SAMPLES + 1);

/** A provider that does no cryptography and no parsing: the body is an index into ready events. */
function noCryptoProvider(events: readonly PaymentEvent[]): PaymentProvider {
  return {
    specificationVersion: 'v1',
    id: 'bare',
    capabilities: {
      methods: ['qr'],
      query: false,
      close: false,
      refund: false,
      partialRefund: false,
      multipleRefunds: false,
      refundQuery: false,
      refundNotifications: false,
    },
    async createPayment() {
      return { action: { type: 'none' } };
    },
    async verifyNotification(request: NotificationRequest) {
      return { event: events[Number(request.body)] as PaymentEvent };
    },
    acknowledgeNotification: (outcome) => ({ status: outcome.accepted ? 200 : 400, headers: {}, body: '' }),
  };
}

export async function benchCore(): Promise<boolean> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const message = Buffer.from(
    'notify_time=2024-01-01 00:00:00&out_trade_no=bench&total_amount=19.99&trade_status=TRADE_SUCCESS',
  );
  const signature = createSign('sha256').update(message).sign(privateKey);

  const rawVerify = await measure('raw node:crypto RSA-2048 verify (parsed key)', () => {
    if (!verify('sha256', message, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature)) {
      throw new Error('verify failed');
    }
  });
  const rawVerifyStream = await measure('raw node:crypto RSA-2048 createVerify (parsed key)', () => {
    createVerify('sha256').update(message).verify(publicKey, signature);
  });

  const store = new MemoryOrderStore();
  const events: PaymentEvent[] = [];
  const payments = createPayments({ providers: [noCryptoProvider(events)], store });
  const bodies: string[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const id = `bench${String(i).padStart(10, '0')}`;
    await store.create(sampleOrder({ id, provider: 'bare', status: 'pending', version: 2 }));
    events.push({ type: 'payment.succeeded', orderId: id, amount: 1999, providerTransactionId: `t${i}` });
    bodies.push(String(i));
  }
  const headers = { 'content-type': 'application/json' };
  const core = await measure(
    'core per notification (facade + state machine + memory store)',
    async (i) => {
      const result = await payments.handleNotification('bare', { headers, body: bodies[i] as string });
      if (result.outcome !== 'applied') throw new Error(`notification ${i} was not applied: ${String(result.error)}`);
    },
    { samples: SAMPLES, iterations: PER_SAMPLE },
  );

  const measurements: Measurement[] = [rawVerify, rawVerifyStream, core];
  const comparisons: Comparison[] = [
    {
      label: 'core overhead ÷ one RSA-2048 verify (time)',
      ratio: core.nsPerOp / rawVerify.nsPerOp,
      kind: 'max',
      target: 0.25,
    },
  ];
  return report('@hutong/core: overhead per notification', measurements, comparisons);
}
