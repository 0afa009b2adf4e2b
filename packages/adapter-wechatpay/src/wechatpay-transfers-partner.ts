/**
 * Merchant transfers in partner mode (服务商, updated 2025-07-29): the same bill as direct mode,
 * paid from a sub-merchant's account (`sub_mchid`, 出资商户号) by the service provider, under
 * `/v3/fund-app/mch-transfer/partner/`. The sub-merchant must first authorise the service provider
 * (申请子商户商家转账授权: the provider applies, the sub-merchant accepts in its merchant platform).
 *
 * Where each fact comes from (WeChat Pay's partner docs; field lists also checked against the
 * wechatpay-im mirror of the same pages):
 *
 * - 发起转账 https://pay.weixin.qq.com/doc/v3/partner/4015469096: `POST .../partner/transfer-bills`,
 *   body `sub_mchid`, `appid` (商户AppID: 申请商户号的AppID或商户号绑定的AppID), `out_bill_no`,
 *   `transfer_scene_id`, `openid` (under that appid), `user_name` (encrypted, required from 2,000
 *   yuan), `transfer_amount`, `transfer_remark`, `notify_url`, `user_recv_perception`,
 *   `transfer_scene_report_infos`; `Wechatpay-Serial` names the key of `user_name`. Reply:
 *   `sub_mchid`, `out_bill_no`, `transfer_bill_no`, `create_time`, `package_info`.
 * - 商户单号查询转账单 https://pay.weixin.qq.com/doc/v3/partner/4015469131:
 *   `GET .../partner/transfer-bills/out-bill-no/{out_bill_no}?sub_mchid=`. Reply: `sub_mchid`,
 *   `mchid`, `out_bill_no`, `transfer_bill_no`, `appid`, `state`, `transfer_amount`, ...
 * - 撤销转账 https://pay.weixin.qq.com/doc/v3/partner/4015469118:
 *   `POST .../partner/transfer-bills/out-bill-no/{out_bill_no}/cancel`, body `{ sub_mchid }`.
 *   Reply: `sub_mchid`, `out_bill_no`, `transfer_bill_no`, `state`, `update_time`.
 * - 申请子商户商家转账授权 https://pay.weixin.qq.com/doc/v3/partner/4015469102:
 *   `POST .../partner/sub-mch-authorizations`, body `sub_mchid`, `out_apply_no`. Reply:
 *   `sub_mchid`, `out_apply_no`, `state` (`INVITED` | `PASSED` | `REJECTED` | `EXPIRED`),
 *   `accept_time`, `update_time`.
 * - 查询子商户商家转账授权状态 https://pay.weixin.qq.com/doc/v3/partner/4015469112:
 *   `GET .../partner/sub-mch-authorizations/{sub_mchid}`. Reply: `sub_mchid`, `state`
 *   (`AUTHORIZED` | `UNAUTHORIZED` | `CANCELED`), `apply_order`, `authorization_time`,
 *   `cancel_authorization_time`.
 *
 * {@link WECHATPAY_PARTNER_TRANSFER_ASSUMPTIONS} lists what no doc we could read says.
 *
 * @packageDocumentation
 */
import { SignatureVerificationError, UnsupportedOperationError, ValidationError } from '@hutong/core';
import { type MerchantAccount, z } from '@hutong/core/provider-utils';
import type { output } from 'zod/mini';
import type { WechatpayNotificationConfig } from './wechatpay-notification.js';
import { type WechatpaySubMerchant, wechatpaySubMerchant } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { expectSame, readReply } from './wechatpay-replies.js';

/**
 * What the partner-mode transfer code assumes because no WeChat Pay doc we could read says it. Each
 * is used in exactly one place, named here.
 *
 * @group Transfers
 * @example
 * ```ts
 * WECHATPAY_PARTNER_TRANSFER_ASSUMPTIONS.notificationRecipient;
 * ```
 */
export const WECHATPAY_PARTNER_TRANSFER_ASSUMPTIONS = {
  /**
   * The partner `MCHTRANSFER.BILL.FINISHED` notification (its page was not found) is the direct
   * one's resource plus `sub_mchid`, the service provider named as `mchid` (as the partner query
   * reply names it), `sp_mchid` or `mch_id`: {@link wechatpayTransferRecipient} accepts any of
   * the three, and requires `sub_mchid`.
   */
  notificationRecipient: 'sp_mchid | mchid | mch_id = the service provider; sub_mchid required',
  /**
   * The create reply carries `state` as the direct one does (the mirror's field list omits it; the
   * doc's note speaks of the bill's state in that reply): the reply schema requires it.
   */
  createReplyState: 'state required in the create reply',
  /**
   * A transfer for a sub-merchant that has not authorised the service provider is refused; the
   * error code is not in what we could read. The sandbox answers 403 `NO_AUTH`.
   */
  unauthorisedRefusal: '403 NO_AUTH',
  /**
   * A bill query refused with `NO_AUTH` means no bill the service provider may see exists there:
   * answered as `not_found`, so a transfer refused with `NO_AUTH` is `failed` (not unknown for
   * ever) and one whose request was lost is sent again and refused. Should a relation end after a
   * bill was made, that bill would be recorded failed: check the merchant platform.
   */
  unauthorisedQuery: 'NO_AUTH on the query = not_found',
} as const;

