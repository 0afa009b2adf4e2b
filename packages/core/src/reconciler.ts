/**
 * The reconciliation worker: finds the orders that need a word with their provider (pending too
 * long, expired, refunds still pending) through {@link OrderStore.listOrders} and asks the facade to
 * `sync` or `close` them. Notifications get lost and some flows (WeChat Pay's codepay) never
 * notify: this is what settles those orders. This file holds the types and wires the parts, which
 * live in `reconciler/`: the checked options (`reconciler-settings.ts`), the shared state
 * (`reconciler-context.ts`), the listings and their rotation (`collect-orders.ts`), one order's
 * claim, sync or close with its resend rules (`handle-order.ts`), the backoff per provider and
 * merchant (`provider-backoff.ts`), transfers (`sync-transfers.ts`), a run (`run-once.ts`) and
 * `start`/`stop` (`start-stop.ts`).
 *
 * @packageDocumentation
 */
import type { Transfer } from './money-movement.js';
import type { TransferReconcilerEvent } from './movement-reconciler.js';
import type { Order, OrderStatus } from './order.js';
import type { OrderStore } from './order-store.js';
import type { SyncOptions, SyncTransferOptions } from './payments/payments-types.js';
import { createReconcilerContext } from './reconciler/reconciler-context.js';
import { reconcilerLoop } from './reconciler/start-stop.js';

/**
 * What the reconciler needs of the payments facade: `createPayments(...)` fits.
 *
 * @example
 * ```ts
 * const payments: ReconcilerPayments = createPayments({ providers, store });
 * ```
 */
export interface ReconcilerPayments {
  /**
   * Asks the provider for the order's state and applies it; with `resendRefundsAfterMs`, sends a
   * refund the wallet never received again under the same id.
   */
  sync(orderId: string, options?: SyncOptions): Promise<Order>;
  /** Closes the unpaid order at the provider and in the store. */
  close(orderId: string): Promise<Order>;
  /**
   * Asks the provider for a transfer's state and applies it (sending a `created` one the wallet
   * never received again). Without it, transfers are not reconciled.
   */
  syncTransfer?(transferId: string, options?: SyncTransferOptions): Promise<Transfer>;
}

/**
 * What one reconciler step did or could not do, as {@link ReconcilerOptions.onEvent} receives it:
 * - `order.changed`: a `sync` or `close` changed the order (its version rose);
 * - `order.failed`: a `sync` or `close` threw; the order is tried again on a later run;
 * - `provider.backoff`: the provider failed in a way worth waiting for (a retryable
 *   `ProviderApiError`, a `NetworkError`): its orders are left alone until `until`;
 * - `order.skipped`: another reconciler held the order's claim, or changed the order since it was
 *   listed (see {@link ReconcilerOptions.claims});
 * - `run.failed`: a whole run failed (the store could not be read), in `start()` mode.
 *
 * @example
 * ```ts
 * onEvent: (event) => {
 *   if (event.type === 'order.changed') log.info({ id: event.order.id, from: event.from, to: event.order.status });
 * }
 * ```
 */
export type ReconcilerEvent =
  | {
      readonly type: 'order.changed';
      readonly action: ReconcileAction;
      readonly from: OrderStatus;
      readonly order: Order;
    }
  | {
      readonly type: 'order.failed';
      readonly action: ReconcileAction;
      readonly orderId: string;
      /** The order's merchant (platform mode), absent for an order of the provider's own. */
      readonly merchant?: string | undefined;
      readonly error: unknown;
    }
  | {
      readonly type: 'provider.backoff';
      readonly provider: string;
      /** Set when only this merchant's orders wait (the wallet refused for that sub-merchant). */
      readonly merchant?: string | undefined;
      readonly until: Date;
      readonly error: unknown;
    }
  | {
      readonly type: 'order.skipped';
      readonly orderId: string;
      readonly merchant?: string | undefined;
      readonly reason: 'claimed_elsewhere';
    }
  | { readonly type: 'run.failed'; readonly error: unknown }
  | TransferReconcilerEvent;

/**
 * Why the reconciler touched an order: `sync` (pending too long, or a refund pending) or `close`
 * (expired unpaid, or `created` too long: its create call never completed).
 *
 * @example
 * ```ts
 * const action: ReconcileAction = 'close';
 * ```
 */
export type ReconcileAction = 'sync' | 'close';

/**
 * Options of {@link createReconciler}. Durations are in milliseconds.
 *
 * @example
 * ```ts
 * const options: ReconcilerOptions = { payments, store, pendingAfterMs: 120_000, concurrency: 8 };
 * ```
 */
