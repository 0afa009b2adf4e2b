/**
 * `@hutong/adapter-wechatpay`: WeChat Pay APIv3 for hutong: every payment method, refunds,
 * encrypted notifications, public-key and platform-certificate modes, several app ids under one
 * merchant id. The offline sandbox is in `@hutong/adapter-wechatpay/sandbox`; protocol internals
 * (signing, verification, reply readers) for adapter authors and tests in
 * `@hutong/adapter-wechatpay/protocol`.
 *
 * @example
 * ```ts
 * import { wechatpay } from '@hutong/adapter-wechatpay';
 * const provider = wechatpay({ mchId, appId, privateKey, merchantSerialNo, apiV3Key,
 *   wechatpayPublicKey, wechatpayPublicKeyId });
 * ```
 *
 * @packageDocumentation
 */

export {
  signWechatpayAppParams,
  signWechatpayJsapiParams,
  type WechatpayAppParams,
  type WechatpayClientSignatureInput,
  type WechatpayJsapiParams,
  wechatpayAppParams,
  wechatpayJsapiParams,
} from './wechatpay-client-signatures.js';
export {
  WECHAT_OAUTH_HOSTS,
  type WechatOAuthToken,
  type WechatpayOAuth,
  type WechatpayOAuthOptions,
  type WechatpayProviderOAuthOptions,
  wechatpayOAuth,
} from './wechatpay-oauth.js';
export {
  WECHATPAY_HOSTS,
  type WechatpayAppIds,
  type WechatpayAppOptions,
  type WechatpayCertificateMode,
  type WechatpayCommonOptions,
  type WechatpayDirectMode,
  type WechatpayMissingKeyMode,
  type WechatpayOptions,
  type WechatpayPartnerMode,
  type WechatpayPublicKeyMode,
} from './wechatpay-options.js';
export type { WechatpayPaymentOptions } from './wechatpay-payment-request.js';
export type {
  WechatpayProfitSharing,
  WechatpayReceiverReference,
  WechatpayReceiverRequest,
  WechatpayReceiverType,
} from './wechatpay-profit-sharing.js';
export {
  type WechatpayActions,
  type WechatpayProvider,
  wechatpay,
} from './wechatpay-provider.js';
export type { WechatpayBill } from './wechatpay-replies.js';
export type {
  WechatpayBillRequest,
  WechatpayFundflowBillRequest,
  WechatpayStatementRequest,
} from './wechatpay-statements.js';
export {
  parseWechatpayBill,
  WechatpayBillError,
  type WechatpayBillKind,
  type WechatpayBillParseOptions,
} from './wechatpay-statements-parser.js';
export { WECHATPAY_TRANSFER_NAME_REQUIRED_FROM, type WechatpayTransferOptions } from './wechatpay-transfers.js';
export type {
  WechatpayTransferAuthorization,
  WechatpayTransferAuthorizationApply,
  WechatpayTransfers,
} from './wechatpay-transfers-partner.js';
