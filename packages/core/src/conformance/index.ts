/**
 * `@hutong/core/conformance`: the executable spec. `runProviderConformanceTests` checks a payment
 * provider against its sandbox; `runOrderStoreTests` checks an order store. Both register vitest
 * tests (ESM only, like vitest itself).
 *
 * @example
 * ```ts
 * import { runProviderConformanceTests } from '@hutong/core/conformance';
 * ```
 *
 * @packageDocumentation
 */
export * from './order-store-tests.js';
export * from './outbox-store-tests.js';
export * from './provider-conformance.js';
