/**
 * Merchant transfers (商家转账), the API WeChat Pay requires since January 2025: a transfer bill
 * (`POST /v3/fund-app/mch-transfer/transfer-bills`) with its scene (`transfer_scene_id`) and scene
 * reports, which the payee may have to confirm in WeChat (`WAIT_USER_CONFIRM`, with the
 * `package_info` the merchant's app or mini program passes to `wx.requestMerchantTransfer`); its
 * query by `out_bill_no`, and its cancel while unconfirmed. The pre-2025 batch API
 * (`/v3/transfer/batches`) is refused to new merchants and not offered.
 *
 * The API is for a merchant's own account: WeChat Pay has no partner variant, so in partner mode a
 * transfer is paid from the service provider's own account and a sub-merchant is refused.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import {
  checkRefusal,
  parseWithSchema,
  type TransferRequest,
  type TransferStatusEvent,
  z,
} from '@hutong/core/provider-utils';
import { readWechatpayTransfer } from './wechatpay-movement-replies.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { encryptWechatpaySensitive } from './wechatpay-privacy.js';

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
  /** Direct mode: the configured app id the payee's openid is under. Default: the default app id. */
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

const path = encodeURIComponent;

/**
 * The transfer operations of one provider.
 *
 * @group Transfers
 * @example
 * ```ts
 * const { transfer, queryTransfer, cancelTransfer } = createWechatpayTransfers(context);
 * ```
 */
export function createWechatpayTransfers(context: WechatpayOperationContext) {
  const { config, client, replies } = context;
  const billPath = (id: string) => `/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/${path(id)}`;

  function check(request: TransferRequest): WechatpayTransferOptions {
    if (request.merchant)
      throw new ValidationError(
        'merchant',
        "WeChat Pay's merchant transfers have no partner variant: a transfer is paid from the provider's own account",
      );
    const { transfer } = request;
    if (transfer.payee.type !== 'openid')
      throw new ValidationError('payee.type', 'WeChat Pay pays transfers to an openid');
    if (!Number.isSafeInteger(transfer.amount) || transfer.amount <= 0)
      throw new ValidationError('amount', 'must be a positive integer amount in fen');
    if (transfer.currency !== 'CNY') throw new ValidationError('currency', 'WeChat Pay transfers are in CNY');
    if (transfer.amount >= WECHATPAY_TRANSFER_NAME_REQUIRED_FROM && !transfer.payee.name)
      throw new ValidationError('payee.name', 'is required by WeChat Pay for a transfer of 2,000 yuan or more');
    const options = parseWithSchema(transferOptionsSchema, transfer.providerOptions ?? {}, 'providerOptions');
    if (options.appId !== undefined && !config.apps.all.includes(options.appId))
      throw new ValidationError('providerOptions.appId', `${options.appId} is not a configured app id`);
    return options;
  }

  async function queryTransfer(request: TransferRequest): Promise<TransferStatusEvent> {
    const reply = await client.request({ method: 'GET', path: billPath(request.transfer.id) });
    return readWechatpayTransfer(replies, reply, request.transfer);
  }

  async function transfer(request: TransferRequest): Promise<TransferStatusEvent> {
    const options = check(request);
    const { transfer: bill } = request;
    const key = bill.payee.name ? await client.encryptionKey() : undefined;
    const body = {
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
        path: '/v3/fund-app/mch-transfer/transfer-bills',
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
    return readWechatpayTransfer(replies, reply, bill);
  }

  async function cancelTransfer(request: TransferRequest): Promise<TransferStatusEvent> {
    if (request.merchant) check(request);
    const reply = await client.request({
      method: 'POST',
      path: `${billPath(request.transfer.id)}/cancel`,
      idempotent: true,
    });
    return readWechatpayTransfer(replies, reply, request.transfer);
  }

  return { transfer, queryTransfer, cancelTransfer };
}
