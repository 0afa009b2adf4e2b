/**
 * `wechatpay(options)`: WeChat Pay APIv3 as a hutong payment provider.
 *
 * Method mapping: `qr` → `/v3/pay/transactions/native`; `jsapi` → `/jsapi` (official accounts and
 * mini programs); `h5` → `/h5`; `app` → `/app`; `pos` → `/v3/pay/transactions/codepay` (payment
 * code, closed by `.../reverse`). In partner mode (`mode: 'partner'`) the same under
 * `/v3/pay/partner/transactions/`, for the sub-merchant each call names. Placing payments
 * (`wechatpay-payments.ts`), refunds (`wechatpay-refunds.ts`), profit sharing
 * (`/v3/profitsharing/*`) and merchant transfers (`/v3/fund-app/mch-transfer/transfer-bills`, and
 * `/partner/transfer-bills` for a sub-merchant) in their own files.
 *
 * @packageDocumentation
 */
import type { AppAction, JsapiAction, PosAction, QrAction, RedirectAction } from '@hutong/core';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  MerchantAccount,
  PaymentProvider,
  ProviderCapabilities,
  ProviderTypes,
  ResumePaymentRequest,
  StatementLine,
} from '@hutong/core/provider-utils';
import { createWechatpayClient, type WechatpayClient } from './wechatpay-client.js';
import type { WechatpayAppParams, WechatpayJsapiParams } from './wechatpay-client-signatures.js';
import { verifyWechatpayMovementNotification } from './wechatpay-movement-notification.js';
import { verifyWechatpayNotification, wechatpayAcknowledgement } from './wechatpay-notification.js';
import { type WechatpayOAuth, type WechatpayProviderOAuthOptions, wechatpayProviderOAuth } from './wechatpay-oauth.js';
import {
  resolveWechatpayOptions,
  WECHATPAY_HOSTS,
  type WechatpayConfig,
  type WechatpayOptions,
} from './wechatpay-options.js';
import { wechatpayMerchantBody, wechatpaySubMerchant, wechatpayTransactionPaths } from './wechatpay-partner.js';
import { checkWechatpayPayment, type WechatpayPaymentOptions } from './wechatpay-payment-request.js';
import { createWechatpayPayments, type WechatpayOperationContext } from './wechatpay-payments.js';
import { createWechatpayProfitSharing, type WechatpayProfitSharing } from './wechatpay-profit-sharing.js';
import { createWechatpayRefunds } from './wechatpay-refunds.js';
import { readWechatpayTransaction, type WechatpayBill, type WechatpayReplyContext } from './wechatpay-replies.js';
import {
  createWechatpayBills,
  type WechatpayBillRequest,
  type WechatpayStatementRequest,
} from './wechatpay-statements.js';
import { createWechatpayTransfers } from './wechatpay-transfers.js';
import type { WechatpayTransfers } from './wechatpay-transfers-partner.js';

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
  /** The day's trade (`kind: 'trade'`) or fund-flow (`'fundflow'`) bill, downloaded and parsed as a stream: `wechatpay-statements.ts`. */
  statement(request: WechatpayStatementRequest): AsyncIterable<StatementLine>;
  split: NonNullable<PaymentProvider['split']>;
  querySplit: NonNullable<PaymentProvider['querySplit']>;
  returnSplit: NonNullable<PaymentProvider['returnSplit']>;
  queryReturn: NonNullable<PaymentProvider['queryReturn']>;
  transfer: NonNullable<PaymentProvider['transfer']>;
  queryTransfer: NonNullable<PaymentProvider['queryTransfer']>;
  cancelTransfer: NonNullable<PaymentProvider['cancelTransfer']>;
  /**
   * Verifies a profit-sharing (`PROFITSHARING.*`) or transfer (`MCHTRANSFER.BILL.FINISHED`)
   * notification: signature, time window, decryption, recipient; in partner mode its `account` is
   * the `sub_mchid` it names.
   */
  verifyMovementNotification: NonNullable<PaymentProvider['verifyMovementNotification']>;
  /**
   * Profit sharing beyond the spec's split operations: receivers (`addReceiver`,
   * `deleteReceiver`), `unsplitAmount` and `unfreeze`.
   */
  readonly profitSharing: WechatpayProfitSharing;
  /**
   * Transfers beyond the spec's: in partner mode, the sub-merchant's authorisation of the service
   * provider's transfers (`authorizeSubMerchant`, `authorization`).
   */
  readonly transfers: WechatpayTransfers;
  /** The trade bill of a day (`/v3/bill/tradebill`): its download URL and SHA1 hash. */
  tradeBill(request: WechatpayBillRequest): Promise<WechatpayBill>;
  /**
   * Downloads the trade bill of a day and checks its SHA1 hash; returns the file's text. Bills may
   * be up to `maxBillBytes` (default 256 MiB), beyond the size limit of API replies.
   */
  downloadTradeBill(request: WechatpayBillRequest): Promise<string>;
  /**
   * Reverses (撤销) a payment-code payment: closes it, or refunds it if paid. `appId` defaults to the
   * default app id (`payments.close` passes the order's own); `merchant` is the sub-merchant's
   * account in partner mode.
   */
  reversePayment(orderId: string, appId?: string, merchant?: MerchantAccount | null): Promise<void>;
  /**
   * WeChat's web OAuth (`snsapi_base`) under this provider's app id (its `mp` app id when
   * configured by kind): core's `WalletOAuth`, which `@hutong/checkout` takes as
   * `wallets.wechatpay.oauth`, with `openid` and `exchangeCode`. Only `appSecret` is needed; the
   * endpoint, `fetch`, time limit and hooks default to the provider's (on a hutong sandbox, its
   * OAuth pages).
   */
  oauth(options: WechatpayProviderOAuthOptions): WechatpayOAuth;
}

