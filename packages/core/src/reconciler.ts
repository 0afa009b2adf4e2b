/**
 * The reconciliation worker: finds the orders that need a word with their provider (pending too
 * long, expired, refunds still pending) through {@link OrderStore.listOrders} and asks the facade to
 * `sync` or `close` them. Notifications get lost and some flows (WeChat Pay's codepay) never
 * notify: this is what settles those orders.
 *
 * @packageDocumentation
 */
import { NetworkError, ProviderApiError, ValidationError } from './errors.js';
import { assertMerchantKey } from './merchant-key.js';
import type { Transfer } from './money-movement.js';
import { reconcileTransfers, type TransferReconcilerEvent } from './movement-reconciler.js';
import type { Order, OrderStatus } from './order.js';
import type { ListOrdersQuery, OrderStore } from './order-store.js';
import { checkLease, checkOutboxName, defaultConsumerName } from './outbox.js';
import type { SyncOptions, SyncTransferOptions } from './payments/payments-types.js';
import { hasPendingSplit } from './split-amounts.js';

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

function isProviderOutage(error: unknown): boolean {
  return (ProviderApiError.isInstance(error) && error.retryable) || NetworkError.isInstance(error);
}

/**
 * Whose orders wait after a failure: a network failure is the wallet's host, so every order of the
 * provider; a wallet's busy or rate-limit answer about a sub-merchant's order may concern that
 * sub-merchant alone (WeChat Pay limits per sub_mchid), so only that merchant's orders.
 */
function backoffKey(order: Order, error: unknown): string {
  if (order.merchant === undefined || NetworkError.isInstance(error)) return order.provider;
  return `${order.provider}\u0000${order.merchant}`;
}

