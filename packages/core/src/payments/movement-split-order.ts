/**
 * Finding the order of a split report that does not name it: WeChat Pay's and Alipay's
 * profit-sharing messages name the split (`out_order_no`, `out_request_no`) and the wallet's trade
 * (`transaction_id`, `trade_no`), not the order's `out_trade_no`. The store's `findOrdersBySplit`
 * finds the orders with that split id and that trade; the one found is the order. The
 * report is then bound and applied as any other (its receivers, amounts and sub-merchant), so a
 * genuine message about another trade's split of the same id changes nothing.
 *
 * @packageDocumentation
 */
import { MovementNotFoundError, ValidationError } from '../errors.js';
import type { MoneyMovementEvent } from '../money-movement.js';
import type { PaymentsContext } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';

/**
 * The report with its `orderId` filled in when it named none. Throws `MovementNotFoundError`
 * (`split_not_found`) when no order of this provider has the split with the trade it names, or
 * when the store cannot look splits up (the reconciler then finishes the split), and
 * `ValidationError` when the report names no trade either, or matches several orders.
 */
export async function withSplitOrder(
  context: PaymentsContext,
  provider: AnyProvider,
  event: MoneyMovementEvent,
): Promise<MoneyMovementEvent> {
  if (event.type === 'transfer.status' || event.orderId !== '') return event;
  const find = context.store.findOrdersBySplit;
  if (typeof find !== 'function') throw new MovementNotFoundError('split', event.splitId);
  const trade = event.providerTransactionId;
  // A report naming neither the order nor the wallet's trade is bound by nothing but its split id,
  // which is unique only per merchant: the reconciler's query, which names the order, finishes it.
  if (trade === undefined) {
    throw new ValidationError(
      'event.providerTransactionId',
      `names neither the order nor the trade of split ${event.splitId}`,
    );
  }
  // The store narrows by the trade before its cap (MAX_SPLIT_ORDERS); the filter stays for a store
  // that ignores `trade` (the argument came after the method).
  const candidates = (await find.call(context.store, provider.id, event.splitId, trade)).filter(
    (order) =>
      order.provider === provider.id &&
      order.splits?.some((split) => split.id === event.splitId) === true &&
      order.providerTransactionId === trade,
  );
  const [order, ...others] = candidates;
  if (!order) throw new MovementNotFoundError('split', event.splitId);
  if (others.length > 0) {
    throw new ValidationError('event.orderId', `names no order, and split ${event.splitId} is on several orders`);
  }
  return { ...event, orderId: order.id };
}
