/**
 * The payment operations on the gateway, each a function of the provider's context: create and
 * resume (one `start` per method), query, close and cancel.
 *
 * Method mapping: `qr` → `alipay.trade.precreate`; `page` → `alipay.trade.page.pay`; `h5` →
 * `alipay.trade.wap.pay`; `app` → `alipay.trade.app.pay`; `jsapi` → `alipay.trade.create`; `pos` →
 * `alipay.trade.pay` (closed with `alipay.trade.cancel`).
 *
 * @packageDocumentation
 */

import { type FormAction, ProviderApiError, type RedirectAction, ValidationError } from '@hutong/core';
import type { MerchantAccount } from '@hutong/core/provider-utils';
import {
  type CreatePaymentRequest,
  type CreatePaymentResult,
  checkRefusal,
  type PaymentReference,
  type PaymentStatusEvent,
  type ResumePaymentRequest,
} from '@hutong/core/provider-utils';
import { type AlipayClient, type AlipayContext, encodeAlipayForm } from './alipay-client.js';
import { alipayClientFor } from './alipay-merchant.js';
import { alipayBizContent, validateAlipayPayment } from './alipay-payment-request.js';
import {
  type AlipayResponseNode,
  readAlipayCancelReply,
  readAlipayCloseReply,
  readAlipayPrecreateReply,
  readAlipayTradeCreateReply,
  readAlipayTradePayReply,
  readAlipayTradeQueryReply,
} from './alipay-replies.js';

const BROWSER_METHODS = { page: 'alipay.trade.page.pay', h5: 'alipay.trade.wap.pay' } as const;

/** The `providerData` key holding the business parameters a payment was created with. */
const BIZ_CONTENT = 'bizContent';

function browserAction(
  client: AlipayClient,
  params: Record<string, string>,
  formMethod: 'GET' | 'POST',
): FormAction | RedirectAction {
  if (formMethod === 'GET') {
    const separator = client.url.includes('?') ? '&' : '?';
    return { type: 'redirect', url: `${client.url}${separator}${encodeAlipayForm(params)}` };
  }
  return { type: 'form', method: 'POST', url: `${client.url}?charset=utf-8`, fields: params };
}

/**
 * `alipay.trade.cancel`: closes an unpaid payment, or refunds it if the buyer has paid.
 *
 * @example
 * ```ts
 * const { action } = await cancelAlipayPayment(context, orderId); // 'close' or 'refund'
 * ```
 */
export async function cancelAlipayPayment(
  context: AlipayContext,
  orderId: string,
  merchant?: MerchantAccount | null,
): Promise<{ action: string | undefined }> {
  const client = await alipayClientFor(context, merchant);
  const node = await client.call('alipay.trade.cancel', { out_trade_no: orderId }, { idempotent: true });
  return readAlipayCancelReply(node, { provider: context.id, orderId });
}

/**
 * Checks a refusal of a `pos` payment against the trade ({@link checkRefusal}): a trade the
 * query shows paid is the answer; an open one is cancelled, so the code cannot be charged after
 * the till gave up, and the refusal stands; none, or a closed one, and the refusal stands.
 */
function checkPosRefusal(
  context: AlipayContext,
  error: unknown,
  orderId: string,
  merchant: MerchantAccount | null | undefined,
): Promise<PaymentStatusEvent> {
  return checkRefusal(error, {
    name: 'alipay.trade.query (and cancel)',
    field: 'response.sub_code',
    run: async () => {
      const client = await alipayClientFor(context, merchant);
      const node = await client.call('alipay.trade.query', { out_trade_no: orderId }, { idempotent: true });
      const trade = readAlipayTradeQueryReply(node, { provider: context.id, orderId });
      if (trade.type === 'payment.succeeded') return trade;
      if (trade.type === 'payment.pending') await cancelAlipayPayment(context, orderId, merchant);
      return undefined;
    },
  });
}

/**
 * Sends (or signs, for the buyer to send) the method's request for `biz`. A first `pos`
 * request's refusal would mark the order failed, so it is checked first; a resumed one's marks
 * nothing (and `pos` payments are not resumed).
 */
async function start(
  context: AlipayContext,
  request: CreatePaymentRequest,
  biz: Record<string, unknown>,
  formMethod: 'GET' | 'POST',
  confirmRefusals: boolean,
): Promise<CreatePaymentResult> {
  const client = await alipayClientFor(context, request.merchant);
  const call = { notifyUrl: request.notifyUrl, returnUrl: request.returnUrl };
  const expected = { provider: context.id, orderId: request.orderId };
  const providerData = { [BIZ_CONTENT]: JSON.stringify(biz) };
  switch (request.method) {
    case 'qr': {
      const node = await client.call('alipay.trade.precreate', biz, call);
      return { action: { type: 'qr', content: readAlipayPrecreateReply(node, expected).qrCode }, providerData };
    }
    case 'page':
    case 'h5': {
      const params = client.signedParams(BROWSER_METHODS[request.method], biz, call);
      return { action: browserAction(client, params, formMethod), providerData };
    }
    case 'app': {
      const params = client.signedParams('alipay.trade.app.pay', biz, call);
      return { action: { type: 'app', payload: encodeAlipayForm(params) }, providerData };
    }
    case 'jsapi': {
      const node = await client.call('alipay.trade.create', biz, call);
      return {
        action: { type: 'jsapi', params: { tradeNO: readAlipayTradeCreateReply(node, expected).tradeNo } },
        providerData,
      };
    }
    case 'pos': {
      let node: AlipayResponseNode;
      try {
        node = await client.call('alipay.trade.pay', biz, { notifyUrl: request.notifyUrl });
      } catch (error) {
        // The buyer may have been charged: a refusal is checked against the trade.
        if (!confirmRefusals) throw error;
        return {
          action: { type: 'none' },
          status: await checkPosRefusal(context, error, request.orderId, request.merchant),
        };
      }
      return { action: { type: 'none' }, status: readAlipayTradePayReply(node, expected) };
    }
  }
}

