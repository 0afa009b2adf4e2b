/**
 * `@hutong/core/testing`: the fake provider (the reference adapter), the provider conformance
 * suite and the order store suite. The suites register vitest tests, so `vitest` must be installed.
 *
 * @example
 * ```ts
 * import { createFakeProvider, runProviderConformanceTests } from '@hutong/core/testing';
 * ```
 *
 * @packageDocumentation
 */
export * from './fake-provider.js';
export * from './fake-signature.js';
export * from './order-store-tests.js';
export * from './provider-conformance.js';
export * from './sample-order.js';