const CAPABILITIES = {
  methods: ['qr', 'jsapi', 'h5', 'app', 'pos'],
  query: true,
  close: true,
  refund: true,
  partialRefund: true,
  multipleRefunds: true,
  refundQuery: true,
  refundNotifications: true,
  resume: true,
  statements: true,
  split: true,
  transfer: true,
} as const satisfies ProviderCapabilities;

/**
 * A `prepay_id` is valid for 2 hours; a stored one is re-signed only while it has this much life left.
 */
const PREPAY_REUSE_MS = 110 * 60 * 1000;

/**
 * Resumes a payment: a stored prepay id with life left is signed again (no call needed); otherwise
 * the same order is placed again with the parameters it was first placed with.
 */
async function resume(
  config: WechatpayConfig,
  payments: ReturnType<typeof createWechatpayPayments>,
  request: ResumePaymentRequest,
): Promise<CreatePaymentResult> {
  const sub = wechatpaySubMerchant(config, request.merchant);
  const { appId } = checkWechatpayPayment(request, config.apps, sub);
  const stored = request.order.providerData;
  if (request.method === 'jsapi' || request.method === 'app') {
    // A prepay id is valid for 2 hours: while it is, the buyer's step is signed again, no call needed.
    const prepaidAt = stored.prepaidAt === undefined ? Number.NaN : Date.parse(stored.prepaidAt);
    if (stored.prepayId && config.now().getTime() - prepaidAt < PREPAY_REUSE_MS) {
      return { action: payments.signedAction(request.method, appId, stored.prepayId, sub) };
    }
  }
  // Otherwise the same order is placed again with the parameters it was first placed with.
  const options: WechatpayPaymentOptions = {};
  if (stored.attach) options.attach = stored.attach;
  if (stored.h5Type) options.h5Type = stored.h5Type as WechatpayPaymentOptions['h5Type'];
  if (stored.buyerApp) options.buyerApp = stored.buyerApp as WechatpayPaymentOptions['buyerApp'];
  return payments.place(request, appId, options, stored.clientIp ?? request.clientIp);
}

