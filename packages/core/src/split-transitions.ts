/**
 * The split part of the order lifecycle: recording a split or a split return, and applying what
 * the wallet reports about them, under the order's compare-and-set. Called by `transition` for the
 * `split.*` events of paid orders; pure like it.
 *
 * ```text
 *  split.requested ──▶ pending ──split.status──▶ succeeded / failed / closed (final)
 *  split.return.requested ──▶ pending ──split.return.status──▶ succeeded / failed (final)
 * ```
 *
 * @packageDocumentation
 */
import {
  ConflictError,
  InvalidTransitionError,
  MovementNotFoundError,
  SplitExceedsAvailableError,
  ValidationError,
} from './errors.js';
import type { Split, SplitReceiver, SplitReturn, SplitReturnStatusEvent, SplitStatusEvent } from './money-movement.js';
import type { Order } from './order.js';
import type { OrderEffect, TransitionResult } from './order-state-machine.js';
import { returnableAmount, unsplitAmount } from './split-amounts.js';
import { splitReturnMismatch, splitStatusMismatch } from './split-binding.js';

/**
 * A receiver as the merchant asks for it (its result is the wallet's to report).
 *
 * @example
 * ```ts
 * const receiver: SplitReceiverInput = { type: 'merchant', account: '1900000109', amount: 300, description: '佣金' };
 * ```
 */
export type SplitReceiverInput = Pick<SplitReceiver, 'type' | 'account' | 'amount' | 'description'>;

/**
 * The merchant asks for a split; checked against what is left to split.
 *
 * @example
 * ```ts
 * const command: SplitRequestedCommand = { type: 'split.requested', orderId, splitId: 'split0001', receivers: [receiver], finish: false };
 * ```
 */
export interface SplitRequestedCommand {
  type: 'split.requested';
  orderId: string;
  splitId: string;
  receivers: readonly SplitReceiverInput[];
  /** `true`: what is not split is unfrozen to the merchant once this split settles. */
  finish: boolean;
}

/**
 * The merchant asks to take back part of what one receiver got from a split.
 *
 * @example
 * ```ts
 * const command: SplitReturnRequestedCommand = { type: 'split.return.requested', orderId, splitId: 'split0001', returnId: 'return0001', account: '1900000109', amount: 100 };
 * ```
 */
export interface SplitReturnRequestedCommand {
  type: 'split.return.requested';
  orderId: string;
  splitId: string;
  returnId: string;
  account: string;
  /** Amount in fen. */
  amount: number;
  description?: string | undefined;
}

/**
 * The split events the order state machine takes.
 *
 * @example
 * ```ts
 * const event: SplitOrderEvent = { type: 'split.status', orderId, splitId: 'split0001', status: 'succeeded', receivers: [] };
 * ```
 */
export type SplitOrderEvent =
  | SplitRequestedCommand
  | SplitStatusEvent
  | SplitReturnRequestedCommand
  | SplitReturnStatusEvent;

const FINAL_SPLIT: ReadonlySet<Split['status']> = new Set(['succeeded', 'failed', 'closed']);

function changed(order: Order, at: string, splits: readonly Split[]): Order {
  return { ...order, splits, version: order.version + 1, updatedAt: at };
}

function replaceSplit(order: Order, split: Split): readonly Split[] {
  const splits = order.splits ?? [];
  return splits.some((s) => s.id === split.id)
    ? splits.map((s) => (s.id === split.id ? split : s))
    : [...splits, split];
}

function findSplit(order: Order, splitId: string): Split {
  const split = order.splits?.find((s) => s.id === splitId);
  if (!split) throw new MovementNotFoundError('split', splitId, order.id);
  return split;
}

function sameReceivers(split: Split, receivers: readonly SplitReceiverInput[]): boolean {
  return (
    split.receivers.length === receivers.length &&
    split.receivers.every((r, index) => {
      const asked = receivers[index] as SplitReceiverInput;
      return (
        r.type === asked.type &&
        r.account === asked.account &&
        r.amount === asked.amount &&
        r.description === asked.description
      );
    })
  );
}

