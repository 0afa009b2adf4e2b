/**
 * `@hutong/adapter-alipay`: Alipay (支付宝) for hutong: every payment method, refunds,
 * notifications, public-key and certificate modes. The offline sandbox is in
 * `@hutong/adapter-alipay/sandbox`.
 *
 * @example
 * ```ts
 * import { alipay } from '@hutong/adapter-alipay';
 * const provider = alipay({ appId, privateKey, alipayPublicKey });
 * ```
 *
 * @packageDocumentation
 */
export * from './alipay-cert.js';
export * from './alipay-errors.js';
export * from './alipay-gateway.js';
export * from './alipay-notification.js';
export * from './alipay-options.js';
export * from './alipay-provider.js';
export * from './alipay-response.js';
export * from './alipay-signature.js';
export * from './alipay-status.js';
export * from './alipay-time.js';
export * from './alipay-v3-signature.js';
