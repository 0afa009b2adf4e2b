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
  type CreatePaymentRequest,
  type CreatePaymentResult,
  type PaymentProvider,
  type PaymentStatusEvent,
  type PaymentSucceededEvent,
  ProviderApiError,
  type ProviderCapabilities,
  type RefundStatusEvent,
  ValidationError,
} from '@hutong/core';
import { parseWithSchema } from '@hutong/core/provider-utils';
import { z } from 'zod';
import { createWechatpayClient, type WechatpayClient } from './wechatpay-client.js';
import { wechatpayAppParams, wechatpayJsapiParams } from './wechatpay-client-signatures.js';
import { verifyWechatpayNotification, wechatpayAcknowledgement } from './wechatpay-notification.js';
import { resolveWechatpayOptions, type WechatpayOptions } from './wechatpay-options.js';
import { wechatpayRefundStatus, wechatpayTradeState } from './wechatpay-status.js';
import { formatWechatpayTime, parseWechatpayTime } from './wechatpay-time.js';

/**
 * WeChat-only options of `createPayment({ providerOptions })`.
 *
 * @example
 * ```ts
 * providerOptions: { h5Type: 'iOS', storeId: 'shanghai-001' }
 * ```
 */
export interface WechatpayPaymentOptions {
  /** `h5`: the buyer's platform (`scene_info.h5_info.type`). Default `Wap`. */
  h5Type?: 'iOS' | 'Android' | 'Wap';
  /** `pos`: the merchant's store id (`scene_info.store_info.out_id`). Default `default`. */
  storeId?: string;
  /** Passed back unchanged in queries (`attach`, at most 128 characters). */
  attach?: string;
}

const paymentOptionsSchema = z.object({
  h5Type: z.enum(['iOS', 'Android', 'Wap']).optional(),
  storeId: z.string().min(1).max(32).optional(),
  attach: z.string().max(128).optional(),
});

/** A trade bill (交易账单) as WeChat Pay describes it. */
export interface WechatpayBill {
  downloadUrl: string;
  hashType: 'SHA1';
  hashValue: string;
}

/**
 * The WeChat Pay provider: the spec plus WeChat-only operations.
 *
 * @example
 * ```ts
 * const csv = await payments.provider('wechatpay').downloadTradeBill({ date: '2024-05-01' });
 * ```
 */
export interface WechatpayProvider extends PaymentProvider {
  readonly id: 'wechatpay';
  queryPayment: NonNullable<PaymentProvider['queryPayment']>;
  closePayment: NonNullable<PaymentProvider['closePayment']>;
  refund: NonNullable<PaymentProvider['refund']>;
  queryRefund: NonNullable<PaymentProvider['queryRefund']>;
  /** The trade bill of a day (`/v3/bill/tradebill`): its download URL and SHA1 hash. */
  tradeBill(request: { date: string; type?: 'ALL' | 'SUCCESS' | 'REFUND' }): Promise<WechatpayBill>;
  /** Downloads the trade bill of a day and checks its SHA1 hash; returns the file's text. */
  downloadTradeBill(request: { date: string; type?: 'ALL' | 'SUCCESS' | 'REFUND' }): Promise<string>;
  /** Reverses (撤销) a payment-code payment: closes it, or refunds it if paid. */
  reversePayment(orderId: string): Promise<void>;
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
  resume: false,
};

interface Transaction {
  trade_state?: string;
  transaction_id?: string;
  out_trade_no?: string;
  success_time?: string;
  payer?: { openid?: string };
  amount?: { total?: number };
}

interface RefundReply {
  refund_id?: string;
  out_refund_no?: string;
  status?: string;
  amount?: { refund?: number };
}

function statusOf(transaction: Transaction, orderId: string): PaymentStatusEvent {
  const type = wechatpayTradeState(transaction.trade_state, 'response.trade_state');
  if (type !== 'payment.succeeded') return { type, orderId } as PaymentStatusEvent;
  const total = transaction.amount?.total;
  if (!Number.isSafeInteger(total) || (total as number) <= 0)
    throw new ValidationError('response.amount.total', 'is missing');
  if (!transaction.transaction_id) throw new ValidationError('response.transaction_id', 'is missing');
  const event: PaymentSucceededEvent = {
    type,
    orderId,
    amount: total as number,
    providerTransactionId: transaction.transaction_id,
  };
  if (transaction.success_time) event.paidAt = parseWechatpayTime(transaction.success_time, 'response.success_time');
  if (transaction.payer?.openid) event.buyerId = transaction.payer.openid;
  return event;
}