const path = encodeURIComponent;

/**
 * The paths of a transfer bill: direct mode, or partner mode for `sub`.
 *
 * @group Transfers
 * @example
 * ```ts
 * wechatpayTransferPaths('payout0001', sub).query; // '/v3/fund-app/mch-transfer/partner/transfer-bills/out-bill-no/payout0001?sub_mchid=1900000109'
 * ```
 */
export function wechatpayTransferPaths(
  outBillNo: string,
  sub: WechatpaySubMerchant | undefined,
): { create: string; query: string; cancel: string } {
  const base = sub ? '/v3/fund-app/mch-transfer/partner/transfer-bills' : '/v3/fund-app/mch-transfer/transfer-bills';
  const bill = `${base}/out-bill-no/${path(outBillNo)}`;
  return {
    create: base,
    query: sub ? `${bill}?sub_mchid=${sub.subMchId}` : bill,
    cancel: `${bill}/cancel`,
  };
}

/**
 * The `appid` of a partner transfer: the app the payee's openid is under. The doc's 商户AppID is
 * "the AppID of the merchant id, or one bound to it": the sub-merchant's own app (`sub_appid`) when
 * it has one, else the service provider's (`spAppId`). `providerOptions.appId` may choose either.
 *
 * @group Transfers
 * @throws ValidationError (`providerOptions.appId`) for another app id.
 * @example
 * ```ts
 * wechatpayPartnerTransferAppId(context, sub, undefined); // sub.subAppId ?? spAppId
 * ```
 */
export function wechatpayPartnerTransferAppId(
  { config }: WechatpayOperationContext,
  sub: WechatpaySubMerchant,
  asked: string | undefined,
): string {
  const spAppId = (config.partner as NonNullable<typeof config.partner>).spAppId;
  const allowed = [sub.subAppId, spAppId].filter((id): id is string => id !== undefined);
  if (asked !== undefined && !allowed.includes(asked))
    throw new ValidationError(
      'providerOptions.appId',
      `${asked} is neither the sub-merchant's subAppId nor the service provider's spAppId`,
    );
  return asked ?? sub.subAppId ?? spAppId;
}

/**
 * Checks a partner transfer notification's resource names this service provider and returns the
 * `sub_mchid` it is about (the notification's `account`). See
 * {@link WECHATPAY_PARTNER_TRANSFER_ASSUMPTIONS}.notificationRecipient.
 *
 * @group Transfers
 * @throws SignatureVerificationError `wrong_recipient`, or ValidationError when `sub_mchid` is missing.
 * @example
 * ```ts
 * const account = wechatpayTransferRecipient(resource, config); // '1900000109'
 * ```
 */
export function wechatpayTransferRecipient(
  resource: Record<string, unknown>,
  config: Pick<WechatpayNotificationConfig, 'provider' | 'mchId'>,
): string {
  const provider = resource.sp_mchid ?? resource.mchid ?? resource.mch_id;
  if (provider !== config.mchId)
    throw new SignatureVerificationError(
      config.provider ?? 'wechatpay',
      'wrong_recipient',
      `the notification is for service provider ${String(provider)}`,
    );
  if (typeof resource.sub_mchid !== 'string' || resource.sub_mchid === '')
    throw new ValidationError('notification.sub_mchid', 'is missing');
  return resource.sub_mchid;
}

/**
 * An application for a sub-merchant's transfer authorisation (申请子商户商家转账授权), as WeChat Pay
 * answers it. `INVITED`: the sub-merchant has been asked and must accept in its merchant platform.
 *
 * @group Transfers
 * @example
 * ```ts
 * const apply: WechatpayTransferAuthorizationApply = { subMchId: '1900000109', applyId: 'auth0001', state: 'INVITED', appliedAt: '2025-08-01T10:00:00+08:00' };
 * ```
 */
export interface WechatpayTransferAuthorizationApply {
  subMchId: string;
  /** `out_apply_no`. */
  applyId: string;
  state: 'INVITED' | 'PASSED' | 'REJECTED' | 'EXPIRED';
  /** When WeChat Pay took the application (`accept_time`, 受理时间, already set while `INVITED`), as it wrote it. */
  appliedAt: string;
  /** `update_time`, as WeChat Pay wrote it. */
  updatedAt?: string | undefined;
}

/**
 * A sub-merchant's transfer authorisation (查询子商户商家转账授权状态).
 *
 * @group Transfers
 * @example
 * ```ts
 * const { state } = await provider.transfers.authorization({ merchant }); // 'AUTHORIZED' once accepted
 * ```
 */
