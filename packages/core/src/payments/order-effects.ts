/**
 * The events of one stored change: emitted inline to the facade's listeners (a store without an
 * outbox), or written with the change as outbox events.
 *
 * @packageDocumentation
 */
import type { Order } from '../order.js';
import type { OrderEffect } from '../order-state-machine.js';
import { type OutboxEvent, outboxEventId } from '../outbox.js';
import type { PaymentsEmitter } from '../payments-events.js';

/** Emits each effect to its listeners, in order, with the id its outbox event would have. */
export async function emitEffects(
  emitter: PaymentsEmitter,
  order: Order,
  effects: readonly OrderEffect[],
): Promise<void> {
  for (let index = 0; index < effects.length; index++) {
    const effect = effects[index] as OrderEffect;
    if (!emitter.has(effect.type)) continue;
    const eventId = outboxEventId(order.id, order.version, index);
    switch (effect.type) {
      case 'order.refunded':
        await emitter.emit(effect.type, { order, refund: effect.refund, fully: effect.fully, eventId });
        break;
      case 'refund.failed':
        await emitter.emit(effect.type, { order, refund: effect.refund, eventId });
        break;
      case 'split.succeeded':
      case 'split.failed':
      case 'split.closed':
        await emitter.emit(effect.type, { order, split: effect.split, eventId });
        break;
      case 'split.returned':
      case 'split.return_failed':
        await emitter.emit(effect.type, { order, split: effect.split, splitReturn: effect.splitReturn, eventId });
        break;
      case 'order.anomaly':
        await emitter.emit(
          effect.type,
          effect.error
            ? { order, anomaly: effect.anomaly, error: effect.error, eventId }
            : { order, anomaly: effect.anomaly, eventId },
        );
        break;
      default:
        await emitter.emit(effect.type, { order, eventId });
    }
  }
}

/** The events of one stored change, for the outbox: one per effect, in order. */
export function outboxEvents(order: Order, effects: readonly OrderEffect[]): OutboxEvent[] | undefined {
  if (effects.length === 0) return undefined;
  return effects.map((effect, index) => {
    const base = { id: outboxEventId(order.id, order.version, index), orderId: order.id, createdAt: order.updatedAt };
    switch (effect.type) {
      case 'order.refunded':
        return { ...base, type: effect.type, payload: { order, refund: effect.refund, fully: effect.fully } };
      case 'refund.failed':
        return { ...base, type: effect.type, payload: { order, refund: effect.refund } };
      case 'order.anomaly':
        return { ...base, type: effect.type, payload: { order, anomaly: effect.anomaly } };
      case 'split.succeeded':
      case 'split.failed':
      case 'split.closed':
        return { ...base, type: effect.type, payload: { order, split: effect.split } };
      case 'split.returned':
      case 'split.return_failed':
        return { ...base, type: effect.type, payload: { order, split: effect.split, splitReturn: effect.splitReturn } };
      default:
        return { ...base, type: effect.type, payload: { order } };
    }
  });
}

/** Whether any effect has a listener. */
export function hasListenersFor(emitter: PaymentsEmitter, effects: readonly OrderEffect[]): boolean {
  for (const effect of effects) if (emitter.has(effect.type)) return true;
  return false;
}
