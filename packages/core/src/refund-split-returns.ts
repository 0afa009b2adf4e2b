/**
 * Split returns made within a refund (`payments.refund` with `splitReturns`; Alipay's 退分账,
 * `refund_royalty_parameters`): part of a refund taken back from receivers of the order's splits
 * instead of from the merchant. They are recorded on their splits, with the refund's id, in the same
 * transition as the refund, and settle with it:
 *
 * ```text
 *  refund.requested ──▶ refund pending, its returns pending (what they return no longer counts as split)
 *  refund.succeeded ──▶ its returns succeeded (split.returned)
 *  refund.failed    ──▶ its returns failed (split.return_failed): the receivers hold their shares again
 * ```
 *
 * Pure, like the state machine that calls it.
 *
 * @packageDocumentation
 */
import { ConflictError, SplitExceedsAvailableError, ValidationError } from './errors.js';
import type { Split, SplitReturn } from './money-movement.js';
import type { Order } from './order.js';
import type { OrderEffect } from './order-state-machine.js';
import type { RefundSplitReturn } from './provider-spec.js';
import { returnableAmount } from './split-amounts.js';

/**
 * One receiver's part of a refund, as the merchant asks for it.
 *
 * @example
 * ```ts
 * const part: RefundSplitReturnInput = { splitId: 'split0001', returnId: 'return0001', account: '2088101126765726', amount: 200 };
 * ```
 */
export interface RefundSplitReturnInput {
  splitId: string;
  returnId: string;
  account: string;
  /** Amount in fen. */
  amount: number;
  description?: string | undefined;
}

/**
 * The sum, in fen, of what receivers give back within one refund.
 *
 * @example
 * ```ts
 * returnedWithin([{ splitId: 's', returnId: 'r', account: 'a', amount: 200 }]); // 200
 * ```
 */
export function returnedWithin(returns: readonly Pick<RefundSplitReturnInput, 'amount'>[]): number {
  let total = 0;
  for (const r of returns) total += r.amount;
  return total;
}

/** The returns of `order` made within refund `refundId`, in the order of their splits. */
function linkedReturns(order: Order, refundId: string): { split: Split; splitReturn: SplitReturn }[] {
  const found: { split: Split; splitReturn: SplitReturn }[] = [];
  for (const split of order.splits ?? []) {
    for (const splitReturn of split.returns) if (splitReturn.refundId === refundId) found.push({ split, splitReturn });
  }
  return found;
}

/**
 * What a recorded refund takes back from receivers, as the provider's `refund` is sent it: the
 * same returns on every send, the reconciler's included.
 *
 * @example
 * ```ts
 * const request = { orderId, order, refundId, amount, reason: null, splitReturns: refundSplitReturns(order, refundId) };
 * ```
 */
export function refundSplitReturns(order: Order, refundId: string): RefundSplitReturn[] {
  return linkedReturns(order, refundId).map(({ split, splitReturn }) => ({
    splitId: split.id,
    providerSplitId: split.providerSplitId,
    returnId: splitReturn.id,
    account: splitReturn.account,
    amount: splitReturn.amount,
    ...(splitReturn.description === undefined ? {} : { description: splitReturn.description }),
  }));
}

/**
 * Whether refund `refundId` of `order` was recorded with exactly these returns (none for none).
 *
 * @example
 * ```ts
 * if (!sameRefundReturns(order, 'refund0001', asked)) throw new ValidationError('splitReturns', 'differ');
 * ```
 */
export function sameRefundReturns(order: Order, refundId: string, returns: readonly RefundSplitReturnInput[]): boolean {
  // One to one: each return asked matches one recorded return, none twice.
  const linked = linkedReturns(order, refundId);
  if (linked.length !== returns.length) return false;
  const unmatched = [...linked];
  for (const asked of returns) {
    const at = unmatched.findIndex(
      ({ split, splitReturn }) =>
        split.id === asked.splitId &&
        splitReturn.id === asked.returnId &&
        splitReturn.account === asked.account &&
        splitReturn.amount === asked.amount,
    );
    if (at < 0) return false;
    unmatched.splice(at, 1);
  }
  return true;
}

