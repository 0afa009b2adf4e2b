/**
 * `@hutong/adapter-wechatpay/sandbox`: a local, protocol-faithful APIv3 server for tests and
 * demos, in public-key or certificate mode. In-process (`sandbox.fetch`) or over HTTP
 * (`sandbox.listen()`).
 *
 * @example
 * ```ts
 * import { createWechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
 * ```
 *
 * @packageDocumentation
 */
export * from './wechatpay-sandbox.js';
