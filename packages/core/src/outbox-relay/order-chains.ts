/**
 * Per-order delivery chains and the delivery slots: claimed events are grouped by order, up to
 * `concurrency` orders are delivered at once, one order's events one after the other; a failed
 * delivery holds its order's later events back until its retry.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';
import type { ClaimedOutboxEvent } from '../outbox-events.js';
import { scheduleFlush } from './acknowledge-and-release.js';
import { deliverEvent, retryDelay } from './deliver-event.js';
import { type Chain, notify, type RelayContext } from './relay-context.js';

/** Puts the events back for later: claimable after `delayMs`, counted as attempts or not. */
export function release(
  context: RelayContext,
  events: readonly ClaimedOutboxEvent[],
  delayMs: number,
  attempted: boolean,
): void {
  for (const event of events) {
    context.writes.releases.push({ id: event.id, delayMs, attempted });
    context.delivery.claimedIds.delete(event.id);
  }
}

/** Marks the event done: acknowledged with the next flush. */
function settle(context: RelayContext, event: ClaimedOutboxEvent): void {
  context.writes.acks.push(event.id);
  context.delivery.claimedIds.delete(event.id);
}

/** What follows a delivery that did not succeed: a retry after a backoff, or giving up. */
function afterFailure(context: RelayContext, chain: Chain, event: ClaimedOutboxEvent): void {
  if (event.attempts >= context.maxAttempts) {
    context.report(new ValidationError('event', `${event.id} was not delivered after ${event.attempts} attempts`), {
      event,
      gaveUp: true,
    });
    settle(context, event);
    return;
  }
  // The order's later events wait behind this one, so the order's events stay in order.
  const delayMs = retryDelay(context, event.attempts);
  context.delivery.heldUntil.set(chain.orderId, Date.now() + delayMs);
  release(context, [event], delayMs, true);
  release(context, chain.events.splice(0), delayMs, false);
}

/** Delivers the chain's events in order, in one delivery slot, until it is empty or one fails. */
async function runChain(context: RelayContext, chain: Chain): Promise<void> {
  const { delivery } = context;
  const started = delivery.generation;
  try {
    for (let event = chain.events.shift(); event; event = chain.events.shift()) {
      if (delivery.stopping) {
        release(context, [event, ...chain.events.splice(0)], 0, false);
        break;
      }
      const outcome = await deliverEvent(context, event);
      // stop() gave up on this delivery and released its event: another instance owns it now.
      if (started !== delivery.generation) {
        // stop() emptied this chain; anything left goes back uncounted.
        const rest = chain.events.splice(0);
        for (const other of rest) context.writes.releases.push({ id: other.id, delayMs: 0, attempted: false });
        if (rest.length > 0) scheduleFlush(context);
        break;
      }
      if (outcome === 'delivered') settle(context, event);
      else afterFailure(context, chain, event);
      scheduleFlush(context);
      notify(context);
    }
  } finally {
    // A chain of an older generation was detached by stop(): the order's chain, if any, is a new one.
    if (delivery.chains.get(chain.orderId) === chain) delivery.chains.delete(chain.orderId);
    if (started === delivery.generation) delivery.delivering--;
    pump(context);
    notify(context);
  }
}

/** Starts waiting chains while delivery slots are free. */
function pump(context: RelayContext): void {
  const { delivery } = context;
  while (delivery.delivering < context.concurrency && delivery.waiting.length > 0) {
    const chain = delivery.waiting.shift() as Chain;
    delivery.delivering++;
    void runChain(context, chain);
  }
}

/**
 * Takes a claimed batch: acknowledges the types not accepted, hands back the events of orders
 * backing off, and adds the rest to their orders' chains.
 */
export function dispatch(context: RelayContext, events: readonly ClaimedOutboxEvent[]): void {
  const { accepts, delivery, writes } = context;
  const at = Date.now();
  for (const [orderId, until] of delivery.heldUntil) if (until <= at) delivery.heldUntil.delete(orderId);
  for (const event of events) {
    // Claimed again while still being delivered here (its lease ran out): the delivery in progress settles it.
    if (delivery.claimedIds.has(event.id)) continue;
    delivery.claimedIds.add(event.id);
    if (accepts && !accepts(event.type)) {
      settle(context, event);
      continue;
    }
    const until = delivery.heldUntil.get(event.orderId);
    if (until !== undefined && !delivery.chains.has(event.orderId)) {
      release(context, [event], Math.max(0, until - at), false);
      continue;
    }
    let chain = delivery.chains.get(event.orderId);
    if (!chain) {
      chain = { orderId: event.orderId, events: [] };
      delivery.chains.set(event.orderId, chain);
      delivery.waiting.push(chain);
    }
    chain.events.push(event);
  }
  pump(context);
  if (writes.acks.length > 0 || writes.releases.length > 0) scheduleFlush(context);
  notify(context);
}
