/**
 * `@hutong/adapter-wechatpay`: WeChat Pay APIv3 for hutong: every payment method, refunds,
 * encrypted notifications, public-key and platform-certificate modes. The offline sandbox is in
 * `@hutong/adapter-wechatpay/sandbox`.
 *
 * @example
 * ```ts
 * import { wechatpay } from '@hutong/adapter-wechatpay';
 * ```
 *
 * @packageDocumentation
 */
export * from './wechatpay-aead.js';
export * from './wechatpay-client.js';
export * from './wechatpay-client-signatures.js';
export * from './wechatpay-errors.js';
export * from './wechatpay-notification.js';
export * from './wechatpay-options.js';
export * from './wechatpay-provider.js';
export * from './wechatpay-signature.js';
export * from './wechatpay-status.js';
export * from './wechatpay-time.js';
export * from './wechatpay-verifier.js';
