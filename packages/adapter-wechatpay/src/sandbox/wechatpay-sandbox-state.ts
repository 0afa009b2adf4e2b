/**
 * What the WeChat Pay sandbox remembers: its transactions and their refunds, what the buyer's
 * client can open (prepay ids and Native codes), bill files, and the test's faults (aliases,
 * canned replies); with the JSON WeChat Pay writes for a transaction and a refund.
 *
 * @packageDocumentation
 */
import { randomBytes, randomInt } from 'node:crypto';
import { formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import { OrderNotFoundError, ValidationError } from '@hutong/core';

/**
 * A refund as the sandbox keeps it.
 *
 * @example
 * ```ts
 * sandbox.trade('o1')?.refunds.get('r1')?.status; // 'PROCESSING' until settleRefund
 * ```
 */
export interface WechatpaySandboxRefund {
  refundId: string;
  amount: number;
  status: 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
  notifyUrl: string | undefined;
  /** When it was requested and when it succeeded (the bills list it by these). */
  createdAt?: Date | undefined;
  successTime?: Date | undefined;
}

/**
 * A transaction as the sandbox keeps it.
 *
 * @example
 * ```ts
 * sandbox.trade('o1')?.tradeState; // 'NOTPAY', 'SUCCESS', 'PAYERROR', ...
 * ```
 */
export interface WechatpaySandboxTransaction {
  outTradeNo: string;
  /** The app id the transaction was placed with. */
  appId: string;
  /** The merchant id replies name (a test may change it to serve another merchant's reply). */
  mchId: string;
  /** Partner mode: the sub-merchant (`sub_mchid`) the transaction is for; replies then name `sp_mchid` and it. */
  subMchId?: string | undefined;
  /** Partner mode: the sub-merchant's app id the payment was placed with (`sub_appid`). */
  subAppId?: string | undefined;
  /** Partner mode: which app the payer's openid is under (`sp_openid` or `sub_openid`). */
  payerApp?: 'sp' | 'sub' | undefined;
  /** The payment will be split (`settle_info.profit_sharing`): its funds are held for profit sharing. */
  profitSharing?: boolean | undefined;
  transactionId: string;
  tradeType: 'NATIVE' | 'JSAPI' | 'APP' | 'MWEB' | 'MICROPAY';
  amount: number;
  description: string;
  /** The create request's parameters, as WeChat Pay compares them when the same order is placed again. */
  parameters: string;
  /** The currency the buyer paid in (`amount.currency`). Default `CNY`. */
  currency: string;
  tradeState: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'REFUND' | 'PAYERROR';
  notifyUrl: string | undefined;
  openid: string;
  successTime: Date | undefined;
  refunds: Map<string, WechatpaySandboxRefund>;
}

/**
 * A JSON object, as WeChat Pay's requests and replies are.
 *
 * @example
 * ```ts
 * const body: Json = { code: 'PARAM_ERROR', message: '参数错误' };
 * ```
 */
export type Json = Record<string, unknown>;

/**
 * A reply the sandbox serves, before it is signed.
 *
 * @example
 * ```ts
 * const reply: SandboxReply = { status: 204 };
 * ```
 */
export interface SandboxReply {
  status: number;
  body?: Json | string | undefined;
  /** Bill files are not signed. */
  unsigned?: boolean | undefined;
}

/**
 * WeChat Pay's error reply: `{ code, message }` with an HTTP status.
 *
 * @example
 * ```ts
 * errorReply(404, 'ORDER_NOT_EXIST', '订单不存在');
 * ```
 */
export const errorReply = (status: number, code: string, message: string): SandboxReply => ({
  status,
  body: { code, message },
});

/**
 * The sandbox's memory, and the reads and writes its routes and events share.
 *
 * @example
 * ```ts
 * const state: WechatpaySandboxState = createWechatpaySandboxState({ mchId, appIds: new Set([appId]), now });
 * state.requireTransaction('o1').tradeState;
 * ```
 */
export interface WechatpaySandboxState {
  readonly mchId: string;
  /** The app ids bound to the merchant. */
  readonly appIds: ReadonlySet<string>;
  readonly now: () => Date;
  readonly transactions: Map<string, WechatpaySandboxTransaction>;
  /** What the buyer's client opens, by prepay id and by Native code: the transaction it pays. */
  readonly cashier: Map<string, WechatpaySandboxTransaction>;
  /** `answerAs`: requests about the key are answered about the value. */
  readonly aliases: Map<string, string>;
  /** `serveOnce`: replies served instead of the real answer to the next request whose path matches. */
  readonly canned: { path: RegExp; reply: SandboxReply }[];
  /** Partner mode: the sub-merchants bound to the service provider (`addSubMerchant`), with their app ids. */
  readonly subMerchants: Map<string, { subAppId?: string | undefined }>;
  /** The id a request names, after `answerAs`. */
  alias(id: string): string;
  /** The next number of the sandbox's id sequence. */
  nextSequence(): number;
  /** Places a transaction (or finds the same one placed again); a reply when WeChat Pay refuses it. */
  createTransaction(
    kind: WechatpaySandboxTransaction['tradeType'],
    body: Json,
  ): WechatpaySandboxTransaction | SandboxReply;
  /** The transaction of `orderId`; `OrderNotFoundError` when there is none. */
  requireTransaction(orderId: string): WechatpaySandboxTransaction;
  /** The transaction a client payload's prepay id or code names; `ValidationError` when none. */
  opened(key: string, field: string): WechatpaySandboxTransaction;
  /** The transaction as WeChat Pay's query (and its notification resource) writes it. */
  transactionJson(transaction: WechatpaySandboxTransaction): Json;
  /** A refund as WeChat Pay's refund replies write it. */
  refundJson(transaction: WechatpaySandboxTransaction, outRefundNo: string): Json;
  /** The amount refunded or being refunded (closed and abnormal refunds excepted). */
  committedRefunds(transaction: WechatpaySandboxTransaction): number;
}

/**
 * Creates the sandbox's memory.
 *
 * @example
 * ```ts
 * const state = createWechatpaySandboxState({ mchId: '1230000109', appIds: new Set(['wxd678efh567hg6787']), now: () => new Date() });
 * ```
 */
export function createWechatpaySandboxState(options: {
  mchId: string;
  appIds: ReadonlySet<string>;
  now: () => Date;
}): WechatpaySandboxState {
  const { mchId, appIds, now } = options;
  const transactions = new Map<string, WechatpaySandboxTransaction>();
  const aliases = new Map<string, string>();
  const cashier = new Map<string, WechatpaySandboxTransaction>();
  const subMerchants = new Map<string, { subAppId?: string | undefined }>();
  let sequence = 0;

  function createTransaction(
    kind: WechatpaySandboxTransaction['tradeType'],
    body: Json,
  ): WechatpaySandboxTransaction | SandboxReply {
    // Partner mode (服务商): sp_appid and sp_mchid, for a sub_mchid bound to the service provider.
    const partner = typeof body.sub_mchid === 'string';
    const appId = partner ? body.sp_appid : body.appid;
    if (!appIds.has(String(appId)) || (partner ? body.sp_mchid : body.mchid) !== mchId)
      return errorReply(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    let sub: { subAppId?: string | undefined } | undefined;
    if (partner) {
      sub = subMerchants.get(body.sub_mchid as string);
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
    const existing = transactions.get(body.out_trade_no);
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
      transactionId: `4200${String(++sequence).padStart(6, '0')}${Date.now()}${randomInt(1000)}`.slice(0, 28),
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
    transactions.set(transaction.outTradeNo, transaction);
    return transaction;
  }

  function transactionJson(t: WechatpaySandboxTransaction): Json {
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

  function refundJson(t: WechatpaySandboxTransaction, outRefundNo: string): Json {
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

  return {
    mchId,
    appIds,
    now,
    transactions,
    cashier,
    aliases,
    canned: [],
    subMerchants,
    alias: (id) => aliases.get(id) ?? id,
    nextSequence: () => ++sequence,
    createTransaction,
    requireTransaction(orderId) {
      const transaction = transactions.get(orderId);
      if (!transaction) throw new OrderNotFoundError(orderId);
      return transaction;
    },
    opened(key, field) {
      const transaction = cashier.get(key);
      if (!transaction) throw new ValidationError(field, `names no transaction of the WeChat Pay sandbox (${key})`);
      return transaction;
    },
    transactionJson,
    refundJson,
    committedRefunds(t) {
      let total = 0;
      for (const refund of t.refunds.values())
        if (refund.status !== 'CLOSED' && refund.status !== 'ABNORMAL') total += refund.amount;
      return total;
    },
  };
}
