/**
 * `unionpay(options)`: the UnionPay online gateway (ACP 5.1.0) and UnionPay QR as a hutong provider.
 *
 * Method mapping: `page` → consume 01/01/000201 channel 07 via `frontTransReq.do` (a form); `h5` →
 * the same, channel 08; `app` → `appTransReq.do` (the `tn`); `qr` → merchant-presented QR
 * 01/07/000000 (`qrCode`); `pos` → buyer-presented QR 01/06/000000 (`qrNo`). Refunds are 04/00 by
 * `origQryId`; `undoPayment` is the same-day consume undo 31/00. UnionPay has no close operation:
 * see {@link UnionpayProvider}.
 *
 * @packageDocumentation
 */
import {
  assertPortableId,
  type CreatePaymentRequest,
  type CreatePaymentResult,
  type NotificationInput,
  type Order,
  type PaymentEvent,
  type PaymentProvider,
  type PaymentStatusEvent,
  ProviderApiError,
  type ProviderCapabilities,
  type RefundStatusEvent,
  toNotificationRequest,
  ValidationError,
} from '@hutong/core';
import { UNIONPAY_PENDING_CODES, UNIONPAY_SUCCESS_CODES } from './unionpay-codes.js';
import { createUnionpayGateway, type UnionpayGateway } from './unionpay-gateway.js';
import { unionpayAcknowledgement, verifyUnionpayNotification } from './unionpay-notification.js';
import { resolveUnionpayOptions, type UnionpayOptions } from './unionpay-options.js';
import { formatUnionpayTime } from './unionpay-time.js';

/**
 * The UnionPay provider: the spec plus UnionPay-only operations.
 *
 * `closePayment`: UnionPay cannot close an unpaid order. hutong queries it: a paid one is reported
 * (`already_paid`) and recorded; an unpaid one is closed locally and expires at UnionPay by its
 * `payTimeout` (set from `expiresAt`). A payment that still arrives is recorded as paid, with a
 * `paid_after_closed` anomaly.
 *
 * @example
 * ```ts
 * const { event } = await provider.verifyFrontReturn({ headers: req.headers, body: rawBody });
 * ```
 */
export interface UnionpayProvider extends PaymentProvider {
  readonly id: 'unionpay';
  queryPayment: NonNullable<PaymentProvider['queryPayment']>;
  closePayment: NonNullable<PaymentProvider['closePayment']>;
  refund: NonNullable<PaymentProvider['refund']>;
  queryRefund: NonNullable<PaymentProvider['queryRefund']>;
  /**
   * Consume undo (消费撤销, 31/00): reverses a payment in full on the day it was made; settles by
   * notification like a refund. `undoId` names it (8 to 32 letters and digits).
   */
  undoPayment(request: { order: Order; undoId: string }): Promise<RefundStatusEvent>;
  /** Verifies the buyer's return to `frontUrl` (same format as a notification) for the result page. */
  verifyFrontReturn(input: NotificationInput): Promise<{ event: PaymentEvent }>;
}

const CAPABILITIES: ProviderCapabilities = {
  methods: ['page', 'h5', 'app', 'qr', 'pos'],
  query: true,
  close: true,
  refund: true,
  partialRefund: true,
  multipleRefunds: true,
  refundQuery: true,
  refundNotifications: true,
  resume: false,
};

/** UnionPay order ids: 8 to 40 letters and digits. */
function assertUnionpayOrderId(id: string, field: string): void {
  if (!/^[0-9A-Za-z]{8,40}$/.test(id))
    throw new ValidationError(field, 'must be 8 to 40 letters and digits for UnionPay');
}

const GATEWAY_BIZ = '000201';
const QR_BIZ = '000000';

/**
 * Creates the UnionPay provider. Options are validated, the PFX opened and the chain checked here.
 *
 * @example
 * ```ts
 * import { unionpay } from '@hutong/adapter-unionpay';
 * const provider = unionpay({ merId, signCert: { pfx, password }, rootCert, middleCert });
 * ```
 */
