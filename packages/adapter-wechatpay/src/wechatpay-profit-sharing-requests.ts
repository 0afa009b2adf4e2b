/**
 * What the profit-sharing operations share: the `appid` (and `sub_appid`) of a request body, and
 * the split a reply must answer (its order, split, paid transaction and sub-merchant).
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import type { SplitReference } from '@hutong/core/provider-utils';
import type { WechatpayExpectedSplit } from './wechatpay-movement-replies.js';
import { type WechatpaySubMerchant, wechatpaySubMerchant } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';

/** The split a reply must answer, and the sub-merchant it is under (partner mode). */
export type WechatpayExpectedSplitOf = WechatpayExpectedSplit & { sub: WechatpaySubMerchant | undefined };

/** `appid` (and `sub_appid`) of a profit-sharing body: the payment's app in direct mode, `sp_appid` in partner mode. */
export function wechatpayProfitSharingApps(
  { config }: WechatpayOperationContext,
  sub: WechatpaySubMerchant | undefined,
  appId: string | undefined,
  subApp: boolean,
) {
  if (sub && config.partner) {
    if (subApp && !sub.subAppId)
      throw new ValidationError('type', 'PERSONAL_SUB_OPENID needs the sub-merchant to have a subAppId');
    return { appid: config.partner.spAppId, ...(subApp ? { sub_appid: sub.subAppId } : {}) };
  }
  if (subApp) throw new ValidationError('type', 'PERSONAL_SUB_OPENID is for partner mode');
  if (appId !== undefined && !config.apps.all.includes(appId))
    throw new ValidationError('appId', `${appId} is not a configured app id`);
  return { appid: appId ?? config.apps.default };
}

/** The split `reference` names, as its reply must answer it; only a paid order can be split. */
export function expectedWechatpaySplit(
  { config }: WechatpayOperationContext,
  reference: SplitReference,
): WechatpayExpectedSplitOf {
  const sub = wechatpaySubMerchant(config, reference.merchant);
  const transactionId = reference.order.providerTransactionId;
  if (!transactionId)
    throw new ValidationError('order.providerTransactionId', 'is missing: only a paid order can be split');
  return { orderId: reference.orderId, split: reference.split, transactionId, subMchId: sub?.subMchId, sub };
}
