/**
 * The memory {@link StatementResultStore}: one result per provider, day and merchant, kept by
 * `MemoryOrderStore.statements`.
 *
 * @packageDocumentation
 */
import type { StatementResultStore } from './order-store.js';
import type { OutboxEvent } from './outbox-events.js';
import type { StatementResult } from './statement.js';

function resultKey(provider: string, date: string, merchant: string | null): string {
  return JSON.stringify([provider, date, merchant]);
}

/**
 * Statement results in memory: `put` replaces the day's earlier result, `get` returns a copy.
 * Given `appendEvents` (a memory store with an outbox), `put` hands it the events with the result;
 * without it, events are ignored (the facade then emits them inline).
 *
 * @example
 * ```ts
 * const results = new MemoryStatementResultStore();
 * await results.put(result);
 * await results.get('wechatpay', '2026-12-01', null); // the result
 * ```
 */
export class MemoryStatementResultStore implements StatementResultStore {
  readonly #results = new Map<string, StatementResult>();
  readonly #appendEvents: ((events: readonly OutboxEvent[]) => void) | undefined;

  /** @param appendEvents - where the events of a `put` go, with the result (an outbox). */
  constructor(appendEvents?: (events: readonly OutboxEvent[]) => void) {
    this.#appendEvents = appendEvents;
  }

  /** {@inheritDoc StatementResultStore.put} */
  async put(result: StatementResult, events?: readonly OutboxEvent[]): Promise<void> {
    const copy = structuredClone(result);
    // The events first: an outbox that refuses them leaves the earlier result in place.
    if (events && events.length > 0) this.#appendEvents?.(events);
    this.#results.set(resultKey(result.provider, result.date, result.merchant), copy);
  }

  /** The result stored for this provider, date and merchant (a copy), or `undefined`. */
  async get(provider: string, date: string, merchant: string | null): Promise<StatementResult | undefined> {
    const result = this.#results.get(resultKey(provider, date, merchant));
    return result === undefined ? undefined : structuredClone(result);
  }
}
