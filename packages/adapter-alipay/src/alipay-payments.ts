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
  type AppAction,
  type CreatePaymentRequest,
  type CreatePaymentResult,
  type FormAction,
  formatYuan,
  type JsapiAction,
  type Order,
  type PaymentProvider,
  type PaymentReference,
  type PaymentStatusEvent,
  type PosAction,
  ProviderApiError,
  type ProviderCapabilities,
  type ProviderTypes,
  type QrAction,
  type RedirectAction,
  type RefundReference,
  type RefundRequest,
  type RefundStatusEvent,
  type ResumePaymentRequest,
  ValidationError,
} from '@hutong/core';
import { checkRefusal, parseWithSchema, z } from '@hutong/core/provider-utils';
import {
  type AlipayGateway,
  type AlipayResponseNode,
  createAlipayGateway,
  encodeAlipayForm,
} from './alipay-gateway.js';
import { alipayAcknowledgement, verifyAlipayNotification } from './alipay-notification.js';
import {
  type AlipayOAuthOptions,
  type AlipayWebOAuth,
  createAlipayOAuth,
  exchangeAlipayAuthCode,
} from './alipay-oauth.js';
import { type AlipayOptions, resolveAlipayOptions } from './alipay-options.js';
import {
  type AlipayOAuthToken,
  readBillDownloadUrlReply,
  readCancelReply,
  readCloseReply,
  readPrecreateReply,
  readRefundQueryReply,
  readRefundReply,
  readTradeCreateReply,
  readTradePayReply,
  readTradeQueryReply,
} from './alipay-replies.js';
import { formatAlipayTime } from './alipay-time.js';

/**
 * Huabei (花呗) installments: 3, 6 or 12 periods; the seller pays the fee (100) or the buyer (0).
 *
 * @group Payments
 * @example
 * ```ts
 * const installments: AlipayInstallments = { count: 6, sellerPercent: 100 };
 * ```
 */
export interface AlipayInstallments {
  count: 3 | 6 | 12;
  /** Share of the installment fee the seller pays: 0 (buyer pays, default) or 100. */
  sellerPercent?: 0 | 100 | undefined;
}

/**
 * Alipay-only options of `createPayment({ providerOptions })`. Unknown keys are refused, at
 * compile time and at run time (a `ValidationError` naming the key).
 *
 * @group Payments
 * @example
 * ```ts
 * payments.createPayment({ provider: 'alipay', method: 'page', amount: 120000, subject: 'Tea set',
 *   providerOptions: { installments: { count: 6 }, formMethod: 'GET' } });
 * ```
 */
