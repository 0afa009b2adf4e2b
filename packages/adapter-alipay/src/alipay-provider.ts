/**
 * `alipay(options)`: the Alipay gateway as a hutong payment provider.
 *
 * Method mapping: `qr` → `alipay.trade.precreate`; `page` → `alipay.trade.page.pay`; `h5` →
 * `alipay.trade.wap.pay`; `app` → `alipay.trade.app.pay`; `jsapi` → `alipay.trade.create`; `pos` →
 * `alipay.trade.pay` (closed with `alipay.trade.cancel`).
 *
 * @packageDocumentation
 */
import {
  type CreatePaymentRequest,
  type CreatePaymentResult,
  formatYuan,
  type NextAction,
  type PaymentProvider,
  type PaymentStatusEvent,
  ProviderApiError,
  type ProviderCapabilities,
  parseYuan,
  type RefundStatusEvent,
  ValidationError,
} from '@hutong/core';
import { parseWithSchema } from '@hutong/core/provider-utils';
import { z } from 'zod';
import {
  type AlipayGateway,
  type AlipayResponseNode,
  createAlipayGateway,
  encodeAlipayForm,
  requireString,
} from './alipay-gateway.js';
import { alipayAcknowledgement, verifyAlipayNotification } from './alipay-notification.js';
import { type AlipayOptions, resolveAlipayOptions } from './alipay-options.js';
import { ALIPAY_REFUND_STATUS, type AlipayRefundStatus, alipayTradeStatus } from './alipay-status.js';
import { formatAlipayTime, parseAlipayTime } from './alipay-time.js';

/** Huabei (花呗) installments: 3, 6 or 12 periods; the seller pays the fee (100) or the buyer (0). */
export interface AlipayInstallments {
  count: 3 | 6 | 12;
  /** Share of the installment fee the seller pays: 0 (buyer pays, default) or 100. */
  sellerPercent?: 0 | 100;
}

/**
 * Alipay-only options of `createPayment({ providerOptions })`.
 *
 * @example
 * ```ts
 * payments.createPayment({ provider: 'alipay', method: 'page', amount: 120000, subject: 'Tea set',
 *   providerOptions: { installments: { count: 6 }, formMethod: 'GET' } });
 * ```
 */
export interface AlipayPaymentOptions {
  installments?: AlipayInstallments;
  /** `h5`: where the buyer goes when leaving the cashier (`quit_url`). */
  quitUrl?: string;
  /** `page` and `h5`: `POST` (default) answers with a `form` action, `GET` with a `redirect`. */
  formMethod?: 'GET' | 'POST';
}

const paymentOptionsSchema = z.object({
  installments: z
    .object({
      count: z.union([z.literal(3), z.literal(6), z.literal(12)], { error: 'must be 3, 6 or 12' }),
      sellerPercent: z.union([z.literal(0), z.literal(100)], { error: 'must be 0 or 100' }).optional(),
    })
    .optional(),
  quitUrl: z.url().optional(),
  formMethod: z.enum(['GET', 'POST']).optional(),
});

/** A statement (对账单) kind: `trade` (business transactions) or `signcustomer` (account flows). */
export type AlipayBillType = 'trade' | 'signcustomer';

/**
 * The Alipay provider: the spec plus Alipay-only operations.
 *
 * @example
 * ```ts
 * const provider = alipay({ appId, privateKey, alipayPublicKey });
 * const url = await provider.billDownloadUrl({ type: 'trade', date: '2024-05-01' });
 * ```
 */
export interface AlipayProvider extends PaymentProvider {
  readonly id: 'alipay';
  /**
   * The download URL of a statement (`alipay.data.dataservice.bill.downloadurl.query`); the URL is
   * valid for 30 seconds. `date` is `yyyy-MM-dd` (daily) or `yyyy-MM` (monthly).
   */
  billDownloadUrl(request: { type: AlipayBillType; date: string }): Promise<string>;
  /** Cancels a payment (`alipay.trade.cancel`): closes it, or refunds it if the buyer has paid. */
  cancelPayment(orderId: string): Promise<{ action: string | undefined }>;
}

const CAPABILITIES: ProviderCapabilities = {
  methods: ['qr', 'page', 'h5', 'app', 'jsapi', 'pos'],
  query: true,
  close: true,
  refund: true,
  partialRefund: true,
  multipleRefunds: true,
  refundQuery: true,
  refundNotifications: true,
  resume: false,
};

