/**
 * `@hutong/adapter-unionpay/sandbox`: a local, protocol-faithful fake of the UnionPay ACP gateway,
 * with its own certificate chain and a cashier page. In-process (`sandbox.fetch`) or over HTTP
 * (`sandbox.listen()`).
 *
 * @example
 * ```ts
 * import { createUnionpaySandbox } from '@hutong/adapter-unionpay/sandbox';
 * ```
 *
 * @packageDocumentation
 */
export * from './unionpay-sandbox.js';
