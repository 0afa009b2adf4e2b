/**
 * Binding what a wallet reports about a split or a transfer to the record it must be about: a
 * genuine, signed report about another split, receiver, amount or transfer is never applied. The
 * state machine refuses a mismatch with a `ValidationError`; the facade refuses a reply with an
 * `UnexpectedResponseError` (`mismatch`), whose outcome stays unknown.
 *
 * @packageDocumentation
 */
import type {
  Split,
  SplitReturnStatusEvent,
  SplitStatusEvent,
  Transfer,
  TransferStatusEvent,
} from './money-movement.js';

/**
 * What does not match, and where; values are never quoted (accounts are personal data).
 *
 * @example
 * ```ts
 * const mismatch: MovementMismatch = { field: 'event.amount', message: 'is not the amount of transfer payout0001' };
 * ```
 */
export interface MovementMismatch {
  readonly field: string;
  readonly message: string;
}

/**
 * Why a split status event is not about `split`: another split id or provider split id, or
 * receivers that are not the split's (each account once, each with its amount): all of them in a
 * final report, at least one of them in a `pending` one (a report of some receivers, as WeChat
 * Pay's notification is). `undefined` when it matches.
 *
 * @example
 * ```ts
 * const mismatch = splitStatusMismatch(split, event);
 * if (mismatch) throw new ValidationError(mismatch.field, mismatch.message);
 * ```
 */
export function splitStatusMismatch(split: Split, event: SplitStatusEvent): MovementMismatch | undefined {
  if (event.splitId !== split.id) return { field: 'event.splitId', message: `is not split ${split.id}` };
  if (
    event.providerSplitId !== undefined &&
    split.providerSplitId !== null &&
    event.providerSplitId !== split.providerSplitId
  ) {
    return { field: 'event.providerSplitId', message: `is not the wallet's id of split ${split.id}` };
  }
  const some = event.status === 'pending';
  if (
    !Array.isArray(event.receivers) ||
    (some
      ? event.receivers.length === 0 || event.receivers.length > split.receivers.length
      : event.receivers.length !== split.receivers.length)
  ) {
    return { field: 'event.receivers', message: `are not the receivers of split ${split.id}` };
  }
  const expected = new Map(split.receivers.map((r) => [r.account, r.amount]));
  for (const reported of event.receivers) {
    if (expected.get(reported.account) !== reported.amount) {
      return { field: 'event.receivers', message: `name a receiver or amount that is not in split ${split.id}` };
    }
    expected.delete(reported.account);
  }
  return undefined;
}

/**
 * Why a split return status event is not about a return of `split`: an unknown return id or
 * another amount. `undefined` when it matches.
 *
 * @example
 * ```ts
 * splitReturnMismatch(split, event); // undefined, or { field: 'event.amount', ... }
 * ```
 */
export function splitReturnMismatch(split: Split, event: SplitReturnStatusEvent): MovementMismatch | undefined {
  if (event.splitId !== split.id) return { field: 'event.splitId', message: `is not split ${split.id}` };
  const existing = split.returns.find((r) => r.id === event.returnId);
  if (!existing) return { field: 'event.returnId', message: `is not a return of split ${split.id}` };
  if (event.amount !== existing.amount) {
    return { field: 'event.amount', message: `is not the amount of return ${existing.id}` };
  }
  return undefined;
}

/**
 * Why a transfer status event is not about `transfer`: another transfer id, amount or wallet
 * transfer id. `undefined` when it matches.
 *
 * @example
 * ```ts
 * transferStatusMismatch(transfer, event); // undefined when it answers this transfer
 * ```
 */
export function transferStatusMismatch(transfer: Transfer, event: TransferStatusEvent): MovementMismatch | undefined {
  if (event.transferId !== transfer.id) return { field: 'event.transferId', message: `is not transfer ${transfer.id}` };
  if (event.amount !== transfer.amount) {
    return { field: 'event.amount', message: `is not the amount of transfer ${transfer.id}` };
  }
  if (
    event.providerTransferId !== undefined &&
    transfer.providerTransferId !== null &&
    event.providerTransferId !== transfer.providerTransferId
  ) {
    return { field: 'event.providerTransferId', message: `is not the wallet's id of transfer ${transfer.id}` };
  }
  return undefined;
}