/** Product codes of each method. */
const PRODUCT_CODES = {
  qr: 'FACE_TO_FACE_PAYMENT',
  page: 'FAST_INSTANT_TRADE_PAY',
  h5: 'QUICK_WAP_WAY',
  app: 'QUICK_MSECURITY_PAY',
  jsapi: 'JSAPI_PAY',
  pos: 'FACE_TO_FACE_PAYMENT',
} as const;

const BROWSER_METHODS = { page: 'alipay.trade.page.pay', h5: 'alipay.trade.wap.pay' } as const;

function paymentStatus(node: AlipayResponseNode, orderId: string): PaymentStatusEvent {
  const type = alipayTradeStatus(node.trade_status, 'response.trade_status');
  if (type === 'payment.succeeded') {
    const event: PaymentStatusEvent = {
      type,
      orderId,
      amount: parseYuan(requireString(node, 'total_amount'), 'response.total_amount'),
      providerTransactionId: requireString(node, 'trade_no'),
    };
    if (typeof node.send_pay_date === 'string')
      event.paidAt = parseAlipayTime(node.send_pay_date, 'response.send_pay_date');
    const buyer = node.buyer_user_id ?? node.buyer_open_id;
    if (typeof buyer === 'string') event.buyerId = buyer;
    return event;
  }
  if (type === 'payment.pending') return { type, orderId, providerTransactionId: node.trade_no as string | undefined };
  return { type, orderId };
}

function buyerField(buyerId: string): Record<string, string> {
  // 2088... is a legacy user id; anything else is an OpenID (buyer_open_id).
  return /^2088\d{12}$/.test(buyerId) ? { buyer_id: buyerId } : { buyer_open_id: buyerId };
}

/**
 * Creates the Alipay provider. Options are validated and keys parsed here, once.
 *
 * @example
 * ```ts
 * import { alipay } from '@hutong/adapter-alipay';
 * const payments = createPayments({
 *   providers: [alipay({ appId: '2021000122671080', privateKey, alipayPublicKey, sellerId: '2088...' })],
 * });
 * ```
 */
