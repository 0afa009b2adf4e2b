/**
 * The typed events the payments facade emits for the merchant's fulfilment code. Every `order.*`
 * and `refund.*` event follows the stored change it reports and carries an `eventId`
 * (`<orderId>:<version>:<index>`), the same however often it is delivered: with a store that has an
 * outbox, delivery is at least once, so de-duplicate on it.
 *
 * @packageDocumentation
 */
import type { AmountMismatchError } from './errors.js';
import type { MoneyMovementEventMap } from './movement-events.js';
import type { Order, OrderAnomaly, Refund } from './order.js';
import type { StatementEventMap } from './statement-events.js';

/**
 * Event names and their payloads.
 *
 * @example
 * ```ts
 * payments.on('order.paid', async ({ order }) => fulfil(order.id));
 * ```
 */
export interface PaymentsEventMap extends MoneyMovementEventMap, StatementEventMap {
  /** An order was recorded. */
  'order.created': { order: Order; eventId: string };
  /** The provider has the payment; the buyer has not paid yet. */
  'order.pending': { order: Order; eventId: string };
  /** A verified payment of the full amount: ship. */
  'order.paid': { order: Order; eventId: string };
  /** A refund settled; `fully` when nothing is left to refund. */
  'order.refunded': { order: Order; refund: Refund; fully: boolean; eventId: string };
  /** Closed or expired unpaid. */
  'order.closed': { order: Order; eventId: string };
  /** The provider refused the payment. */
  'order.failed': { order: Order; eventId: string };
  /** A verified fact that needs a person: see {@link OrderAnomaly}. */
  'order.anomaly': { order: Order; anomaly: OrderAnomaly; error?: AmountMismatchError | undefined; eventId: string };
  /** A refund failed; its amount is refundable again. */
  'refund.failed': { order: Order; refund: Refund; eventId: string };
  /**
   * A notification was refused (bad signature, replay, unknown order, another sub-merchant's
   * message, store failure, ...). `merchant`: the merchant of the order it named, once that order
   * was read (platform mode).
   */
  'notification.rejected': { provider: string; error: unknown; merchant?: string | undefined };
}

/** Name of a facade event. */
export type PaymentsEventType = keyof PaymentsEventMap;

/** A listener; it may be async, and is awaited. */
export type PaymentsListener<T extends PaymentsEventType> = (payload: PaymentsEventMap[T]) => void | Promise<void>;

/** A tiny typed emitter whose listener errors never undo a stored change. */
export class PaymentsEmitter {
  readonly #listeners = new Map<PaymentsEventType, Set<PaymentsListener<never>>>();
  readonly #onError: (error: unknown, type: PaymentsEventType) => void;

  /** @param onError - receives errors thrown by listeners. */
  constructor(onError: (error: unknown, type: PaymentsEventType) => void) {
    this.#onError = onError;
  }

  /** Adds a listener; returns a function that removes it. */
  on<T extends PaymentsEventType>(type: T, listener: PaymentsListener<T>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as PaymentsListener<never>);
    return () => set.delete(listener as PaymentsListener<never>);
  }

  /** Whether any listener is registered for `type` (lets callers skip building payloads). */
  has(type: PaymentsEventType): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0;
  }

  /**
   * Calls the listeners of `type` in order, awaiting each; errors go to `onError`. Resolves with
   * whether every listener returned without throwing.
   */
  async emit<T extends PaymentsEventType>(type: T, payload: PaymentsEventMap[T]): Promise<boolean> {
    const set = this.#listeners.get(type);
    if (!set || set.size === 0) return true;
    let ok = true;
    for (const listener of set) {
      try {
        await (listener as PaymentsListener<T>)(payload);
      } catch (error) {
        ok = false;
        this.#onError(error, type);
      }
    }
    return ok;
  }
}
