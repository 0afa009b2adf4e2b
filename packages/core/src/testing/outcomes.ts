/**
 * Small helpers for tests that assert on failures: what a promise rejected with, and which field a
 * `ValidationError` named.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';

/**
 * What `promise` rejected with, or `undefined` when it resolved.
 *
 * @example
 * ```ts
 * expect(RefundExceedsPaidError.isInstance(await rejectionOf(payments.refund(id, { amount: 1e6 })))).toBe(true);
 * ```
 */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/**
 * The `field` of the `ValidationError` that `fn` throws, or `undefined` when it throws nothing.
 * Any other error is rethrown, so a test cannot pass on the wrong kind of failure.
 *
 * @example
 * ```ts
 * expect(validationFieldOf(() => assertAmount(9.8, 'amount'))).toBe('amount');
 * ```
 */
export function validationFieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (ValidationError.isInstance(error)) return error.field;
    throw error;
  }
  return undefined;
}
