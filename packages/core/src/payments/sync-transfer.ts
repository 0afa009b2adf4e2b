/**
 * `payments.syncTransfer`: asks the wallet for a transfer's state and applies it; with
 * `resendAfterMs` (the reconciler's), sends a `created` transfer the wallet never received again,
 * under the same id.
 *
 * @packageDocumentation
 */
import { type HutongError, ProviderApiError, UnsupportedOperationError } from '../errors.js';
import type { Transfer } from '../money-movement.js';
import { FINAL_TRANSFER_STATUSES } from '../transfer-state-machine.js';
import type { SyncTransferOptions } from './movement-types.js';
import { type PaymentsContext, providerById } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { callProvider, isDefinitiveRefusal } from './provider-call.js';
import { applyTransferEvent, getTransfer } from './transfer-apply.js';
import { bindTransferReply, sendTransfer, transferRequest } from './transfer-send.js';

/**
 * Queries the transfer and applies the answer. A `created` transfer the wallet does not know, past
 * `resendAfterMs`, was never received (a crash between the commit and the call, a request lost on
 * the way): it is sent again under the same id, which the wallet takes as the same transfer; a
 * refusal of that request marks it failed. Within the grace period it is left as it is.
 */
export async function syncTransfer(
  context: PaymentsContext,
  transferId: string,
  options: SyncTransferOptions = {},
): Promise<Transfer> {
  const transfer = await getTransfer(context, transferId);
  if (FINAL_TRANSFER_STATUSES.has(transfer.status)) return transfer;
  const provider = providerById(context, transfer.provider);
  if (typeof provider.queryTransfer !== 'function') throw new UnsupportedOperationError(provider.id, 'queryTransfer');
  const query = provider.queryTransfer as NonNullable<AnyProvider['queryTransfer']>;
  try {
    const request = await transferRequest(context, provider, transfer);
    const status = await callProvider(provider, () => query.call(provider, request));
    bindTransferReply(provider, transfer, status);
    return (await applyTransferEvent(context, status, provider.id)).transfer;
  } catch (error) {
    const grace = options.resendAfterMs;
    const unknown = ProviderApiError.isInstance(error) && error.normalizedCode === 'not_found';
    if (!unknown || grace === undefined || transfer.status !== 'created') throw error;
    if (context.now().getTime() - Date.parse(transfer.updatedAt) < grace) return transfer;
    try {
      return await sendTransfer(context, provider, transfer);
    } catch (sendError) {
      if (isDefinitiveRefusal(sendError as HutongError)) return getTransfer(context, transferId);
      throw sendError;
    }
  }
}