export interface AlipayPaymentOptions {
  installments?: AlipayInstallments | undefined;
  /** `h5` only: where the buyer goes when leaving the cashier (`quit_url`), an http(s) URL. */
  quitUrl?: string | undefined;
  /** `page` and `h5` only: `POST` (default) answers with a `form` action, `GET` with a `redirect`. */
  formMethod?: 'GET' | 'POST' | undefined;
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const paymentOptionsSchema = z.strictObject({
  installments: z.optional(
    z.strictObject({
      count: z.union([z.literal(3), z.literal(6), z.literal(12)], { error: 'must be 3, 6 or 12' }),
      sellerPercent: z.optional(z.union([z.literal(0), z.literal(100)], { error: 'must be 0 or 100' })),
    }),
  ),
  quitUrl: z.optional(httpUrl),
  formMethod: z.optional(z.enum(['GET', 'POST'])),
});

/**
 * Reads `providerOptions`; a `ValidationError` names the wrong field, an unknown key included
 * (`providerOptions.instalments`: a typo silently ignored would be a lost feature).
 */
function parsePaymentOptions(value: unknown): AlipayPaymentOptions {
  return parseWithSchema(paymentOptionsSchema, value, 'providerOptions');
}

/** Which methods each option applies to; given for another method it would be silently ignored. */
const OPTION_METHODS = {
  quitUrl: ['h5'],
  formMethod: ['page', 'h5'],
} as const satisfies Partial<Record<keyof AlipayPaymentOptions, readonly string[]>>;

/**
 * What `my.tradePay` takes in an Alipay mini program (the `jsapi` action's `params`).
 *
 * @group Payments
 * @example
 * ```ts
 * my.tradePay({ tradeNO: action.params.tradeNO });
 * ```
 */
export type AlipayJsapiParams = {
  /** Alipay's trade number (`trade_no`) of the payment. */
  tradeNO: string;
};

/**
 * The action each method yields: `qr` a QR code; `page` and `h5` a form to auto-submit (or a
 * redirect with `formMethod: 'GET'`); `app` the signed order string for the app SDK's `payOrder`;
 * `jsapi` the mini program's `my.tradePay` parameters; `pos` the payment's status.
 *
 * @group Payments
 * @example
 * ```ts
 * const { action } = await payments.createPayment({ provider: 'alipay', method: 'jsapi', buyerId, amount, subject });
 * my.tradePay({ tradeNO: action.params.tradeNO });
 * ```
 */
export interface AlipayActions {
  qr: QrAction;
  page: FormAction | RedirectAction;
  h5: FormAction | RedirectAction;
  app: AppAction<string>;
  jsapi: JsapiAction<AlipayJsapiParams>;
  pos: PosAction;
}

/**
 * A statement (对账单) kind: `trade` (business transactions) or `signcustomer` (account flows).
 *
 * @group Statements
 * @example
 * ```ts
 * const type: AlipayBillType = 'trade';
 * ```
 */
export type AlipayBillType = 'trade' | 'signcustomer';

/**
 * The Alipay provider: the spec plus Alipay-only operations.
 *
 * @group Provider
 * @example
 * ```ts
 * const provider = alipay({ appId, privateKey, alipayPublicKey });
 * const url = await provider.billDownloadUrl({ type: 'trade', date: '2024-05-01' });
 * ```
 */
export interface AlipayProvider<Id extends string = 'alipay'>
  extends PaymentProvider<Id, ProviderTypes<AlipayPaymentOptions, AlipayActions>> {
  readonly wallet: 'alipay';
  validatePayment(request: CreatePaymentRequest): void;
  resumePayment(request: ResumePaymentRequest): Promise<CreatePaymentResult>;
  queryPayment(reference: PaymentReference): Promise<PaymentStatusEvent>;
  closePayment(reference: PaymentReference): Promise<void>;
  refund(request: RefundRequest): Promise<RefundStatusEvent>;
  queryRefund(reference: RefundReference): Promise<RefundStatusEvent>;
  /**
   * The download URL of a statement (`alipay.data.dataservice.bill.downloadurl.query`); the URL is
   * valid for 30 seconds. `date` is `yyyy-MM-dd` (daily) or `yyyy-MM` (monthly).
   */
  billDownloadUrl(request: { type: AlipayBillType; date: string }): Promise<string>;
  /** Cancels a payment (`alipay.trade.cancel`): closes it, or refunds it if the buyer has paid. */
  cancelPayment(orderId: string): Promise<{ action: string | undefined }>;
  /**
   * Exchanges an `auth_code` from Alipay's web OAuth for the buyer's id and tokens
   * (`alipay.system.oauth.token`, `grant_type=authorization_code`), through the signed gateway.
   * A code is good once; the call is never resent.
   */
  oauthToken(code: string): Promise<AlipayOAuthToken>;
  /**
   * Alipay's silent web OAuth (`auth_base`) for this app: the authorize link and `auth_code` →
   * buyer id. Pass it as `@hutong/checkout`'s `wallets.alipay.oauth` to pay by JSAPI inside Alipay.
   */
  oauth(options?: AlipayOAuthOptions): AlipayWebOAuth;
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
  resume: true,
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

/** The `providerData` key holding the business parameters a payment was created with. */
const BIZ_CONTENT = 'bizContent';

function buyerField(buyerId: string): Record<string, string> {
  // 2088... is a legacy user id; anything else is an OpenID (buyer_open_id).
  return /^2088\d{12}$/.test(buyerId) ? { buyer_id: buyerId } : { buyer_open_id: buyerId };
}

/** The business parameters of a payment (`biz_content`), the same for a first attempt and a resume. */
function bizContentOf(request: CreatePaymentRequest, options: AlipayPaymentOptions): Record<string, unknown> {
  const biz: Record<string, unknown> = {
    out_trade_no: request.orderId,
    total_amount: formatYuan(request.amount),
    subject: request.subject,
    product_code: PRODUCT_CODES[request.method],
  };
  if (request.expiresAt) biz.time_expire = formatAlipayTime(request.expiresAt);
  if (options.installments) {
    biz.extend_params = {
      hb_fq_num: String(options.installments.count),
      hb_fq_seller_percent: String(options.installments.sellerPercent ?? 0),
    };
  }
  if (request.method === 'h5' && options.quitUrl) biz.quit_url = options.quitUrl;
  if (request.method === 'jsapi' && request.buyerId) Object.assign(biz, buyerField(request.buyerId));
  if (request.method === 'pos') Object.assign(biz, { scene: 'bar_code', auth_code: request.authCode });
  return biz;
}

/**
 * Creates the Alipay provider. Options are validated and keys parsed here, once. `id` defaults to
 * `'alipay'`; give one per app to run several side by side.
 *
 * @group Provider
 * @example
 * ```ts
 * import { alipay } from '@hutong/adapter-alipay';
 * const payments = createPayments({
 *   providers: [alipay({ appId: '2021000122671080', privateKey, alipayPublicKey, sellerId: '2088...' })],
 *   notifyUrl: (provider) => `https://shop.example/webhooks/${provider}`,
 * });
 * ```
 */
export function alipay<const Id extends string = 'alipay'>(options: AlipayOptions<Id>): AlipayProvider<Id> {
  const config = resolveAlipayOptions(options);
  const id = config.id as Id;
  const gateway: AlipayGateway = createAlipayGateway(config);

  function browserAction(params: Record<string, string>, formMethod: 'GET' | 'POST'): FormAction | RedirectAction {
    if (formMethod === 'GET') {
      const separator = gateway.url.includes('?') ? '&' : '?';
      return { type: 'redirect', url: `${gateway.url}${separator}${encodeAlipayForm(params)}` };
    }
    return { type: 'form', method: 'POST', url: `${gateway.url}?charset=utf-8`, fields: params };
  }

  function validatePayment(request: CreatePaymentRequest): void {
    const extra = parsePaymentOptions(request.providerOptions);
    for (const [key, methods] of Object.entries(OPTION_METHODS)) {
      if (
        extra[key as keyof typeof OPTION_METHODS] !== undefined &&
        !(methods as readonly string[]).includes(request.method)
      ) {
        throw new ValidationError(`providerOptions.${key}`, `applies to ${methods.join(' and ')} payments only`);
      }
    }
    if (config.requireNotifyUrl && !request.notifyUrl) {
      throw new ValidationError(
        'notifyUrl',
        'is required: without one Alipay never notifies the payment (set requireNotifyUrl: false to rely on sync alone)',
      );
    }
    if (request.method === 'jsapi' && !request.buyerId) {
      throw new ValidationError('buyerId', 'is required for Alipay jsapi payments (buyer id or OpenID)');
    }
    if (request.method === 'pos' && !request.authCode) {
      throw new ValidationError('authCode', 'is required for pos payments');
    }
  }

  /**
   * Checks a refusal of a `pos` payment against the trade ({@link checkRefusal}): a trade the
   * query shows paid is the answer; an open one is cancelled, so the code cannot be charged after
   * the till gave up, and the refusal stands; none, or a closed one, and the refusal stands.
   */
  function checkPosRefusal(error: unknown, orderId: string): Promise<PaymentStatusEvent> {
    return checkRefusal(error, {
      name: 'alipay.trade.query (and cancel)',
      field: 'response.sub_code',
      run: async () => {
        const node = await gateway.call('alipay.trade.query', { out_trade_no: orderId }, { idempotent: true });
        const trade = readTradeQueryReply(node, { provider: id, orderId });
        if (trade.type === 'payment.succeeded') return trade;
        if (trade.type === 'payment.pending') await cancelPayment(orderId);
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
    request: CreatePaymentRequest,
    biz: Record<string, unknown>,
    formMethod: 'GET' | 'POST',
    confirmRefusals: boolean,
  ): Promise<CreatePaymentResult> {
    const call = { notifyUrl: request.notifyUrl, returnUrl: request.returnUrl };
    const expected = { provider: id, orderId: request.orderId };
    const providerData = { [BIZ_CONTENT]: JSON.stringify(biz) };
    switch (request.method) {
      case 'qr': {
        const node = await gateway.call('alipay.trade.precreate', biz, call);
        return { action: { type: 'qr', content: readPrecreateReply(node, expected).qrCode }, providerData };
      }
      case 'page':
      case 'h5': {
        const params = gateway.signedParams(BROWSER_METHODS[request.method], biz, call);
        return { action: browserAction(params, formMethod), providerData };
      }
      case 'app': {
        const params = gateway.signedParams('alipay.trade.app.pay', biz, call);
        return { action: { type: 'app', payload: encodeAlipayForm(params) }, providerData };
      }
      case 'jsapi': {
        const node = await gateway.call('alipay.trade.create', biz, call);
        return {
          action: { type: 'jsapi', params: { tradeNO: readTradeCreateReply(node, expected).tradeNo } },
          providerData,
        };
      }
      case 'pos': {
        let node: AlipayResponseNode;
        try {
          node = await gateway.call('alipay.trade.pay', biz, { notifyUrl: request.notifyUrl });
        } catch (error) {
          // The buyer may have been charged: a refusal is checked against the trade.
          if (!confirmRefusals) throw error;
          return { action: { type: 'none' }, status: await checkPosRefusal(error, request.orderId) };
        }
        return { action: { type: 'none' }, status: readTradePayReply(node, expected) };
      }
    }
  }

  async function cancelPayment(orderId: string) {
    const node = await gateway.call('alipay.trade.cancel', { out_trade_no: orderId }, { idempotent: true });
    return readCancelReply(node, { provider: id, orderId });
  }

  /**
   * This refund as Alipay reports it by its own out_request_no (`alipay.trade.fastpay.refund.query`),
   * or `undefined` when Alipay has no settled refund by that number. The query's reply must name the
   * refund, so a reply about another refund cannot stand in for it.
   */
  async function confirmRefund(orderId: string, order: Order | undefined, refundId: string) {
    const node = await gateway.call(
      'alipay.trade.fastpay.refund.query',
      { out_trade_no: orderId, out_request_no: refundId },
      { idempotent: true },
    );
    return readRefundQueryReply(
      node,
      { provider: id, orderId, tradeNo: order?.providerTransactionId, refundId },
      { requireRefundId: true },
    );
  }

  return {
    specificationVersion: 'v1',
    id,
    wallet: 'alipay',
    capabilities: CAPABILITIES,
    validatePayment,

    async createPayment(request) {
      validatePayment(request);
      const extra = parsePaymentOptions(request.providerOptions);
      return start(request, bizContentOf(request, extra), extra.formMethod ?? 'POST', true);
    },

    async resumePayment(request) {
      // Alipay's rule: an out_trade_no still unpaid (WAIT_BUYER_PAY, or not yet created) can be
      // requested again with the same business parameters; changed ones are refused
      // (ACQ.CONTEXT_INCONSISTENT). So the stored biz_content is sent again as it was.
      validatePayment(request);
      const extra = parsePaymentOptions(request.providerOptions);
      const stored = request.order.providerData[BIZ_CONTENT];
      let biz = bizContentOf(request, extra);
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
      return start(request, biz, extra.formMethod ?? 'POST', false);
    },

    async queryPayment({ orderId, order }) {
      try {
        const node = await gateway.call('alipay.trade.query', { out_trade_no: orderId }, { idempotent: true });
        return readTradeQueryReply(node, { provider: id, orderId, tradeNo: order?.providerTransactionId });
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
        const node = await gateway.call('alipay.trade.close', { out_trade_no: orderId }, { idempotent: true });
        readCloseReply(node, { provider: id, orderId, tradeNo: order.providerTransactionId });
      } catch (error) {
        if (!ProviderApiError.isInstance(error)) throw error;
        // Not scanned yet: nothing to close at Alipay. A later payment is still recorded (as an anomaly).
        if (error.normalizedCode === 'not_found') return;
        // ACQ.TRADE_STATUS_ERROR on close means the trade is no longer open: the buyer has paid.
        if (error.providerCode === 'ACQ.TRADE_STATUS_ERROR') {
          throw new ProviderApiError({
            provider: id,
            providerCode: error.providerCode,
            providerMessage: error.providerMessage,
            normalizedCode: 'already_paid',
            httpStatus: error.httpStatus,
            requestId: error.requestId,
          });
        }
        throw error;
      }
    },

    async refund({ orderId, order, refundId, amount, reason }) {
      const biz: Record<string, string> = {
        out_trade_no: orderId,
        refund_amount: formatYuan(amount),
        out_request_no: refundId,
      };
      if (reason) biz.refund_reason = reason;
      let replied: RefundStatusEvent;
      try {
        // Idempotent by out_request_no: a resent refund is not refunded twice.
        const node = await gateway.call('alipay.trade.refund', biz, { idempotent: true });
        let refundedBefore = 0;
        for (const refund of order?.refunds ?? []) {
          if (refund.status === 'succeeded' && refund.id !== refundId) refundedBefore += refund.amount;
        }
        replied = readRefundReply(node, {
          provider: id,
          orderId,
          tradeNo: order?.providerTransactionId,
          refundId,
          amount,
          refundedBefore,
        });
      } catch (error) {
        // A refusal names no refund (Alipay's refund errors carry no out_request_no), so it could be
        // another request's: before it may mark this refund failed, ask Alipay about this refund.
        return checkRefusal(error, {
          name: 'alipay.trade.fastpay.refund.query',
          field: 'response.sub_code',
          run: () => confirmRefund(orderId, order, refundId),
        });
      }
      // Nor does a success name the refund: only the refund query, which echoes out_request_no, ties
      // the result to this refund. Unconfirmed, the refund stays pending for sync to settle.
      const confirmed = await confirmRefund(orderId, order, refundId);
      if (confirmed?.type !== 'refund.succeeded') return { type: 'refund.pending', orderId, refundId, amount };
      return replied.type === 'refund.succeeded' ? { ...replied, amount: confirmed.amount } : confirmed;
    },

    async queryRefund({ orderId, order, refundId }): Promise<RefundStatusEvent> {
      const node = await gateway.call(
        'alipay.trade.fastpay.refund.query',
        { out_trade_no: orderId, out_request_no: refundId },
        { idempotent: true },
      );
      const settled = readRefundQueryReply(node, {
        provider: id,
        orderId,
        tradeNo: order.providerTransactionId,
        refundId,
      });
      if (settled) return settled;
      // Not settled (or not received): the refund stays as requested.
      const requested = order.refunds.find((refund) => refund.id === refundId);
      if (!requested) throw new ValidationError('refundId', `order ${orderId} has no refund ${refundId}`);
      return { type: 'refund.pending', orderId, refundId, amount: requested.amount };
    },

    async verifyNotification(request) {
      return verifyAlipayNotification(request, config);
    },

    acknowledgeNotification: alipayAcknowledgement,

    async billDownloadUrl({ type, date }) {
      if (!/^\d{4}-\d{2}(-\d{2})?$/.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd or yyyy-MM');
      const node = await gateway.call(
        'alipay.data.dataservice.bill.downloadurl.query',
        { bill_type: type, bill_date: date },
        { idempotent: true },
      );
      return readBillDownloadUrlReply(node, id);
    },

    cancelPayment,

    oauthToken: (code) => exchangeAlipayAuthCode(gateway, code, id),

    oauth: (options) => createAlipayOAuth(gateway, { appId: config.appId, provider: id }, options),
  };
}
