/**
 * What is left to split of a paid transaction (`GET /v3/profitsharing/transactions/{id}/amounts`).
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { readWechatpayUnsplitAmount } from './wechatpay-movement-replies.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';

const path = encodeURIComponent;

/** What is left to split of a paid transaction, in fen. */
export async function wechatpayUnsplitAmount(
  { client, replies }: WechatpayOperationContext,
  transactionId: string,
): Promise<number> {
  if (!transactionId) throw new ValidationError('transactionId', 'is required');
  const reply = await client.request({
    method: 'GET',
    path: `/v3/profitsharing/transactions/${path(transactionId)}/amounts`,
  });
  return readWechatpayUnsplitAmount(replies, reply, transactionId);
}
