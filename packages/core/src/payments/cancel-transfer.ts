/**
 * `payments.cancelTransfer`: cancels a transfer the payee has not confirmed (WeChat Pay), at the
 * wallet, then in the store.
 *
 * @packageDocumentation
 */
import { InvalidTransitionError, UnsupportedOperationError } from '../errors.js';
import type { Transfer } from '../money-movement.js';
import { FINAL_TRANSFER_STATUSES } from '../transfer-state-machine.js';
import { type PaymentsContext, providerById } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { callProvider } from './provider-call.js';
import { applyTransferEvent, getTransfer } from './transfer-apply.js';
import { bindTransferReply, transferRequest } from './transfer-send.js';

/**
 * Asks the wallet to cancel the transfer and applies its answer (`cancelled`, or whatever state the
 * wallet reports: a transfer the payee confirmed meanwhile is recorded as such).
 */
export async function cancelTransfer(context: PaymentsContext, transferId: string): Promise<Transfer> {
  const transfer = await getTransfer(context, transferId);
  const provider = providerById(context, transfer.provider);
  if (typeof provider.cancelTransfer !== 'function') {
    throw new UnsupportedOperationError(provider.id, 'cancelling a transfer');
  }
  if (FINAL_TRANSFER_STATUSES.has(transfer.status)) {
    throw new InvalidTransitionError(transfer.id, transfer.status, 'cancel');
  }
  const cancel = provider.cancelTransfer as NonNullable<AnyProvider['cancelTransfer']>;
  const request = await transferRequest(context, provider, transfer);
  const status = await callProvider(provider, () => cancel.call(provider, request));
  bindTransferReply(provider, transfer, status);
  return (await applyTransferEvent(context, status, provider.id)).transfer;
}
