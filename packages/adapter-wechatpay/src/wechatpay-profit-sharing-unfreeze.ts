/**
 * Unfreezing what is left of a split payment to the merchant (`POST /v3/profitsharing/orders/unfreeze`),
 * under a split id of its own; no later split of the payment is possible.
 *
 * @packageDocumentation
 */
import type { PaymentReference, SplitStatusEvent } from '@hutong/core/provider-utils';
import { readWechatpaySplit } from './wechatpay-movement-replies.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { expectedWechatpaySplit } from './wechatpay-profit-sharing-requests.js';

/** Unfreezes what is left of a split payment, answered as a split of `reference.splitId`. */
export async function unfreezeWechatpaySplit(
  context: WechatpayOperationContext,
  reference: PaymentReference & { splitId: string; description?: string | undefined },
): Promise<SplitStatusEvent> {
  const { client, replies } = context;
  const unfreezeSplit = {
    id: reference.splitId,
    amount: 0,
    status: 'pending' as const,
    receivers: [],
    finish: true,
    providerSplitId: null,
    returns: [],
    createdAt: '',
    updatedAt: '',
  };
  const expected = expectedWechatpaySplit(context, { ...reference, split: unfreezeSplit });
  const body = {
    ...(expected.sub ? { sub_mchid: expected.sub.subMchId } : {}),
    transaction_id: expected.transactionId,
    out_order_no: reference.splitId,
    description: reference.description ?? '解冻全部剩余资金',
  };
  const reply = await client.request({
    method: 'POST',
    path: '/v3/profitsharing/orders/unfreeze',
    body,
    idempotent: true,
  });
  return readWechatpaySplit(replies, reply, expected);
}
