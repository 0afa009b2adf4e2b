/**
 * `@hutong/checkout/conformance`: the executable contract of a checkout store, for vitest.
 *
 * @example
 * ```ts
 * import { runCheckoutStoreTests } from '@hutong/checkout/conformance';
 * runCheckoutStoreTests({ name: 'MyCheckoutStore', createStore: () => new MyCheckoutStore(pool) });
 * ```
 *
 * @packageDocumentation
 */
export {
  type CheckoutStoreTestOptions,
  runCheckoutStoreTests,
  sampleCheckoutAttempt,
  sampleCheckoutSession,
} from './checkout-store-tests.js';
