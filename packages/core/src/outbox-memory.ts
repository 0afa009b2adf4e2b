/**
 * An outbox kept in memory, and a memory order store that writes its events there: the reference
 * implementation of {@link OrderOutbox}, for tests and single-process demos.
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';
import type { Order } from './order.js';
import { MemoryOrderStore } from './order-store.js';
import {
  type ClaimEventsOptions,
  type ClaimedOutboxEvent,
  checkClaimEventsOptions,
  checkOutboxName,
  checkPruneEventsOptions,
  checkReleaseEventsOptions,
  type OrderOutbox,
  type OutboxEvent,
  type PruneEventsOptions,
  type ReleaseEventsOptions,
} from './outbox-events.js';
import { MemoryStatementResultStore } from './statement-result-store.js';
import { MemoryTransferStore } from './transfer-store.js';

interface StoredEvent {
  readonly seq: number;
  readonly event: OutboxEvent;
}

interface Claim {
  leaseUntil: number;
  attempts: number;
}

/** One group's claims: those not acknowledged yet, and the acknowledged events' seqs. */
interface GroupClaims {
  readonly open: Map<number, Claim>;
  readonly acked: Set<number>;
}

/** Ids in the order they were written, kept sorted by `seq`. */
function indexAfter(events: readonly StoredEvent[], seq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle] as StoredEvent).seq <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Options of {@link MemoryOutbox}.
 *
 * @example
 * ```ts
 * let clock = Date.parse('2024-01-01T00:00:00Z');
 * const outbox = new MemoryOutbox({ now: () => clock });
 * ```
 */
export interface MemoryOutboxOptions {
  /** The clock leases are measured on (epoch milliseconds). Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/**
 * An {@link OrderOutbox} in memory. A claim starts from the first event its group has not claimed
 * yet, so its cost does not grow with the events already delivered.
 *
 * @example
 * ```ts
 * const outbox = new MemoryOutbox();
 * outbox.append([event]);
 * const [claimed] = await outbox.claimEvents({ group: 'default', consumer: 'c1', limit: 10, leaseMs: 30_000 });
 * ```
 */
export class MemoryOutbox implements OrderOutbox {
  readonly #events: StoredEvent[] = [];
  readonly #seqById = new Map<string, number>();
  /** Per group: claims by event seq. */
  readonly #claims = new Map<string, GroupClaims>();
  /** Per group: every event up to this seq has been claimed by the group. */
  readonly #claimedUpTo = new Map<string, number>();
  readonly #now: () => number;
  #seq = 0;

