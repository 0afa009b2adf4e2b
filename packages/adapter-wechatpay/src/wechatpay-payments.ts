/**
 * Placing WeChat Pay payments: the create call of each method and the buyer's step it yields (the
 * `jsapi` and `app` parameters signed afresh for a prepay id), and the payment-code path: a
 * refusal checked against the transaction, an open one reversed.
 *
 * @packageDocumentation
 */
import { type AppAction, type JsapiAction, ProviderApiError, ValidationError } from '@hutong/core';
import {
  type CreatePaymentRequest,
  type CreatePaymentResult,
  checkRefusal,
  type MerchantAccount,
  type PaymentStatusEvent,
} from '@hutong/core/provider-utils';
import type { WechatpayClient } from './wechatpay-client.js';
import {
  signWechatpayAppParams,
  signWechatpayJsapiParams,
  type WechatpayAppParams,
  type WechatpayJsapiParams,
} from './wechatpay-client-signatures.js';
import type { WechatpayConfig } from './wechatpay-options.js';
import {
  type WechatpaySubMerchant,
  wechatpayMerchantBody,
  wechatpaySubMerchant,
  wechatpayTransactionPaths,
} from './wechatpay-partner.js';
import { type WechatpayPaymentOptions, wechatpayCreateBody } from './wechatpay-payment-request.js';
import {
  checkWechatpayReversal,
  readWechatpayCreateReply,
  readWechatpayTransaction,
  type WechatpayReplyContext,
} from './wechatpay-replies.js';

/**
 * What each operation of the provider works with: its id, the resolved options, the APIv3 client
 * and the context replies are read in.
 *
 * @group Protocol
 * @example
 * ```ts
 * const context: WechatpayOperationContext = { id: 'wechatpay', config, client, replies };
 * ```
 */
export interface WechatpayOperationContext {
  id: string;
  config: WechatpayConfig;
  client: WechatpayClient;
  replies: WechatpayReplyContext;
}

const CREATE_PATHS = {
  qr: '/v3/pay/transactions/native',
  jsapi: '/v3/pay/transactions/jsapi',
  h5: '/v3/pay/transactions/h5',
  app: '/v3/pay/transactions/app',
  pos: '/v3/pay/transactions/codepay',
} as const;

/** Partner mode (服务商): the same operations under `/v3/pay/partner/transactions/`. */
const PARTNER_CREATE_PATHS = {
  qr: '/v3/pay/partner/transactions/native',
  jsapi: '/v3/pay/partner/transactions/jsapi',
  h5: '/v3/pay/partner/transactions/h5',
  app: '/v3/pay/partner/transactions/app',
  pos: '/v3/pay/partner/transactions/codepay',
} as const;

/**
 * The payment operations of one provider.
 *
 * @group Protocol
 * @example
 * ```ts
 * const { place } = createWechatpayPayments(context);
 * const result = await place(request, appId, {}, request.clientIp);
 * ```
 */
