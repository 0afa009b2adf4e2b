/**
 * The facade's outbox relay: with a store that has an outbox, the events written with each order
 * are delivered to the facade's listeners by a relay instead of inline.
 *
 * @packageDocumentation
 */
import { AmountMismatchError } from '../errors.js';
import type { OrderStore } from '../order-store.js';
import { type ClaimedOutboxEvent, createOutboxRelay, type OutboxEvent, type OutboxRelay } from '../outbox.js';
import type { PaymentsEmitter, PaymentsEventMap, PaymentsEventType } from '../payments-events.js';
import type { PaymentsRelayOptions } from './payments-types.js';

/** The default `onListenerError`: a listener's failure is reported, the stored change stands. */
export function defaultListenerError(error: unknown, event: PaymentsEventType): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[hutong] a listener of ${event} threw: ${message}`);
}

function defaultRelayError(
  error: unknown,
  context: { event?: ClaimedOutboxEvent | undefined; gaveUp?: boolean | undefined },
): void {
  // Listener errors reach `onListenerError`; what is left is a store failure or a delivery given up.
  if (context.event && !context.gaveUp) return;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[hutong] outbox relay: ${message}`);
}

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
 * store has no outbox or the relay is turned off (`relay: false`).
 */
export function createPaymentsRelay(
  outbox: OrderStore['outbox'],
  relayOptions: PaymentsRelayOptions | undefined,
  emitter: PaymentsEmitter,
): OutboxRelay | undefined {
  if (!outbox || !relayOptions) return undefined;
  return createOutboxRelay({
    outbox,
    onError: defaultRelayError,
    ...relayOptions,
    deliver: (event) => emitter.emit(event.type, listenerPayload(event) as never),
  });
}
