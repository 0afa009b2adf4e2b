/**
 * Notifications to `backUrl` (and the browser's return to `frontUrl`, in the same format): a
 * form-urlencoded body, verified against the UnionPay chain, addressed to this merchant, then an
 * event. The acknowledgement UnionPay expects is HTTP 200.
 *
 * @packageDocumentation
 */
import {
  type NotificationRequest,
  type PaymentEvent,
  SignatureVerificationError,
  ValidationError,
  type WebhookResponse,
} from '@hutong/core';
import { FormFields } from '@hutong/core/provider-utils';
import { UNIONPAY_SUCCESS_CODES } from './unionpay-codes.js';
import { verifyUnionpayForm } from './unionpay-gateway.js';
import type { UnionpayConfig } from './unionpay-options.js';

function amount(value: string | undefined, field: string): number {
  const fen = Number(value);
  if (!value || !/^\d+$/.test(value) || !Number.isSafeInteger(fen) || fen <= 0)
    throw new ValidationError(field, 'is not an amount in fen');
  return fen;
}

/**
 * Verifies a notification (or front return) and turns it into an event.
 *
 * @example
 * ```ts
 * const { event } = verifyUnionpayNotification(request, config);
 * ```
 */
export function verifyUnionpayNotification(
  request: NotificationRequest,
  config: Pick<UnionpayConfig, 'merId' | 'trust' | 'certificateCache' | 'now'>,
): { event: PaymentEvent; notificationId?: string } {
  const form = FormFields.parse(request.body, 'notification.body');
  verifyUnionpayForm(form, config.trust, config.certificateCache, config.now());
  // Verified: only the fields read below are decoded.
  const fields = {
    merId: form.get('merId'),
    respCode: form.get('respCode'),
    orderId: form.get('orderId'),
    queryId: form.get('queryId'),
    txnType: form.get('txnType'),
    txnAmt: form.get('txnAmt'),
    reqReserved: form.get('reqReserved'),
  };
  if (fields.merId !== config.merId) {
    throw new SignatureVerificationError(
      'unionpay',
      'wrong_recipient',
      `the notification is for merchant ${fields.merId ?? '?'}`,
    );
  }
  const succeeded = UNIONPAY_SUCCESS_CODES.has(fields.respCode ?? '');
  const orderId = fields.orderId;
  if (!orderId) throw new ValidationError('notification.orderId', 'is missing');
  switch (fields.txnType) {
    case '01': {
      if (!succeeded)
        return { event: { type: 'payment.failed', orderId, reason: fields.respCode }, notificationId: fields.queryId };
      if (!fields.queryId) throw new ValidationError('notification.queryId', 'is missing');
      return {
        event: {
          type: 'payment.succeeded',
          orderId,
          amount: amount(fields.txnAmt, 'notification.txnAmt'),
          providerTransactionId: fields.queryId,
        },
        notificationId: fields.queryId,
      };
    }
    case '04':
    case '31': {
      // A refund's (or undo's) own orderId is the refund id; the order travels in reqReserved.
      const parent = fields.reqReserved;
      if (!parent) throw new ValidationError('notification.reqReserved', 'is missing: the refund names no order');
      if (!succeeded)
        return {
          event: { type: 'refund.failed', orderId: parent, refundId: orderId, reason: fields.respCode },
          notificationId: fields.queryId,
        };
      return {
        event: {
          type: 'refund.succeeded',
          orderId: parent,
          refundId: orderId,
          amount: amount(fields.txnAmt, 'notification.txnAmt'),
          providerRefundId: fields.queryId,
        },
        notificationId: fields.queryId,
      };
    }
    default:
      throw new ValidationError(
        'notification.txnType',
        `${fields.txnType ?? '?'} is not a payment or refund notification`,
      );
  }
}

/**
 * UnionPay expects HTTP 200 for a received notification; anything else is retried.
 *
 * @example
 * ```ts
 * unionpayAcknowledgement(true); // { status: 200, headers: {...}, body: 'ok' }
 * ```
 */
export function unionpayAcknowledgement(accepted: boolean): WebhookResponse {
  return accepted
    ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' }
    : { status: 400, headers: { 'content-type': 'text/plain' }, body: 'refused' };
}
