/**
 * `@hutong/core/conformance`: the executable spec. `runProviderConformance` checks a payment
 * provider against its `WalletSandbox` (genuine, failed, forged and tampered messages alike);
 * `runMovementConformance` checks its splits, split returns and transfers against the sandbox's
 * `MovementSandbox`; `runOrderStoreTests`, `runSplitOrderStoreTests` and `runTransferStoreTests`
 * check a store. All register vitest tests (ESM only, like vitest itself).
 *
 * @example
 * ```ts
 * import { runProviderConformance } from '@hutong/core/conformance';
 * ```
 *
 * @packageDocumentation
 */

export * from './movement-conformance.js';
export * from './order-store-get-many-tests.js';
export * from './order-store-tests.js';
export * from './outbox-store-tests.js';
export * from './provider-conformance.js';
export * from './split-store-tests.js';
export * from './statement-store-tests.js';
export * from './transfer-store-tests.js';
