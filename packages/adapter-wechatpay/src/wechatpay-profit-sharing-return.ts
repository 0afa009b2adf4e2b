/**
 * A return of a split from a merchant receiver (`POST /v3/profitsharing/return-orders`) and its
 * query (`GET /v3/profitsharing/return-orders/{id}`).
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import {
  checkRefusal,
  type SplitReturnReference,
  type SplitReturnRequest,
  type SplitReturnStatusEvent,
} from '@hutong/core/provider-utils';
import { readWechatpaySplitReturn } from './wechatpay-movement-replies.js';
import { type WechatpaySubMerchant, wechatpaySubMerchant } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';

const path = encodeURIComponent;

function returnQueryPath(returnId: string, splitId: string, sub: WechatpaySubMerchant | undefined): string {
  const query = `${sub ? `sub_mchid=${sub.subMchId}&` : ''}out_order_no=${path(splitId)}`;
  return `/v3/profitsharing/return-orders/${path(returnId)}?${query}`;
}

/** Queries a return by its id (`out_return_no`) and its split's (`out_order_no`). */
export async function queryWechatpaySplitReturn(
  { config, client, replies }: WechatpayOperationContext,
  reference: SplitReturnReference,
): Promise<SplitReturnStatusEvent> {
  const sub = wechatpaySubMerchant(config, reference.merchant);
  const expected = { orderId: reference.orderId, split: reference.split, subMchId: sub?.subMchId };
  const returned = reference.split.returns.find((item) => item.id === reference.returnId);
  const reply = await client.request({
    method: 'GET',
    path: returnQueryPath(reference.returnId, reference.split.id, sub),
  });
  return readWechatpaySplitReturn(replies, reply, expected, {
    returnId: reference.returnId,
    account: returned?.account,
    amount: returned?.amount,
  });
}

/** Returns part of a split from a merchant receiver; a refusal stands only if no return of this id exists. */
export async function returnWechatpaySplit(
  { config, client, replies }: WechatpayOperationContext,
  request: SplitReturnRequest,
): Promise<SplitReturnStatusEvent> {
  const sub = wechatpaySubMerchant(config, request.merchant);
  const receiver = request.split.receivers.find((item) => item.account === request.account);
  if (!receiver) throw new ValidationError('account', `is not a receiver of split ${request.split.id}`);
  if (receiver.type !== 'merchant')
    throw new ValidationError('account', 'WeChat Pay returns only from merchant receivers (return_mchid)');
  const body = {
    ...(sub ? { sub_mchid: sub.subMchId } : {}),
    ...(request.split.providerSplitId ? { order_id: request.split.providerSplitId } : {}),
    out_order_no: request.split.id,
    out_return_no: request.returnId,
    return_mchid: request.account,
    amount: request.amount,
    description: request.description,
  };
  const expected = { orderId: request.orderId, split: request.split, subMchId: sub?.subMchId };
  const asked = { returnId: request.returnId, account: request.account, amount: request.amount };
  let reply: unknown;
  try {
    // Idempotent by out_return_no.
    reply = await client.request({ method: 'POST', path: '/v3/profitsharing/return-orders', body, idempotent: true });
  } catch (error) {
    return checkRefusal(error, {
      name: 'the profit-sharing return query',
      field: 'response.code',
      run: async () =>
        readWechatpaySplitReturn(
          replies,
          await client.request({ method: 'GET', path: returnQueryPath(request.returnId, request.split.id, sub) }),
          expected,
          asked,
        ),
    });
  }
  return readWechatpaySplitReturn(replies, reply, expected, asked);
}
