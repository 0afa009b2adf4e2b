/**
 * Profit-sharing receivers: binding one to the merchant or sub-merchant
 * (`POST /v3/profitsharing/receivers/add`, its real name encrypted) and unbinding it
 * (`POST /v3/profitsharing/receivers/delete`).
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { checkWechatpayReceiverReply } from './wechatpay-movement-replies.js';
import { wechatpaySubMerchant } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { encryptWechatpaySensitive } from './wechatpay-privacy.js';
import type { WechatpayReceiverReference, WechatpayReceiverRequest } from './wechatpay-profit-sharing.js';
import { wechatpayProfitSharingApps } from './wechatpay-profit-sharing-requests.js';

/** Encrypts `name` when given; the headers naming the key it was encrypted under. */
async function encrypted(
  { client }: WechatpayOperationContext,
  name: string | undefined,
): Promise<{ name?: string; headers?: Record<string, string> }> {
  if (name === undefined) return {};
  const key = await client.encryptionKey();
  return { name: encryptWechatpaySensitive(name, key.key), headers: { 'wechatpay-serial': key.serial } };
}

/** Binds a receiver (分账接收方) to the merchant (or sub-merchant). */
export async function addWechatpayReceiver(
  context: WechatpayOperationContext,
  request: WechatpayReceiverRequest,
): Promise<void> {
  const { config, client, replies } = context;
  const sub = wechatpaySubMerchant(config, request.merchant);
  if (request.type === 'MERCHANT_ID' && !request.name)
    throw new ValidationError('name', "is required for a MERCHANT_ID receiver (the merchant's full name)");
  if (request.relationType === 'CUSTOM' && !request.customRelation)
    throw new ValidationError('customRelation', 'is required with relationType CUSTOM');
  const { name, headers } = await encrypted(context, request.name);
  const body = {
    ...(sub ? { sub_mchid: sub.subMchId } : {}),
    ...wechatpayProfitSharingApps(context, sub, request.appId, request.type === 'PERSONAL_SUB_OPENID'),
    type: request.type,
    account: request.account,
    ...(name !== undefined ? { name } : {}),
    relation_type: request.relationType,
    ...(request.customRelation ? { custom_relation: request.customRelation } : {}),
  };
  const reply = await client.request({
    method: 'POST',
    path: '/v3/profitsharing/receivers/add',
    body,
    idempotent: true,
    headers,
  });
  checkWechatpayReceiverReply(replies, reply, {
    type: request.type,
    account: request.account,
    subMchId: sub?.subMchId,
  });
}

/** Unbinds a receiver. */
export async function deleteWechatpayReceiver(
  context: WechatpayOperationContext,
  request: WechatpayReceiverReference,
): Promise<void> {
  const { config, client, replies } = context;
  const sub = wechatpaySubMerchant(config, request.merchant);
  const body = {
    ...(sub ? { sub_mchid: sub.subMchId } : {}),
    ...wechatpayProfitSharingApps(context, sub, request.appId, request.type === 'PERSONAL_SUB_OPENID'),
    type: request.type,
    account: request.account,
  };
  const reply = await client.request({
    method: 'POST',
    path: '/v3/profitsharing/receivers/delete',
    body,
    idempotent: true,
  });
  checkWechatpayReceiverReply(replies, reply, {
    type: request.type,
    account: request.account,
    subMchId: sub?.subMchId,
  });
}
