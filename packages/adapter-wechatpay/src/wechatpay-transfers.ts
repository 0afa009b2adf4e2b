/**
 * Merchant transfers (商家转账), the API WeChat Pay requires since January 2025: a transfer bill
 * (`POST /v3/fund-app/mch-transfer/transfer-bills`) with its scene (`transfer_scene_id`) and scene
 * reports, which the payee may have to confirm in WeChat (`WAIT_USER_CONFIRM`, with the
 * `package_info` the merchant's app or mini program passes to `wx.requestMerchantTransfer`); its
 * query by `out_bill_no`, and its cancel while unconfirmed. The pre-2025 batch API
 * (`/v3/transfer/batches`) is refused to new merchants and not offered.
 *
 * In partner mode (服务商) the same operations go under `/v3/fund-app/mch-transfer/partner/`,
 * paid from the sub-merchant's account that `request.merchant` names (`sub_mchid`); its replies
 * must name that `sub_mchid`. The sub-merchant must first authorise the service provider
 * (`provider.transfers.authorizeSubMerchant`). The partner wire facts, with their doc URLs and
 * what is assumed, are in `wechatpay-transfers-partner.ts`.
 *
 * @packageDocumentation
 */
import { ProviderApiError, ValidationError } from '@hutong/core';
import {
  checkRefusal,
  parseWithSchema,
  type TransferRequest,
  type TransferStatusEvent,
  z,
} from '@hutong/core/provider-utils';
import { readWechatpayTransfer } from './wechatpay-movement-replies.js';
import { type WechatpaySubMerchant, wechatpaySubMerchant } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { encryptWechatpaySensitive } from './wechatpay-privacy.js';
import {
  createWechatpayPartnerTransfers,
  wechatpayPartnerTransferAppId,
  wechatpayTransferPaths,
} from './wechatpay-transfers-partner.js';

/**
 * WeChat-only options of a transfer (`transfer.providerOptions`). Unknown keys are refused.
 *
 * @group Transfers
 * @example
 * ```ts
 * const options: WechatpayTransferOptions = {
 *   sceneId: '1000', // 现金营销
 *   sceneReports: [{ type: '活动名称', content: '新会员有礼' }, { type: '奖励说明', content: '注册会员抽奖一等奖' }],
 * };
 * ```
 */
export interface WechatpayTransferOptions {
  /** `transfer_scene_id`: the scene the merchant registered (`1000` 现金营销, `1005` 佣金报酬, ...). */
  sceneId: string;
  /** `transfer_scene_report_infos`: the reports the scene requires, in its order. */
  sceneReports: readonly { type: string; content: string }[];
  /** `user_recv_perception`: what the payee sees the money as (`现金奖励`, `劳务报酬`, ...). */
  userRecvPerception?: string | undefined;
  /**
   * The app id the payee's openid is under. Direct mode: a configured app id (default: the default
   * app id). Partner mode: the sub-merchant's `subAppId` or the service provider's `spAppId`
   * (default: the sub-merchant's `subAppId` when it has one, else `spAppId`).
   */
  appId?: string | undefined;
}

const transferOptionsSchema = z.strictObject({
  sceneId: z.string().check(z.regex(/^\d{1,32}$/, 'must be the digits of the transfer scene id')),
  sceneReports: z
    .array(
      z.strictObject({
        type: z.string().check(z.minLength(1), z.maxLength(15)),
        content: z.string().check(z.minLength(1), z.maxLength(32)),
      }),
    )
    .check(z.minLength(1, 'must name the reports of the scene')),
  userRecvPerception: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  appId: z.optional(z.string()),
});

/**
 * Transfers of 2,000 yuan or more must name the payee (`user_name`), WeChat Pay checks it.
 *
 * @group Transfers
 * @example
 * ```ts
 * amount >= WECHATPAY_TRANSFER_NAME_REQUIRED_FROM; // the payee's name is required
 * ```
 */
export const WECHATPAY_TRANSFER_NAME_REQUIRED_FROM = 200_000;

/**
 * Partner mode: the query of a bill refused with `NO_AUTH` (the service provider has no relation
 * with the sub-merchant, or not for transfers) means that no bill of the provider's can exist there
 * under that number: it is answered as `not_found`, so that a transfer refused the same way fails
 * instead of staying unknown, and one whose request never arrived is sent again (and refused).
 * Assumed, not documented: see {@link WECHATPAY_PARTNER_TRANSFER_ASSUMPTIONS}.
 */
function unrelatedSubMerchant(error: unknown, billId: string): unknown {
  if (!ProviderApiError.isInstance(error) || error.providerCode !== 'NO_AUTH') return error;
  return new ProviderApiError({
    provider: error.provider,
    providerCode: 'NO_AUTH',
    providerMessage: `no transfer bill ${billId} the service provider may see at this sub-merchant`,
    normalizedCode: 'not_found',
    httpStatus: error.httpStatus,
    requestId: error.requestId,
    cause: error,
  });
}

