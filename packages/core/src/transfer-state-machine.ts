/**
 * The transfer (payout) lifecycle, in one place. `transitionTransfer(transfer, event, now)` is
 * pure: it returns the next transfer (`version` one higher) or the same object when the event
 * changes nothing.
 *
 * ```text
 *  created ──▶ pending_confirmation ◀──▶ processing ──▶ succeeded / failed / cancelled (final)
 *     └──────────────────────────────────────────────────▶ (any final status)
 * ```
 *
 * The wallet's word moves a transfer between the unsettled statuses in either direction (WeChat
 * Pay's `PROCESSING` comes before `WAIT_USER_CONFIRM`, `TRANSFERING` after); a final status is
 * never left: a later, different report is `stale`.
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';
import type { Transfer, TransferStatus, TransferStatusEvent } from './money-movement.js';
import { transferStatusMismatch } from './split-binding.js';

/** The statuses a transfer never leaves. */
export const FINAL_TRANSFER_STATUSES: ReadonlySet<TransferStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * What a transfer's change means for the outside world: the facade turns each into an event
 * (`transfer.pending_confirmation`, `transfer.succeeded`, `transfer.failed`, `transfer.cancelled`).
 */
export interface TransferEffect {
  readonly type: 'transfer.pending_confirmation' | 'transfer.succeeded' | 'transfer.failed' | 'transfer.cancelled';
}

/**
 * The result of {@link transitionTransfer}: `applied` (a new transfer), `duplicate` (already
 * applied) or `stale` (older than the transfer's state, or after a final status); the same object
 * unless `applied`.
 */
export interface TransferTransitionResult {
  readonly transfer: Transfer;
  readonly outcome: 'applied' | 'duplicate' | 'stale';
  readonly effects: TransferEffect[];
}

/**
 * Applies a wallet's report to a transfer. Pure.
 *
 * @throws `ValidationError` when the event is about another transfer, amount or wallet transfer id.
 * @example
 * ```ts
 * const { transfer: next, effects } = transitionTransfer(transfer,
 *   { type: 'transfer.status', transferId: transfer.id, amount: transfer.amount, status: 'succeeded' }, new Date());
 * effects; // [{ type: 'transfer.succeeded' }]
 * ```
 */
export function transitionTransfer(
  transfer: Transfer,
  event: TransferStatusEvent,
  now: Date,
): TransferTransitionResult {
  const mismatch = transferStatusMismatch(transfer, event);
  if (mismatch) throw new ValidationError(mismatch.field, mismatch.message);
  if (FINAL_TRANSFER_STATUSES.has(transfer.status)) {
    return { transfer, outcome: event.status === transfer.status ? 'duplicate' : 'stale', effects: [] };
  }
  const providerTransferId = transfer.providerTransferId ?? event.providerTransferId ?? null;
  const confirmation = event.status === 'pending_confirmation' ? (event.confirmation ?? transfer.confirmation) : null;
  const failReason = event.status === 'failed' ? (event.failReason ?? null) : transfer.failReason;
  if (
    event.status === transfer.status &&
    providerTransferId === transfer.providerTransferId &&
    confirmation === transfer.confirmation
  ) {
    return { transfer, outcome: 'duplicate', effects: [] };
  }
  const next: Transfer = {
    ...transfer,
    status: event.status,
    providerTransferId,
    confirmation,
    failReason,
    version: transfer.version + 1,
    updatedAt: now.toISOString(),
  };
  const effects: TransferEffect[] =
    event.status === transfer.status || event.status === 'processing' ? [] : [{ type: `transfer.${event.status}` }];
  return { transfer: next, outcome: 'applied', effects };
}

/**
 * A transfer as events, hooks and errors show it: the payee's real name left out (personal data,
 * kept on the stored record only, for a resend).
 *
 * @example
 * ```ts
 * redactTransfer(transfer).payee; // { type: 'openid', account: 'o4Gg…' }, never the name
 * ```
 */
export function redactTransfer(transfer: Transfer): Transfer {
  if (transfer.payee.name === undefined && !Object.hasOwn(transfer.payee, 'name')) return transfer;
  const { name: _name, ...payee } = transfer.payee;
  return { ...transfer, payee };
}
