/**
 * The facade's outbox relay: with a store that has an outbox, the events written with each order
 * are delivered to the facade's listeners by a relay instead of inline.
 *
 * @packageDocumentation
 */
import { AmountMismatchError } from '../errors.js';
import type { OrderStore } from '../order-store.js';
import { createOutboxRelay, type OutboxEvent, type OutboxRelay } from '../outbox.js';
import type { PaymentsEmitter, PaymentsEventMap } from '../payments-events.js';
import type { PaymentsRelayOptions } from './payments-types.js';
import { droppedRelayErrors } from './payments-warnings.js';

/** What a listener receives for an outbox event: its payload, its id, and a rebuilt amount error. */
function listenerPayload(event: OutboxEvent): PaymentsEventMap[OutboxEvent['type']] {
  if (event.type === 'order.anomaly') {
    const { order, anomaly } = event.payload;
    if (anomaly.code === 'amount_mismatch' && anomaly.amount !== null) {
      return {
        order,
        anomaly,
        error: new AmountMismatchError(order.id, order.amount, anomaly.amount),
        eventId: event.id,
      };
    }
  }
  return { ...event.payload, eventId: event.id } as PaymentsEventMap[OutboxEvent['type']];
}

/**
 * The relay that delivers the store's outbox to the emitter's listeners, or `undefined` when the
 * store has no outbox or the relay is turned off (`relay: false`). Without `relayOptions.onError`,
 * relay failures are dropped (one process warning, see {@link droppedRelayErrors}).
 */
export function createPaymentsRelay(
  outbox: OrderStore['outbox'],
  relayOptions: PaymentsRelayOptions | undefined,
  emitter: PaymentsEmitter,
): OutboxRelay | undefined {
  if (!outbox || !relayOptions) return undefined;
  return createOutboxRelay({
    outbox,
    onError: droppedRelayErrors(),
    ...relayOptions,
    deliver: (event) => emitter.emit(event.type, listenerPayload(event) as never),
  });
}
