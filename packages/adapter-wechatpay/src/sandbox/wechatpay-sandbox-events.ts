/**
 * What happens at WeChat Pay in the sandbox, with the notification WeChat Pay sends for it when it
 * sends one: the buyer pays (or enters a payment code's password), the payment fails (`PAYERROR`),
 * the trade is closed or times out (no notification: WeChat Pay sends none), a refund settles or
 * fails (`REFUND.SUCCESS` / `REFUND.ABNORMAL`), and a signature probe arrives.
 *
 * @packageDocumentation
 */
import { WECHATPAY_PROBE_PREFIX } from '@hutong/adapter-wechatpay/protocol';
import { type NotificationInput, ValidationError } from '@hutong/core';
import type { SandboxPayOptions, SandboxSettleRefundOptions } from '@hutong/core/testing';
import type { WechatpaySandboxNotifier } from './wechatpay-sandbox-notifications.js';
import type { WechatpaySandboxState, WechatpaySandboxTransaction } from './wechatpay-sandbox-state.js';

/**
 * The sandbox's wallet-side events.
 *
 * @example
 * ```ts
 * const events: WechatpaySandboxEvents = createWechatpaySandboxEvents({ state, notifier, addressed });
 * events.close('o1'); // undefined: WeChat Pay sends no notification
 * ```
 */
export interface WechatpaySandboxEvents {
  pay(orderId: string, options?: SandboxPayOptions): NotificationInput;
  confirmPassword(orderId: string): void;
  expire(orderId: string): undefined;
  fail(orderId: string): undefined;
  close(orderId: string): undefined;
  settleRefund(orderId: string, refundId: string, options?: SandboxSettleRefundOptions): NotificationInput;
  probe(orderId: string): NotificationInput;
}

/**
 * Creates the events; `addressed` records where each notification goes.
 *
 * @example
 * ```ts
 * const events = createWechatpaySandboxEvents({ state, notifier, addressed: outbox.addressed });
 * events.fail('o1'); // the transaction is PAYERROR; WeChat Pay sends no notification
 * ```
 */
export function createWechatpaySandboxEvents(context: {
  state: WechatpaySandboxState;
  notifier: WechatpaySandboxNotifier;
  addressed(notification: NotificationInput, url: string | undefined): NotificationInput;
}): WechatpaySandboxEvents {
  const { state, notifier, addressed } = context;

  /** The unpaid transaction of `orderId`, for an event only an unpaid one can take. */
  function unpaid(orderId: string, event: string): WechatpaySandboxTransaction {
    const transaction = state.requireTransaction(orderId);
    if (transaction.tradeState !== 'NOTPAY' && transaction.tradeState !== 'USERPAYING')
      throw new ValidationError('orderId', `${orderId} is ${transaction.tradeState}: it cannot ${event}`);
    return transaction;
  }

  return {
    pay(orderId, options = {}) {
      const transaction = state.requireTransaction(orderId);
      if (transaction.tradeState === 'NOTPAY' || transaction.tradeState === 'USERPAYING') {
        transaction.tradeState = 'SUCCESS';
        transaction.successTime = state.now();
      }
      if (options.currency !== undefined) transaction.currency = options.currency;
      const notification = notifier.paid(transaction, {}, (resource) =>
        options.amount === undefined
          ? resource
          : {
              ...resource,
              amount: {
                total: options.amount,
                payer_total: options.amount,
                currency: transaction.currency,
                payer_currency: transaction.currency,
              },
            },
      );
      return addressed(notification, transaction.notifyUrl);
    },
    confirmPassword(orderId) {
      const transaction = state.requireTransaction(orderId);
      if (transaction.tradeState !== 'USERPAYING')
        throw new ValidationError('orderId', `${orderId} is not waiting for a password`);
      transaction.tradeState = 'SUCCESS';
      transaction.successTime = state.now();
    },
    expire(orderId) {
      const transaction = state.requireTransaction(orderId);
      if (transaction.tradeState === 'NOTPAY') transaction.tradeState = 'CLOSED';
      return undefined;
    },
    fail(orderId) {
      unpaid(orderId, 'fail').tradeState = 'PAYERROR';
      return undefined;
    },
    close(orderId) {
      unpaid(orderId, 'close').tradeState = 'CLOSED';
      return undefined;
    },
    settleRefund(orderId, refundId, settle = {}) {
      const transaction = state.requireTransaction(orderId);
      const refund = transaction.refunds.get(refundId);
      if (!refund)
        throw new ValidationError('refundId', `the WeChat Pay sandbox has no refund ${refundId} of ${orderId}`);
      refund.status = settle.fail ? 'ABNORMAL' : 'SUCCESS';
      if (!settle.fail) refund.successTime = state.now();
      return addressed(notifier.refunded(transaction, refundId), refund.notifyUrl);
    },
    probe(orderId) {
      const transaction = state.requireTransaction(orderId);
      const notification = notifier.paid(
        transaction,
        { signature: (signature) => `${WECHATPAY_PROBE_PREFIX}${signature.slice(WECHATPAY_PROBE_PREFIX.length)}` },
        (resource) => ({ ...resource, trade_state: 'SUCCESS' }),
      );
      return addressed(notification, transaction.notifyUrl);
    },
  };
}
