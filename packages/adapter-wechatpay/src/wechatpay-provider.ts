/**
 * `wechatpay(options)`: WeChat Pay APIv3 as a hutong payment provider.
 *
 * Method mapping: `qr` → `/v3/pay/transactions/native`; `jsapi` → `/jsapi` (official accounts and
 * mini programs); `h5` → `/h5`; `app` → `/app`; `pos` → `/v3/pay/transactions/codepay` (payment
 * code, closed by `.../reverse`).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import {
  type AppAction,
  type CreatePaymentRequest,
  type CreatePaymentResult,
  type JsapiAction,
  type PaymentProvider,
  type PaymentStatusEvent,
  type PosAction,
  ProviderApiError,
  type ProviderCapabilities,
  type ProviderTypes,
  type QrAction,
  type RedirectAction,
  type ResumePaymentRequest,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import { checkRefusal } from '@hutong/core/provider-utils';
import { createWechatpayClient, type WechatpayClient } from './wechatpay-client.js';
import {
  type WechatpayAppParams,
  type WechatpayJsapiParams,
  wechatpayAppParams,
  wechatpayJsapiParams,
} from './wechatpay-client-signatures.js';
import { verifyWechatpayNotification, wechatpayAcknowledgement } from './wechatpay-notification.js';
import { resolveWechatpayOptions, type WechatpayOptions } from './wechatpay-options.js';
import {
  checkWechatpayPayment,
  type WechatpayPaymentOptions,
  wechatpayCreateBody,
} from './wechatpay-payment-request.js';
import {
  checkWechatpayReversal,
  readWechatpayBill,
  readWechatpayCreateReply,
  readWechatpayRefund,
  readWechatpayTransaction,
  type WechatpayBill,
  type WechatpayReplyContext,
} from './wechatpay-replies.js';

/**
 * The action each WeChat Pay method yields: `qr` a QR code (`code_url`), `jsapi` the signed
 * parameters of `wx.requestPayment` / `getBrandWCPayRequest`, `h5` a redirect to `h5_url`, `app`
 * the signed `PayReq`, `pos` the payment's status.
 *
 * @group Provider
 * @example
 * ```ts
 * const { action } = await payments.createPayment({ provider: 'wechatpay', method: 'jsapi', buyerId: openid, amount, subject });
 * action.params.paySign; // typed: JsapiAction<WechatpayJsapiParams>
 * ```
 */
export interface WechatpayActions {
  qr: QrAction;
  jsapi: JsapiAction<WechatpayJsapiParams>;
  h5: RedirectAction;
  app: AppAction<WechatpayAppParams>;
  pos: PosAction;
}

/**
 * A trade bill request: the day (`yyyy-MM-dd`, China time) and which trades.
 *
 * @group Bills
 * @example
 * ```ts
 * const request: WechatpayBillRequest = { date: '2024-05-01', type: 'SUCCESS' };
 * ```
 */
export interface WechatpayBillRequest {
  date: string;
  type?: 'ALL' | 'SUCCESS' | 'REFUND' | undefined;
}

/**
 * The WeChat Pay provider: the spec plus WeChat-only operations, typed by its id.
 *
 * @group Provider
 * @example
 * ```ts
 * const csv = await payments.provider('wechatpay').downloadTradeBill({ date: '2024-05-01' });
 * ```
 */
export interface WechatpayProvider<Id extends string = 'wechatpay'>
  extends PaymentProvider<Id, ProviderTypes<WechatpayPaymentOptions, WechatpayActions>> {
  readonly wallet: 'wechatpay';
  validatePayment: NonNullable<PaymentProvider['validatePayment']>;
  resumePayment: NonNullable<PaymentProvider['resumePayment']>;
  queryPayment: NonNullable<PaymentProvider['queryPayment']>;
  closePayment: NonNullable<PaymentProvider['closePayment']>;
  refund: NonNullable<PaymentProvider['refund']>;
  queryRefund: NonNullable<PaymentProvider['queryRefund']>;
  /** The trade bill of a day (`/v3/bill/tradebill`): its download URL and SHA1 hash. */
  tradeBill(request: WechatpayBillRequest): Promise<WechatpayBill>;
  /**
   * Downloads the trade bill of a day and checks its SHA1 hash; returns the file's text. Bills may
   * be up to `maxBillBytes` (default 256 MiB), beyond the size limit of API replies.
   */
  downloadTradeBill(request: WechatpayBillRequest): Promise<string>;
  /**
   * Reverses (撤销) a payment-code payment: closes it, or refunds it if paid. `appId` defaults to the
   * default app id (`payments.close` passes the order's own).
   */
  reversePayment(orderId: string, appId?: string): Promise<void>;
}

