/**
 * Placing WeChat Pay payments: the create call of each method and the buyer's step it yields (the
 * `jsapi` and `app` parameters signed afresh for a prepay id); the payment-code path (a refusal
 * checked against the transaction, an open one reversed) is `wechatpay-payment-code.ts`.
 *
 * @packageDocumentation
 */
import { type AppAction, type JsapiAction, ValidationError } from '@hutong/core';
import type { CreatePaymentRequest, CreatePaymentResult, MerchantAccount } from '@hutong/core/provider-utils';
import type { WechatpayClient } from './wechatpay-client.js';
import {
  signWechatpayAppParams,
  signWechatpayJsapiParams,
  type WechatpayAppParams,
  type WechatpayJsapiParams,
} from './wechatpay-client-signatures.js';
import type { WechatpayConfig } from './wechatpay-options.js';
import { type WechatpaySubMerchant, wechatpaySubMerchant } from './wechatpay-partner.js';
import { chargeWechatpayPaymentCode, reverseWechatpayPayment } from './wechatpay-payment-code.js';
import { type WechatpayPaymentOptions, wechatpayCreateBody } from './wechatpay-payment-request.js';
import { readWechatpayCreateReply, type WechatpayReplyContext } from './wechatpay-replies.js';

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
 * The buyer's step for a prepay id: `jsapi` and `app` parameters signed afresh (always with the
 * signing merchant's key). `appId` is the app of the step; an APP step's `partnerid` is the
 * sub-merchant's `sub_mchid` in partner mode.
 */
function signedAction(
  config: WechatpayConfig,
  method: 'jsapi' | 'app',
  appId: string,
  prepayId: string,
  sub?: WechatpaySubMerchant,
): JsapiAction<WechatpayJsapiParams> | AppAction<WechatpayAppParams> {
  const timestamp = String(Math.floor(config.now().getTime() / 1000));
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
  context: WechatpayOperationContext,
  request: CreatePaymentRequest,
  appId: string,
  options: WechatpayPaymentOptions,
  clientIp: string | null,
): Promise<CreatePaymentResult> {
  const { config, client, replies } = context;
  const sub = wechatpaySubMerchant(config, request.merchant);
  const paths = sub ? PARTNER_CREATE_PATHS : CREATE_PATHS;
  const providerData: Record<string, string> = { appId };
  if (options.attach) providerData.attach = options.attach;
  if (options.h5Type) providerData.h5Type = options.h5Type;
  if (options.buyerApp) providerData.buyerApp = options.buyerApp;
  if (request.method === 'h5' && clientIp) providerData.clientIp = clientIp;
  const partner = sub && config.partner ? { spAppId: config.partner.spAppId, sub } : undefined;
  const body = wechatpayCreateBody(request, { appId, mchId: config.mchId, options, clientIp, partner });
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
      return { action: signedAction(config, request.method, appId, prepayId, sub), providerData };
    }
    case 'h5': {
      const reply = await client.request({ method: 'POST', path: paths.h5, body });
      let url = readWechatpayCreateReply(replies, 'h5_url', reply);
      if (request.returnUrl) url += `&redirect_url=${encodeURIComponent(request.returnUrl)}`;
      return { action: { type: 'redirect', url }, providerData };
    }
    case 'pos': {
      const charge = { orderId: request.orderId, path: paths.pos, body, appId, sub };
      return { action: { type: 'none' }, status: await chargeWechatpayPaymentCode(context, charge), providerData };
    }
    default:
      throw new ValidationError('method', `${request.method} is not offered by WeChat Pay`);
  }
}

/**
 * The payment operations of one provider: `place`, `signedAction` (the buyer's step for a stored
 * prepay id) and `reversePayment` (the payment-code path is `wechatpay-payment-code.ts`).
 *
 * @group Protocol
 * @example
 * ```ts
 * const { place } = createWechatpayPayments(context);
 * const result = await place(request, appId, {}, request.clientIp);
 * ```
 */
export function createWechatpayPayments(context: WechatpayOperationContext) {
  const { config } = context;
  return {
    place: (request: CreatePaymentRequest, appId: string, options: WechatpayPaymentOptions, clientIp: string | null) =>
      place(context, request, appId, options, clientIp),
    signedAction: (method: 'jsapi' | 'app', appId: string, prepayId: string, sub?: WechatpaySubMerchant) =>
      signedAction(config, method, appId, prepayId, sub),
    /** Reverses a payment-code payment; `merchant`: the sub-merchant's account (partner mode). */
    reversePayment: (
      orderId: string,
      appId: string = config.apps.default,
      merchant?: MerchantAccount | null,
    ): Promise<void> => reverseWechatpayPayment(context, orderId, appId, wechatpaySubMerchant(config, merchant)),
  };
}