export function unionpay(options: UnionpayOptions): UnionpayProvider {
  const config = resolveUnionpayOptions(options);
  const gateway: UnionpayGateway = createUnionpayGateway(config);

  function consumeFields(request: CreatePaymentRequest, channelType: '07' | '08'): Record<string, string | undefined> {
    if (!request.notifyUrl) throw new ValidationError('notifyUrl', 'is required by UnionPay (backUrl)');
    return {
      txnType: '01',
      txnSubType: '01',
      bizType: GATEWAY_BIZ,
      channelType,
      orderId: request.orderId,
      txnTime: formatUnionpayTime(request.createdAt),
      txnAmt: String(request.amount),
      currencyCode: '156',
      backUrl: request.notifyUrl,
      payTimeout: request.expiresAt ? formatUnionpayTime(request.expiresAt) : undefined,
    };
  }

  async function createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    assertUnionpayOrderId(request.orderId, 'orderId');
    switch (request.method) {
      case 'page':
      case 'h5': {
        if (!request.returnUrl)
          throw new ValidationError('returnUrl', 'is required by UnionPay for page and h5 (frontUrl)');
        const fields = {
          ...consumeFields(request, request.method === 'page' ? '07' : '08'),
          frontUrl: request.returnUrl,
        };
        return { action: gateway.frontForm(fields) };
      }
      case 'app': {
        const reply = await gateway.post('appTransReq.do', consumeFields(request, '08'));
        if (!reply.tn) throw new ValidationError('response.tn', 'is missing');
        return { action: { type: 'app', payload: reply.tn } };
      }
      case 'qr': {
        const fields = { ...consumeFields(request, '08'), txnSubType: '07', bizType: QR_BIZ };
        const reply = await gateway.post('backTransReq.do', fields);
        if (!reply.qrCode) throw new ValidationError('response.qrCode', 'is missing');
        return { action: { type: 'qr', content: reply.qrCode } };
      }
      case 'pos': {
        if (!request.authCode) throw new ValidationError('authCode', 'is required for pos payments');
        const fields = { ...consumeFields(request, '08'), txnSubType: '06', bizType: QR_BIZ, qrNo: request.authCode };
        await gateway.post('backTransReq.do', fields);
        // Accepted, not final: the notification or a query tells the outcome.
        return { action: { type: 'none' }, status: { type: 'payment.pending', orderId: request.orderId } };
      }
      default:
        throw new ValidationError('method', `${request.method} is not offered by UnionPay`);
    }
  }

  async function query(orderId: string, txnTime: string, bizType: string): Promise<Record<string, string> | undefined> {
    try {
      return await gateway.post('queryTrans.do', { txnType: '00', txnSubType: '00', bizType, orderId, txnTime });
    } catch (error) {
      // 34: no such transaction (yet): a QR code not scanned, a form not submitted.
      if (ProviderApiError.isInstance(error) && error.providerCode === '34') return undefined;
      throw error;
    }
  }

  /** A query's answer: respCode 00 means the query worked; origRespCode is the transaction's. */
  function outcome(reply: Record<string, string> | undefined): 'succeeded' | 'pending' | 'failed' {
    if (!reply || UNIONPAY_PENDING_CODES.has(reply.respCode ?? '')) return 'pending';
    const original = reply.origRespCode ?? '';
    if (UNIONPAY_SUCCESS_CODES.has(original)) return 'succeeded';
    return UNIONPAY_PENDING_CODES.has(original) ? 'pending' : 'failed';
  }

  const bizOf = (order: Order) => (order.method === 'qr' || order.method === 'pos' ? QR_BIZ : GATEWAY_BIZ);

  async function sendRefund(
    order: Order,
    refundId: string,
    amount: number,
    txnType: '04' | '31',
  ): Promise<RefundStatusEvent> {
    assertUnionpayOrderId(refundId, 'refundId');
    if (!order.providerTransactionId)
      throw new ValidationError('order.providerTransactionId', 'is unknown: the payment has no UnionPay queryId yet');
    const requested = order.refunds.find((refund) => refund.id === refundId);
    const txnTime = formatUnionpayTime(requested ? new Date(requested.createdAt) : config.now());
    let reply: Record<string, string>;
    try {
      reply = await gateway.post('backTransReq.do', {
        txnType,
        txnSubType: '00',
        bizType: bizOf(order),
        channelType: order.method === 'page' ? '07' : '08',
        orderId: refundId,
        origQryId: order.providerTransactionId,
        txnTime,
        txnAmt: String(amount),
        backUrl: order.notifyUrl ?? undefined,
        reqReserved: order.id,
      });
    } catch (error) {
      // 12: a duplicate, i.e. a retry of a refund UnionPay already has: report what it became.
      if (ProviderApiError.isInstance(error) && error.providerCode === '12')
        return refundStatus(order, refundId, txnTime, amount);
      throw error;
    }
    return { type: 'refund.pending', orderId: order.id, refundId, amount, providerRefundId: reply.queryId };
  }

  async function refundStatus(
    order: Order,
    refundId: string,
    txnTime: string,
    amount: number,
  ): Promise<RefundStatusEvent> {
    const reply = await query(refundId, txnTime, bizOf(order));
    switch (outcome(reply)) {
      case 'pending':
        return { type: 'refund.pending', orderId: order.id, refundId, amount };
      case 'failed':
        return { type: 'refund.failed', orderId: order.id, refundId, reason: reply?.origRespCode };
      case 'succeeded':
        return {
          type: 'refund.succeeded',
          orderId: order.id,
          refundId,
          amount: Number(reply?.txnAmt) || amount,
          providerRefundId: reply?.queryId,
        };
    }
  }

  return {
    specificationVersion: 'v1',
    id: 'unionpay',
    wallet: 'unionpay',
    capabilities: CAPABILITIES,
    createPayment,

    async queryPayment({ orderId, order }): Promise<PaymentStatusEvent> {
      const reply = await query(orderId, formatUnionpayTime(new Date(order.createdAt)), bizOf(order));
      switch (outcome(reply)) {
        case 'pending':
          return { type: 'payment.pending', orderId };
        case 'failed':
          return { type: 'payment.failed', orderId, reason: reply?.origRespCode };
        case 'succeeded': {
          const amount = Number(reply?.txnAmt);
          if (!reply?.queryId || !Number.isSafeInteger(amount) || amount <= 0)
            throw new ValidationError('response', 'a successful query lacks queryId or txnAmt');
          return { type: 'payment.succeeded', orderId, amount, providerTransactionId: reply.queryId };
        }
      }
    },

    async closePayment({ orderId, order }) {
      const reply = await query(orderId, formatUnionpayTime(new Date(order.createdAt)), bizOf(order));
      if (outcome(reply) === 'succeeded') {
        throw new ProviderApiError({
          provider: 'unionpay',
          providerCode: reply?.origRespCode ?? '00',
          providerMessage: 'the order is paid',
          normalizedCode: 'already_paid',
        });
      }
    },

    refund: ({ order, refundId, amount }) => sendRefund(order, refundId, amount, '04'),

    async queryRefund({ orderId, order, refundId }) {
      const refund = order.refunds.find((r) => r.id === refundId);
      if (!refund) throw new ValidationError('refundId', `order ${orderId} has no refund ${refundId}`);
      return refundStatus(order, refundId, formatUnionpayTime(new Date(refund.createdAt)), refund.amount);
    },

    async verifyNotification(request) {
      return verifyUnionpayNotification(request, config);
    },

    acknowledgeNotification: (outcome) => unionpayAcknowledgement(outcome.accepted),

    async undoPayment({ order, undoId }) {
      assertPortableId(undoId, 'undoId');
      return sendRefund(order, undoId, order.paidAmount, '31');
    },

    async verifyFrontReturn(input) {
      return verifyUnionpayNotification(toNotificationRequest(input), config);
    },
  };
}
