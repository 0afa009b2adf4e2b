/**
 * `@hutong/core/testing`: the fake provider (the reference adapter, with an in-memory gateway),
 * its signature helpers, sample orders, test certificates and the {@link WalletSandbox} interface
 * the three wallet sandboxes implement. Needs no test runner; the conformance suites that run
 * under vitest are in `@hutong/core/conformance`.
 *
 * @example
 * ```ts
 * import { createFakeProvider } from '@hutong/core/testing';
 * const fake = createFakeProvider();
 * ```
 *
 * @packageDocumentation
 */
export * from './deliver.js';
export * from './fake-movements.js';
export * from './fake-provider.js';
export * from './fake-signature.js';
export * from './fake-statement.js';
export * from './movement-sandbox.js';
export * from './outcomes.js';
export * from './sample-order.js';
export * from './sample-transfer.js';
export * from './serve-sandbox.js';
export * from './test-certificate.js';
export * from './wallet-sandbox.js';
export * from './zip-writer.js';
