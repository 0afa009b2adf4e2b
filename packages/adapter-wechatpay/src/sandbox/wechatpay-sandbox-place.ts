/**
 * How the WeChat Pay sandbox places a transaction: the merchant and app checked (the
 * sub-merchant's in partner mode), the amount and fields required, and the same `out_trade_no`
 * placed again found while unpaid with identical parameters.
 *
 * @packageDocumentation
 */
import { randomBytes, randomInt } from 'node:crypto';
import { errorReply, type Json, type SandboxReply } from './wechatpay-sandbox-reply.js';
import type { WechatpaySandboxTransaction } from './wechatpay-sandbox-state.js';

/**
 * What placing a transaction works with: the merchant and its app ids, the sub-merchants bound,
 * the transactions by `out_trade_no`, and the sandbox's id sequence.
 *
 * @example
 * ```ts
 * const book: WechatpaySandboxBook = { mchId, appIds, subMerchants, transactions, nextSequence: () => ++sequence };
 * ```
 */
export interface WechatpaySandboxBook {
  readonly mchId: string;
  readonly appIds: ReadonlySet<string>;
  readonly subMerchants: ReadonlyMap<string, { subAppId?: string | undefined }>;
  readonly transactions: Map<string, WechatpaySandboxTransaction>;
  readonly nextSequence: () => number;
}

/**
 * Places a transaction (or finds the same one placed again); a reply when WeChat Pay refuses it.
 *
 * @example
 * ```ts
 * const placed = placeWechatpaySandboxTransaction(book, 'NATIVE', body);
 * if ('status' in placed) return placed;
 * ```
 */
export function placeWechatpaySandboxTransaction(
  book: WechatpaySandboxBook,
  kind: WechatpaySandboxTransaction['tradeType'],
  body: Json,
): WechatpaySandboxTransaction | SandboxReply {
  const { mchId } = book;
  // Partner mode (服务商): sp_appid and sp_mchid, for a sub_mchid bound to the service provider.
  const partner = typeof body.sub_mchid === 'string';
  const appId = partner ? body.sp_appid : body.appid;
  if (!book.appIds.has(String(appId)) || (partner ? body.sp_mchid : body.mchid) !== mchId)
    return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
  let sub: { subAppId?: string | undefined } | undefined;
  if (partner) {
    sub = book.subMerchants.get(body.sub_mchid as string);
    if (!sub) return errorReply(403, 'NO_AUTH', '受理关系不存在');
    if (body.sub_appid !== undefined && body.sub_appid !== sub.subAppId)
      return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'sub_appid和sub_mchid不匹配');
  }
  const payer = body.payer as Json | undefined;
  if (partner && payer?.sub_openid !== undefined && body.sub_appid === undefined)
    return errorReply(400, 'PARAM_ERROR', '传入sub_openid时sub_appid必填');
  const amount = (body.amount as Json | undefined)?.total;
  if (
    !Number.isSafeInteger(amount) ||
    (amount as number) <= 0 ||
    typeof body.out_trade_no !== 'string' ||
    typeof body.description !== 'string'
  ) {
    return errorReply(400, 'PARAM_ERROR', '参数错误');
  }
  if (kind !== 'MICROPAY' && typeof body.notify_url !== 'string')
    return errorReply(400, 'PARAM_ERROR', '缺少notify_url');
  // Placing the same out_trade_no again is allowed while it is unpaid, with identical parameters.
  const parameters = JSON.stringify({ ...body, kind });
  const existing = book.transactions.get(body.out_trade_no);
  if (existing) {
    if (existing.tradeState === 'SUCCESS' || existing.tradeState === 'REFUND')
      return errorReply(400, 'ORDERPAID', '该订单已支付');
    if (existing.tradeState === 'CLOSED' || existing.tradeState === 'REVOKED')
      return errorReply(400, 'ORDERCLOSED', '订单已关闭');
    if (existing.parameters !== parameters) return errorReply(400, 'INVALID_REQUEST', '201 商户订单号重复');
    return existing;
  }
  const transaction: WechatpaySandboxTransaction = {
    outTradeNo: body.out_trade_no,
    appId: String(appId),
    mchId,
    ...(partner
      ? {
          subMchId: body.sub_mchid as string,
          subAppId: body.sub_appid as string | undefined,
          payerApp: payer?.sub_openid !== undefined ? ('sub' as const) : ('sp' as const),
        }
      : {}),
    profitSharing: (body.settle_info as Json | undefined)?.profit_sharing === true,
    parameters,
    currency: 'CNY',
    transactionId: `4200${String(book.nextSequence()).padStart(6, '0')}${Date.now()}${randomInt(1000)}`.slice(0, 28),
    tradeType: kind,
    amount: amount as number,
    description: body.description,
    tradeState: 'NOTPAY',
    notifyUrl: body.notify_url as string | undefined,
    openid: String(
      (payer?.openid ?? payer?.sub_openid ?? payer?.sp_openid) || `oSandbox${randomBytes(10).toString('hex')}`,
    ),
    successTime: undefined,
    refunds: new Map(),
  };
  book.transactions.set(transaction.outTradeNo, transaction);
  return transaction;
}