const CAPABILITIES: ProviderCapabilities = {
  methods: ['qr', 'jsapi', 'h5', 'app', 'pos'],
  query: true,
  close: true,
  refund: true,
  partialRefund: true,
  multipleRefunds: true,
  refundQuery: true,
  refundNotifications: true,
  resume: true,
};

/**
 * A `prepay_id` is valid for 2 hours; a stored one is re-signed only while it has this much life left.
 */
const PREPAY_REUSE_MS = 110 * 60 * 1000;

const CREATE_PATHS = {
  qr: '/v3/pay/transactions/native',
  jsapi: '/v3/pay/transactions/jsapi',
  h5: '/v3/pay/transactions/h5',
  app: '/v3/pay/transactions/app',
  pos: '/v3/pay/transactions/codepay',
} as const;

const path = encodeURIComponent;

/**
 * Creates the WeChat Pay provider. Options are validated and keys parsed here, once.
 *
 * @group Provider
 * @example
 * ```ts
 * import { wechatpay } from '@hutong/adapter-wechatpay';
 * const provider = wechatpay({ mchId, appId, privateKey, merchantSerialNo, apiV3Key,
 *   wechatpayPublicKey, wechatpayPublicKeyId });
 * const hk = wechatpay({ id: 'wechatpay-hk', mchId: hkMchId, appIds: { mp, mini, app }, ...hkKeys });
 * ```
 */
