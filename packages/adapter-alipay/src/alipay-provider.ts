/**
 * `alipay(options)`: the Alipay gateway as a hutong payment provider. The factory only wires: the
 * options are resolved once, and each operation lives in its own file (`alipay-payments.ts`,
 * `alipay-refunds.ts`, `alipay-notification.ts`, `alipay-statements.ts`, `alipay-oauth.ts`).
 *
 * @packageDocumentation
 */
import type {
  AppAction,
  FormAction,
  JsapiAction,
  NotificationRequest,
  PosAction,
  QrAction,
  RedirectAction,
} from '@hutong/core';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  MerchantAccount,
  PaymentProvider,
  PaymentReference,
  PaymentStatusEvent,
  ProviderCapabilities,
  ProviderTypes,
  RefundReference,
  RefundRequest,
  RefundStatusEvent,
  ResumePaymentRequest,
  SplitReference,
  SplitRequest,
  SplitStatusEvent,
  TransferRequest,
  TransferStatusEvent,
  VerifiedMovementNotification,
} from '@hutong/core/provider-utils';
import {
  type AlipayAuthorization,
  type AlipayAuthorizationOptions,
  createAlipayAuthorization,
} from './alipay-app-auth.js';
import { type AlipayContext, createAlipayClient } from './alipay-client.js';
import { verifyAlipayMovementNotification } from './alipay-movement-notification.js';
import { alipayAcknowledgement, verifyAlipayNotification } from './alipay-notification.js';
import {
  type AlipayOAuthOptions,
  type AlipayWebOAuth,
  createAlipayOAuth,
  exchangeAlipayAuthCode,
} from './alipay-oauth.js';
import { type AlipayOptions, resolveAlipayOptions } from './alipay-options.js';
import { type AlipayPaymentOptions, validateAlipayPayment } from './alipay-payment-request.js';
import {
  cancelAlipayPayment,
  closeAlipayPayment,
  createAlipayPayment,
  queryAlipayPayment,
  resumeAlipayPayment,
} from './alipay-payments.js';
import { queryAlipayRefund, refundAlipayPayment, validateAlipayRefund } from './alipay-refunds.js';
import type { AlipayOAuthToken } from './alipay-replies.js';
import {
  type AlipayRoyaltyRelationPage,
  type AlipayRoyaltyRelationRequest,
  bindAlipayRoyaltyRelation,
  queryAlipayRoyaltyRelations,
  queryAlipaySplit,
  queryAlipayUnsettledAmount,
  splitAlipayPayment,
  unbindAlipayRoyaltyRelation,
} from './alipay-settlement.js';
import { type AlipayBillType, alipayBillDownloadUrl, alipayStatement } from './alipay-statements.js';
import { queryAlipayTransfer, transferAlipay } from './alipay-transfers.js';

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
  /** Checks a payment request before anything is signed or sent (a `ValidationError` names the field). */
  validatePayment(request: CreatePaymentRequest): void;
  /** Requests an unpaid `out_trade_no` again with the business parameters it was created with. */
  resumePayment(request: ResumePaymentRequest): Promise<CreatePaymentResult>;
  /** `alipay.trade.query`: the trade's state (a QR code not yet scanned is pending). */
  queryPayment(reference: PaymentReference): Promise<PaymentStatusEvent>;
  /** `alipay.trade.close` (`alipay.trade.cancel` for `pos`): closes an unpaid payment. */
  closePayment(reference: PaymentReference): Promise<void>;
  /**
   * Refuses, before anything is recorded, split returns within a refund of a payment whose refunds
   * take none named (face-to-face `qr` and `pos`, and `jsapi`): `UnsupportedOperationError`.
   */
  validateRefund(request: RefundRequest): void;
  /**
   * `alipay.trade.refund` by `out_request_no`, confirmed by the refund query; with
   * `splitReturns`, `refund_royalty_parameters` (退分账) takes that part back from the receivers.
   */
  refund(request: RefundRequest): Promise<RefundStatusEvent>;
  /** `alipay.trade.fastpay.refund.query`: a settled refund, or the refund as requested. */
  queryRefund(reference: RefundReference): Promise<RefundStatusEvent>;
  /**
   * The download URL of a statement (`alipay.data.dataservice.bill.downloadurl.query`); the URL is
   * valid for 30 seconds. `date` is `yyyy-MM-dd` (daily) or `yyyy-MM` (monthly).
   */
  billDownloadUrl(request: { type: AlipayBillType; date: string }): Promise<string>;
  /** The day's statement (`kind` `trade` or `signcustomer`), downloaded and parsed as a stream: `alipay-statements.ts`. */
  statement: NonNullable<PaymentProvider['statement']>;
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
  /**
   * Service providers (第三方应用 / ISV): the app-to-app authorisation link, the callback handler
   * that stores the merchant's `app_auth_token` in `options.directory`, refresh and check.
   */
  authorization(options: AlipayAuthorizationOptions): AlipayAuthorization;
  /**
   * `alipay.trade.order.settle` (分账): the split's receivers paid from a payment created with
   * `split: true`; confirmed by the settle query. Receivers must be bound first
   * ({@link AlipayProvider.bindRoyaltyRelation}).
   */
  split(request: SplitRequest): Promise<SplitStatusEvent>;
  /** `alipay.trade.order.settle.query` by the split's `out_request_no`. */
  querySplit(reference: SplitReference): Promise<SplitStatusEvent>;
  /**
   * `alipay.fund.trans.uni.transfer` (转账, certificate mode only: in public-key mode it throws
   * `UnsupportedOperationError` before any request).
   */
  transfer(request: TransferRequest): Promise<TransferStatusEvent>;
  /** `alipay.fund.trans.common.query` by `out_biz_no` (certificate mode only). */
  queryTransfer(request: TransferRequest): Promise<TransferStatusEvent>;
  /** Verifies `alipay.trade.order.settle.notify` and `alipay.fund.trans.order.changed` messages. */
  verifyMovementNotification(request: NotificationRequest): Promise<VerifiedMovementNotification>;
  /** `alipay.trade.royalty.relation.bind`: receivers the merchant may split to. */
  bindRoyaltyRelation(request: AlipayRoyaltyRelationRequest): Promise<void>;
  /** `alipay.trade.royalty.relation.unbind`. */
  unbindRoyaltyRelation(request: AlipayRoyaltyRelationRequest): Promise<void>;
  /** `alipay.trade.royalty.relation.batchquery`: one page of the merchant's receivers. */
  royaltyRelations(query: {
    requestId: string;
    page?: number | undefined;
    pageSize?: number | undefined;
    merchant?: MerchantAccount | null | undefined;
  }): Promise<AlipayRoyaltyRelationPage>;
  /** `alipay.trade.order.onsettle.query`: what of a paid order is still to settle, in fen. */
  unsettledAmount(reference: PaymentReference & { requestId: string }): Promise<number>;
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
  // One provider serves its own account and every merchant that authorised it (app_auth_token).
  merchants: true,
  // Settlement (alipay.trade.order.settle); Alipay has no split return, so returnSplit is absent:
  // receivers give back within a refund (refund_royalty_parameters, page / h5 / app payments).
  split: true,
  splitReturnsInRefund: true,
  // Fund transfers; Alipay accepts them only in certificate mode (a typed error otherwise).
  transfer: true,
  statements: true,
};

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
  const context: AlipayContext = { id, config, client: createAlipayClient(config) };
  return {
    specificationVersion: 'v1',
    id,
    wallet: 'alipay',
    capabilities: CAPABILITIES,
    validatePayment: (request) => {
      validateAlipayPayment(request, config);
    },
    createPayment: (request) => createAlipayPayment(context, request),
    resumePayment: (request) => resumeAlipayPayment(context, request),
    queryPayment: (reference) => queryAlipayPayment(context, reference),
    closePayment: (reference) => closeAlipayPayment(context, reference),
    validateRefund: (request) => {
      validateAlipayRefund(id, request);
    },
    refund: (request) => refundAlipayPayment(context, request),
    queryRefund: (reference) => queryAlipayRefund(context, reference),
    verifyNotification: async (request) => verifyAlipayNotification(request, config),
    acknowledgeNotification: alipayAcknowledgement,
    billDownloadUrl: (request) => alipayBillDownloadUrl(context, request),
    statement: (request) => alipayStatement(context, request),
    cancelPayment: (orderId) => cancelAlipayPayment(context, orderId),
    oauthToken: (code) => exchangeAlipayAuthCode(context.client, code, id),
    oauth: (oauthOptions) => createAlipayOAuth(context.client, { appId: config.appId, provider: id }, oauthOptions),
    authorization: (authorizationOptions) =>
      createAlipayAuthorization(
        {
          id,
          appId: config.appId,
          client: context.client,
          now: config.now,
          refreshMarginMs: config.appAuth.refreshMarginMs,
        },
        authorizationOptions,
      ),
    split: (request) => splitAlipayPayment(context, request),
    querySplit: (reference) => queryAlipaySplit(context, reference),
    transfer: (request) => transferAlipay(context, request),
    queryTransfer: (request) => queryAlipayTransfer(context, request),
    verifyMovementNotification: async (request) => verifyAlipayMovementNotification(request, config),
    bindRoyaltyRelation: (request) => bindAlipayRoyaltyRelation(context, request),
    unbindRoyaltyRelation: (request) => unbindAlipayRoyaltyRelation(context, request),
    royaltyRelations: (query) => queryAlipayRoyaltyRelations(context, query),
    unsettledAmount: (reference) => queryAlipayUnsettledAmount(context, reference),
  };
}