function requestSplit(order: Order, event: SplitRequestedCommand, at: string): TransitionResult {
  const existing = order.splits?.find((s) => s.id === event.splitId);
  if (existing) {
    // The same split asked again (a double click, a retry): the same split, never a second one.
    if (sameReceivers(existing, event.receivers) && existing.finish === event.finish) {
      return { order, outcome: 'duplicate', effects: [] };
    }
    throw new ConflictError(
      'duplicate_split',
      order.id,
      `split ${event.splitId} of order ${order.id} was already requested with other receivers`,
    );
  }
  if (order.status === 'refunded') throw new InvalidTransitionError(order.id, order.status, event.type);
  if (event.receivers.length === 0) throw new ValidationError('receivers', 'must name at least one receiver');
  const accounts = new Set<string>();
  let amount = 0;
  for (const receiver of event.receivers) {
    if (!Number.isSafeInteger(receiver.amount) || receiver.amount <= 0) {
      throw new ValidationError('receivers.amount', 'must be a positive integer amount in fen');
    }
    if (accounts.has(receiver.account)) {
      throw new ValidationError('receivers.account', 'names one receiver twice in one split');
    }
    accounts.add(receiver.account);
    amount += receiver.amount;
  }
  const finished = order.splits?.find((s) => s.finish && s.status !== 'failed');
  if (finished) {
    throw new ValidationError(
      'splitId',
      `order ${order.id} was finished by split ${finished.id}: what was not split went back to the merchant`,
    );
  }
  const available = unsplitAmount(order);
  if (amount > available) throw new SplitExceedsAvailableError(order.id, amount, available);
  const split: Split = {
    id: event.splitId,
    amount,
    status: 'pending',
    receivers: event.receivers.map((r) => ({
      type: r.type,
      account: r.account,
      amount: r.amount,
      description: r.description,
      status: 'pending',
    })),
    finish: event.finish,
    providerSplitId: null,
    returns: [],
    createdAt: at,
    updatedAt: at,
  };
  return { order: changed(order, at, replaceSplit(order, split)), outcome: 'applied', effects: [] };
}

/** Refuses a report naming another trade than the order's (a split of the same id elsewhere). */
function bindTrade(order: Order, event: SplitStatusEvent | SplitReturnStatusEvent): void {
  const reported = event.providerTransactionId;
  if (reported !== undefined && order.providerTransactionId !== null && reported !== order.providerTransactionId) {
    throw new ValidationError('event.providerTransactionId', `is not the wallet's trade of order ${order.id}`);
  }
}

function applySplitStatus(order: Order, event: SplitStatusEvent, at: string): TransitionResult {
  bindTrade(order, event);
  const split = findSplit(order, event.splitId);
  const mismatch = splitStatusMismatch(split, event);
  if (mismatch) throw new ValidationError(mismatch.field, mismatch.message);
  if (FINAL_SPLIT.has(split.status)) {
    // A receiver's own report again (WeChat Pay redelivers each) once the split has settled.
    const sameReceivers =
      event.status === 'pending' &&
      event.receivers.length <= split.receivers.length &&
      event.receivers.every((r) => split.receivers.find((s) => s.account === r.account)?.status === r.status);
    return { order, outcome: event.status === split.status || sameReceivers ? 'duplicate' : 'stale', effects: [] };
  }
  const byAccount = new Map(event.receivers.map((r) => [r.account, r]));
  let receiversChanged = false;
  const receivers = split.receivers.map((receiver) => {
    const reported = byAccount.get(receiver.account);
    if (!reported || (reported.status === receiver.status && reported.failReason === receiver.failReason)) {
      return receiver;
    }
    receiversChanged = true;
    const { failReason: _dropped, ...rest } = receiver;
    return reported.failReason === undefined
      ? { ...rest, status: reported.status }
      : { ...rest, status: reported.status, failReason: reported.failReason };
  });
  const providerSplitId = split.providerSplitId ?? event.providerSplitId ?? null;
  if (event.status === 'pending' && !receiversChanged && providerSplitId === split.providerSplitId) {
    return { order, outcome: 'duplicate', effects: [] };
  }
  // Reported receiver by receiver: once every one is paid, the split is. Any other end (a receiver
  // closed or failed) is the wallet's to name, in a full report (its query).
  const status =
    event.status === 'pending' && receivers.every((receiver) => receiver.status === 'succeeded')
      ? 'succeeded'
      : event.status;
  const next: Split = { ...split, status, receivers, providerSplitId, updatedAt: at };
  const effects: OrderEffect[] = [];
  if (status !== 'pending') effects.push({ type: `split.${status}`, split: next });
  return { order: changed(order, at, replaceSplit(order, next)), outcome: 'applied', effects };
}

