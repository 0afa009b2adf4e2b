/**
 * The JSON WeChat Pay writes for a transaction (its query reply and notification resource) and
 * for a refund (its refund replies), from what the sandbox keeps.
 *
 * @packageDocumentation
 */
import { formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import type { Json } from './wechatpay-sandbox-reply.js';
import type { WechatpaySandboxTransaction } from './wechatpay-sandbox-state.js';

/**
 * The transaction as WeChat Pay's query (and its notification resource) writes it.
 *
 * @example
 * ```ts
 * const json = wechatpaySandboxTransactionJson(state.requireTransaction('o1'));
 * ```
 */
export function wechatpaySandboxTransactionJson(t: WechatpaySandboxTransaction): Json {
  const party: Json =
    t.subMchId === undefined
      ? { appid: t.appId, mchid: t.mchId }
      : {
          sp_appid: t.appId,
          sp_mchid: t.mchId,
          ...(t.subAppId ? { sub_appid: t.subAppId } : {}),
          sub_mchid: t.subMchId,
        };
  const json: Json = {
    ...party,
    out_trade_no: t.outTradeNo,
    transaction_id: t.transactionId,
    trade_type: t.tradeType,
    trade_state: t.tradeState,
    trade_state_desc: t.tradeState === 'SUCCESS' ? '支付成功' : t.tradeState,
    bank_type: 'OTHERS',
    attach: '',
    payer:
      t.subMchId === undefined
        ? { openid: t.openid }
        : t.payerApp === 'sub'
          ? { sub_openid: t.openid }
          : { sp_openid: t.openid },
    amount: { total: t.amount, payer_total: t.amount, currency: t.currency, payer_currency: t.currency },
  };
  if (t.successTime) json.success_time = formatWechatpayTime(t.successTime);
  return json;
}

/**
 * Refund `outRefundNo` of the transaction as WeChat Pay's refund replies write it (`create_time`
 * the sandbox clock's `now()`); `{}` when there is no such refund.
 *
 * @example
 * ```ts
 * const json = wechatpaySandboxRefundJson(transaction, 'r1', () => new Date());
 * ```
 */
export function wechatpaySandboxRefundJson(t: WechatpaySandboxTransaction, outRefundNo: string, now: () => Date): Json {
  const refund = t.refunds.get(outRefundNo);
  if (!refund) return {};
  return {
    refund_id: refund.refundId,
    out_refund_no: outRefundNo,
    transaction_id: t.transactionId,
    out_trade_no: t.outTradeNo,
    channel: 'ORIGINAL',
    status: refund.status,
    create_time: formatWechatpayTime(now()),
    amount: {
      refund: refund.amount,
      total: t.amount,
      payer_total: t.amount,
      payer_refund: refund.amount,
      currency: 'CNY',
    },
  };
}
