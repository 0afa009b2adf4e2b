/**
 * What the buyer and Alipay do to a trade in the Alipay sandbox: the buyer opens what the merchant's
 * front end was given and pays; the trade expires, fails or is closed unpaid; a refund is
 * notified. Each returns the signed notification Alipay posts.
 *
 * @packageDocumentation
 */
import { decodeAlipayForm, formatAlipayTime } from '@hutong/adapter-alipay/protocol';
import {
  formatYuan,
  type NextAction,
  type NotificationInput,
  type PosAction,
  UnsupportedOperationError,
  ValidationError,
} from '@hutong/core';
import type { SandboxPayOptions, SandboxSettleRefundOptions } from '@hutong/core/testing';
import { signedNotification } from './alipay-sandbox-messages.js';
import { type AlipaySandboxState, refusal, type SandboxNode } from './alipay-sandbox-state.js';

/**
 * The buyer opens an action: a `form`, `redirect` or `app` order string is signature-checked, as
 * Alipay's cashier does, and creates the trade; a `qr` code or `jsapi` trade number must name a
 * trade the gateway created.
 *
 * @example
 * ```ts
 * openAlipaySandboxAction(state, payment.action);
 * ```
 */
export function openAlipaySandboxAction(state: AlipaySandboxState, action: NextAction | PosAction): void {
  let params: Record<string, string>;
  if (action.type === 'qr') {
    const prefix = 'https://qr.alipay.com/sandbox';
    if (!action.content.startsWith(prefix))
      throw new ValidationError('action.content', 'is not a QR code of the Alipay sandbox');
    state.requireTradeNo(action.content.slice(prefix.length), 'action.content');
    return;
  }
  if (action.type === 'jsapi') {
    state.requireTradeNo(String((action.params as Record<string, unknown>).tradeNO ?? ''), 'action.params.tradeNO');
    return;
  }
  if (action.type === 'form') params = { ...action.fields };
  else if (action.type === 'redirect') params = decodeAlipayForm(new URL(action.url).search.slice(1));
  else if (action.type === 'app' && typeof action.payload === 'string') params = decodeAlipayForm(action.payload);
  else throw new ValidationError('action.type', `the Alipay sandbox's cashier cannot open a ${action.type} action`);
  const refused = state.checkSignature(params);
  if (refused) throw refusal(refused);
  let biz: SandboxNode;
  try {
    biz = JSON.parse(params.biz_content ?? '{}') as SandboxNode;
  } catch (cause) {
    throw new ValidationError('biz_content', 'is not JSON', { cause });
  }
  const result = state.createTrade(biz, params);
  if ('error' in result) throw refusal(result.error);
}

/**
 * The buyer pays: the signed `TRADE_SUCCESS` notification (with another `amount` or `currency`
 * when asked).
 *
 * @example
 * ```ts
 * const notification = payAlipaySandbox(state, order.id, { amount: 1 });
 * ```
 */
export function payAlipaySandbox(
  state: AlipaySandboxState,
  orderId: string,
  payOptions: SandboxPayOptions = {},
): NotificationInput {
  const trade = state.requireTrade(orderId);
  if (trade.status === 'WAIT_BUYER_PAY') state.markPaid(trade);
  const extra: Record<string, string> = {};
  if (payOptions.currency !== undefined) extra.trans_currency = payOptions.currency;
  if (payOptions.amount !== undefined) {
    const paid = formatYuan(payOptions.amount);
    Object.assign(extra, {
      total_amount: paid,
      receipt_amount: paid,
      buyer_pay_amount: paid,
      invoice_amount: paid,
    });
  }
  return signedNotification(state, trade, extra);
}

/**
 * The trade times out (closed if still unpaid): the signed notification of its state.
 *
 * @example
 * ```ts
 * const notification = expireAlipaySandboxTrade(state, order.id);
 * ```
 */
export function expireAlipaySandboxTrade(state: AlipaySandboxState, orderId: string): NotificationInput {
  const trade = state.requireTrade(orderId);
  if (trade.status === 'WAIT_BUYER_PAY') trade.status = 'TRADE_CLOSED';
  return signedNotification(state, trade);
}

/**
 * Closes an unpaid trade (`fail`, `close`); a paid one cannot end that way (`ValidationError`
 * saying it cannot `what`).
 *
 * @example
 * ```ts
 * const notification = closeUnpaidAlipaySandboxTrade(state, order.id, 'be closed');
 * ```
 */
export function closeUnpaidAlipaySandboxTrade(
  state: AlipaySandboxState,
  orderId: string,
  what: string,
): NotificationInput {
  const trade = state.requireTrade(orderId);
  if (trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED') {
    throw new ValidationError('orderId', `${orderId} is paid at the Alipay sandbox: it cannot ${what}`);
  }
  trade.status = 'TRADE_CLOSED';
  return signedNotification(state, trade);
}

/**
 * The signed notification of a refund made (`out_biz_no`, cumulative `refund_fee`); Alipay never
 * notifies a failed refund (`UnsupportedOperationError`).
 *
 * @example
 * ```ts
 * const notification = settleAlipaySandboxRefund(state, order.id, 'r1');
 * ```
 */
export function settleAlipaySandboxRefund(
  state: AlipaySandboxState,
  orderId: string,
  refundId: string,
  settle: SandboxSettleRefundOptions = {},
): NotificationInput {
  const trade = state.requireTrade(orderId);
  if (settle.fail) throw new UnsupportedOperationError('alipay', 'a failed refund notification');
  if (!trade.refunds.has(refundId))
    throw new ValidationError('refundId', `the Alipay sandbox has no refund ${refundId} of ${orderId}`);
  return signedNotification(state, trade, {
    out_biz_no: refundId,
    refund_fee: formatYuan(state.refunded(trade)),
    gmt_refund: formatAlipayTime(state.now()),
  });
}
