/**
 * Sending a recorded transfer to the wallet: by `payments.transfer` right after recording it, and
 * by the reconciler again (same id) when the wallet never received it.
 *
 * @packageDocumentation
 */
import { type HutongError, UnexpectedResponseError } from '../errors.js';
import type { MerchantAccount } from '../merchant.js';
import type { Transfer, TransferStatusEvent } from '../money-movement.js';
import type { TransferRequest } from '../provider-spec.js';
import { transferStatusMismatch } from '../split-binding.js';
import { movementMerchant } from './movement-merchant.js';
import type { PaymentsContext } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { callProvider, isDefinitiveRefusal } from './provider-call.js';
import { movementNotifyUrlFor, refusalReason } from './split-send.js';
import { applyTransferEvent } from './transfer-apply.js';

/** The sub-merchant account a transfer is paid from: `null` for the provider's own account. */
export function transferMerchant(
  context: PaymentsContext,
  provider: AnyProvider,
  transfer: Transfer,
): Promise<MerchantAccount | null> {
  return movementMerchant(context, provider, transfer.merchant);
}

/** Throws `UnexpectedResponseError` (`mismatch`) unless the report answers this transfer and amount. */
export function bindTransferReply(provider: AnyProvider, transfer: Transfer, event: TransferStatusEvent): void {
  const mismatch = transferStatusMismatch(transfer, event);
  if (mismatch) throw new UnexpectedResponseError(provider.id, 'mismatch', mismatch.message, { field: mismatch.field });
}

/** What the provider gets for a transfer: the record, its merchant and the notification URL. */
export async function transferRequest(
  context: PaymentsContext,
  provider: AnyProvider,
  transfer: Transfer,
  notifyUrl?: string,
): Promise<TransferRequest> {
  return {
    transfer,
    merchant: await transferMerchant(context, provider, transfer),
    notifyUrl: movementNotifyUrlFor(context, provider.id, notifyUrl),
  };
}

/**
 * Sends the transfer and applies the wallet's answer. A refusal the wallet stated marks it failed
 * (and is thrown); any other failure leaves it as it was (and is thrown), for the reconciler.
 */
export async function sendTransfer(
  context: PaymentsContext,
  provider: AnyProvider,
  transfer: Transfer,
  notifyUrl?: string,
): Promise<Transfer> {
  const send = provider.transfer as NonNullable<AnyProvider['transfer']>;
  const request = await transferRequest(context, provider, transfer, notifyUrl);
  let status: TransferStatusEvent;
  try {
    status = await callProvider(provider, () => send.call(provider, request));
  } catch (error) {
    if (isDefinitiveRefusal(error as HutongError)) {
      await applyTransferEvent(
        context,
        {
          type: 'transfer.status',
          transferId: transfer.id,
          amount: transfer.amount,
          status: 'failed',
          failReason: refusalReason(error as HutongError),
        },
        provider.id,
      );
    }
    throw error;
  }
  bindTransferReply(provider, transfer, status);
  return (await applyTransferEvent(context, status, provider.id)).transfer;
}
