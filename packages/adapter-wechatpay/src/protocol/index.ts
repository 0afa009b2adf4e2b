/**
 * `@hutong/adapter-wechatpay/protocol`: WeChat Pay APIv3 protocol internals, for adapter authors,
 * sandboxes and tests: request and response signatures, AEAD_AES_256_GCM (resources and bill files), notification
 * verification, reply readers that bind each reply to its request, status maps, times and the
 * APIv3 client. Merchants use the main entry.
 *
 * @example
 * ```ts
 * import { verifyWechatpayMessage, wechatpaySigningMessage } from '@hutong/adapter-wechatpay/protocol';
 * verifyWechatpayMessage(wechatpaySigningMessage([timestamp, nonce, body]), signature, platformKey);
 * ```
 *
 * @packageDocumentation
 */
export * from '../wechatpay-aead.js';
export * from '../wechatpay-certificates.js';
export * from '../wechatpay-client.js';
export * from '../wechatpay-errors.js';
export * from '../wechatpay-movement-notification.js';
export * from '../wechatpay-movement-replies.js';
export * from '../wechatpay-movement-replies.js';
export * from '../wechatpay-notification.js';
export {
  certificateSerial,
  resolveWechatpayOptions,
  type WechatpayApps,
  type WechatpayConfig,
} from '../wechatpay-options.js';
export * from '../wechatpay-partner.js';
export * from '../wechatpay-payment-request.js';
export * from '../wechatpay-privacy.js';
export * from '../wechatpay-replies.js';
export * from '../wechatpay-signature.js';
export {
  decryptWechatpayBillKey,
  decryptWechatpayBillStream,
  encryptWechatpayBillFile,
} from '../wechatpay-statements-encrypted.js';
export * from '../wechatpay-status.js';
export * from '../wechatpay-time.js';
