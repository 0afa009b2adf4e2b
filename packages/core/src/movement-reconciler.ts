/**
 * The reconciler's part for transfers: it lists the transfers not settled (`created`,
 * `pending_confirmation`, `processing`) untouched for a while, and asks the facade to
 * `syncTransfer` each, which sends a `created` transfer the wallet never received again under the
 * same id. Pending splits need no part of their own: they live on their orders, which the
 * reconciler syncs (`listOrders({ hasPendingSplits: true })`).
 *
 * @packageDocumentation
 */

import { ValidationError } from './errors.js';
import type { Transfer, TransferStatus } from './money-movement.js';
import { transferOutboxKey } from './movement-events.js';
import type { OrderStore } from './order-store.js';
import type { OrderClaims } from './outbox.js';
import type { SyncTransferOptions } from './payments/movement-types.js';
import { redactTransfer } from './transfer-state-machine.js';

/**
 * What the transfer reconciler needs of the facade.
 *
 * @example
 * ```ts
 * const payments: TransferReconcilerPayments = createPayments({ providers, store });
 * ```
 */
export interface TransferReconcilerPayments {
  syncTransfer(transferId: string, options?: SyncTransferOptions): Promise<Transfer>;
}

/**
 * What one transfer's handling did, as the reconciler reports it (its `onEvent`).
 *
 * @example
 * ```ts
 * onEvent: (event) => { if (event.type === 'transfer.changed') log.info(event.transfer.id, event.from, event.transfer.status); }
 * ```
 */
export type TransferReconcilerEvent =
  | { readonly type: 'transfer.changed'; readonly from: TransferStatus; readonly transfer: Transfer }
  | { readonly type: 'transfer.failed'; readonly transferId: string; readonly error: unknown }
  | { readonly type: 'transfer.skipped'; readonly transferId: string; readonly reason: 'claimed_elsewhere' };

/**
 * Settings and hooks the reconciler hands to its transfer part.
 *
 * @example
 * ```ts
 * await reconcileTransfers({ store, payments, now: () => new Date(), pendingAfterMs: 60_000, resendAfterMs: 300_000, maxTransfers: 1000,
 *   claims: store.claims, owner: 'web-1', claimLeaseMs: 300_000, deferred: () => false, failed: () => {}, succeeded: () => {}, emit: () => {} });
 * ```
 */
export interface TransferReconcileSettings {
  readonly store: OrderStore;
  readonly payments: TransferReconcilerPayments;
  readonly now: () => Date;
  /** Sync transfers not settled and unchanged this long. */
  readonly pendingAfterMs: number;
  /** Send a `created` transfer the wallet does not know again once unchanged this long. */
  readonly resendAfterMs: number;
  /** Most transfers one run handles. */
  readonly maxTransfers: number;
  /** Only this merchant's transfers (the reconciler's `merchant`); every transfer when absent. */
  readonly merchant?: string | undefined;
  readonly claims: OrderClaims | undefined;
  readonly owner: string;
  readonly claimLeaseMs: number;
  /** Whether the provider is in backoff (its transfers wait). */
  readonly deferred: (provider: string) => boolean;
  /** Told of a failed call, to back off a provider in an outage. */
  readonly failed: (provider: string, error: unknown) => void;
  /** Told that a call to the provider succeeded. */
  readonly succeeded: (provider: string) => void;
  readonly emit: (event: TransferReconcilerEvent) => void;
  /**
   * Where the next run's listing starts (key `transfers`), kept between runs: a run that stopped for
   * room leaves its cursor, so transfers waiting unchanged (a payee who has not confirmed yet) never
   * hold the later ones back. Every run lists from the oldest without it.
   */
  readonly resumeAt?: Map<string, string> | undefined;
}

/**
 * What {@link reconcileTransfers} did.
 *
 * @example
 * ```ts
 * const { examined, changed } = await reconcileTransfers(settings);
 * ```
 */
export interface TransferReconcileCounts {
  examined: number;
  changed: number;
  failed: number;
  deferred: number;
}

const UNSETTLED: readonly TransferStatus[] = ['created', 'pending_confirmation', 'processing'];

/** The key of the transfers' listing in the reconciler's `resumeAt`. */
const ROTATION = 'transfers';

/**
 * Syncs the transfers not settled and unchanged for `pendingAfterMs` (only `merchant`'s when
 * given), one at a time, each under a claim (`transfer:<id>`) when the store offers claims. Does nothing for a store without
 * `transfers` or a facade without `syncTransfer`.
 *
 * @example
 * ```ts
 * const counts = await reconcileTransfers(settings);
 * ```
 */
export async function reconcileTransfers(settings: TransferReconcileSettings): Promise<TransferReconcileCounts> {
  const counts: TransferReconcileCounts = { examined: 0, changed: 0, failed: 0, deferred: 0 };
  const transfers = settings.store.transfers;
  if (!transfers) return counts;
  const before = new Date(settings.now().getTime() - settings.pendingAfterMs);
  const work: Transfer[] = [];
  let cursor: string | null = settings.resumeAt?.get(ROTATION) ?? null;
  do {
    const limit = Math.min(1000, Math.max(1, settings.maxTransfers - work.length));
    const query = {
      status: UNSETTLED,
      updatedBefore: before,
      ...(settings.merchant === undefined ? {} : { merchant: settings.merchant }),
      limit,
    };
    const page = await transfers.list({ ...query, cursor }).catch((error: unknown) => {
      // A store that binds its cursors to the exact query refuses the last run's: start over.
      if (cursor === null || !ValidationError.isInstance(error)) throw error;
      return transfers.list({ ...query, cursor: null });
    });
    work.push(...page.transfers.slice(0, settings.maxTransfers - work.length));
    cursor = page.cursor;
  } while (cursor !== null && work.length < settings.maxTransfers);
  // Stopped for room: the next run goes on from here. Reached the end: it starts from the oldest.
  if (cursor === null) settings.resumeAt?.delete(ROTATION);
  else settings.resumeAt?.set(ROTATION, cursor);
  counts.examined = work.length;
  for (const transfer of work) {
    if (settings.deferred(transfer.provider)) {
      counts.deferred++;
      continue;
    }
    const key = transferOutboxKey(transfer.id);
    if (settings.claims) {
      const [mine] = await settings.claims.claimOrders([key], {
        owner: settings.owner,
        leaseMs: settings.claimLeaseMs,
      });
      const current = mine === undefined ? undefined : await transfers.get(transfer.id);
      if (current?.version !== transfer.version) {
        if (mine !== undefined) await settings.claims.releaseOrders([key], settings.owner);
        settings.emit({ type: 'transfer.skipped', transferId: transfer.id, reason: 'claimed_elsewhere' });
        continue;
      }
    }
    try {
      const after = await settings.payments.syncTransfer(transfer.id, { resendAfterMs: settings.resendAfterMs });
      settings.succeeded(transfer.provider);
      if (after.version !== transfer.version) {
        counts.changed++;
        settings.emit({ type: 'transfer.changed', from: transfer.status, transfer: redactTransfer(after) });
      }
    } catch (error) {
      counts.failed++;
      settings.emit({ type: 'transfer.failed', transferId: transfer.id, error });
      settings.failed(transfer.provider, error);
    } finally {
      if (settings.claims) await settings.claims.releaseOrders([key], settings.owner).catch(() => undefined);
    }
  }
  return counts;
}
