/**
 * The fake gateway's transfers: a payout from the merchant's balance (idempotent by transfer id;
 * accepted, or waiting for the payee with `transferConfirmation`), its query and its cancel before
 * it settles (the amount back to the balance).
 *
 * @packageDocumentation
 */
import { generateId } from '@hutong/core';
import type { TransferRequest, TransferStatusEvent } from '@hutong/core/provider-utils';
import { type FakeMovementContext, findTransfer, operation, refusal } from './fake-movement-context.js';
import { transferEvent } from './fake-movement-events.js';
import type { FakeTransfer } from './fake-movements.js';

/**
 * Pays out from the merchant's balance; refused (`NOT_ENOUGH`) beyond it.
 *
 * @example
 * ```ts
 * const event = await fakeTransfer(context, request);
 * ```
 */
export async function fakeTransfer(
  context: FakeMovementContext,
  { transfer }: TransferRequest,
): Promise<TransferStatusEvent> {
  const { transfers, options } = context;
  return operation(context, 'transfer', () => {
    const existing = transfers.get(transfer.id);
    if (existing) return transferEvent(existing);
    if (transfer.amount > context.balance) throw refusal(context, 'NOT_ENOUGH', 'insufficient_balance');
    context.balance -= transfer.amount;
    const recorded: FakeTransfer = {
      id: transfer.id,
      amount: transfer.amount,
      providerTransferId: `pt${generateId()}`,
      status: options.transferConfirmation ? 'WAIT_USER_CONFIRM' : 'ACCEPTED',
      payeeName: transfer.payee.name,
      failReason: undefined,
    };
    transfers.set(transfer.id, recorded);
    return transferEvent(recorded);
  });
}

/**
 * Queries a transfer.
 *
 * @example
 * ```ts
 * const event = await fakeQueryTransfer(context, request);
 * ```
 */
export async function fakeQueryTransfer(
  context: FakeMovementContext,
  { transfer }: TransferRequest,
): Promise<TransferStatusEvent> {
  return operation(context, 'queryTransfer', () => transferEvent(findTransfer(context, transfer.id)));
}

/**
 * Cancels a transfer not yet settled; refused (`ALREADY_SETTLED`) once it succeeded or failed.
 *
 * @example
 * ```ts
 * const event = await fakeCancelTransfer(context, request);
 * ```
 */
export async function fakeCancelTransfer(
  context: FakeMovementContext,
  { transfer }: TransferRequest,
): Promise<TransferStatusEvent> {
  return operation(context, 'cancelTransfer', () => {
    const recorded = findTransfer(context, transfer.id);
    if (recorded.status === 'SUCCESS' || recorded.status === 'FAIL')
      throw refusal(context, 'ALREADY_SETTLED', 'invalid_request');
    if (recorded.status !== 'CANCELLED') {
      recorded.status = 'CANCELLED';
      context.balance += recorded.amount;
    }
    return transferEvent(recorded);
  });
}
