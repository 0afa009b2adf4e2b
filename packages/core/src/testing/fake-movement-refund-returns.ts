/**
 * The fake gateway's split returns within a refund (`returnsInRefund`, as Alipay's 退分账): the
 * refund's `splitReturns` are checked against what each receiver got and holds, recorded on their
 * splits, and the refund goes on as any refund of the payment gateway. Sent again (same return
 * ids), nothing is checked or recorded twice.
 *
 * @packageDocumentation
 */
import type { RefundRequest, RefundStatusEvent } from '@hutong/core/provider-utils';
import { type FakeMovementContext, findSplit, refusal } from './fake-movement-context.js';

/**
 * Records the refund's returns at the gateway (refused, `RETURN_TOO_LARGE` or `RECEIVER_NOT_PAID`,
 * before anything is refunded), then refunds through `refund`.
 *
 * @example
 * ```ts
 * const event = await fakeRefundWithReturns(context, request, (r) => base.refund(r));
 * ```
 */
export async function fakeRefundWithReturns(
  context: FakeMovementContext,
  request: RefundRequest,
  refund: (request: RefundRequest) => Promise<RefundStatusEvent>,
): Promise<RefundStatusEvent> {
  const returns = request.splitReturns ?? [];
  const fresh = returns.filter((r) => !findSplit(context, r.splitId).returns.has(r.returnId));
  for (const r of fresh) {
    const recorded = findSplit(context, r.splitId);
    const receiver = recorded.receivers.find((x) => x.account === r.account);
    if (receiver?.status !== 'SUCCESS') throw refusal(context, 'RECEIVER_NOT_PAID', 'invalid_request');
    let returned = 0;
    for (const x of recorded.returns.values())
      if (x.account === r.account && x.status !== 'FAILED') returned += x.amount;
    for (const x of fresh) if (x !== r && x.splitId === r.splitId && x.account === r.account) returned += x.amount;
    if (returned + r.amount > receiver.amount) throw refusal(context, 'RETURN_TOO_LARGE', 'invalid_request');
  }
  const event = await refund(request);
  for (const r of fresh) {
    findSplit(context, r.splitId).returns.set(r.returnId, { account: r.account, amount: r.amount, status: 'SUCCESS' });
  }
  return event;
}
