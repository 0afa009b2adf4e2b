/**
 * The reconciler's backoff: a provider that fails in a way worth waiting for (a retryable
 * `ProviderApiError`, a `NetworkError`) is left alone for a while that doubles with each failure
 * in a row, up to `backoffMaxMs`; for a wallet's refusal about a sub-merchant, only that merchant.
 *
 * @packageDocumentation
 */
import { NetworkError, ProviderApiError } from '../errors.js';
import type { Order } from '../order.js';
import { merchantOf, type ReconcilerContext } from './reconciler-context.js';

function isProviderOutage(error: unknown): boolean {
  return (ProviderApiError.isInstance(error) && error.retryable) || NetworkError.isInstance(error);
}

/**
 * Whose orders wait after a failure: a network failure is the wallet's host, so every order of the
 * provider; a wallet's busy or rate-limit answer about a sub-merchant's order may concern that
 * sub-merchant alone (WeChat Pay limits per sub_mchid), so only that merchant's orders.
 */
function backoffKey(order: Order, error: unknown): string {
  if (order.merchant === undefined || NetworkError.isInstance(error)) return order.provider;
  return `${order.provider}\u0000${order.merchant}`;
}

/** The backoffs that hold `order`: its provider's, and its merchant's at that provider. */
function backoffKeys(order: Order): string[] {
  return order.merchant === undefined ? [order.provider] : [order.provider, `${order.provider}\u0000${order.merchant}`];
}

/** Counts one more failure under `key` and returns until when to wait (epoch ms). */
function recordFailure(context: ReconcilerContext, key: string): number {
  const { backoffInitialMs, backoffMaxMs } = context.settings;
  const failures = (context.backoff.get(key)?.failures ?? 0) + 1;
  const wait = Math.min(backoffMaxMs, backoffInitialMs * 2 ** (failures - 1));
  const until = context.now().getTime() + wait;
  context.backoff.set(key, { failures, until });
  return until;
}

/**
 * Whether the order's provider, or its merchant at that provider, is waiting at `at` (epoch ms).
 *
 * @example
 * ```ts
 * if (isOrderDeferred(context, order, Date.now())) deferred++;
 * ```
 */
export function isOrderDeferred(context: ReconcilerContext, order: Order, at: number): boolean {
  return backoffKeys(order).some((key) => (context.backoff.get(key)?.until ?? 0) > at);
}

/**
 * The order was handled: its provider and its merchant there wait no more.
 *
 * @example
 * ```ts
 * clearOrderBackoff(context, order);
 * ```
 */
export function clearOrderBackoff(context: ReconcilerContext, order: Order): void {
  for (const key of backoffKeys(order)) context.backoff.delete(key);
}

/**
 * After a failed `sync` or `close`: an outage leaves the provider (or the merchant there) alone
 * for a growing while, and reports `provider.backoff`; any other failure, nothing.
 *
 * @example
 * ```ts
 * backOffOrder(context, order, error);
 * ```
 */
export function backOffOrder(context: ReconcilerContext, order: Order, error: unknown): void {
  if (!isProviderOutage(error)) return;
  const key = backoffKey(order, error);
  const until = recordFailure(context, key);
  const who = key === order.provider ? {} : merchantOf(order);
  context.emit({ type: 'provider.backoff', provider: order.provider, ...who, until: new Date(until), error });
}

/**
 * Leaves a provider in an outage alone for a growing while (transfers).
 *
 * @example
 * ```ts
 * backOffProvider(context, 'alipay', error);
 * ```
 */
export function backOffProvider(context: ReconcilerContext, provider: string, error: unknown): void {
  if (!isProviderOutage(error)) return;
  const until = recordFailure(context, provider);
  context.emit({ type: 'provider.backoff', provider, until: new Date(until), error });
}
