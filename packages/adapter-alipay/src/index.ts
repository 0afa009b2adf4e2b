/**
 * `@hutong/adapter-alipay`: Alipay (支付宝) for hutong: every payment method, refunds,
 * notifications, public-key and certificate modes. What a merchant uses is here: the `alipay()`
 * factory, its option and provider types. The offline sandbox is in
 * `@hutong/adapter-alipay/sandbox`; the wire protocol (signing, reply readers, certificate SNs) for
 * adapter authors and tests is in `@hutong/adapter-alipay/protocol`.
 *
 * @example
 * ```ts
 * import { alipay } from '@hutong/adapter-alipay';
 * const provider = alipay({ appId, privateKey, alipayPublicKey });
 * ```
 *
 * @packageDocumentation
 */

export {
  ALIPAY_OAUTH_AUTHORIZE_URLS,
  type AlipayOAuthOptions,
  type AlipayWebOAuth,
} from './alipay-oauth.js';
export {
  ALIPAY_GATEWAYS,
  type AlipayBaseOptions,
  type AlipayCertificateOptions,
  type AlipayOptions,
  type AlipayPublicKeyOptions,
} from './alipay-options.js';
export type { AlipayInstallments, AlipayPaymentOptions } from './alipay-payment-request.js';
export { type AlipayActions, type AlipayJsapiParams, type AlipayProvider, alipay } from './alipay-provider.js';
export type { AlipayOAuthToken } from './alipay-replies.js';
export type { AlipayBillType } from './alipay-statements.js';
export {
  AlipayBillError,
  type AlipayBillParseOptions,
  parseAlipayBill,
  parseAlipayBillCsv,
} from './alipay-statements-parser.js';