function refundStatusOf(reply: RefundReply, orderId: string, refundId: string, requested: number): RefundStatusEvent {
  const type = wechatpayRefundStatus(reply.status, 'response.status');
  if (type === 'refund.failed') return { type, orderId, refundId, reason: reply.status };
  return { type, orderId, refundId, amount: reply.amount?.refund ?? requested, providerRefundId: reply.refund_id };
}

const path = encodeURIComponent;

/**
 * Creates the WeChat Pay provider. Options are validated and keys parsed here, once.
 *
 * @example
 * ```ts
 * import { wechatpay } from '@hutong/adapter-wechatpay';
 * const provider = wechatpay({ mchId, appId, privateKey, merchantSerialNo, apiV3Key,
 *   wechatpayPublicKey, wechatpayPublicKeyId });
 * ```
 */
export function wechatpay(options: WechatpayOptions): WechatpayProvider {
  const config = resolveWechatpayOptions(options);
  const client: WechatpayClient = createWechatpayClient(config);
  const nowSeconds = () => String(Math.floor(config.now().getTime() / 1000));

  async function createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    const extra = parseWithSchema(paymentOptionsSchema, request.providerOptions, 'providerOptions');
    const base: Record<string, unknown> = {
      appid: config.appId,
      mchid: config.mchId,
      description: request.subject,
      out_trade_no: request.orderId,
      amount: { total: request.amount, currency: 'CNY' },
    };
    if (extra.attach) base.attach = extra.attach;
    if (request.method !== 'pos') {
      if (!request.notifyUrl) throw new ValidationError('notifyUrl', 'is required by WeChat Pay');
      base.notify_url = request.notifyUrl;
      if (request.expiresAt) base.time_expire = formatWechatpayTime(request.expiresAt);
    }
    switch (request.method) {
      case 'qr': {
        const reply = await client.request<{ code_url: string }>({
          method: 'POST',
          path: '/v3/pay/transactions/native',
          body: base,
        });
        return { action: { type: 'qr', content: required(reply?.code_url, 'code_url') } };
      }
      case 'jsapi': {
        if (!request.buyerId)
          throw new ValidationError('buyerId', "is required for jsapi payments (the payer's openid)");
        const reply = await client.request<{ prepay_id: string }>({
          method: 'POST',
          path: '/v3/pay/transactions/jsapi',
          body: { ...base, payer: { openid: request.buyerId } },
        });
        const prepayId = required(reply?.prepay_id, 'prepay_id');
        const params = wechatpayJsapiParams({
          appId: config.appId,
          prepayId,
          privateKey: config.privateKey,
          timestamp: nowSeconds(),
        });
        return { action: { type: 'jsapi', params: { ...params } } };
      }
      case 'h5': {
        if (!request.clientIp)
          throw new ValidationError('clientIp', "is required for h5 payments (the buyer's IP address)");
        const reply = await client.request<{ h5_url: string }>({
          method: 'POST',
          path: '/v3/pay/transactions/h5',
          body: {
            ...base,
            scene_info: { payer_client_ip: request.clientIp, h5_info: { type: extra.h5Type ?? 'Wap' } },
          },
        });
        let url = required(reply?.h5_url, 'h5_url');
        if (request.returnUrl) url += `&redirect_url=${encodeURIComponent(request.returnUrl)}`;
        return { action: { type: 'redirect', url } };
      }
      case 'app': {
        const reply = await client.request<{ prepay_id: string }>({
          method: 'POST',
          path: '/v3/pay/transactions/app',
          body: base,
        });
        const prepayId = required(reply?.prepay_id, 'prepay_id');
        const params = wechatpayAppParams({
          appId: config.appId,
          mchId: config.mchId,
          prepayId,
          privateKey: config.privateKey,
          timestamp: nowSeconds(),
        });
        return { action: { type: 'app', payload: { ...params } } };
      }
      case 'pos': {
        if (!request.authCode) throw new ValidationError('authCode', 'is required for pos payments');
        const scene: Record<string, unknown> = { store_info: { out_id: extra.storeId ?? 'default' } };
        if (request.clientIp) scene.device_ip = request.clientIp;
        try {
          const reply = await client.request<Transaction>({
            method: 'POST',
            path: '/v3/pay/transactions/codepay',
            body: { ...base, payer: { auth_code: request.authCode }, scene_info: scene },
          });
          return { action: { type: 'none' }, status: statusOf(reply ?? {}, request.orderId) };
        } catch (error) {
          // The buyer is entering a password: pending; sync settles it (payment codes send no notification).
          if (ProviderApiError.isInstance(error) && error.providerCode === 'USERPAYING') {
            return { action: { type: 'none' }, status: { type: 'payment.pending', orderId: request.orderId } };
          }
          throw error;
        }
      }
      default:
        throw new ValidationError('method', `${request.method} is not offered by WeChat Pay`);
    }
  }

  async function reversePayment(orderId: string): Promise<void> {
    await client.request({
      method: 'POST',
      path: `/v3/pay/transactions/out-trade-no/${path(orderId)}/reverse`,
      body: { appid: config.appId, mchid: config.mchId },
      idempotent: true,
    });
  }

  async function tradeBill({
    date,
    type = 'ALL',
  }: {
    date: string;
    type?: 'ALL' | 'SUCCESS' | 'REFUND';
  }): Promise<WechatpayBill> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ValidationError('date', 'must be yyyy-MM-dd');
    const reply = await client.request<{ download_url: string; hash_type: string; hash_value: string }>({
      method: 'GET',
      path: `/v3/bill/tradebill?bill_date=${date}&bill_type=${type}`,
    });
    if (reply?.hash_type !== 'SHA1')
      throw new ValidationError('response.hash_type', `is ${String(reply?.hash_type)}, not SHA1`);
    return {
      downloadUrl: required(reply.download_url, 'download_url'),
      hashType: 'SHA1',
      hashValue: required(reply.hash_value, 'hash_value'),
    };
  }

  return {
    specificationVersion: 'v1',
    id: 'wechatpay',
    wallet: 'wechatpay',
    capabilities: CAPABILITIES,
    createPayment,

    async queryPayment({ orderId }) {
      const reply = await client.request<Transaction>({
        method: 'GET',
        path: `/v3/pay/transactions/out-trade-no/${path(orderId)}?mchid=${config.mchId}`,
      });
      return statusOf(reply ?? {}, orderId);
    },

    async closePayment({ orderId, order }) {
      if (order.method === 'pos') return reversePayment(orderId);
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
      // Idempotent by out_refund_no.
      const reply = await client.request<RefundReply>({
        method: 'POST',
        path: '/v3/refund/domestic/refunds',
        body,
        idempotent: true,
      });
      return refundStatusOf(reply ?? {}, orderId, refundId, amount);
    },

    async queryRefund({ orderId, order, refundId }) {
      const reply = await client.request<RefundReply>({
        method: 'GET',
        path: `/v3/refund/domestic/refunds/${path(refundId)}`,
      });
      const requested = order.refunds.find((refund) => refund.id === refundId)?.amount ?? 0;
      return refundStatusOf(reply ?? {}, orderId, refundId, requested);
    },

    verifyNotification: (request) =>
      verifyWechatpayNotification(request, {
        mchId: config.mchId,
        appId: config.appId,
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
          provider: 'wechatpay',
          providerCode: `HTTP_${response.status}`,
          normalizedCode: response.status >= 500 ? 'system_busy' : 'unknown',
          httpStatus: response.status,
        });
      }
      // The file is not signed: its SHA1 from the signed bill reply is what authenticates it.
      const hash = createHash('sha1').update(response.bytes).digest('hex');
      if (hash.toLowerCase() !== bill.hashValue.toLowerCase()) {
        throw new ValidationError('bill', 'the downloaded file does not match its SHA1 hash');
      }
      return response.text;
    },

    reversePayment,
  };
}

function required(value: string | undefined, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError(`response.${field}`, 'is missing');
  return value;
}
