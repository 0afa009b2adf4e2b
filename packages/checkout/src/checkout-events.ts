/**
 * The checkout's events, emitted after the change they report is stored.
 *
 * @packageDocumentation
 */
import type { Order, Refund } from '@hutong/core';
import type { CheckoutAttempt, CheckoutSession } from './checkout-session.js';

/**
 * Event names and their payloads.
 *
 * @example
 * ```ts
 * checkout.on('checkout.completed', ({ session, order }) => fulfil(session.metadata.cartId, order.id));
 * checkout.on('checkout.duplicate_payment', ({ order, refund }) => log(order.id, refund?.status));
 * ```
 */
export interface CheckoutEventMap {
  /** A payment completed the session (once; a reusable session once per payment up to its limit). */
  'checkout.completed': { session: CheckoutSession; attempt: CheckoutAttempt; order: Order };
  /** The session's time ran out before it completed; its open attempts were closed. */
  'checkout.expired': { session: CheckoutSession };
  /**
   * A payment arrived for a session already complete (two friends paid at once): recorded as a
   * `duplicate_payment` anomaly and, unless turned off, refunded. `refund` is the refund sent, or
   * `null` (turned off, or it failed: then `error` says why).
   */
  'checkout.duplicate_payment': {
    session: CheckoutSession;
    attempt: CheckoutAttempt;
    order: Order;
    refund: Refund | null;
    error?: unknown;
  };
}

/** Name of a checkout event. */
export type CheckoutEventType = keyof CheckoutEventMap;

/** A listener; it may be async, and is awaited. */
export type CheckoutListener<T extends CheckoutEventType> = (payload: CheckoutEventMap[T]) => void | Promise<void>;

/** A small typed emitter whose listeners' errors never undo a stored change. */
export class CheckoutEmitter {
  readonly #listeners = new Map<CheckoutEventType, Set<CheckoutListener<never>>>();
  readonly #onError: (error: unknown, type: CheckoutEventType) => void;

  constructor(onError: (error: unknown, type: CheckoutEventType) => void) {
    this.#onError = onError;
  }

  on<T extends CheckoutEventType>(type: T, listener: CheckoutListener<T>): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    set.add(listener as CheckoutListener<never>);
    return () => set.delete(listener as CheckoutListener<never>);
  }

  async emit<T extends CheckoutEventType>(type: T, payload: CheckoutEventMap[T]): Promise<void> {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        await (listener as CheckoutListener<T>)(payload);
      } catch (error) {
        this.#onError(error, type);
      }
    }
  }
}
