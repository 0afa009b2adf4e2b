/**
 * `payments.refund`: records a refund by its id with compare-and-set, then sends it; the same id
 * again returns the same refund without a second request.
 *
 * @packageDocumentation
 */
import { UnsupportedOperationError } from '../errors.js';
import { assertAmount } from '../money.js';
import type { Refund } from '../order.js';
import { assertPortableId } from '../order-id.js';
import { parseWithSchema } from '../validation.js';
import { applyEvent } from './apply-event.js';
import { assertOrderOf, merchantOf } from './merchant-accounts.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import { refundInputSchema } from './payments-schemas.js';
import type { RefundInput, RefundOutput } from './payments-types.js';
import { requireCapability } from './provider-call.js';
import { sendRefund } from './refund-send.js';

/**
 * Refunds part or all of a paid order; never beyond what was paid, pending refunds included. With
 * `splitReturns` (a provider with `capabilities.splitReturnsInRefund`), part of it comes back from
 * split receivers, recorded with the refund and settled with it.
 */
export async function refundOrder(
  context: PaymentsContext,
  orderId: string,
  input: RefundInput,
): Promise<RefundOutput> {
  const parsed = parseWithSchema(refundInputSchema, input, 'input');
  assertAmount(input.amount, 'amount');
  const amount = input.amount;
  const refundId = parsed.refundId;
  assertPortableId(refundId, 'input.refundId');
  const order = await getOrder(context, orderId);
  assertOrderOf(order, parsed.merchant);
  const provider = providerById(context, order.provider);
  requireCapability(provider, 'refund');
  // A merchant refused now (disabled, no longer enabled) records no refund at all.
  await merchantOf(context, provider, order);
  if (!provider.capabilities.partialRefund && amount !== order.paidAmount) {
    throw new UnsupportedOperationError(provider.id, 'partial refunds');
  }
  const earlier = order.refunds.filter((r) => r.status !== 'failed' && r.id !== refundId);
  if (!provider.capabilities.multipleRefunds && earlier.length > 0) {
    throw new UnsupportedOperationError(provider.id, 'more than one refund per order');
  }
  const splitReturns = parsed.splitReturns ?? [];
  if (splitReturns.length > 0) {
    // Where the wallet has a split return of its own (WeChat Pay), receivers give back before the
    // refund (`payments.returnSplit`), never within it.
    if (!provider.capabilities.splitReturnsInRefund) {
      throw new UnsupportedOperationError(
        provider.id,
        provider.capabilities.split
          ? 'split returns within a refund (returnSplit first, then refund)'
          : 'split returns within a refund (it has no splits)',
      );
    }
    splitReturns.forEach((r, index) => {
      assertAmount(r.amount, `input.splitReturns.${index}.amount`);
      assertPortableId(r.returnId, `input.splitReturns.${index}.returnId`);
    });
  }
  const asked = splitReturns.map((r) => ({ ...r, amount: r.amount as number }));
  // The wallet's own rules (Alipay takes no split returns in a face-to-face refund): a refusal
  // records nothing.
  if (!order.refunds.some((r) => r.id === refundId)) {
    provider.validateRefund?.({
      orderId,
      order,
      refundId,
      amount,
      reason: parsed.reason ?? null,
      ...(asked.length > 0 ? { splitReturns: asked } : {}),
    });
  }
  const requested = await applyEvent(context, {
    type: 'refund.requested',
    orderId,
    refundId,
    amount,
    reason: parsed.reason,
    ...(asked.length > 0 ? { splitReturns: asked } : {}),
  });
  if (requested.outcome !== 'applied') {
    // This refund id was already requested (a double click, a retry): the same refund, never a
    // second request to the wallet. A refund left pending settles by notification or `sync`.
    return { order: requested.order, refund: requested.order.refunds.find((r) => r.id === refundId) as Refund };
  }
  const final = await sendRefund(context, provider, requested.order, {
    id: refundId,
    amount,
    reason: parsed.reason ?? null,
  });
  return { order: final, refund: final.refunds.find((r) => r.id === refundId) as Refund };
}
