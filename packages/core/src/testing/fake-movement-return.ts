/**
 * The fake gateway's split returns: a return from a paid receiver (idempotent by return id,
 * within what the receiver got) and its query.
 *
 * @packageDocumentation
 */
import type { SplitReturnReference, SplitReturnRequest, SplitReturnStatusEvent } from '@hutong/core/provider-utils';
import { type FakeMovementContext, findSplit, operation, refusal } from './fake-movement-context.js';
import { returnEvent } from './fake-movement-events.js';

/**
 * Returns part of a split from a paid receiver: settled at once, or `PROCESSING` with `pendingReturns`.
 *
 * @example
 * ```ts
 * const event = await fakeReturnSplit(context, request);
 * ```
 */
export async function fakeReturnSplit(
  context: FakeMovementContext,
  { split, returnId, account, amount }: SplitReturnRequest,
): Promise<SplitReturnStatusEvent> {
  return operation(context, 'returnSplit', () => {
    const recorded = findSplit(context, split.id);
    if (!recorded.returns.has(returnId)) {
      const receiver = recorded.receivers.find((r) => r.account === account);
      if (receiver?.status !== 'SUCCESS') throw refusal(context, 'RECEIVER_NOT_PAID', 'invalid_request');
      let returned = 0;
      for (const r of recorded.returns.values())
        if (r.account === account && r.status !== 'FAILED') returned += r.amount;
      if (returned + amount > receiver.amount) throw refusal(context, 'RETURN_TOO_LARGE', 'invalid_request');
      recorded.returns.set(returnId, {
        account,
        amount,
        status: context.options.pendingReturns ? 'PROCESSING' : 'SUCCESS',
      });
    }
    return returnEvent(context, recorded, returnId);
  });
}

/**
 * Queries a split's return.
 *
 * @example
 * ```ts
 * const event = await fakeQueryReturn(context, reference);
 * ```
 */
export async function fakeQueryReturn(
  context: FakeMovementContext,
  { split, returnId }: SplitReturnReference,
): Promise<SplitReturnStatusEvent> {
  return operation(context, 'queryReturn', () => returnEvent(context, findSplit(context, split.id), returnId));
}
