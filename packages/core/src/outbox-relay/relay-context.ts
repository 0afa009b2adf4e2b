/**
 * What the parts of the relay share: its checked settings, its error reporter and its state (the
 * events it claimed, those being delivered, those settled and waiting to be written, and
 * `start()` mode), built once by `createOutboxRelay`. Each part keeps to its own group of state.
 *
 * @packageDocumentation
 */
import type { ClaimedOutboxEvent } from '../outbox-events.js';
import { type RelaySettings, relaySettings } from './relay-settings.js';
import { type Signal, signal } from './relay-signal.js';
import type { OutboxRelayErrorContext, OutboxRelayOptions } from './relay-types.js';

type Timer = ReturnType<typeof setTimeout>;

/** The events of one order waiting for (or in) delivery, delivered one after the other. */
export interface Chain {
  readonly orderId: string;
  readonly events: ClaimedOutboxEvent[];
}

/** An event to hand back: claimable again after `delayMs`, counted as an attempt or not. */
export interface Release {
  readonly id: string;
  readonly delayMs: number;
  readonly attempted: boolean;
}

/** Events claimed and not yet settled, by order, and the delivery slots (`order-chains.ts`). */
export interface DeliveryState {
  /** The chains of the orders with claimed events, by order. */
  readonly chains: Map<string, Chain>;
  /** The chains waiting for a delivery slot. */
  readonly waiting: Chain[];
  /** Every event claimed here and not yet settled. */
  readonly claimedIds: Set<string>;
  /** Delivery slots in use (of `concurrency`). */
  delivering: number;
  /** Orders with an event backing off: their later events wait until then (epoch ms). */
  readonly heldUntil: Map<string, number>;
  /** Bumped by `stop()` when it stops waiting: deliveries of an older generation settle nothing. */
  generation: number;
  /** While `stop()` hands back what it holds: a chain releases its next events instead of delivering them. */
  stopping: boolean;
  /** Resolved, and replaced, at each change of the above (see {@link notify}). */
  changed: Signal;
}

/** Settled events, to be written with the next flush (`acknowledge-and-release.ts`). */
export interface WriteState {
  acks: string[];
  releases: Release[];
  /** Events acknowledged since the relay was made. */
  acknowledged: number;
  /** The write in progress (or the last one): writes go one at a time. */
  flushing: Promise<number>;
  flushScheduled: boolean;
  /**
   * Acknowledgements that failed: tried again with the next flushes until the lease they were
   * claimed under has surely run out (then the event is claimed and delivered again anyway).
   */
  readonly ackRetryUntil: Map<string, number>;
  /** Those to try again, apart from new ones: a row the store cannot write must not hold the others. */
  ackRetries: string[];
  ackRetryTimer: Timer | undefined;
}

/** `start()` mode (`claim-loop.ts`, `start-stop.ts`). */
export interface RunState {
  running: boolean;
  /** Resolved by `wake()` (and by `stop()`) to end the loop's pause. */
  wakeUp: Signal;
  /** `wake()` came while the loop was claiming: it skips its next pause. */
  woken: boolean;
  /** The claim loop, until `stop()` has waited for it. */
  loopDone: Promise<void> | undefined;
}

/** Pruning of acknowledged events (`prune-events.ts`). */
export interface RetentionState {
  /** The next round in `start()` mode. */
  timer: Timer | undefined;
  /** The round in progress: a second `prune()` meanwhile shares it. */
  round: Promise<number> | undefined;
}

/** The relay's settings, reporter and state, shared by its parts. */
export interface RelayContext extends RelaySettings {
  /** Passes a failure to `onError`; a reporter that throws does not stop the relay. */
  readonly report: (error: unknown, context: OutboxRelayErrorContext) => void;
  readonly delivery: DeliveryState;
  readonly writes: WriteState;
  readonly run: RunState;
  readonly retention: RetentionState;
}

/** Checks `options` and builds the context of a relay that holds nothing yet. */
export function createRelayContext(options: OutboxRelayOptions): RelayContext {
  return {
    ...relaySettings(options),
    report: (error, context) => {
      try {
        options.onError?.(error, context);
      } catch {
        // A reporter's failure must not stop the relay.
      }
    },
    delivery: {
      chains: new Map(),
      waiting: [],
      claimedIds: new Set(),
      delivering: 0,
      heldUntil: new Map(),
      generation: 0,
      stopping: false,
      changed: signal(),
    },
    writes: {
      acks: [],
      releases: [],
      acknowledged: 0,
      flushing: Promise.resolve(0),
      flushScheduled: false,
      ackRetryUntil: new Map(),
      ackRetries: [],
      ackRetryTimer: undefined,
    },
    run: { running: false, wakeUp: signal(), woken: false, loopDone: undefined },
    retention: { timer: undefined, round: undefined },
  };
}

/** Events claimed here and not yet settled. */
export function pending(context: RelayContext): number {
  return context.delivery.claimedIds.size;
}

/** Wakes whatever waits in {@link until}: the events held here changed. */
export function notify(context: RelayContext): void {
  const current = context.delivery.changed;
  context.delivery.changed = signal();
  current.resolve();
}

/** Resolves once `condition` holds, checked again at each {@link notify}. */
export async function until(context: RelayContext, condition: () => boolean): Promise<void> {
  while (!condition()) await context.delivery.changed.promise;
}