/**
 * The transfer operations of one provider: the spec's three, and `transfers` (partner mode's
 * sub-merchant authorisation).
 *
 * @group Transfers
 * @example
 * ```ts
 * const { transfer, queryTransfer, cancelTransfer, transfers } = createWechatpayTransfers(context);
 * ```
 */
export function createWechatpayTransfers(context: WechatpayOperationContext) {
  const { config, client, replies } = context;

  /** The sub-merchant paying: required in partner mode, refused in direct mode. */
  const subOf = (request: TransferRequest) => wechatpaySubMerchant(config, request.merchant);

  function check(request: TransferRequest, sub: WechatpaySubMerchant | undefined): WechatpayTransferOptions {
    const { transfer } = request;
    if (transfer.payee.type !== 'openid')
      throw new ValidationError('payee.type', 'WeChat Pay pays transfers to an openid');
    if (!Number.isSafeInteger(transfer.amount) || transfer.amount <= 0)
      throw new ValidationError('amount', 'must be a positive integer amount in fen');
    if (transfer.currency !== 'CNY') throw new ValidationError('currency', 'WeChat Pay transfers are in CNY');
    if (transfer.amount >= WECHATPAY_TRANSFER_NAME_REQUIRED_FROM && !transfer.payee.name)
      throw new ValidationError('payee.name', 'is required by WeChat Pay for a transfer of 2,000 yuan or more');
    const options = parseWithSchema(transferOptionsSchema, transfer.providerOptions ?? {}, 'providerOptions');
    if (sub) return { ...options, appId: wechatpayPartnerTransferAppId(context, sub, options.appId) };
    if (options.appId !== undefined && !config.apps.all.includes(options.appId))
      throw new ValidationError('providerOptions.appId', `${options.appId} is not a configured app id`);
    return options;
  }

  async function queryTransfer(request: TransferRequest): Promise<TransferStatusEvent> {
    const sub = subOf(request);
    let reply: unknown;
    try {
      reply = await client.request({ method: 'GET', path: wechatpayTransferPaths(request.transfer.id, sub).query });
    } catch (error) {
      throw sub ? unrelatedSubMerchant(error, request.transfer.id) : error;
    }
    return readWechatpayTransfer(replies, reply, request.transfer, sub?.subMchId);
  }

  async function transfer(request: TransferRequest): Promise<TransferStatusEvent> {
    const sub = subOf(request);
    const options = check(request, sub);
    const { transfer: bill } = request;
    const key = bill.payee.name ? await client.encryptionKey() : undefined;
    const body = {
      // Partner mode: the sub-merchant paying (出资商户号) comes first, as in the doc's field list.
      ...(sub ? { sub_mchid: sub.subMchId } : {}),
      appid: options.appId ?? config.apps.default,
      out_bill_no: bill.id,
      transfer_scene_id: options.sceneId,
      openid: bill.payee.account,
      ...(bill.payee.name && key ? { user_name: encryptWechatpaySensitive(bill.payee.name, key.key) } : {}),
      transfer_amount: bill.amount,
      transfer_remark: bill.remark,
      ...(request.notifyUrl ? { notify_url: request.notifyUrl } : {}),
      ...(options.userRecvPerception ? { user_recv_perception: options.userRecvPerception } : {}),
      transfer_scene_report_infos: options.sceneReports.map((report) => ({
        info_type: report.type,
        info_content: report.content,
      })),
    };
    let reply: unknown;
    try {
      // Idempotent by out_bill_no.
      reply = await client.request({
        method: 'POST',
        path: wechatpayTransferPaths(bill.id, sub).create,
        body,
        idempotent: true,
        headers: key ? { 'wechatpay-serial': key.serial } : undefined,
      });
    } catch (error) {
      // A refusal (NOT_ENOUGH, ...) names no bill: it stands only if WeChat Pay has no bill of this id.
      return checkRefusal(error, {
        name: 'the transfer query',
        field: 'response.code',
        run: () => queryTransfer(request),
      });
    }
    return readWechatpayTransfer(replies, reply, bill, sub?.subMchId);
  }

  async function cancelTransfer(request: TransferRequest): Promise<TransferStatusEvent> {
    const sub = subOf(request);
    const reply = await client.request({
      method: 'POST',
      path: wechatpayTransferPaths(request.transfer.id, sub).cancel,
      // Partner mode: the body names the sub-merchant; direct mode sends none.
      ...(sub ? { body: { sub_mchid: sub.subMchId } } : {}),
      idempotent: true,
    });
    return readWechatpayTransfer(replies, reply, request.transfer, sub?.subMchId);
  }

  return { transfer, queryTransfer, cancelTransfer, transfers: createWechatpayPartnerTransfers(context) };
}
