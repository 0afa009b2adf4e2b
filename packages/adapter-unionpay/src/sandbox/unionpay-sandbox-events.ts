/**
 * What happens at the UnionPay sandbox outside the merchant's requests: the buyer opens a next
 * action and pays (or the payment fails), the consume expires or is closed unpaid, the buyer's
 * browser returns to `frontUrl`, and a refund settles; each returns the signed notification
 * UnionPay sends, if any.
 *
 * @packageDocumentation
 */
import {
  type NextAction,
  type NotificationInput,
  type PosAction,
  ProviderApiError,
  ValidationError,
} from '@hutong/core';
import type { SandboxPayOptions, SandboxSettleRefundOptions } from '@hutong/core/testing';
import { checkUnionpaySandboxRequest, createUnionpaySandboxTransaction } from './unionpay-sandbox-routes.js';
import type { Fields, UnionpaySandboxNotifyOptions, UnionpaySandboxState } from './unionpay-sandbox-state.js';

/** A cashier refusal as a hutong error, with UnionPay's `respCode`. */
function refusal(reply: Fields): ProviderApiError {
  return new ProviderApiError({
    provider: 'unionpay',
    providerCode: reply.respCode ?? '',
    providerMessage: reply.respMsg,
    normalizedCode: reply.respCode === '11' ? 'invalid_signature' : 'invalid_request',
  });
}

/**
 * The buyer opens a next action: the `frontTransReq.do` form is submitted (signature checked, the
 * order created or opened again), a `qr` code scanned or an `app` `tn` opened (a consume the
 * gateway made). A refusal is thrown as a `ProviderApiError`.
 *
 * @example
 * ```ts
 * openUnionpaySandboxAction(state, action);
 * ```
 */
export function openUnionpaySandboxAction(state: UnionpaySandboxState, action: NextAction | PosAction): void {
  if (action.type === 'qr') {
    const prefix = 'https://qr.95516.com/00010000/';
    if (!action.content.startsWith(prefix))
      throw new ValidationError('action.content', 'is not a QR code of the UnionPay sandbox');
    state.requireConsume(action.content.slice(prefix.length), 'action.content');
    return;
  }
  if (action.type === 'app' && typeof action.payload === 'string') {
    state.requireConsume(action.payload, 'action.payload');
    return;
  }
  if (action.type !== 'form')
    throw new ValidationError('action.type', `the UnionPay sandbox's cashier cannot open a ${action.type} action`);
  const request = { ...action.fields } as Fields;
  const problem = checkUnionpaySandboxRequest(state, request);
  if (problem) throw refusal(problem);
  const made = createUnionpaySandboxTransaction(state, request, true);
  if ('refusal' in made) throw refusal(made.refusal);
}

/**
 * The buyer pays (or, with `fail`, the payment fails): the signed `backUrl` notification. A
 * `respCode` is notified without settling the transaction.
 *
 * @example
 * ```ts
 * const notification = payUnionpaySandbox(state, 'o1');
 * ```
 */
export function payUnionpaySandbox(
  state: UnionpaySandboxState,
  orderId: string,
  payOptions: UnionpaySandboxNotifyOptions & SandboxPayOptions & { fail?: boolean | undefined } = {},
): NotificationInput {
  const t = state.requireTransaction(orderId);
  if (t.state === 'expired' || t.state === 'closed')
    throw new ValidationError('orderId', `${orderId} ${t.state} unpaid`);
  if (payOptions.respCode !== undefined) return state.notification(t, payOptions.respCode, payOptions);
  if (t.state === 'created') t.state = payOptions.fail ? 'failed' : 'succeeded';
  return state.notification(t, t.state === 'succeeded' ? '00' : '01', payOptions);
}

/**
 * The unpaid consume ends: it times out (`expired`) or UnionPay closes it (`closed`). UnionPay
 * sends no notification for either.
 *
 * @example
 * ```ts
 * endUnionpaySandboxConsume(state, 'o1', 'closed');
 * ```
 */
export function endUnionpaySandboxConsume(
  state: UnionpaySandboxState,
  orderId: string,
  end: 'expired' | 'closed',
): undefined {
  const t = state.requireTransaction(orderId);
  if (t.txnType === '01' && t.state === 'created') t.state = end;
  return undefined;
}

/**
 * The signed post the buyer's browser makes to `frontUrl` after paying.
 *
 * @example
 * ```ts
 * const post = unionpaySandboxFrontReturn(state, 'o1');
 * ```
 */
export function unionpaySandboxFrontReturn(
  state: UnionpaySandboxState,
  orderId: string,
  returnOptions: UnionpaySandboxNotifyOptions = {},
): NotificationInput {
  const t = state.requireTransaction(orderId);
  return state.notification(
    t,
    returnOptions.respCode ?? (t.state === 'succeeded' ? '00' : '01'),
    returnOptions,
    t.frontUrl,
  );
}

/**
 * Settles refund (or undo) `refundId` of order `orderId` (or fails it): its signed `backUrl`
 * notification. A `respCode` is notified without settling it.
 *
 * @example
 * ```ts
 * const notification = settleUnionpaySandboxRefund(state, 'o1', 'r1');
 * ```
 */
export function settleUnionpaySandboxRefund(
  state: UnionpaySandboxState,
  orderId: string,
  refundId: string,
  settle: UnionpaySandboxNotifyOptions & SandboxSettleRefundOptions = {},
): NotificationInput {
  const order = state.requireTransaction(orderId);
  const t = state.transactions.get(refundId);
  if (!t || t.txnType === '01' || t.origQryId !== order.queryId)
    throw new ValidationError('refundId', `the UnionPay sandbox has no refund ${refundId} of ${orderId}`);
  if (settle.respCode !== undefined) return state.notification(t, settle.respCode, settle);
  if (t.state === 'created') t.state = settle.fail ? 'failed' : 'succeeded';
  return state.notification(t, t.state === 'succeeded' ? '00' : '01', settle);
}
