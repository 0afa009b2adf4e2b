/**
 * One delivery under its deadline, and the backoff of an event whose delivery failed.
 *
 * @packageDocumentation
 */
import { TimeoutError } from '../errors.js';
import type { ClaimedOutboxEvent } from '../outbox-events.js';
import type { RelayContext } from './relay-context.js';

/** How one delivery ended. */
export type Outcome = 'delivered' | 'failed' | 'timeout';

/**
 * Delivers `event`: `failed` when `deliver` threw (reported) or returned `false`, `timeout` when
 * it did not settle within `deliveryTimeoutMs` (reported, and its signal aborted).
 */
export async function deliverEvent(context: RelayContext, event: ClaimedOutboxEvent): Promise<Outcome> {
  const { deliver, deliveryTimeoutMs, report } = context;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deliveryTimeoutMs);
    timer.unref?.();
  });
  const attempt = (async (): Promise<Outcome> => {
    try {
      return (await deliver(event, { signal: controller.signal })) === false ? 'failed' : 'delivered';
    } catch (error) {
      report(error, { event });
      return 'failed';
    }
  })();
  const outcome = await Promise.race([attempt, deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    const error = new TimeoutError(
      deliveryTimeoutMs,
      `the delivery of ${event.id} did not settle within ${deliveryTimeoutMs} ms`,
    );
    controller.abort(error);
    report(error, { event, timedOut: true });
  }
  return outcome;
}

/** The wait before the next attempt of an event claimed `attempts` times: doubled each time, with jitter. */
export function retryDelay(context: RelayContext, attempts: number): number {
  const exponential = Math.min(context.maxRetryDelayMs, context.retryDelayMs * 2 ** Math.min(attempts - 1, 30));
  // Half fixed, half random: retries of a burst of failures spread out.
  return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
}
