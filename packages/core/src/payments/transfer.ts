/**
 * `payments.transfer`: records a transfer (payout) by its id, exactly once, then sends it; the
 * same id again returns the same transfer without a second request.
 *
 * @packageDocumentation
 */
import { ConflictError, UnsupportedOperationError } from '../errors.js';
import { assertAmount, CURRENCY } from '../money.js';
import type { Transfer } from '../money-movement.js';
import { assertPortableId } from '../order-id.js';
import { parseWithSchema } from '../validation.js';
import { transferInputSchema } from './movement-schemas.js';
import type { TransferInput } from './movement-types.js';
import { type PaymentsContext, providerById } from './payments-context.js';
import { requireCapability } from './provider-call.js';
import { transfersOf } from './transfer-apply.js';
import { sendTransfer, transferRequest } from './transfer-send.js';

/** Whether two transfers ask for the same payout (what the merchant gave, not what the wallet said). */
function sameTransfer(a: Transfer, b: Transfer): boolean {
  return (
    a.provider === b.provider &&
    a.merchant === b.merchant &&
    a.amount === b.amount &&
    a.remark === b.remark &&
    a.payee.type === b.payee.type &&
    a.payee.account === b.payee.account &&
    a.payee.name === b.payee.name &&
    JSON.stringify(a.providerOptions) === JSON.stringify(b.providerOptions)
  );
}

/**
 * Pays a wallet user. The transfer is stored `created` first (insert-if-absent by its id), then
 * sent; a concurrent or repeated call with the same id gets the stored transfer and sends nothing.
 */
export async function createTransfer(context: PaymentsContext, input: TransferInput): Promise<Transfer> {
  const parsed = parseWithSchema(transferInputSchema, input, 'input');
  assertAmount(parsed.amount, 'input.amount');
  assertPortableId(parsed.transferId, 'input.transferId');
  const provider = providerById(context, parsed.provider);
  requireCapability(provider, 'transfer');
  if (typeof provider.transfer !== 'function') throw new UnsupportedOperationError(provider.id, 'transfer');
  const store = transfersOf(context);
  const at = context.now().toISOString();
  const transfer: Transfer = {
    id: parsed.transferId,
    provider: provider.id,
    merchant: parsed.merchant ?? null,
    amount: parsed.amount as number,
    currency: CURRENCY,
    payee: {
      type: parsed.payee.type,
      account: parsed.payee.account,
      ...(parsed.payee.name === undefined ? {} : { name: parsed.payee.name }),
    },
    remark: parsed.remark,
    status: 'created',
    providerTransferId: null,
    confirmation: null,
    failReason: null,
    providerOptions: parsed.providerOptions ?? {},
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  // The merchant and what the provider needs are checked before anything is stored: a mistake
  // spends no transfer id.
  const request = await transferRequest(context, provider, transfer, parsed.notifyUrl);
  provider.validateTransfer?.(request);
  try {
    await store.create(transfer);
  } catch (error) {
    if (!ConflictError.isInstance(error) || error.code !== 'duplicate_transfer') throw error;
    const existing = await store.get(transfer.id);
    if (existing && sameTransfer(existing, transfer)) return existing;
    throw new ConflictError(
      'duplicate_transfer',
      transfer.id,
      `transfer ${transfer.id} was already requested with other content`,
    );
  }
  return sendTransfer(context, provider, transfer, parsed.notifyUrl);
}
