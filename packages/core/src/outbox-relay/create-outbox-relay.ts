/**
 * `createOutboxRelay`: checks the options, builds the context the parts share, and returns the
 * relay. Each part lives in its own file in this folder: claiming (`claim-loop.ts`), per-order
 * chains and delivery slots (`order-chains.ts`), one delivery and its backoff
 * (`deliver-event.ts`), writing acknowledgements and releases (`acknowledge-and-release.ts`),
 * retention (`prune-events.ts`) and `start()` mode (`start-stop.ts`).
 *
 * @packageDocumentation
 */
import { runOnce } from './claim-loop.js';
import { prune } from './prune-events.js';
import { createRelayContext } from './relay-context.js';
import type { OutboxRelay, OutboxRelayOptions } from './relay-types.js';
import { start, stop, wake } from './start-stop.js';

/**
 * Creates an {@link OutboxRelay}: claims a batch of events for its group, delivers the events of
 * up to `concurrency` orders at once (each order's in the order they were written), each under a
 * deadline, and acknowledges them in batches. A delivery that fails or times out releases its event
 * (and the later events of its order) for a retry after an exponential backoff, while the other
 * orders' events keep flowing. Delivery is at least once: a process that dies after delivering
 * and before acknowledging delivers again after the lease, so receivers de-duplicate by `event.id`.
 * `createPayments` makes one for stores with an outbox (`payments.relay`); use this directly to
 * deliver events elsewhere (a queue, a webhook).
 *
 * @example
 * ```ts
 * import { createOutboxRelay } from '@hutong/core';
 *
 * const relay = createOutboxRelay({
 *   outbox: store.outbox,
 *   group: 'warehouse',
 *   deliver: async (event, { signal }) => {
 *     await queue.publish(event.type, event.payload, { dedupeId: event.id, signal });
 *   },
 * });
 * relay.start();
 * ```
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const context = createRelayContext(options);
  return {
    runOnce: () => runOnce(context),
    start: () => start(context),
    stop: () => stop(context),
    wake: () => wake(context),
    prune: () => prune(context),
    get running() {
      return context.run.running;
    },
    group: context.group,
    consumer: context.consumer,
  };
}
