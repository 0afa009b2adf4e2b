/**
 * `payments.split`, `payments.returnSplit` and `payments.getSplit`: a split of a paid order is
 * recorded on the order by its id with compare-and-set (what is split plus what is refunded never
 * exceeds what was paid), then sent; the same id again returns the same split without a second
 * request.
 *
 * @packageDocumentation
 */
import { MovementNotFoundError, UnsupportedOperationError } from '../errors.js';
import { assertAmount } from '../money.js';
import type { Split, SplitReturn } from '../money-movement.js';
import type { Order } from '../order.js';
import { assertPortableId } from '../order-id.js';
import { parseWithSchema } from '../validation.js';
import { applyEvent } from './apply-event.js';
import { movementMerchant } from './movement-merchant.js';
import { splitInputSchema, splitReturnInputSchema } from './movement-schemas.js';
import type { SplitInput, SplitReturnInput } from './movement-types.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import { requireCapability } from './provider-call.js';
import { sendSplit, sendSplitReturn } from './split-send.js';

/** The split `splitId` of `order`; {@link MovementNotFoundError} when it has none. */
export function splitOf(order: Order, splitId: string): Split {
  const split = order.splits?.find((s) => s.id === splitId);
  if (!split) throw new MovementNotFoundError('split', splitId, order.id);
  return split;
}

/** `payments.getSplit`: the split as stored on its order. */
export async function getSplit(context: PaymentsContext, orderId: string, splitId: string): Promise<Split> {
  return splitOf(await getOrder(context, orderId), splitId);
}

/**
 * Splits a paid order between receivers. Receivers' names go to the wallet only, never to the
 * store or events. A refusal the wallet stated marks the split failed (and is thrown); any other
 * failure leaves it pending for the reconciler (and is thrown).
 */
export async function splitOrder(context: PaymentsContext, orderId: string, input: SplitInput): Promise<Split> {
  const parsed = parseWithSchema(splitInputSchema, input, 'input');
  assertPortableId(parsed.splitId, 'input.splitId');
  const names: Record<string, string> = {};
  parsed.receivers.forEach((receiver, index) => {
    assertAmount(receiver.amount, `input.receivers.${index}.amount`);
    if (receiver.name !== undefined) names[receiver.account] = receiver.name;
  });
  const order = await getOrder(context, orderId);
  const provider = providerById(context, order.provider);
  requireCapability(provider, 'split');
  await movementMerchant(context, provider, order.merchant);
  const requested = await applyEvent(
    context,
    {
      type: 'split.requested',
      orderId,
      splitId: parsed.splitId,
      receivers: parsed.receivers.map((r) => ({
        type: r.type,
        account: r.account,
        amount: r.amount as number,
        description: r.description,
      })),
      finish: parsed.finish ?? false,
    },
    provider.id,
  );
  const split = splitOf(requested.order, parsed.splitId);
  // Already requested (a double click, a retry): the same split, never a second request.
  if (requested.outcome !== 'applied') return split;
  const final = await sendSplit(
    context,
    provider,
    requested.order,
    split,
    Object.keys(names).length > 0 ? names : undefined,
  );
  return splitOf(final, parsed.splitId);
}

/**
 * Takes back part of what one receiver got from a split (分账回退), recorded by `returnId` first
 * and sent once; the same id again returns the same return. A provider without split returns is
 * an `UnsupportedOperationError` before anything is recorded.
 */
export async function returnSplit(
  context: PaymentsContext,
  orderId: string,
  input: SplitReturnInput,
): Promise<SplitReturn> {
  const parsed = parseWithSchema(splitReturnInputSchema, input, 'input');
  assertAmount(parsed.amount, 'input.amount');
  assertPortableId(parsed.returnId, 'input.returnId');
  const order = await getOrder(context, orderId);
  const provider = providerById(context, order.provider);
  requireCapability(provider, 'split');
  // A wallet without split returns (Alipay takes royalty back only within a refund) is refused
  // before the return is recorded: a return that can never be sent would stay pending for ever.
  if (typeof provider.returnSplit !== 'function') {
    throw new UnsupportedOperationError(
      provider.id,
      provider.capabilities.splitReturnsInRefund
        ? 'returnSplit: receivers give back within a refund (payments.refund with splitReturns)'
        : 'returnSplit',
    );
  }
  await movementMerchant(context, provider, order.merchant);
  const requested = await applyEvent(
    context,
    {
      type: 'split.return.requested',
      orderId,
      splitId: parsed.splitId,
      returnId: parsed.returnId,
      account: parsed.account,
      amount: parsed.amount as number,
      description: parsed.description,
    },
    provider.id,
  );
  const returnOf = (o: Order) =>
    splitOf(o, parsed.splitId).returns.find((r) => r.id === parsed.returnId) as SplitReturn;
  if (requested.outcome !== 'applied') return returnOf(requested.order);
  const split = splitOf(requested.order, parsed.splitId);
  const final = await sendSplitReturn(context, provider, requested.order, split, returnOf(requested.order));
  return returnOf(final);
}
