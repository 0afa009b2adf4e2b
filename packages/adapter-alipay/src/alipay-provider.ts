/**
 * `alipay(options)`: the Alipay gateway as a hutong payment provider. The factory only wires: the
 * options are resolved once, and each operation lives in its own file (`alipay-payments.ts`,
 * `alipay-refunds.ts`, `alipay-notification.ts`, `alipay-statements.ts`, `alipay-oauth.ts`).
 *
 * @packageDocumentation
 */
import type { AppAction, FormAction, JsapiAction, PosAction, QrAction, RedirectAction } from '@hutong/core';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  PaymentProvider,
  PaymentReference,
  PaymentStatusEvent,
  ProviderCapabilities,
  ProviderTypes,
  RefundReference,
  RefundRequest,
  RefundStatusEvent,
  ResumePaymentRequest,
} from '@hutong/core/provider-utils';
import { type AlipayContext, createAlipayClient } from './alipay-client.js';
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
import { queryAlipayRefund, refundAlipayPayment } from './alipay-refunds.js';
import type { AlipayOAuthToken } from './alipay-replies.js';
import { type AlipayBillType, alipayBillDownloadUrl, alipayStatement } from './alipay-statements.js';

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
  /** `alipay.trade.refund` by `out_request_no`, confirmed by the refund query. */
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
    refund: (request) => refundAlipayPayment(context, request),
    queryRefund: (reference) => queryAlipayRefund(context, reference),
    verifyNotification: async (request) => verifyAlipayNotification(request, config),
    acknowledgeNotification: alipayAcknowledgement,
    billDownloadUrl: (request) => alipayBillDownloadUrl(context, request),
    statement: (request) => alipayStatement(context, request),
    cancelPayment: (orderId) => cancelAlipayPayment(context, orderId),
    oauthToken: (code) => exchangeAlipayAuthCode(context.client, code, id),
    oauth: (oauthOptions) => createAlipayOAuth(context.client, { appId: config.appId, provider: id }, oauthOptions),
  };
}