/**
 * Checks the returns asked within a new refund against the order's splits: each names a receiver
 * that was paid and gives back at most what it holds, no return id is used twice or already used,
 * and together they are within the refund's `amount`. Pure; throws before anything is recorded.
 *
 * @throws `ValidationError` for a split or receiver the order does not have, or returns beyond the refund.
 * @throws `ConflictError` (`duplicate_split`) for a return id already used on the order.
 * @throws `SplitExceedsAvailableError` for a return beyond what the receiver holds.
 * @example
 * ```ts
 * checkRefundReturns(order, 500, [{ splitId: 'split0001', returnId: 'return0001', account: '2088101126765726', amount: 200 }]);
 * ```
 */
export function checkRefundReturns(order: Order, amount: number, returns: readonly RefundSplitReturnInput[]): void {
  const ids = new Set<string>();
  const asked = new Map<string, number>();
  returns.forEach((r, index) => {
    const at = `splitReturns.${index}`;
    if (!Number.isSafeInteger(r.amount) || r.amount <= 0) {
      throw new ValidationError(`${at}.amount`, 'must be a positive integer amount in fen');
    }
    if (ids.has(r.returnId)) throw new ValidationError(`${at}.returnId`, 'names one return twice in one refund');
    ids.add(r.returnId);
    if (order.splits?.some((s) => s.returns.some((existing) => existing.id === r.returnId))) {
      throw new ConflictError('duplicate_split', order.id, `return ${r.returnId} of order ${order.id} already exists`);
    }
    const split = order.splits?.find((s) => s.id === r.splitId);
    if (!split) throw new ValidationError(`${at}.splitId`, `is not a split of order ${order.id}`);
    const receiver = split.receivers.find((x) => x.account === r.account);
    if (!receiver) throw new ValidationError(`${at}.account`, `is not a receiver of split ${split.id}`);
    if (receiver.status !== 'succeeded') {
      throw new ValidationError(
        `${at}.account`,
        `has not been paid by split ${split.id} (its share is ${receiver.status}): settle or sync the split first`,
      );
    }
    const key = `${split.id}\u0000${r.account}`;
    const total = (asked.get(key) ?? 0) + r.amount;
    asked.set(key, total);
    const returnable = returnableAmount(split, r.account);
    if (total > returnable) throw new SplitExceedsAvailableError(order.id, total, returnable, 'return');
  });
  const total = returnedWithin(returns);
  if (total > amount) {
    throw new ValidationError(
      'splitReturns',
      `total ${total} fen, more than the refund's ${amount} fen: they are part of the amount, not added to it`,
    );
  }
}

/**
 * The order's splits with the refund's returns recorded as `pending` (checked first with
 * {@link checkRefundReturns}); for a failed refund asked again, its failed returns pending again.
 *
 * @example
 * ```ts
 * const splits = recordRefundReturns(order, 'refund0001', asked, at);
 * ```
 */
export function recordRefundReturns(
  order: Order,
  refundId: string,
  returns: readonly RefundSplitReturnInput[],
  at: string,
): readonly Split[] | undefined {
  if (returns.length === 0) return order.splits;
  return (order.splits ?? []).map((split) => {
    const added = returns
      .filter((r) => r.splitId === split.id)
      .map(
        (r): SplitReturn => ({
          id: r.returnId,
          account: r.account,
          amount: r.amount,
          status: 'pending',
          ...(r.description === undefined ? {} : { description: r.description }),
          refundId,
          createdAt: at,
          updatedAt: at,
        }),
      );
    return added.length === 0 ? split : { ...split, returns: [...split.returns, ...added], updatedAt: at };
  });
}

/**
 * What refund `refundId` of `order` was recorded to take back from receivers, in fen.
 *
 * @example
 * ```ts
 * recordedWithin(order, 'refund0001'); // 200
 * ```
 */
export function recordedWithin(order: Order, refundId: string): number {
  let total = 0;
  for (const { splitReturn } of linkedReturns(order, refundId)) total += splitReturn.amount;
  return total;
}

/**
 * Whether refund `refundId` of `order` has returns still `pending` (a refund that settled by a
 * report that did not say what became of them: `payments.sync` asks the wallet again).
 *
 * @example
 * ```ts
 * if (hasPendingRefundReturns(order, refund.id)) await payments.sync(order.id);
 * ```
 */
