/**
 * `@hutong/adapter-unionpay/protocol`: the ACP 5.1.0 wire protocol as this adapter implements it,
 * for adapter authors, tests and the sandbox: signing, the two field encodings, certificate-chain
 * checks, the gateway client (with its reply binding), message readers and the code tables.
 * Merchants use `@hutong/adapter-unionpay`.
 *
 * @example
 * ```ts
 * import { unionpaySigningString } from '@hutong/adapter-unionpay/protocol';
 * ```
 *
 * @packageDocumentation
 */
export * from '../unionpay-access.js';
export * from '../unionpay-certificates.js';
export * from '../unionpay-client.js';
export * from '../unionpay-errors.js';
export * from '../unionpay-fields.js';
export * from '../unionpay-notification.js';
export { resolveUnionpayOptions, type UnionpayConfig } from '../unionpay-options.js';
export * from '../unionpay-pfx.js';
export * from '../unionpay-replies.js';
export * from '../unionpay-signature.js';
export { UNIONPAY_ZM_FIELD_WIDTHS } from '../unionpay-statements-parser.js';
export { readZipEntries, type ZipEntry } from '../unionpay-statements-zip.js';
export * from '../unionpay-status.js';
export * from '../unionpay-time.js';
