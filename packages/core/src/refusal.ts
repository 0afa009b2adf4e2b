/**
 * Refusals that name no order or refund. Alipay's and WeChat Pay's error replies carry no order
 * number, so a genuine refusal of another request could come back as this request's answer while
 * the wallet charged the buyer or made the refund. Where money may already have moved, an adapter
 * checks the refusal against a query whose reply names the order or refund before the facade marks
 * anything failed.
 *
 * @packageDocumentation
 */
import { ProviderApiError, UnexpectedResponseError } from './errors.js';

/** How {@link checkRefusal} asks the wallet. */
export interface RefusalCheck<T> {
  /** What is asked, for the error when it fails: `alipay.trade.query`, `the refund query`. */
  name: string;
  /** Where the wallet puts its code in the reply, e.g. `response.sub_code`; the error's `field`. */
  field?: string | undefined;
  /**
   * Asks the wallet about this order or refund, in a reply that names it. Resolves to what was made
   * (the refusal was another request's), or `undefined`: nothing was made, and the refusal stands.
   */
  run: () => Promise<T | undefined>;
}

/**
 * Checks a refusal that names no order or refund. Anything but a definitive refusal (a
 * non-retryable {@link ProviderApiError}) is thrown as it is. Otherwise `check.run()` asks the
 * wallet: what it found is returned; `undefined`, or a `not_found` refusal of the query itself,
 * lets the refusal stand (it is thrown); any other failure leaves the outcome unknown, as an
 * {@link UnexpectedResponseError} (reason `mismatch`) whose `cause` is the refusal, so the facade
 * marks nothing failed and `sync` settles it.
 *
 * A "not found" answer names nothing either: an attacker able to replay genuine signed replies on
 * both calls can still get a refusal to stand. The payment is not lost: it reaches the order on the
 * next notification or `sync` as a `paid_after_failed` anomaly.
 *
 * @example
 * ```ts
 * try {
 *   return await pay(request);
 * } catch (error) {
 *   const status = await checkRefusal(error, {
 *     name: 'the order query',
 *     run: async () => {
 *       const status = await query(request.orderId);
 *       return status.type === 'payment.succeeded' ? status : undefined;
 *     },
 *   });
 *   return { action: { type: 'none' }, status };
 * }
 * ```
 */
export async function checkRefusal<T>(refusal: unknown, check: RefusalCheck<T>): Promise<T> {
  if (!ProviderApiError.isInstance(refusal) || refusal.retryable) throw refusal;
  let found: T | undefined;
  try {
    found = await check.run();
  } catch (error) {
    if (ProviderApiError.isInstance(error) && error.normalizedCode === 'not_found') throw refusal;
    const why = error instanceof Error ? error.message : String(error);
    throw new UnexpectedResponseError(
      refusal.provider,
      'mismatch',
      `the refusal ${refusal.providerCode} names no order, and ${check.name} could not check it (${why})`,
      { field: check.field, cause: refusal },
    );
  }
  if (found === undefined) throw refusal;
  return found;
}