/** The backoffs that hold `order`: its provider's, and its merchant's at that provider. */
function backoffKeys(order: Order): string[] {
  return order.merchant === undefined ? [order.provider] : [order.provider, `${order.provider}\u0000${order.merchant}`];
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 0 || (field === 'concurrency' && result < 1)) {
    throw new ValidationError(field, 'must be a non-negative integer (concurrency at least 1)');
  }
  return result;
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
  const { payments, store } = options;
  const now = options.now ?? (() => new Date());
  const pendingAfterMs = positiveInteger(options.pendingAfterMs, 60_000, 'pendingAfterMs');
  const refundPendingAfterMs = positiveInteger(options.refundPendingAfterMs, 60_000, 'refundPendingAfterMs');
  const refundResendAfterMs = positiveInteger(options.refundResendAfterMs, 300_000, 'refundResendAfterMs');
  const createdAfterMs = positiveInteger(options.createdAfterMs, 600_000, 'createdAfterMs');
  const splitPendingAfterMs = positiveInteger(options.splitPendingAfterMs, 60_000, 'splitPendingAfterMs');
  const splitResendAfterMs = positiveInteger(options.splitResendAfterMs, 300_000, 'splitResendAfterMs');
  const transferPendingAfterMs = positiveInteger(options.transferPendingAfterMs, 60_000, 'transferPendingAfterMs');
  const transferResendAfterMs = positiveInteger(options.transferResendAfterMs, 300_000, 'transferResendAfterMs');
  const concurrency = positiveInteger(options.concurrency, 4, 'concurrency');
  const maxOrders = positiveInteger(options.maxOrdersPerRun, 1000, 'maxOrdersPerRun');
  const intervalMs = positiveInteger(options.intervalMs, 30_000, 'intervalMs');
  const backoffInitialMs = positiveInteger(options.backoffInitialMs, 1000, 'backoffInitialMs');
  const backoffMaxMs = positiveInteger(options.backoffMaxMs, 300_000, 'backoffMaxMs');
  const closeExpired = options.closeExpired ?? true;
  const claims = options.claims === false ? undefined : store.claims;
  const owner = checkOutboxName(options.owner ?? defaultConsumerName(), 'owner');
  const claimLeaseMs = checkLease(options.claimLeaseMs ?? 300_000, 'claimLeaseMs');
  const merchant = options.merchant === undefined ? undefined : assertMerchantKey(options.merchant, 'merchant');
  const merchantOf = (order: Order) => (order.merchant === undefined ? {} : { merchant: order.merchant });

  /** Per provider: failures in a row, and until when to leave it alone. */
  const backoff = new Map<string, { failures: number; until: number }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let inFlight: Promise<unknown> | undefined;

  const emit = (event: ReconcilerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure must not stop reconciliation.
    }
  };

  /**
   * Per sync listing, where the last run stopped because it had `maxOrdersPerRun` orders: the next
   * run goes on from there, and starts again from the oldest once it reached the end. Without it,
   * orders that stay pending without changing (a QR code nobody scans, with no `expiresAt`) would
   * be listed first at every run, and once there are `maxOrdersPerRun` of them, no later order
   * (one whose notification was lost) would ever be synced.
   */
  const resumeAt = new Map<string, string>();

  async function collect(
    query: ListOrdersQuery,
    action: ReconcileAction,
    into: Map<string, { order: Order; action: ReconcileAction }>,
    accept: (order: Order) => boolean = () => true,
    rotation?: string,
  ): Promise<void> {
    if (into.size >= maxOrders) return;
    let cursor: string | null = (rotation === undefined ? undefined : resumeAt.get(rotation)) ?? null;
    do {
      // A page never holds more orders than there is room for, so a full run ends at a page's end.
      const limit = Math.min(1000, Math.max(1, maxOrders - into.size));
      const filters = { ...query, ...(merchant === undefined ? {} : { merchant }), limit };
      const page = await store.listOrders({ ...filters, cursor }).catch((error: unknown) => {
        // A store that binds its cursors to the exact query refuses the last run's: start over.
        if (cursor === null || !ValidationError.isInstance(error)) throw error;
        return store.listOrders({ ...filters, cursor: null });
      });
      for (const order of page.orders) {
        if (into.size >= maxOrders) break;
        if (!into.has(order.id) && accept(order)) into.set(order.id, { order, action });
      }
      cursor = page.cursor;
    } while (cursor !== null && into.size < maxOrders);
    if (rotation === undefined) return;
    // Stopped for room: the next run goes on from here. Reached the end: it starts from the oldest.
    if (cursor === null) resumeAt.delete(rotation);
    else resumeAt.set(rotation, cursor);
  }

  async function handle(order: Order, action: ReconcileAction, counts: { changed: number; failed: number }) {
    try {
      const after = await (action === 'close'
        ? payments.close(order.id)
        : payments.sync(order.id, {
            resendRefundsAfterMs: refundResendAfterMs,
            resendSplitsAfterMs: splitResendAfterMs,
          }));
      for (const key of backoffKeys(order)) backoff.delete(key);
      if (after.version !== order.version) {
        counts.changed++;
        emit({ type: 'order.changed', action, from: order.status, order: after });
      }
    } catch (error) {
      counts.failed++;
      emit({ type: 'order.failed', action, orderId: order.id, ...merchantOf(order), error });
      if (isProviderOutage(error)) {
        const key = backoffKey(order, error);
        const failures = (backoff.get(key)?.failures ?? 0) + 1;
        const wait = Math.min(backoffMaxMs, backoffInitialMs * 2 ** (failures - 1));
        const until = now().getTime() + wait;
        backoff.set(key, { failures, until });
        const who = key === order.provider ? {} : merchantOf(order);
        emit({ type: 'provider.backoff', provider: order.provider, ...who, until: new Date(until), error });
      }
    }
  }

  /** Leaves a provider in an outage alone for a growing while. */
  function backOff(provider: string, error: unknown): void {
    if (!isProviderOutage(error)) return;
    const failures = (backoff.get(provider)?.failures ?? 0) + 1;
    const wait = Math.min(backoffMaxMs, backoffInitialMs * 2 ** (failures - 1));
    const until = now().getTime() + wait;
    backoff.set(provider, { failures, until });
    emit({ type: 'provider.backoff', provider, until: new Date(until), error });
  }

  async function runOnce(): Promise<ReconcileRunResult> {
    const at = now().getTime();
    const work = new Map<string, { order: Order; action: ReconcileAction }>();
    if (closeExpired) await collect({ status: ['created', 'pending'], expiresBefore: new Date(at) }, 'close', work);
    await collect({ status: 'created', updatedBefore: new Date(at - createdAfterMs) }, 'close', work);
    const all = () => true;
    await collect({ status: 'pending', updatedBefore: new Date(at - pendingAfterMs) }, 'sync', work, all, 'pending');
    const refundsDue = { hasPendingRefunds: true, updatedBefore: new Date(at - refundPendingAfterMs) };
    await collect(refundsDue, 'sync', work, all, 'refunds');
    // Checked here too: a store that does not know the filter yet must not make every order a sync.
    const splitsDue = { hasPendingSplits: true, updatedBefore: new Date(at - splitPendingAfterMs) };
    await collect(splitsDue, 'sync', work, hasPendingSplit, 'splits');

    const counts = { changed: 0, failed: 0 };
    let deferred = 0;
    /** Claims the order and checks nobody changed it since it was listed; false: leave it. */
    const claim = async (order: Order): Promise<boolean> => {
      if (!claims) return true;
      const [mine] = await claims.claimOrders([order.id], { owner, leaseMs: claimLeaseMs });
      if (mine === undefined) return false;
      const current = await store.get(order.id);
      if (current?.version === order.version) return true;
      await claims.releaseOrders([order.id], owner);
      return false;
    };
    const queue = [...work.values()];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const at = now().getTime();
        if (backoffKeys(next.order).some((key) => (backoff.get(key)?.until ?? 0) > at)) {
          deferred++;
          continue;
        }
        if (!(await claim(next.order))) {
          emit({
            type: 'order.skipped',
            orderId: next.order.id,
            ...merchantOf(next.order),
            reason: 'claimed_elsewhere',
          });
          continue;
        }
        try {
          await handle(next.order, next.action, counts);
        } finally {
          if (claims) await claims.releaseOrders([next.order.id], owner).catch(() => undefined);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    const transfers = payments.syncTransfer
      ? await reconcileTransfers({
          store,
          payments: { syncTransfer: payments.syncTransfer.bind(payments) },
          now,
          pendingAfterMs: transferPendingAfterMs,
          resendAfterMs: transferResendAfterMs,
          maxTransfers: maxOrders,
          ...(merchant === undefined ? {} : { merchant }),
          claims,
          owner,
          claimLeaseMs,
          deferred: (provider) => (backoff.get(provider)?.until ?? 0) > now().getTime(),
          failed: backOff,
          succeeded: (provider) => backoff.delete(provider),
          emit,
        })
      : { examined: 0, changed: 0, failed: 0, deferred: 0 };
    return {
      examined: work.size + transfers.examined,
      changed: counts.changed + transfers.changed,
      failed: counts.failed + transfers.failed,
      deferred: deferred + transfers.deferred,
    };
  }

  const loop = async () => {
    if (!running) return;
    const run = runOnce().catch((error: unknown) => emit({ type: 'run.failed', error }));
    inFlight = run;
    await run;
    inFlight = undefined;
    if (!running) return;
    timer = setTimeout(loop, intervalMs);
    timer.unref?.();
  };

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      void loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    get running() {
      return running;
    },
  };
}
