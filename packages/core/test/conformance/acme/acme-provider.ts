/**
 * The AcmePay adapter, written as an author would from `docs/writing-an-adapter.md` and
 * provider-utils, with each typical bug of {@link ACME_BUGS} available as a switch.
 */

import {
  SignatureVerificationError,
  UnexpectedResponseError,
  ValidationError,
  type WebhookResponse,
} from '@hutong/core';
import {
  bindReply,
  checkSignatureWindow,
  createErrorCodeMapper,
  createHttpClient,
  type NotificationOutcome,
  notificationRejectionStatus,
  type PaymentProvider,
  type PaymentStatusEvent,
  type RefundStatusEvent,
  readJsonReply,
  z,
} from '@hutong/core/provider-utils';
import type { core } from 'zod/mini';
import type { AcmeBug } from './acme-bugs.js';
import { ACME_WINDOW_SECONDS, acmeSignatureHolds, signAcme } from './acme-signature.js';

/** Options of {@link acmepay}. */
export interface AcmeOptions {
  merchantId: string;
  merchantKey: string;
  walletKey: string;
  endpoint: string;
  fetch: typeof globalThis.fetch;
  /** The one bug planted in this adapter, if any. */
  bug?: AcmeBug | undefined;
}

const PAYMENT_STATUSES = ['WAITING', 'PAID', 'FAILED', 'CLOSED'] as const;
const REFUND_STATUSES = ['PROCESSING', 'SUCCESS', 'ABNORMAL'] as const;
type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
type RefundStatus = (typeof REFUND_STATUSES)[number];

const paymentReply = z.object({
  merchant: z.string(),
  order_id: z.string(),
  amount: z.int(),
  status: z.enum(PAYMENT_STATUSES),
  txn_id: z.optional(z.string()),
  code_url: z.optional(z.string()),
});
const refundReply = z.object({
  merchant: z.string(),
  order_id: z.string(),
  refund_id: z.string(),
  amount: z.int(),
  status: z.enum(REFUND_STATUSES),
});
const errorReply = z.object({ error: z.string(), message: z.optional(z.string()) });
const notificationBody = z.union([
  z.object({ kind: z.literal('payment'), order_amount: z.int(), ...paymentReply.shape }),
  z.object({ kind: z.literal('refund'), ...refundReply.shape }),
]);

const acmeErrors = createErrorCodeMapper({
  provider: 'acmepay',
  codes: { ORDER_NOT_EXIST: 'not_found', ORDER_PAID: 'already_paid', BUSY: 'system_busy' },
});

