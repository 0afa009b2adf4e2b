/**
 * Partner mode (服务商模式): which sub-merchant (特约商户) a call is for, and the paths and
 * parameters that differ from direct mode. A direct-mode provider refuses a merchant account; a
 * partner-mode one requires one, before anything is sent.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import type { MerchantAccount } from '@hutong/core/provider-utils';
import type { WechatpayConfig } from './wechatpay-options.js';

/**
 * The sub-merchant a partner-mode call is for, read from its `MerchantAccount`.
 *
 * @group Partner
 * @example
 * ```ts
 * const sub: WechatpaySubMerchant = { subMchId: '1900000109', subAppId: 'wx8888888888888888' };
 * ```
 */
export interface WechatpaySubMerchant {
  /** `sub_mchid`: the account's `accountId`. */
  subMchId: string;
  /** `sub_appid`: the account's `fields.subAppId`, when the sub-merchant has its own app. */
  subAppId: string | undefined;
}

const SUB_MCH_ID = /^\d{6,32}$/;
const APP_ID = /^wx[0-9A-Za-z]{10,30}$/;

/**
 * The sub-merchant of a call: `undefined` in direct mode (where a merchant account is refused), the
 * account's `sub_mchid` and `sub_appid` in partner mode (where one is required).
 *
 * @group Partner
 * @throws ValidationError (`merchant`) for a merchant in direct mode, none in partner mode, or an
 * account that is disabled, for another provider, or not a sub_mchid.
 * @example
 * ```ts
 * const sub = wechatpaySubMerchant(config, request.merchant); // undefined in direct mode
 * ```
 */
export function wechatpaySubMerchant(
  config: Pick<WechatpayConfig, 'partner'>,
  merchant: MerchantAccount | null | undefined,
): WechatpaySubMerchant | undefined {
  if (!config.partner) {
    if (merchant)
      throw new ValidationError(
        'merchant',
        "WeChat Pay in direct mode takes no sub-merchant (create the provider with mode: 'partner')",
      );
    return undefined;
  }
  if (!merchant) throw new ValidationError('merchant', 'is required by WeChat Pay in partner mode (the sub_mchid)');
  if (!merchant.enabled) throw new ValidationError('merchant', `${merchant.merchant} is disabled`);
  if (!SUB_MCH_ID.test(merchant.accountId))
    throw new ValidationError('merchant.accountId', 'must be the digits of the sub_mchid');
  const subAppId = merchant.fields.subAppId;
  if (subAppId !== undefined && !APP_ID.test(subAppId))
    throw new ValidationError('merchant.fields.subAppId', 'must be an app id starting with wx');
  return { subMchId: merchant.accountId, subAppId: subAppId || undefined };
}

const path = encodeURIComponent;

/**
 * The transaction of `orderId`: its query path (`?mchid=`, or `?sp_mchid=&sub_mchid=` for a
 * sub-merchant), and the base of its close and reverse paths.
 *
 * @group Partner
 * @example
 * ```ts
 * wechatpayTransactionPaths(config, 'o1', sub).query; // '/v3/pay/partner/transactions/out-trade-no/o1?sp_mchid=...&sub_mchid=...'
 * ```
 */
export function wechatpayTransactionPaths(
  config: Pick<WechatpayConfig, 'mchId'>,
  orderId: string,
  sub: WechatpaySubMerchant | undefined,
): { query: string; base: string } {
  if (!sub) {
    const base = `/v3/pay/transactions/out-trade-no/${path(orderId)}`;
    return { base, query: `${base}?mchid=${config.mchId}` };
  }
  const base = `/v3/pay/partner/transactions/out-trade-no/${path(orderId)}`;
  return { base, query: `${base}?sp_mchid=${config.mchId}&sub_mchid=${sub.subMchId}` };
}

/**
 * The body that names who a close or a reversal is for: `{ mchid }`, or `{ sp_mchid, sub_mchid }`.
 *
 * @group Partner
 * @example
 * ```ts
 * wechatpayMerchantBody(config, sub); // { sp_mchid: '1900000100', sub_mchid: '1900000109' }
 * ```
 */
export function wechatpayMerchantBody(
  config: Pick<WechatpayConfig, 'mchId'>,
  sub: WechatpaySubMerchant | undefined,
): Record<string, string> {
  return sub ? { sp_mchid: config.mchId, sub_mchid: sub.subMchId } : { mchid: config.mchId };
}
