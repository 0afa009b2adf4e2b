/**
 * What the parts of the reconciler share: the facade and the store, the clock, the checked
 * settings, the event reporter and the state kept from one run to the next (backoffs, where each
 * sync listing goes on), built once by `createReconciler`.
 *
 * @packageDocumentation
 */
import type { Order } from '../order.js';
import type { OrderStore } from '../order-store.js';
import type { ReconcilerEvent, ReconcilerOptions, ReconcilerPayments } from '../reconciler.js';
import { type ReconcilerSettings, reconcilerSettings } from './reconciler-settings.js';

/**
 * The reconciler's shared context.
 *
 * @example
 * ```ts
 * const context = createReconcilerContext(options);
 * context.emit({ type: 'run.failed', error });
 * ```
 */
export interface ReconcilerContext {
  readonly payments: ReconcilerPayments;
  readonly store: OrderStore;
  readonly now: () => Date;
  readonly settings: ReconcilerSettings;
  /** Reports an event; a listener's exception is ignored. */
  readonly emit: (event: ReconcilerEvent) => void;
  /** Per provider (or provider and merchant): failures in a row, and until when to leave it alone. */
  readonly backoff: Map<string, { failures: number; until: number }>;
  /**
   * Per sync listing, where the last run stopped because it had `maxOrdersPerRun` orders: the next
   * run goes on from there, and starts again from the oldest once it reached the end. Without it,
   * orders that stay pending without changing (a QR code nobody scans, with no `expiresAt`) would
   * be listed first at every run, and once there are `maxOrdersPerRun` of them, no later order
   * (one whose notification was lost) would ever be synced.
   */
  readonly resumeAt: Map<string, string>;
}

/**
 * Checks the options and builds the context.
 *
 * @example
 * ```ts
 * const context = createReconcilerContext({ payments, store });
 * ```
 */
export function createReconcilerContext(options: ReconcilerOptions): ReconcilerContext {
  const { payments, store } = options;
  const now = options.now ?? (() => new Date());
  const settings = reconcilerSettings(options);
  const emit = (event: ReconcilerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure must not stop reconciliation.
    }
  };
  return { payments, store, now, settings, emit, backoff: new Map(), resumeAt: new Map() };
}

/**
 * The order's merchant as an event field: `{ merchant }`, or nothing for the provider's own order.
 *
 * @example
 * ```ts
 * emit({ type: 'order.failed', action, orderId: order.id, ...merchantOf(order), error });
 * ```
 */
export function merchantOf(order: Order): { merchant?: string } {
  return order.merchant === undefined ? {} : { merchant: order.merchant };
}