/** The AcmePay provider. */
export function acmepay(options: AcmeOptions): PaymentProvider<'acmepay'> {
  const bug = options.bug;
  const http = createHttpClient({ provider: 'acmepay', fetch: options.fetch, retries: 0 });

  function paymentEvent(orderId: string, status: PaymentStatus, amount: number, txnId: string | undefined) {
    const paid = (): PaymentStatusEvent => ({
      type: 'payment.succeeded',
      orderId,
      amount,
      providerTransactionId: txnId ?? '',
    });
    const map = {
      WAITING: () => ({ type: 'payment.pending', orderId }),
      PAID: paid,
      FAILED: () =>
        bug === 'failed-as-paid'
          ? paid()
          : bug === 'failed-as-pending'
            ? { type: 'payment.pending', orderId }
            : { type: 'payment.failed', orderId, reason: 'FAILED' },
      CLOSED: () =>
        bug === 'closed-as-pending' ? { type: 'payment.pending', orderId } : { type: 'payment.closed', orderId },
    } satisfies Record<PaymentStatus, () => PaymentStatusEvent>;
    return map[status]();
  }

  function refundEvent(orderId: string, refundId: string, status: RefundStatus, amount: number): RefundStatusEvent {
    const succeeded = (): RefundStatusEvent => ({ type: 'refund.succeeded', orderId, refundId, amount });
    const map = {
      PROCESSING: () =>
        bug === 'processing-refund-as-succeeded' ? succeeded() : { type: 'refund.pending', orderId, refundId, amount },
      SUCCESS: succeeded,
      ABNORMAL: () =>
        bug === 'abnormal-refund-as-succeeded'
          ? succeeded()
          : { type: 'refund.failed', orderId, refundId, reason: 'ABNORMAL' },
    } satisfies Record<RefundStatus, () => RefundStatusEvent>;
    return map[status]();
  }

  /** Verifies a signed message (reply or notification): signature, then time window. */
  function verify(headers: Headers | Record<string, string>, body: string, skipSignature: boolean): void {
    const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name]) ?? '';
    const timestamp = get('x-acme-timestamp');
    const signature = get('x-acme-signature');
    // The bug 'notification-unsigned-accepted': the signature is checked only when there is one.
    const unsignedPassed = bug === 'notification-unsigned-accepted' && signature === '';
    if (!skipSignature && !unsignedPassed && !acmeSignatureHolds(options.walletKey, timestamp, body, signature)) {
      throw new SignatureVerificationError('acmepay', 'bad_signature', 'the signature does not verify');
    }
    if (bug !== 'no-time-window') {
      checkSignatureWindow({ provider: 'acmepay', signedAt: timestamp, windowSeconds: ACME_WINDOW_SECONDS });
    }
  }

  async function call<S extends core.$ZodType>(path: string, payload: object, schema: S) {
    const body = JSON.stringify({ merchant: options.merchantId, ...payload });
    const response = await http.send({
      method: 'POST',
      url: `${options.endpoint}${path}`,
      headers: { ...signAcme(options.merchantKey, Math.floor(Date.now() / 1000), body) },
      body,
    });
    verify(response.headers, response.text, bug === 'reply-unverified');
    if (response.status !== 200) {
      const error = readJsonReply(response.text, { provider: 'acmepay', schema: errorReply });
      throw acmeErrors.toError({ code: error.error, message: error.message, httpStatus: response.status });
    }
    return readJsonReply(response.text, { provider: 'acmepay', schema });
  }

  return {
    specificationVersion: 'v1',
    id: 'acmepay',
    wallet: 'acmepay',
    capabilities: {
      methods: ['qr'],
      query: true,
      close: true,
      refund: true,
      partialRefund: true,
      multipleRefunds: true,
      refundQuery: true,
      refundNotifications: true,
      resume: false,
    },
    validatePayment(request) {
      if (!request.notifyUrl) throw new ValidationError('notifyUrl', 'is required by AcmePay');
    },
    async createPayment(request) {
      const reply = await call(
        '/payments',
        { order_id: request.orderId, amount: request.amount, notify_url: request.notifyUrl },
        paymentReply,
      );
      bindReply(
        reply,
        { merchant: options.merchantId, order_id: request.orderId, amount: request.amount },
        {
          provider: 'acmepay',
        },
      );
      if (!reply.code_url)
        throw new UnexpectedResponseError('acmepay', 'malformed', 'no code_url', { field: 'reply.code_url' });
      return { action: { type: 'qr', content: reply.code_url } };
    },
    async queryPayment({ orderId, order }) {
      const reply = await call('/payments/query', { order_id: orderId }, paymentReply);
      if (bug !== 'reply-unbound')
        bindReply(reply, { merchant: options.merchantId, order_id: orderId }, { provider: 'acmepay' });
      const amount = bug === 'reply-amount-from-order' ? order.amount : reply.amount;
      return paymentEvent(orderId, reply.status, amount, reply.txn_id);
    },
    async closePayment({ orderId }) {
      const reply = await call('/payments/close', { order_id: orderId }, paymentReply);
      bindReply(reply, { merchant: options.merchantId, order_id: orderId }, { provider: 'acmepay' });
    },
    async refund({ orderId, refundId, amount }) {
      const reply = await call('/refunds', { order_id: orderId, refund_id: refundId, amount }, refundReply);
      bindReply(
        reply,
        { merchant: options.merchantId, order_id: orderId, refund_id: refundId, amount },
        {
          provider: 'acmepay',
        },
      );
      return refundEvent(orderId, refundId, reply.status, reply.amount);
    },
    async queryRefund({ orderId, refundId }) {
      const reply = await call('/refunds/query', { order_id: orderId, refund_id: refundId }, refundReply);
      bindReply(
        reply,
        { merchant: options.merchantId, order_id: orderId, refund_id: refundId },
        { provider: 'acmepay' },
      );
      return refundEvent(orderId, refundId, reply.status, reply.amount);
    },
    async verifyNotification(request) {
      verify(request.headers, request.body, bug === 'notification-unverified');
      const message = readJsonReply(request.body, {
        provider: 'acmepay',
        schema: notificationBody,
        field: 'notification',
      });
      if (bug !== 'foreign-merchant-accepted' && message.merchant !== options.merchantId) {
        throw new SignatureVerificationError('acmepay', 'wrong_recipient', 'the notification is for another merchant');
      }
      if (message.kind === 'refund') {
        return { event: refundEvent(message.order_id, message.refund_id, message.status, message.amount) };
      }
      const amount = bug === 'notification-amount-from-order' ? message.order_amount : message.amount;
      return { event: paymentEvent(message.order_id, message.status, amount, message.txn_id) };
    },
    acknowledgeNotification(outcome: NotificationOutcome): WebhookResponse {
      if (outcome.accepted) return { status: 200, headers: {}, body: 'OK' };
      const status = bug === 'rejection-acknowledged-200' ? 200 : notificationRejectionStatus(outcome.error);
      return { status, headers: {}, body: 'REFUSED' };
    },
  };
}
