/**
 * `@hutong/adapter-alipay/protocol`: Alipay's wire protocol, for adapter authors, tests and the
 * sandbox: request signing, reply verification and the one reader per operation that binds a
 * reply to its request, notification verification, certificate SNs, status maps, China-time
 * formatting and the v3 signature. Merchants need none of it: `alipay()` uses it for them.
 *
 * @example
 * ```ts
 * import { alipaySigningString, signAlipayContent } from '@hutong/adapter-alipay/protocol';
 * const sign = signAlipayContent(alipaySigningString(params), privateKey);
 * ```
 *
 * @packageDocumentation
 */

export {
  type AlipayAuthorizationContext,
  alipayMerchantAccount,
  createAlipayAuthorization,
  exchangeAlipayAppAuthCode,
  isAlipayTokenDue,
  queryAlipayAppAuthToken,
  readAlipayAppAuthQueryReply,
  readAlipayAppAuthTokenReply,
  refreshAlipayAppAuthToken,
} from '../alipay-app-auth.js';
export * from '../alipay-certificates.js';
export * from '../alipay-client.js';
export * from '../alipay-errors.js';
export { alipayClientFor } from '../alipay-merchant.js';
export * from '../alipay-movement-notification.js';
export * from '../alipay-movement-replies.js';
export * from '../alipay-notification.js';
export { createAlipayOAuth, exchangeAlipayAuthCode } from '../alipay-oauth.js';
export { type AlipayConfig, resolveAlipayOptions } from '../alipay-options.js';
export * from '../alipay-replies.js';
export { alipayAccountType } from '../alipay-settlement.js';
export * from '../alipay-signature.js';
export * from '../alipay-signature-v3.js';
export * from '../alipay-status.js';
export * from '../alipay-time.js';
export { alipayTransferBizContent } from '../alipay-transfers.js';
