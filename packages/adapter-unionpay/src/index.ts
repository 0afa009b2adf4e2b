/**
 * `@hutong/adapter-unionpay`: UnionPay online payments (ACP 5.1.0) and UnionPay QR for hutong, with
 * every message verified against the UnionPay certificate chain and every reply bound to its request.
 * The offline sandbox is in `@hutong/adapter-unionpay/sandbox`; the protocol internals (signing,
 * field encodings, certificate checks, code tables) in `@hutong/adapter-unionpay/protocol`.
 *
 * @example
 * ```ts
 * import { unionpay } from '@hutong/adapter-unionpay';
 * ```
 *
 * @packageDocumentation
 */
export {
  UNIONPAY_FILE_ENDPOINTS,
  UNIONPAY_GATEWAYS,
  type UnionpayAccessOptions,
  type UnionpayBaseOptions,
  type UnionpayOptions,
  type UnionpayPemSignCert,
  type UnionpayPfxSignCert,
  type UnionpaySignCert,
  type UnionpayVerifyCerts,
} from './unionpay-options.js';
export {
  type UnionpayActions,
  type UnionpayFrontReturn,
  type UnionpayPaymentOptions,
  type UnionpayProvider,
  unionpay,
} from './unionpay-provider.js';
export {
  parseUnionpayStatement,
  UnionpayStatementLineError,
  type UnionpayStatementOptions,
} from './unionpay-statements-parser.js';
