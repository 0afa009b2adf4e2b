/**
 * `@hutong/adapter-alipay/sandbox`: a local, protocol-faithful fake of the Alipay gateway for
 * tests and demos. In-process (`sandbox.fetch`) or over HTTP (`sandbox.listen()`).
 *
 * @example
 * ```ts
 * import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
 * ```
 *
 * @packageDocumentation
 */
export * from './alipay-sandbox.js';