export interface WechatpayTransferAuthorization {
  subMchId: string;
  state: 'AUTHORIZED' | 'UNAUTHORIZED' | 'CANCELED';
  /** The latest application, when there is one. */
  apply?: WechatpayTransferAuthorizationApply | undefined;
  /** `authorization_time`, as WeChat Pay wrote it. */
  authorizedAt?: string | undefined;
}

/**
 * WeChat-only transfer operations of partner mode: `provider.transfers`.
 *
 * @group Transfers
 * @example
 * ```ts
 * await provider.transfers.authorizeSubMerchant({ merchant, applyId: 'auth0001' }); // state 'INVITED'
 * ```
 */
export interface WechatpayTransfers {
  /**
   * Partner mode: asks the sub-merchant to authorise the service provider's transfers from its
   * account (`POST /v3/fund-app/mch-transfer/partner/sub-mch-authorizations`); idempotent by
   * `applyId` (`out_apply_no`, 1 to 32 letters and digits, unique per sub-merchant).
   */
  authorizeSubMerchant(request: {
    merchant: MerchantAccount;
    applyId: string;
  }): Promise<WechatpayTransferAuthorizationApply>;
  /** Partner mode: whether the sub-merchant has authorised transfers (`GET .../sub-mch-authorizations/{sub_mchid}`). */
  authorization(request: { merchant: MerchantAccount }): Promise<WechatpayTransferAuthorization>;
}

const text = z.string().check(z.minLength(1, 'is missing'));
const applySchema = z.object({
  sub_mchid: text,
  out_apply_no: text,
  state: z.enum(['INVITED', 'PASSED', 'REJECTED', 'EXPIRED'], { error: 'is not a known application state' }),
  accept_time: text,
  update_time: z.optional(z.string()),
});
const authorizationSchema = z.object({
  sub_mchid: text,
  state: z.enum(['AUTHORIZED', 'UNAUTHORIZED', 'CANCELED'], { error: 'is not a known authorisation state' }),
  apply_order: z.optional(applySchema),
  authorization_time: z.optional(z.string()),
});

function applyOf(reply: output<typeof applySchema>): WechatpayTransferAuthorizationApply {
  return {
    subMchId: reply.sub_mchid,
    applyId: reply.out_apply_no,
    state: reply.state,
    appliedAt: reply.accept_time,
    ...(reply.update_time ? { updatedAt: reply.update_time } : {}),
  };
}

function partnerSub({ id, config }: WechatpayOperationContext, merchant: MerchantAccount): WechatpaySubMerchant {
  if (!config.partner)
    throw new UnsupportedOperationError(id, "transfer authorisation in direct mode (it is for mode: 'partner')");
  return wechatpaySubMerchant(config, merchant) as WechatpaySubMerchant;
}

/**
 * The partner-mode transfer operations of one provider: `provider.transfers`.
 *
 * @group Transfers
 * @example
 * ```ts
 * const transfers = createWechatpayPartnerTransfers(context);
 * ```
 */
export function createWechatpayPartnerTransfers(context: WechatpayOperationContext): WechatpayTransfers {
  const { client, replies } = context;
  return {
    async authorizeSubMerchant({ merchant, applyId }) {
      const sub = partnerSub(context, merchant);
      if (!/^[0-9A-Za-z]{1,32}$/.test(applyId))
        throw new ValidationError('applyId', 'must be 1 to 32 letters and digits (out_apply_no)');
      const reply = readReply(
        replies,
        applySchema,
        await client.request({
          method: 'POST',
          path: '/v3/fund-app/mch-transfer/partner/sub-mch-authorizations',
          body: { sub_mchid: sub.subMchId, out_apply_no: applyId },
          // Idempotent by out_apply_no.
          idempotent: true,
        }),
      );
      expectSame(replies, 'response.sub_mchid', reply.sub_mchid, sub.subMchId);
      expectSame(replies, 'response.out_apply_no', reply.out_apply_no, applyId);
      return applyOf(reply);
    },
    async authorization({ merchant }) {
      const sub = partnerSub(context, merchant);
      const reply = readReply(
        replies,
        authorizationSchema,
        await client.request({
          method: 'GET',
          path: `/v3/fund-app/mch-transfer/partner/sub-mch-authorizations/${path(sub.subMchId)}`,
        }),
      );
      expectSame(replies, 'response.sub_mchid', reply.sub_mchid, sub.subMchId);
      if (reply.apply_order)
        expectSame(replies, 'response.apply_order.sub_mchid', reply.apply_order.sub_mchid, sub.subMchId);
      return {
        subMchId: reply.sub_mchid,
        state: reply.state,
        ...(reply.apply_order ? { apply: applyOf(reply.apply_order) } : {}),
        ...(reply.authorization_time ? { authorizedAt: reply.authorization_time } : {}),
      };
    },
  };
}
