/**
 * The test's controls of the fake gateway's money movement (`fake.movements`): settling splits and
 * returns, completing or failing transfers, signing or forging notifications, and injecting
 * failures into the next call of an operation.
 *
 * @packageDocumentation
 */
import type { MoneyMovementEvent } from '@hutong/core/provider-utils';
import { type FakeMovementContext, findSplit, findTransfer, refusal } from './fake-movement-context.js';
import { returnEvent, splitEvent, transferEvent } from './fake-movement-events.js';
import { type FakeMovementBody, notifyMovement, signedMovementNotification } from './fake-movement-notifications.js';
import type { FakeMovementSandbox } from './fake-movements.js';

/** Another final status than the one reported: what a forger would claim. */
function forgedStatus(status: string): string {
  return status === 'succeeded' ? 'failed' : 'succeeded';
}

/**
 * Creates the movement controls of a fake movement provider.
 *
 * @example
 * ```ts
 * const movements = createFakeMovementSandbox(context);
 * movements.failNext('transfer', new NetworkError('reset'));
 * ```
 */
export function createFakeMovementSandbox(context: FakeMovementContext): FakeMovementSandbox {
  const notify = (event: MoneyMovementEvent) => notifyMovement(context, event);
  return {
    settleSplit(orderId, splitId, settle = {}) {
      const split = findSplit(context, splitId);
      if (split.status === 'PROCESSING') {
        split.status = settle.close ? 'CLOSED' : 'FINISHED';
        for (const r of split.receivers) r.status = settle.close ? 'CLOSED' : 'SUCCESS';
      }
      if (split.orderId !== orderId) throw refusal(context, 'NO_SUCH_SPLIT', 'not_found');
      return notify(splitEvent(split));
    },
    settleReturn(orderId, splitId, returnId, settle = {}) {
      const split = findSplit(context, splitId);
      if (split.orderId !== orderId) throw refusal(context, 'NO_SUCH_SPLIT', 'not_found');
      const found = split.returns.get(returnId);
      if (!found) throw refusal(context, 'NO_SUCH_RETURN', 'not_found');
      if (found.status === 'PROCESSING') found.status = settle.fail ? 'FAILED' : 'SUCCESS';
      return notify(returnEvent(context, findSplit(context, splitId), returnId));
    },
    completeTransfer(transferId) {
      const transfer = findTransfer(context, transferId);
      if (transfer.status === 'ACCEPTED' || transfer.status === 'WAIT_USER_CONFIRM') transfer.status = 'SUCCESS';
      return notify(transferEvent(transfer));
    },
    failTransfer(transferId, reason = 'ACCOUNT_FROZEN') {
      const transfer = findTransfer(context, transferId);
      if (transfer.status === 'ACCEPTED' || transfer.status === 'WAIT_USER_CONFIRM') {
        transfer.status = 'FAIL';
        transfer.failReason = reason;
        context.balance += transfer.amount;
      }
      return notify(transferEvent(transfer));
    },
    notification: (body, notificationOptions = {}) =>
      signedMovementNotification(context, body, notificationOptions.timestamp),
    forge(genuine) {
      const body = JSON.parse(String(genuine.body)) as FakeMovementBody;
      const event = { ...body.event, status: forgedStatus(body.event.status) };
      return { ...genuine, body: JSON.stringify({ ...body, event }) };
    },
    failNext(name, error) {
      context.failures.set(name, error);
    },
    loseReplyNext(name) {
      context.lostReplies.add(name);
    },
    split: (splitId) => context.splits.get(splitId),
    transfer: (transferId) => context.transfers.get(transferId),
    calls: context.calls,
  };
}
