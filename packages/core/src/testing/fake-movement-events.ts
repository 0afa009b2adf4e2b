/**
 * The events the fake gateway reports for its records: a split's, a return's and a transfer's
 * status, in core's statuses.
 *
 * @packageDocumentation
 */
import type { SplitReturnStatusEvent, SplitStatusEvent, TransferStatusEvent } from '@hutong/core/provider-utils';
import { type FakeMovementContext, refusal } from './fake-movement-context.js';
import {
  FAKE_RECEIVER_STATUS_MAP,
  FAKE_RETURN_STATUS_MAP,
  FAKE_SPLIT_STATUS_MAP,
  FAKE_TRANSFER_STATUS_MAP,
} from './fake-movement-statuses.js';
import type { FakeSplit, FakeTransfer } from './fake-movements.js';

/**
 * The status of a split as the gateway reports it.
 *
 * @example
 * ```ts
 * splitEvent(findSplit(context, 'split0001')).status; // 'pending'
 * ```
 */
export function splitEvent(split: FakeSplit): SplitStatusEvent {
  return {
    type: 'split.status',
    orderId: split.orderId,
    splitId: split.id,
    status: FAKE_SPLIT_STATUS_MAP[split.status],
    receivers: split.receivers.map((r) => ({
      account: r.account,
      amount: r.amount,
      status: FAKE_RECEIVER_STATUS_MAP[r.status],
    })),
    providerSplitId: split.providerSplitId,
  };
}

/**
 * The status of a split's return as the gateway reports it; refused (`NO_SUCH_RETURN`) when it has none.
 *
 * @example
 * ```ts
 * returnEvent(context, findSplit(context, 'split0001'), 'return0001').status; // 'succeeded'
 * ```
 */
export function returnEvent(context: FakeMovementContext, split: FakeSplit, returnId: string): SplitReturnStatusEvent {
  const found = split.returns.get(returnId);
  if (!found) throw refusal(context, 'NO_SUCH_RETURN', 'not_found');
  return {
    type: 'split.return.status',
    orderId: split.orderId,
    splitId: split.id,
    returnId,
    amount: found.amount,
    status: FAKE_RETURN_STATUS_MAP[found.status],
  };
}

/**
 * The status of a transfer as the gateway reports it (with the payee's confirmation while it waits).
 *
 * @example
 * ```ts
 * transferEvent(findTransfer(context, 'payout0001')).status; // 'processing'
 * ```
 */
export function transferEvent(transfer: FakeTransfer): TransferStatusEvent {
  const status = FAKE_TRANSFER_STATUS_MAP[transfer.status];
  return {
    type: 'transfer.status',
    transferId: transfer.id,
    amount: transfer.amount,
    status,
    providerTransferId: transfer.providerTransferId,
    ...(status === 'pending_confirmation' ? { confirmation: `package-${transfer.providerTransferId}` } : {}),
    ...(transfer.failReason === undefined ? {} : { failReason: transfer.failReason }),
  };
}
