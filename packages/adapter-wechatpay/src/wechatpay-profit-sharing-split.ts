/**
 * A split order (`POST /v3/profitsharing/orders`) and its query (`GET /v3/profitsharing/orders/{id}`).
 * A split's `finish: true` is sent as `unfreeze_unsplit: true`; receivers' names are encrypted.
 *
 * @packageDocumentation
 */
import {
  checkRefusal,
  type SplitReference,
  type SplitRequest,
  type SplitStatusEvent,
} from '@hutong/core/provider-utils';
import { readWechatpaySplit } from './wechatpay-movement-replies.js';
import type { WechatpaySubMerchant } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { encryptWechatpaySensitive } from './wechatpay-privacy.js';
import type { WechatpayReceiverType } from './wechatpay-profit-sharing.js';
import { expectedWechatpaySplit, wechatpayProfitSharingApps } from './wechatpay-profit-sharing-requests.js';

const RECEIVER_TYPES: Record<'merchant' | 'personal', WechatpayReceiverType> = {
  merchant: 'MERCHANT_ID',
  personal: 'PERSONAL_OPENID',
};

const path = encodeURIComponent;

function splitQueryPath(splitId: string, transactionId: string, sub: WechatpaySubMerchant | undefined): string {
  const query = `${sub ? `sub_mchid=${sub.subMchId}&` : ''}transaction_id=${path(transactionId)}`;
  return `/v3/profitsharing/orders/${path(splitId)}?${query}`;
}

/** Queries a split by its id (`out_order_no`) and the paid transaction. */
export async function queryWechatpaySplit(
  context: WechatpayOperationContext,
  reference: SplitReference,
): Promise<SplitStatusEvent> {
  const { client, replies } = context;
  const expected = expectedWechatpaySplit(context, reference);
  const reply = await client.request({
    method: 'GET',
    path: splitQueryPath(reference.split.id, expected.transactionId, expected.sub),
  });
  return readWechatpaySplit(replies, reply, expected);
}

/** Splits a paid payment among its receivers; a refusal stands only if no split of this id exists. */
export async function splitWechatpayPayment(
  context: WechatpayOperationContext,
  request: SplitRequest,
): Promise<SplitStatusEvent> {
  const { client, replies } = context;
  const expected = expectedWechatpaySplit(context, request);
  const { sub } = expected;
  const key = request.names && Object.keys(request.names).length > 0 ? await client.encryptionKey() : undefined;
  const receivers = request.split.receivers.map((receiver) => {
    const name = request.names?.[receiver.account];
    return {
      type: RECEIVER_TYPES[receiver.type],
      account: receiver.account,
      ...(name !== undefined && key ? { name: encryptWechatpaySensitive(name, key.key) } : {}),
      amount: receiver.amount,
      description: receiver.description,
    };
  });
  const body = {
    ...(sub ? { sub_mchid: sub.subMchId } : {}),
    ...wechatpayProfitSharingApps(context, sub, request.order.providerData.appId, false),
    transaction_id: expected.transactionId,
    out_order_no: request.split.id,
    receivers,
    // `finish`: the rest of the payment is unfrozen to the merchant once this split settles.
    unfreeze_unsplit: request.split.finish,
  };
  let reply: unknown;
  try {
    // Idempotent by out_order_no.
    reply = await client.request({
      method: 'POST',
      path: '/v3/profitsharing/orders',
      body,
      idempotent: true,
      headers: key ? { 'wechatpay-serial': key.serial } : undefined,
    });
  } catch (error) {
    // A refusal names no split: it stands only if WeChat Pay has no split of this id.
    return checkRefusal(error, {
      name: 'the profit-sharing query',
      field: 'response.code',
      run: () => queryWechatpaySplit(context, request),
    });
  }
  return readWechatpaySplit(replies, reply, expected);
}
