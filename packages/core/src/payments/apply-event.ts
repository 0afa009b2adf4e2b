/**
 * Applying an event to a stored order: the state machine's transition, written with
 * compare-and-set, its events emitted or written to the outbox with it.
 *
 * @packageDocumentation
 */
import { ConflictError, OrderNotFoundError, ValidationError } from '../errors.js';
import type { Order } from '../order.js';
import { type OrderEvent, type TransitionResult, transition } from '../order-state-machine.js';
import { emitEffects, hasListenersFor, outboxEvents } from './order-effects.js';
import type { PaymentsContext } from './payments-context.js';

/**
 * Applies an event with compare-and-set, re-reading and re-applying when another writer won.
 * `expectedProvider` binds a provider's event to that provider's orders; `patch` is written with
 * the event (and makes a change even when the event alone changes nothing); `bind` checks the
 * order as first read (a notification's sub-merchant, which never changes) and throws to refuse.
 */
export async function applyEvent(
  context: PaymentsContext,
  event: OrderEvent,
  expectedProvider?: string,
  patch?: Partial<Order>,
  bind?: (order: Order) => void | Promise<void>,
): Promise<TransitionResult> {
  const { store, now, outbox, relay, emitter } = context;
  for (let attempt = 0; attempt <= context.maxRetries; attempt++) {
    const current = await store.get(event.orderId);
    if (!current) throw new OrderNotFoundError(event.orderId);
    if (expectedProvider !== undefined && current.provider !== expectedProvider) {
      throw new ValidationError(
        'event.orderId',
        `order ${event.orderId} belongs to provider ${current.provider}, not ${expectedProvider}`,
      );
    }
    if (attempt === 0 && bind) {
      // A cached sub-merchant binds synchronously: no await on the hot path then.
      const bound = bind(current);
      if (bound) await bound;
    }
    const result = transition(current, event, now());
    if (result.outcome !== 'applied' && !patch) return result;
    const next =
      patch === undefined
        ? result.order
        : { ...result.order, ...patch, version: current.version + 1, updatedAt: now().toISOString() };
    const events = outbox ? outboxEvents(next, result.effects) : undefined;
    if (await store.update(next, current.version, events)) {
      if (outbox) {
        if (events) relay?.wake();
      } else if (hasListenersFor(emitter, result.effects)) await emitEffects(emitter, next, result.effects);
      return { ...result, order: next, outcome: patch && result.outcome !== 'applied' ? 'applied' : result.outcome };
    }
  }
  throw new ConflictError(
    'version_conflict',
    event.orderId,
    `order ${event.orderId} kept changing; ${event.type} was not applied after ${context.maxRetries + 1} attempts`,
  );
}