/**
 * Creates a payment: validated, its `biz_content` built and sent (or signed for the buyer).
 *
 * @example
 * ```ts
 * const { action } = await createAlipayPayment(context, request);
 * ```
 */
export async function createAlipayPayment(
  context: AlipayContext,
  request: CreatePaymentRequest,
): Promise<CreatePaymentResult> {
  const extra = validateAlipayPayment(request, context.config);
  return start(context, request, alipayBizContent(request, extra, context.config), extra.formMethod ?? 'POST', true);
}

/**
 * Resumes a payment. Alipay's rule: an `out_trade_no` still unpaid (WAIT_BUYER_PAY, or not yet
 * created) can be requested again with the same business parameters; changed ones are refused
 * (ACQ.CONTEXT_INCONSISTENT). So the stored `biz_content` is sent again as it was.
 *
 * @example
 * ```ts
 * const { action } = await resumeAlipayPayment(context, request);
 * ```
 */
export async function resumeAlipayPayment(
  context: AlipayContext,
  request: ResumePaymentRequest,
): Promise<CreatePaymentResult> {
  const extra = validateAlipayPayment(request, context.config);
  const stored = request.order.providerData[BIZ_CONTENT];
  let biz = alipayBizContent(request, extra, context.config);
  if (stored !== undefined) {
    const { formMethod: _formMethod, ...changes } = extra;
    if (Object.keys(changes).length > 0 && JSON.stringify(biz) !== stored) {
      throw new ValidationError(
        'providerOptions',
        'cannot change when resuming: Alipay takes the same out_trade_no again only with the same parameters',
      );
    }
    biz = JSON.parse(stored) as Record<string, unknown>;
  }
  return start(context, request, biz, extra.formMethod ?? 'POST', false);
}

/**
 * `alipay.trade.query`: the trade's state; a QR code not yet scanned (no trade) is pending.
 *
 * @example
 * ```ts
 * const status = await queryAlipayPayment(context, { orderId, order });
 * ```
 */
export async function queryAlipayPayment(
  context: AlipayContext,
  { orderId, order, merchant }: PaymentReference,
): Promise<PaymentStatusEvent> {
  const client = await alipayClientFor(context, merchant);
  try {
    const node = await client.call('alipay.trade.query', { out_trade_no: orderId }, { idempotent: true });
    return readAlipayTradeQueryReply(node, { provider: context.id, orderId, tradeNo: order?.providerTransactionId });
  } catch (error) {
    // A precreated QR code makes no trade until the buyer scans it.
    if (ProviderApiError.isInstance(error) && error.normalizedCode === 'not_found') {
      return { type: 'payment.pending', orderId };
    }
    throw error;
  }
}

/**
 * Closes an unpaid payment (`alipay.trade.close`; a `pos` payment is cancelled). A trade Alipay
 * no longer holds open because the buyer paid is `ProviderApiError` `already_paid`.
 *
 * @example
 * ```ts
 * await closeAlipayPayment(context, { orderId, order });
 * ```
 */
export async function closeAlipayPayment(
  context: AlipayContext,
  { orderId, order, merchant }: PaymentReference,
): Promise<void> {
  if (order.method === 'pos') {
    await cancelAlipayPayment(context, orderId, merchant);
    return;
  }
  const client = await alipayClientFor(context, merchant);
  try {
    const node = await client.call('alipay.trade.close', { out_trade_no: orderId }, { idempotent: true });
    readAlipayCloseReply(node, { provider: context.id, orderId, tradeNo: order.providerTransactionId });
  } catch (error) {
    if (!ProviderApiError.isInstance(error)) throw error;
    // Not scanned yet: nothing to close at Alipay. A later payment is still recorded (as an anomaly).
    if (error.normalizedCode === 'not_found') return;
    // ACQ.TRADE_STATUS_ERROR on close means the trade is no longer open: the buyer has paid.
    if (error.providerCode === 'ACQ.TRADE_STATUS_ERROR') {
      throw new ProviderApiError({
        provider: context.id,
        providerCode: error.providerCode,
        providerMessage: error.providerMessage,
        normalizedCode: 'already_paid',
        httpStatus: error.httpStatus,
        requestId: error.requestId,
      });
    }
    throw error;
  }
}