export function alipay(options: AlipayOptions): AlipayProvider {
  const config = resolveAlipayOptions(options);
  const gateway: AlipayGateway = createAlipayGateway(config);

  function browserAction(params: Record<string, string>, formMethod: 'GET' | 'POST'): NextAction {
    if (formMethod === 'GET') {
      const separator = gateway.url.includes('?') ? '&' : '?';
      return { type: 'redirect', url: `${gateway.url}${separator}${encodeAlipayForm(params)}` };
    }
    return { type: 'form', method: 'POST', url: `${gateway.url}?charset=utf-8`, fields: params };
  }

  async function createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    const extra = parseWithSchema(paymentOptionsSchema, request.providerOptions, 'providerOptions');
    const biz: Record<string, unknown> = {
      out_trade_no: request.orderId,
      total_amount: formatYuan(request.amount),
      subject: request.subject,
      product_code: PRODUCT_CODES[request.method],
    };
    if (request.expiresAt) biz.time_expire = formatAlipayTime(request.expiresAt);
    if (extra.installments) {
      biz.extend_params = {
        hb_fq_num: String(extra.installments.count),
        hb_fq_seller_percent: String(extra.installments.sellerPercent ?? 0),
      };
    }
    const call = { notifyUrl: request.notifyUrl, returnUrl: request.returnUrl };
    switch (request.method) {
      case 'qr': {
        const node = await gateway.call('alipay.trade.precreate', biz, call);
        return { action: { type: 'qr', content: requireString(node, 'qr_code') } };
      }
      case 'page':
      case 'h5': {
        if (request.method === 'h5' && extra.quitUrl) biz.quit_url = extra.quitUrl;
        const params = gateway.signedParams(BROWSER_METHODS[request.method], biz, call);
        return { action: browserAction(params, extra.formMethod ?? 'POST') };
      }
      case 'app': {
        const params = gateway.signedParams('alipay.trade.app.pay', biz, call);
        return { action: { type: 'app', payload: encodeAlipayForm(params) } };
      }
      case 'jsapi': {
        if (!request.buyerId)
          throw new ValidationError('buyerId', 'is required for Alipay jsapi payments (buyer id or OpenID)');
        const node = await gateway.call('alipay.trade.create', { ...biz, ...buyerField(request.buyerId) }, call);
        return { action: { type: 'jsapi', params: { tradeNO: requireString(node, 'trade_no') } } };
      }
      case 'pos': {
        if (!request.authCode) throw new ValidationError('authCode', 'is required for pos payments');
        const node = await gateway.call(
          'alipay.trade.pay',
          { ...biz, scene: 'bar_code', auth_code: request.authCode },
          { notifyUrl: request.notifyUrl },
        );
        // 10003: the buyer is confirming (entering a password); sync settles it.
        if (node.code === '10003') {
          return { action: { type: 'none' }, status: { type: 'payment.pending', orderId: request.orderId } };
        }
        return {
          action: { type: 'none' },
          status: {
            type: 'payment.succeeded',
            orderId: request.orderId,
            amount: parseYuan(requireString(node, 'total_amount'), 'response.total_amount'),
            providerTransactionId: requireString(node, 'trade_no'),
          },
        };
      }
    }
  }

  async function cancelPayment(orderId: string) {
    const node = await gateway.call('alipay.trade.cancel', { out_trade_no: orderId }, { idempotent: true });
    return { action: typeof node.action === 'string' ? node.action : undefined };
  }

  return {
    specificationVersion: 'v1',
    id: 'alipay',
    wallet: 'alipay',
    capabilities: CAPABILITIES,
    createPayment,

    async queryPayment({ orderId }) {
      try {
        const node = await gateway.call('alipay.trade.query', { out_trade_no: orderId }, { idempotent: true });
        return paymentStatus(node, orderId);
      } catch (error) {
        // A precreated QR code makes no trade until the buyer scans it.
        if (ProviderApiError.isInstance(error) && error.normalizedCode === 'not_found') {
          return { type: 'payment.pending', orderId };
        }
        throw error;
      }
    },

    async closePayment({ orderId, order }) {
      if (order.method === 'pos') {
        await cancelPayment(orderId);
        return;
      }
      try {
        await gateway.call('alipay.trade.close', { out_trade_no: orderId }, { idempotent: true });
      } catch (error) {
        if (!ProviderApiError.isInstance(error)) throw error;
        // Not scanned yet: nothing to close at Alipay. A later payment is still recorded (as an anomaly).
        if (error.normalizedCode === 'not_found') return;
        // ACQ.TRADE_STATUS_ERROR on close means the trade is no longer open: the buyer has paid.
        if (error.providerCode === 'ACQ.TRADE_STATUS_ERROR') {
          throw new ProviderApiError({
            provider: 'alipay',
            providerCode: error.providerCode,
            providerMessage: error.providerMessage,
            normalizedCode: 'already_paid',
          });
        }
        throw error;
      }
    },

    async refund({ orderId, refundId, amount, reason }) {
      const biz: Record<string, string> = {
        out_trade_no: orderId,
        refund_amount: formatYuan(amount),
        out_request_no: refundId,
      };
      if (reason) biz.refund_reason = reason;
      // Idempotent by out_request_no: a resent refund is not refunded twice.
      const node = await gateway.call('alipay.trade.refund', biz, { idempotent: true });
      const event: RefundStatusEvent = { type: 'refund.succeeded', orderId, refundId, amount };
      if (typeof node.refund_fee === 'string') event.refundedTotal = parseYuan(node.refund_fee, 'response.refund_fee');
      return event;
    },

    async queryRefund({ orderId, order, refundId }) {
      const node = await gateway.call(
        'alipay.trade.fastpay.refund.query',
        { out_trade_no: orderId, out_request_no: refundId },
        { idempotent: true },
      );
      const status = node.refund_status as AlipayRefundStatus | undefined;
      if (status === undefined) {
        // Not settled (or not received): the refund stays as requested.
        const requested = order.refunds.find((refund) => refund.id === refundId);
        if (!requested) throw new ValidationError('refundId', `order ${orderId} has no refund ${refundId}`);
        return { type: 'refund.pending', orderId, refundId, amount: requested.amount };
      }
      if (!Object.hasOwn(ALIPAY_REFUND_STATUS, status)) {
        throw new ValidationError('response.refund_status', `is not a known Alipay refund status: ${status}`);
      }
      return {
        type: ALIPAY_REFUND_STATUS[status],
        orderId,
        refundId,
        amount: parseYuan(requireString(node, 'refund_amount'), 'response.refund_amount'),
      };
    },

    async verifyNotification(request) {
      return verifyAlipayNotification(request, config);
    },

    acknowledgeNotification: (outcome) => alipayAcknowledgement(outcome.accepted),

    async billDownloadUrl({ type, date }) {
      if (!/^\d{4}-\d{2}(-\d{2})?$/.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd or yyyy-MM');
      const node = await gateway.call(
        'alipay.data.dataservice.bill.downloadurl.query',
        { bill_type: type, bill_date: date },
        { idempotent: true },
      );
      return requireString(node, 'bill_download_url');
    },

    cancelPayment,
  };
}
