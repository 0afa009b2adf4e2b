/**
 * `@hutong/adapter-unionpay`: UnionPay online payments (ACP 5.1.0) and UnionPay QR for hutong, with
 * every message verified against the UnionPay certificate chain. The offline sandbox is in
 * `@hutong/adapter-unionpay/sandbox`.
 *
 * @example
 * ```ts
 * import { unionpay } from '@hutong/adapter-unionpay';
 * ```
 *
 * @packageDocumentation
 */
export * from './unionpay-certificates.js';
export * from './unionpay-codes.js';
export * from './unionpay-fields.js';
export * from './unionpay-gateway.js';
export * from './unionpay-notification.js';
export * from './unionpay-options.js';
export * from './unionpay-pfx.js';
export * from './unionpay-provider.js';
export * from './unionpay-signature.js';
export * from './unionpay-time.js';