function requestReturn(order: Order, event: SplitReturnRequestedCommand, at: string): TransitionResult {
  for (const s of order.splits ?? []) {
    const existing = s.returns.find((r) => r.id === event.returnId);
    if (!existing) continue;
    if (s.id === event.splitId && existing.account === event.account && existing.amount === event.amount) {
      return { order, outcome: 'duplicate', effects: [] };
    }
    throw new ConflictError(
      'duplicate_split',
      order.id,
      `return ${event.returnId} of order ${order.id} was already requested for another receiver or amount`,
    );
  }
  const split = findSplit(order, event.splitId);
  if (!Number.isSafeInteger(event.amount) || event.amount <= 0) {
    throw new ValidationError('amount', 'must be a positive integer amount in fen');
  }
  if (!split.receivers.some((r) => r.account === event.account)) {
    throw new ValidationError('account', `is not a receiver of split ${split.id}`);
  }
  const returnable = returnableAmount(split, event.account);
  if (event.amount > returnable) throw new SplitExceedsAvailableError(order.id, event.amount, returnable, 'return');
  const created: SplitReturn = {
    id: event.returnId,
    account: event.account,
    amount: event.amount,
    status: 'pending',
    ...(event.description === undefined ? {} : { description: event.description }),
    createdAt: at,
    updatedAt: at,
  };
  const next: Split = { ...split, returns: [...split.returns, created], updatedAt: at };
  return { order: changed(order, at, replaceSplit(order, next)), outcome: 'applied', effects: [] };
}

function applyReturnStatus(order: Order, event: SplitReturnStatusEvent, at: string): TransitionResult {
  bindTrade(order, event);
  const split = findSplit(order, event.splitId);
  const mismatch = splitReturnMismatch(split, event);
  if (mismatch) throw new ValidationError(mismatch.field, mismatch.message);
  const existing = split.returns.find((r) => r.id === event.returnId) as SplitReturn;
  if (existing.status !== 'pending') {
    return { order, outcome: event.status === existing.status ? 'duplicate' : 'stale', effects: [] };
  }
  if (event.status === 'pending') return { order, outcome: 'duplicate', effects: [] };
  const settled: SplitReturn = {
    ...existing,
    status: event.status,
    ...(event.failReason === undefined ? {} : { failReason: event.failReason }),
    updatedAt: at,
  };
  const next: Split = {
    ...split,
    returns: split.returns.map((r) => (r.id === settled.id ? settled : r)),
    updatedAt: at,
  };
  const type = event.status === 'succeeded' ? 'split.returned' : 'split.return_failed';
  return {
    order: changed(order, at, replaceSplit(order, next)),
    outcome: 'applied',
    effects: [{ type, split: next, splitReturn: settled }],
  };
}

/**
 * Applies a split event to a paid order (see the diagram above). Pure.
 *
 * @throws `ConflictError` (`duplicate_split`) for a split or return id reused with other content.
 * @throws `SplitExceedsAvailableError` for a split beyond what is left, a return beyond what the receiver got.
 * @throws `MovementNotFoundError` (`split_not_found`) for an event about a split the order does not have.
 * @throws `ValidationError` for an event that does not answer its split (another receiver, amount, return or trade).
 * @example
 * ```ts
 * splitTransition(order, { type: 'split.requested', orderId: order.id, splitId: 'split0001',
 *   receivers: [{ type: 'merchant', account: '1900000109', amount: 300, description: '佣金' }], finish: false },
 *   new Date().toISOString());
 * ```
 */
export function splitTransition(order: Order, event: SplitOrderEvent, at: string): TransitionResult {
  switch (event.type) {
    case 'split.requested':
      return requestSplit(order, event, at);
    case 'split.status':
      return applySplitStatus(order, event, at);
    case 'split.return.requested':
      return requestReturn(order, event, at);
    case 'split.return.status':
      return applyReturnStatus(order, event, at);
  }
}