/**
 * WeChat's web OAuth under the provider's app id (its `mp` app id when configured by kind), with
 * the provider's endpoint (a sandbox's OAuth pages on a sandbox), `fetch`, time limit and hooks.
 */
function providerOAuth(config: WechatpayConfig, oauthOptions: WechatpayProviderOAuthOptions): WechatpayOAuth {
  return wechatpayProviderOAuth(
    {
      id: config.id,
      appId: config.apps.byRole.mp ?? config.apps.default,
      // A provider on a sandbox (any base URL but WeChat Pay's own) finds WeChat's OAuth pages there.
      endpoint: Object.values(WECHATPAY_HOSTS).includes(config.baseUrl as never) ? 'production' : config.baseUrl,
      fetch: config.fetch,
      timeoutMs: config.timeoutMs,
      hooks: config.hooks,
    },
    oauthOptions,
  );
}

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
  const replies: WechatpayReplyContext = {
    provider: id,
    mchId: config.mchId,
    appIds: config.apps.all,
    partner: config.partner !== undefined,
  };

  const context: WechatpayOperationContext = { id, config, client, replies };
  const payments = createWechatpayPayments(context);
  const { place, reversePayment } = payments;
  const { refund, queryRefund } = createWechatpayRefunds(context);
  const { tradeBill, downloadTradeBill, statement } = createWechatpayBills(context);
  const { split, querySplit, returnSplit, queryReturn, profitSharing } = createWechatpayProfitSharing(context);
  const { transfer, queryTransfer, cancelTransfer, transfers } = createWechatpayTransfers(context);
  const notifications = {
    provider: id,
    mchId: config.mchId,
    partner: config.partner !== undefined,
    appIds: config.apps.all,
    apiV3Key: config.apiV3Key,
    keys: client.keys,
    now: config.now,
  };

  return {
    specificationVersion: 'v1',
    id,
    wallet: 'wechatpay',
    // Partner mode: every call carries the sub-merchant's account (and one without it is refused).
    capabilities: { ...CAPABILITIES, merchants: config.partner !== undefined },
    validatePayment(request: CreatePaymentRequest): void {
      checkWechatpayPayment(request, config.apps, wechatpaySubMerchant(config, request.merchant));
    },

    async createPayment(request) {
      const sub = wechatpaySubMerchant(config, request.merchant);
      const { options: parsed, appId } = checkWechatpayPayment(request, config.apps, sub);
      return place(request, appId, parsed, request.clientIp);
    },

    resumePayment: (request: ResumePaymentRequest) => resume(config, payments, request),

    async queryPayment({ orderId, order, merchant }) {
      const sub = wechatpaySubMerchant(config, merchant);
      const reply = await client.request({
        method: 'GET',
        path: wechatpayTransactionPaths(config, orderId, sub).query,
      });
      return readWechatpayTransaction(replies, reply, {
        orderId,
        transactionId: order.providerTransactionId,
        subMchId: sub?.subMchId,
      });
    },

    async closePayment({ orderId, order, merchant }) {
      const sub = wechatpaySubMerchant(config, merchant);
      if (order.method === 'pos') return reversePayment(orderId, order.providerData.appId, merchant);
      // 204 with no body: nothing in the reply to bind; the signature covers the empty body.
      await client.request({
        method: 'POST',
        path: `${wechatpayTransactionPaths(config, orderId, sub).base}/close`,
        body: wechatpayMerchantBody(config, sub),
        idempotent: true,
      });
    },

    refund,

    queryRefund,

    verifyNotification: (request) => verifyWechatpayNotification(request, notifications),

    verifyMovementNotification: (request) => verifyWechatpayMovementNotification(request, notifications),

    split,
    querySplit,
    returnSplit,
    queryReturn,
    profitSharing,
    transfer,
    queryTransfer,
    cancelTransfer,
    transfers,

    acknowledgeNotification: wechatpayAcknowledgement,

    tradeBill,

    downloadTradeBill,

    statement,

    reversePayment,

    oauth: (oauthOptions) => providerOAuth(config, oauthOptions),
  };
}