export interface ReconcilerOptions {
  readonly payments: ReconcilerPayments;
  readonly store: OrderStore;
  /** Sync `pending` orders unchanged for this long. Default 60 000 (one minute). */
  readonly pendingAfterMs?: number | undefined;
  /** Sync orders with a pending refund unchanged for this long. Default 60 000. */
  readonly refundPendingAfterMs?: number | undefined;
  /**
   * Send a pending refund again, under the same refund id, when the wallet answers that it does
   * not know it and it has been unchanged this long: its request never reached the wallet (a crash
   * between the commit and the call). Longer than any request takes. Default 300 000 (five minutes).
   */
  readonly refundResendAfterMs?: number | undefined;
  /**
   * Close `created` orders unchanged this long: their create call never completed, so no buyer
   * holds an action to pay them with (closed at the wallet too, when it has the trade). Longer
   * than any request takes. Default 600 000 (ten minutes).
   */
  readonly createdAfterMs?: number | undefined;
  /** Sync orders with a pending split or split return unchanged for this long. Default 60 000. */
  readonly splitPendingAfterMs?: number | undefined;
  /**
   * Send a pending split or split return again, under the same id, when the wallet does not know
   * it and it has been unchanged this long (as `refundResendAfterMs`). Default 300 000.
   */
  readonly splitResendAfterMs?: number | undefined;
  /** Sync transfers not settled (`created`, `pending_confirmation`, `processing`) unchanged this long. Default 60 000. */
  readonly transferPendingAfterMs?: number | undefined;
  /** Send a `created` transfer the wallet does not know again once unchanged this long. Default 300 000. */
  readonly transferResendAfterMs?: number | undefined;
  /** Close `created` and `pending` orders whose `expiresAt` has passed. Default `true`. */
  readonly closeExpired?: boolean | undefined;
  /** Calls to the facade in flight at once. Default 4. */
  readonly concurrency?: number | undefined;
  /**
   * Most orders one run handles. The rest wait for the next run, which lists the orders to sync
   * from where this one stopped (then from the oldest again), so a crowd of orders that stay
   * pending unchanged never keeps a later one from its sync. Default 1000.
   */
  readonly maxOrdersPerRun?: number | undefined;
  /** Pause between the end of one run and the start of the next, in `start()` mode. Default 30 000. */
  readonly intervalMs?: number | undefined;
  /** First wait after a provider failure; it doubles with each failure in a row. Default 1000. */
  readonly backoffInitialMs?: number | undefined;
  /** Longest wait after provider failures. Default 300 000 (five minutes). */
  readonly backoffMaxMs?: number | undefined;
  /** Called for everything the reconciler changed or could not do. Exceptions it throws are ignored. */
  readonly onEvent?: ((event: ReconcilerEvent) => void) | undefined;
  /** The clock. Default `() => new Date()`. */
  readonly now?: (() => Date) | undefined;
  /**
   * Lease each order through {@link OrderStore.claims} before handling it, so reconcilers on
   * several instances never handle one order at the same time (default `true`; ignored when the
   * store has no claims).
   */
  readonly claims?: boolean | undefined;
  /** This reconciler's name in its claims. Default: host, process id and a random part. */
  readonly owner?: string | undefined;
  /** How long a claim holds if this reconciler dies before releasing it. Default 300 000. */
  readonly claimLeaseMs?: number | undefined;
  /**
   * Platform mode: reconcile only this merchant's orders and transfers (a worker per merchant, or
   * per group of merchants, each with its own claims). Default: every order and transfer, every
   * merchant's and the provider's own.
   */
  readonly merchant?: string | undefined;
}

/**
 * What one {@link Reconciler.runOnce} did.
 *
 * @example
 * ```ts
 * const { changed, failed } = await reconciler.runOnce();
 * ```
 */
export interface ReconcileRunResult {
  /** Orders the run found in need of attention (each counted once). */
  readonly examined: number;
  /** Orders whose `sync` or `close` changed them. */
  readonly changed: number;
  /** Orders whose `sync` or `close` threw. */
  readonly failed: number;
  /** Orders left alone because their provider is in backoff. */
  readonly deferred: number;
}

/**
 * A reconciliation worker.
 *
 * @example
 * ```ts
 * const reconciler = createReconciler({ payments, store });
 * reconciler.start();
 * process.on('SIGTERM', () => reconciler.stop());
 * ```
 */
export interface Reconciler {
  /** One pass: close expired orders, sync stale pending orders and pending refunds. */
  runOnce(): Promise<ReconcileRunResult>;
  /** Runs now, then again `intervalMs` after each run ends, until {@link Reconciler.stop}. */
  start(): void;
  /** Stops `start()` mode; resolves once the run in progress, if any, has finished. */
  stop(): Promise<void>;
  /** Whether `start()` mode is on. */
  readonly running: boolean;
}

/**
 * Creates a {@link Reconciler}. Each run lists, through the store, the `created`/`pending` orders
 * past their `expiresAt` and the `created` orders unchanged for `createdAfterMs` (to `close`), the
 * `pending` orders unchanged for `pendingAfterMs` and the orders with a refund pending for
 * `refundPendingAfterMs` (to `sync`, which sends a refund the wallet never received again after
 * `refundResendAfterMs`), and handles each order once,
 * a few at a time. A provider that fails retryably (`ProviderApiError` with `retryable`, or
 * `NetworkError`) is left alone for a growing while; other failures are reported and the order is
 * tried again next run. With a store that offers {@link OrderStore.claims}, each order is leased
 * before it is handled and re-read: several reconcilers on one database share the work, never
 * handling one order at the same time, and skip an order another one has just handled.
 *
 * @example
 * ```ts
 * import { createPayments, createReconciler, MemoryOrderStore } from '@hutong/core';
 *
 * const store = new MemoryOrderStore();
 * const payments = createPayments({ providers: [wechatpay({ ... })], store });
 * const reconciler = createReconciler({
 *   payments,
 *   store,
 *   onEvent: (event) => console.log(event.type),
 * });
 * reconciler.start();
 * ```
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  return reconcilerLoop(createReconcilerContext(options));
}
