/**
 * The fake gateway's splits: a split of a paid payment (idempotent by split id, to bound receivers
 * only, within what the gateway still holds of the payment) and its query.
 *
 * @packageDocumentation
 */
import { generateId } from '@hutong/core';
import type { SplitReference, SplitRequest, SplitStatusEvent } from '@hutong/core/provider-utils';
import { type FakeMovementContext, findSplit, operation, refusal } from './fake-movement-context.js';
import { splitEvent } from './fake-movement-events.js';
import type { FakeSplit } from './fake-movements.js';

/** What the gateway still holds of a payment to split: paid, less refunds and what splits hold. */
function unsplit({ base, splits }: FakeMovementContext, orderId: string): number {
  const payment = base.sandbox.payment(orderId);
  if (!payment) return 0;
  let held = 0;
  for (const refund of payment.refunds.values()) if (refund.status !== 'REJECTED') held += refund.amount;
  for (const split of splits.values()) {
    if (split.orderId !== orderId) continue;
    for (const r of split.receivers) if (r.status === 'PENDING' || r.status === 'SUCCESS') held += r.amount;
    for (const r of split.returns.values()) if (r.status === 'SUCCESS') held -= r.amount;
  }
  return payment.amount - held;
}

/**
 * Splits a paid payment: `PROCESSING` until the test settles it, or `FINISHED` at once with `instantSplits`.
 *
 * @example
 * ```ts
 * const event = await fakeSplit(context, request);
 * ```
 */
export async function fakeSplit(
  context: FakeMovementContext,
  { orderId, split, names }: SplitRequest,
): Promise<SplitStatusEvent> {
  const { base, bound, splits, options } = context;
  return operation(context, 'split', () => {
    const existing = splits.get(split.id);
    if (existing) return splitEvent(existing);
    if (base.sandbox.payment(orderId)?.status !== 'PAID') throw refusal(context, 'NOT_PAID', 'invalid_request');
    if (bound && split.receivers.some((r) => !bound.has(r.account))) {
      throw refusal(context, 'RECEIVER_NOT_BOUND', 'invalid_request');
    }
    if (split.amount > unsplit(context, orderId)) throw refusal(context, 'NOT_ENOUGH', 'insufficient_balance');
    const recorded: FakeSplit = {
      orderId,
      id: split.id,
      providerSplitId: `ps${generateId()}`,
      status: options.instantSplits ? 'FINISHED' : 'PROCESSING',
      receivers: split.receivers.map((r) => ({
        account: r.account,
        amount: r.amount,
        status: options.instantSplits ? 'SUCCESS' : 'PENDING',
      })),
      names: { ...names },
      returns: new Map(),
    };
    splits.set(split.id, recorded);
    return splitEvent(recorded);
  });
}

/**
 * Queries a split.
 *
 * @example
 * ```ts
 * const event = await fakeQuerySplit(context, reference);
 * ```
 */
export async function fakeQuerySplit(
  context: FakeMovementContext,
  { split }: SplitReference,
): Promise<SplitStatusEvent> {
  return operation(context, 'querySplit', () => splitEvent(findSplit(context, split.id)));
}