export function wechatpay<const Id extends string = 'wechatpay'>(options: WechatpayOptions<Id>): WechatpayProvider<Id> {
  const config = resolveWechatpayOptions(options);
  const id = config.id as Id;
  const client: WechatpayClient = createWechatpayClient(config);
  const replies: WechatpayReplyContext = { provider: id, mchId: config.mchId, appIds: config.apps.all };
  const nowSeconds = () => String(Math.floor(config.now().getTime() / 1000));

  function validatePayment(request: CreatePaymentRequest): void {
    checkWechatpayPayment(request, config.apps);
  }

  /** The buyer's step for a prepay id: `jsapi` and `app` parameters signed afresh. */
  function signedAction(
    method: 'jsapi' | 'app',
    appId: string,
    prepayId: string,
  ): JsapiAction<WechatpayJsapiParams> | AppAction<WechatpayAppParams> {
    const timestamp = nowSeconds();
    if (method === 'jsapi')
      return {
        type: 'jsapi',
        params: wechatpayJsapiParams({ appId, prepayId, privateKey: config.privateKey, timestamp }),
      };
    return {
      type: 'app',
      payload: wechatpayAppParams({ appId, mchId: config.mchId, prepayId, privateKey: config.privateKey, timestamp }),
    };
  }

  /**
   * Places the order (again: WeChat Pay answers the same `out_trade_no` with identical parameters
   * with a prepay id, and refuses it with other parameters) and returns the buyer's step.
   */
  async function place(
    request: CreatePaymentRequest,
    appId: string,
    options: WechatpayPaymentOptions,
    clientIp: string | null,
  ): Promise<CreatePaymentResult> {
    const providerData: Record<string, string> = { appId };
    if (options.attach) providerData.attach = options.attach;
    if (options.h5Type) providerData.h5Type = options.h5Type;
    if (request.method === 'h5' && clientIp) providerData.clientIp = clientIp;
    const body = wechatpayCreateBody(request, { appId, mchId: config.mchId, options, clientIp });
    switch (request.method) {
      case 'qr': {
        const reply = await client.request({ method: 'POST', path: CREATE_PATHS.qr, body });
        return { action: { type: 'qr', content: readWechatpayCreateReply(replies, 'code_url', reply) }, providerData };
      }
      case 'jsapi':
      case 'app': {
        const reply = await client.request({ method: 'POST', path: CREATE_PATHS[request.method], body });
        const prepayId = readWechatpayCreateReply(replies, 'prepay_id', reply);
        providerData.prepayId = prepayId;
        providerData.prepaidAt = config.now().toISOString();
        return { action: signedAction(request.method, appId, prepayId), providerData };
      }
      case 'h5': {
        const reply = await client.request({ method: 'POST', path: CREATE_PATHS.h5, body });
        let url = readWechatpayCreateReply(replies, 'h5_url', reply);
        if (request.returnUrl) url += `&redirect_url=${encodeURIComponent(request.returnUrl)}`;
        return { action: { type: 'redirect', url }, providerData };
      }
      case 'pos': {
        try {
          const reply = await client.request({ method: 'POST', path: CREATE_PATHS.pos, body });
          const status = readWechatpayTransaction(replies, reply, { orderId: request.orderId });
          return { action: { type: 'none' }, status, providerData };
        } catch (error) {
          // The buyer is entering a password: pending; sync settles it (payment codes send no notification).
          if (ProviderApiError.isInstance(error) && error.providerCode === 'USERPAYING') {
            return {
              action: { type: 'none' },
              status: { type: 'payment.pending', orderId: request.orderId },
              providerData,
            };
          }
          return {
            action: { type: 'none' },
            status: await checkPosRefusal(error, request.orderId, appId),
            providerData,
          };
        }
      }
      default:
        throw new ValidationError('method', `${request.method} is not offered by WeChat Pay`);
    }
  }

  /**
   * Checks a refusal of a payment-code payment against the transaction ({@link checkRefusal}): a
   * transaction the order query shows paid is the answer; an open one is reversed, so the code
   * cannot be charged after the till gave up, and the refusal stands; none, or a closed or failed
   * one, and the refusal stands.
   */
  function checkPosRefusal(error: unknown, orderId: string, appId: string): Promise<PaymentStatusEvent> {
    return checkRefusal(error, {
      name: 'the order query (and reversal)',
      field: 'response.code',
      run: async () => {
        const reply = await client.request({
          method: 'GET',
          path: `/v3/pay/transactions/out-trade-no/${path(orderId)}?mchid=${config.mchId}`,
        });
        const transaction = readWechatpayTransaction(replies, reply, { orderId });
        if (transaction.type === 'payment.succeeded') return transaction;
        if (transaction.type === 'payment.pending') await reversePayment(orderId, appId);
        return undefined;
      },
    });
  }

  async function reversePayment(orderId: string, appId = config.apps.default): Promise<void> {
    const reply = await client.request({
      method: 'POST',
      path: `/v3/pay/transactions/out-trade-no/${path(orderId)}/reverse`,
      body: { appid: appId, mchid: config.mchId },
      idempotent: true,
    });
    checkWechatpayReversal(replies, reply, orderId);
  }

  async function tradeBill({ date, type = 'ALL' }: WechatpayBillRequest): Promise<WechatpayBill> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd');
    if (!['ALL', 'SUCCESS', 'REFUND'].includes(type))
      throw new ValidationError('type', 'must be ALL, SUCCESS or REFUND');
    const reply = await client.request({
      method: 'GET',
      path: `/v3/bill/tradebill?bill_date=${date}&bill_type=${type}`,
    });
    return readWechatpayBill(replies, reply);
  }

  return {
    specificationVersion: 'v1',
    id,
    wallet: 'wechatpay',
    capabilities: CAPABILITIES,
    validatePayment,

    async createPayment(request) {
      const { options: parsed, appId } = checkWechatpayPayment(request, config.apps);
      return place(request, appId, parsed, request.clientIp);
    },

    async resumePayment(request: ResumePaymentRequest) {
      const { appId } = checkWechatpayPayment(request, config.apps);
      const stored = request.order.providerData;
      if (request.method === 'jsapi' || request.method === 'app') {
        // A prepay id is valid for 2 hours: while it is, the buyer's step is signed again, no call needed.
        const prepaidAt = stored.prepaidAt === undefined ? Number.NaN : Date.parse(stored.prepaidAt);
        if (stored.prepayId && config.now().getTime() - prepaidAt < PREPAY_REUSE_MS) {
          return { action: signedAction(request.method, appId, stored.prepayId) };
        }
      }
      // Otherwise the same order is placed again with the parameters it was first placed with.
      const options: WechatpayPaymentOptions = {};
      if (stored.attach) options.attach = stored.attach;
      if (stored.h5Type) options.h5Type = stored.h5Type as WechatpayPaymentOptions['h5Type'];
      return place(request, appId, options, stored.clientIp ?? request.clientIp);
    },

    async queryPayment({ orderId, order }) {
      const reply = await client.request({
        method: 'GET',
        path: `/v3/pay/transactions/out-trade-no/${path(orderId)}?mchid=${config.mchId}`,
      });
      return readWechatpayTransaction(replies, reply, { orderId, transactionId: order.providerTransactionId });
    },

    async closePayment({ orderId, order }) {
      if (order.method === 'pos') return reversePayment(orderId, order.providerData.appId);
      // 204 with no body: nothing in the reply to bind; the signature covers the empty body.
      await client.request({
        method: 'POST',
        path: `/v3/pay/transactions/out-trade-no/${path(orderId)}/close`,
        body: { mchid: config.mchId },
        idempotent: true,
      });
    },

    async refund({ orderId, order, refundId, amount, reason }) {
      const body: Record<string, unknown> = {
        out_trade_no: orderId,
        out_refund_no: refundId,
        amount: { refund: amount, total: order.amount, currency: 'CNY' },
      };
      if (reason) body.reason = reason;
      if (order.notifyUrl) body.notify_url = order.notifyUrl;
      const expected = { orderId, transactionId: order.providerTransactionId };
      let reply: unknown;
      try {
        // Idempotent by out_refund_no.
        reply = await client.request({ method: 'POST', path: '/v3/refund/domestic/refunds', body, idempotent: true });
      } catch (error) {
        // A refusal names no refund, so it could be another request's (signed, inside the timestamp
        // window): before it may mark this refund failed, ask WeChat Pay about this refund.
        return checkRefusal(error, {
          name: 'the refund query',
          field: 'response.code',
          run: async () => {
            const known = await client.request({
              method: 'GET',
              path: `/v3/refund/domestic/refunds/${path(refundId)}`,
            });
            return readWechatpayRefund(replies, known, expected, refundId);
          },
        });
      }
      return readWechatpayRefund(replies, reply, expected, refundId);
    },

    async queryRefund({ orderId, order, refundId }) {
      const reply = await client.request({ method: 'GET', path: `/v3/refund/domestic/refunds/${path(refundId)}` });
      return readWechatpayRefund(replies, reply, { orderId, transactionId: order.providerTransactionId }, refundId);
    },

    verifyNotification: (request) =>
      verifyWechatpayNotification(request, {
        provider: id,
        mchId: config.mchId,
        appIds: config.apps.all,
        apiV3Key: config.apiV3Key,
        keys: client.keys,
        now: config.now,
      }),

    acknowledgeNotification: wechatpayAcknowledgement,

    tradeBill,

    async downloadTradeBill(request) {
      const bill = await tradeBill(request);
      const response = await client.download(bill.downloadUrl);
      if (response.status !== 200) {
        throw new ProviderApiError({
          provider: id,
          providerCode: `HTTP_${response.status}`,
          normalizedCode: response.status >= 500 ? 'system_busy' : 'unknown',
          httpStatus: response.status,
          requestId: response.headers.get('request-id') ?? undefined,
        });
      }
      // The file is not signed: its SHA1 from the signed bill reply is what authenticates it.
      const hash = createHash('sha1').update(response.bytes).digest('hex');
      if (hash !== bill.hashValue) {
        throw new UnexpectedResponseError(id, 'malformed', 'the downloaded bill does not match its SHA1 hash', {
          field: 'bill',
        });
      }
      return response.text;
    },

    reversePayment,
  };
}