export function createWechatpayPayments(context: WechatpayOperationContext) {
  const { config, client, replies } = context;
  const nowSeconds = () => String(Math.floor(config.now().getTime() / 1000));

  /**
   * The buyer's step for a prepay id: `jsapi` and `app` parameters signed afresh (always with the
   * signing merchant's key). `appId` is the app of the step; an APP step's `partnerid` is the
   * sub-merchant's `sub_mchid` in partner mode.
   */
  function signedAction(
    method: 'jsapi' | 'app',
    appId: string,
    prepayId: string,
    sub?: WechatpaySubMerchant,
  ): JsapiAction<WechatpayJsapiParams> | AppAction<WechatpayAppParams> {
    const timestamp = nowSeconds();
    if (method === 'jsapi')
      return {
        type: 'jsapi',
        params: signWechatpayJsapiParams({ appId, prepayId, privateKey: config.privateKey, timestamp }),
      };
    return {
      type: 'app',
      payload: signWechatpayAppParams({
        appId,
        mchId: sub?.subMchId ?? config.mchId,
        prepayId,
        privateKey: config.privateKey,
        timestamp,
      }),
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
    const sub = wechatpaySubMerchant(config, request.merchant);
    const paths = sub ? PARTNER_CREATE_PATHS : CREATE_PATHS;
    const providerData: Record<string, string> = { appId };
    if (options.attach) providerData.attach = options.attach;
    if (options.h5Type) providerData.h5Type = options.h5Type;
    if (options.buyerApp) providerData.buyerApp = options.buyerApp;
    if (request.method === 'h5' && clientIp) providerData.clientIp = clientIp;
    const partner = sub && config.partner ? { spAppId: config.partner.spAppId, sub } : undefined;
    const body = wechatpayCreateBody(request, { appId, mchId: config.mchId, options, clientIp, partner });
    const expected = { orderId: request.orderId, subMchId: sub?.subMchId };
    switch (request.method) {
      case 'qr': {
        const reply = await client.request({ method: 'POST', path: paths.qr, body });
        return { action: { type: 'qr', content: readWechatpayCreateReply(replies, 'code_url', reply) }, providerData };
      }
      case 'jsapi':
      case 'app': {
        const reply = await client.request({ method: 'POST', path: paths[request.method], body });
        const prepayId = readWechatpayCreateReply(replies, 'prepay_id', reply);
        providerData.prepayId = prepayId;
        providerData.prepaidAt = config.now().toISOString();
        return { action: signedAction(request.method, appId, prepayId, sub), providerData };
      }
      case 'h5': {
        const reply = await client.request({ method: 'POST', path: paths.h5, body });
        let url = readWechatpayCreateReply(replies, 'h5_url', reply);
        if (request.returnUrl) url += `&redirect_url=${encodeURIComponent(request.returnUrl)}`;
        return { action: { type: 'redirect', url }, providerData };
      }
      case 'pos': {
        try {
          const reply = await client.request({ method: 'POST', path: paths.pos, body });
          const status = readWechatpayTransaction(replies, reply, expected);
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
            status: await checkPosRefusal(error, request.orderId, appId, sub),
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
  function checkPosRefusal(
    error: unknown,
    orderId: string,
    appId: string,
    sub: WechatpaySubMerchant | undefined,
  ): Promise<PaymentStatusEvent> {
    return checkRefusal(error, {
      name: 'the order query (and reversal)',
      field: 'response.code',
      run: async () => {
        const reply = await client.request({
          method: 'GET',
          path: wechatpayTransactionPaths(config, orderId, sub).query,
        });
        const transaction = readWechatpayTransaction(replies, reply, { orderId, subMchId: sub?.subMchId });
        if (transaction.type === 'payment.succeeded') return transaction;
        if (transaction.type === 'payment.pending') await reverse(orderId, appId, sub);
        return undefined;
      },
    });
  }

  async function reverse(orderId: string, appId: string, sub: WechatpaySubMerchant | undefined): Promise<void> {
    // Partner mode: sp_appid and sub_appid are optional; the merchant ids name whose payment it is.
    const body = sub
      ? { ...wechatpayMerchantBody(config, sub), ...(sub.subAppId ? { sub_appid: sub.subAppId } : {}) }
      : { appid: appId, mchid: config.mchId };
    const reply = await client.request({
      method: 'POST',
      path: `${wechatpayTransactionPaths(config, orderId, sub).base}/reverse`,
      body,
      idempotent: true,
    });
    checkWechatpayReversal(replies, reply, orderId, sub?.subMchId);
  }

  /** Reverses a payment-code payment; `merchant`: the sub-merchant's account (partner mode). */
  function reversePayment(
    orderId: string,
    appId: string = config.apps.default,
    merchant?: MerchantAccount | null,
  ): Promise<void> {
    return reverse(orderId, appId, wechatpaySubMerchant(config, merchant));
  }

  return { place, signedAction, reversePayment };
}