  constructor(options: MemoryOutboxOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Checks that none of `events` is stored yet (ids are unique); throws `ValidationError` if one is.
   * A store calls it before writing the order, so the order and its events go in together or not at all.
   */
  checkNew(events: readonly OutboxEvent[]): void {
    const ids = new Set<string>();
    for (const event of events) {
      if (this.#seqById.has(event.id) || ids.has(event.id)) {
        throw new ValidationError('events', `event ${event.id} is already in the outbox`);
      }
      ids.add(event.id);
    }
  }

  /** Stores `events` (after {@link MemoryOutbox.checkNew}), in order. */
  append(events: readonly OutboxEvent[]): void {
    this.checkNew(events);
    for (const event of events) {
      const seq = ++this.#seq;
      this.#events.push({ seq, event: structuredClone(event) });
      this.#seqById.set(event.id, seq);
    }
  }

  /** Number of stored events. */
  get size(): number {
    return this.#events.length;
  }

  /** Number of stored claims, all groups together. */
  get claimCount(): number {
    let count = 0;
    for (const claims of this.#claims.values()) count += claims.open.size + claims.acked.size;
    return count;
  }

  #group(group: string): GroupClaims {
    let claims = this.#claims.get(group);
    if (!claims) {
      claims = { open: new Map(), acked: new Set() };
      this.#claims.set(group, claims);
    }
    return claims;
  }

  /** {@inheritDoc OrderOutbox.claimEvents} */
  async claimEvents(options: ClaimEventsOptions): Promise<ClaimedOutboxEvent[]> {
    const { group, limit, leaseMs } = checkClaimEventsOptions(options);
    const at = this.#now();
    const claims = this.#group(group);
    const taken: { seq: number; claim: Claim }[] = [];
    // Expired leases first, then events the group never claimed (from where it last stopped).
    for (const [seq, claim] of claims.open) {
      if (taken.length >= limit) break;
      if (claim.leaseUntil <= at) taken.push({ seq, claim });
    }
    let upTo = this.#claimedUpTo.get(group) ?? 0;
    for (let index = indexAfter(this.#events, upTo); index < this.#events.length; index++) {
      if (taken.length >= limit) break;
      const { seq } = this.#events[index] as StoredEvent;
      upTo = seq;
      const claim: Claim = { leaseUntil: 0, attempts: 0 };
      claims.open.set(seq, claim);
      taken.push({ seq, claim });
    }
    this.#claimedUpTo.set(group, upTo);
    const claimed: ClaimedOutboxEvent[] = [];
    for (const { seq, claim } of taken.sort((a, b) => a.seq - b.seq)) {
      claim.leaseUntil = at + leaseMs;
      claim.attempts++;
      const stored = this.#events[indexAfter(this.#events, seq) - 1] as StoredEvent;
      claimed.push({ ...structuredClone(stored.event), attempts: claim.attempts } as ClaimedOutboxEvent);
    }
    return claimed;
  }

  /** {@inheritDoc OrderOutbox.ackEvents} */
  async ackEvents(ids: readonly string[], group: string): Promise<number> {
    checkOutboxName(group, 'group');
    if (!Array.isArray(ids)) throw new ValidationError('ids', 'must be a list of event ids');
    const claims = this.#group(group);
    let acked = 0;
    for (const id of new Set(ids)) {
      const seq = this.#seqById.get(id);
      if (seq === undefined || !claims.open.delete(seq)) continue;
      claims.acked.add(seq);
      acked++;
    }
    return acked;
  }

  /** {@inheritDoc OrderOutbox.releaseEvents} */
  async releaseEvents(ids: readonly string[], options: ReleaseEventsOptions): Promise<number> {
    const { group, delayMs, attempted } = checkReleaseEventsOptions(ids, options);
    const claims = this.#group(group);
    const until = this.#now() + delayMs;
    let released = 0;
    for (const id of new Set(ids)) {
      const seq = this.#seqById.get(id);
      const claim = seq === undefined ? undefined : claims.open.get(seq);
      if (!claim) continue;
      claim.leaseUntil = until;
      if (attempted === false) claim.attempts = Math.max(0, claim.attempts - 1);
      released++;
    }
    return released;
  }

  /** {@inheritDoc OrderOutbox.pruneEvents} */
  async pruneEvents(before: Date, options: PruneEventsOptions = {}): Promise<number> {
    const cutoff = checkPruneEventsOptions(before, options);
    const acks = options.group === undefined ? undefined : this.#claims.get(options.group);
    if (options.group !== undefined && !acks) return 0;
    const doomed = new Set<number>();
    for (const { seq, event } of this.#events.slice(0, options.limit ?? 500)) {
      if (!(Date.parse(event.createdAt) < cutoff)) continue;
      if (acks && !acks.acked.has(seq)) continue;
      doomed.add(seq);
    }
    if (doomed.size === 0) return 0;
    const kept = this.#events.filter(({ seq, event }) => {
      if (!doomed.has(seq)) return true;
      this.#seqById.delete(event.id);
      return false;
    });
    this.#events.splice(0, this.#events.length, ...kept);
    for (const claims of this.#claims.values()) {
      for (const seq of doomed) {
        claims.open.delete(seq);
        claims.acked.delete(seq);
      }
    }
    return doomed.size;
  }
}

/**
 * A {@link MemoryOrderStore} with a {@link MemoryOutbox}: `create` and `update` store their events
 * with the order (all or nothing), so the facade delivers its events through `payments.relay`, as
 * with `@hutong/store-sql`. For tests and single-process demos; nothing survives a restart.
 *
 * @example
 * ```ts
 * const payments = createPayments({ providers, store: new MemoryOutboxStore() });
 * payments.on('order.paid', ({ order, eventId }) => ship(order.id, eventId));
 * ```
 */
export class MemoryOutboxStore extends MemoryOrderStore {
  /** The outbox the store writes its events to. */
  readonly outbox: MemoryOutbox;
  /** Transfers, whose events go to the same outbox. */
  override readonly transfers: MemoryTransferStore;
  /** Statement results, their events written to {@link MemoryOutboxStore.outbox} with them. */
  override readonly statements = new MemoryStatementResultStore((events) => this.outbox.append(events));

  constructor(options: MemoryOutboxOptions = {}) {
    super();
    this.outbox = new MemoryOutbox(options);
    this.transfers = new MemoryTransferStore({ outbox: this.outbox });
  }

  /** {@inheritDoc OrderStore.create} */
  override async create(order: Order, events?: readonly OutboxEvent[]): Promise<void> {
    if (events && events.length > 0) this.outbox.checkNew(events);
    await super.create(order);
    if (events && events.length > 0) this.outbox.append(events);
  }

  /** {@inheritDoc OrderStore.update} */
  override async update(order: Order, expectedVersion: number, events?: readonly OutboxEvent[]): Promise<boolean> {
    if (events && events.length > 0) this.outbox.checkNew(events);
    const written = await super.update(order, expectedVersion);
    if (written && events && events.length > 0) this.outbox.append(events);
    return written;
  }
}