export function hasPendingRefundReturns(order: Order, refundId: string): boolean {
  return linkedReturns(order, refundId).some(({ splitReturn }) => splitReturn.status === 'pending');
}

/**
 * Checks that the failed returns of a failed refund asked again still fit what their receivers
 * hold, and gives the splits with them `pending` again.
 *
 * @throws `SplitExceedsAvailableError` when a receiver no longer holds what it would give back.
 * @example
 * ```ts
 * const splits = reopenRefundReturns(order, 'refund0001', at);
 * ```
 */
export function reopenRefundReturns(order: Order, refundId: string, at: string): readonly Split[] | undefined {
  const linked = linkedReturns(order, refundId);
  if (linked.length === 0) return order.splits;
  // Together per receiver: two failed returns of one receiver must both fit what it holds now.
  const asked = new Map<string, number>();
  for (const { split, splitReturn } of linked) {
    if (splitReturn.status !== 'failed') continue;
    const key = `${split.id}\u0000${splitReturn.account}`;
    const total = (asked.get(key) ?? 0) + splitReturn.amount;
    asked.set(key, total);
    const returnable = returnableAmount(split, splitReturn.account);
    if (total > returnable) throw new SplitExceedsAvailableError(order.id, total, returnable, 'return');
  }
  return mapLinked(order, refundId, at, (r) => {
    if (r.status !== 'failed') return r;
    const { failReason: _dropped, ...rest } = r;
    return { ...rest, status: 'pending', updatedAt: at };
  });
}

/** The order's splits with `change` applied to refund `refundId`'s returns; a split changed is stamped `at`. */
function mapLinked(
  order: Order,
  refundId: string,
  at: string,
  change: (splitReturn: SplitReturn) => SplitReturn,
): readonly Split[] | undefined {
  return order.splits?.map((split) => {
    let touched = false;
    const returns = split.returns.map((r) => {
      if (r.refundId !== refundId) return r;
      const next = change(r);
      if (next !== r) touched = true;
      return next;
    });
    return touched ? { ...split, returns, updatedAt: at } : split;
  });
}

/**
 * Settles the returns of refund `refundId` with it: `succeeded` when the refund succeeded (from
 * `pending` or `failed`: the wallet's word is final) except those the wallet reports it did not
 * take (`failedSplitReturns`), which fail; `failed` when the refund failed (from `pending`).
 * Returns the new splits, one effect per return settled and what the wallet did not take, in fen;
 * `undefined` when nothing changed.
 *
 * @example
 * ```ts
 * const settled = settleRefundReturns(order, 'refund0001', 'succeeded', at);
 * ```
 */
export function settleRefundReturns(
  order: Order,
  refundId: string,
  status: 'succeeded' | 'failed',
  at: string,
  notTakenByWallet: readonly { returnId: string; reason?: string | undefined }[] = [],
  reason?: string | undefined,
): { splits: readonly Split[]; effects: OrderEffect[]; notTaken: number } | undefined {
  const effects: OrderEffect[] = [];
  const settledIds = new Set<string>();
  const failedBy = new Map(notTakenByWallet.map((r) => [r.returnId, r.reason]));
  let notTaken = 0;
  const splits = mapLinked(order, refundId, at, (r) => {
    const target = status === 'succeeded' && failedBy.has(r.id) ? 'failed' : status;
    if (r.status === target || (target === 'failed' && r.status !== 'pending')) return r;
    settledIds.add(r.id);
    if (status === 'succeeded' && target === 'failed') notTaken += r.amount;
    const why = failedBy.get(r.id) ?? reason;
    const { failReason: _dropped, ...rest } = r;
    return target === 'failed' && why !== undefined
      ? { ...rest, status: target, failReason: why, updatedAt: at }
      : { ...rest, status: target, updatedAt: at };
  });
  if (!splits || settledIds.size === 0) return undefined;
  for (const split of splits) {
    for (const splitReturn of split.returns) {
      if (!settledIds.has(splitReturn.id)) continue;
      const type = splitReturn.status === 'succeeded' ? 'split.returned' : 'split.return_failed';
      effects.push({ type, split, splitReturn });
    }
  }
  return { splits, effects, notTaken };
}
