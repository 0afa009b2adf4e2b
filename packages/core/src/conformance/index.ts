/**
 * `@hutong/core/conformance`: the executable spec. `runProviderConformance` checks a payment
 * provider against its `WalletSandbox` (genuine, failed, forged and tampered messages alike);
 * `runOrderStoreTests` checks an order store. Both register vitest tests (ESM only, like vitest
 * itself).
 *
 * @example
 * ```ts
 * import { runProviderConformance } from '@hutong/core/conformance';
 * ```
 *
 * @packageDocumentation
 */

export * from './order-store-get-many-tests.js';
export * from './order-store-tests.js';
export * from './outbox-store-tests.js';
export * from './provider-conformance.js';
export * from './split-store-tests.js';
export * from './transfer-store-tests.js';
export * from './statement-store-tests.js';
