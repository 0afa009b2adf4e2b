/**
 * What the WeChat Pay sandbox remembers: its transactions and their refunds, what the buyer's
 * client can open (prepay ids and Native codes), bill files, and the test's faults (aliases,
 * canned replies). Placing a transaction is `wechatpay-sandbox-place.ts`; the JSON WeChat Pay
 * writes for a transaction and a refund, `wechatpay-sandbox-json.ts`.
 *
 * @packageDocumentation
 */
import { OrderNotFoundError, ValidationError } from '@hutong/core';
import { wechatpaySandboxRefundJson, wechatpaySandboxTransactionJson } from './wechatpay-sandbox-json.js';
import { placeWechatpaySandboxTransaction } from './wechatpay-sandbox-place.js';
import type { Json, SandboxReply } from './wechatpay-sandbox-reply.js';

export { errorReply, type Json, type SandboxReply } from './wechatpay-sandbox-reply.js';

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
  const nextSequence = () => ++sequence;

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
    nextSequence,
    createTransaction: (kind, body) =>
      placeWechatpaySandboxTransaction({ mchId, appIds, subMerchants, transactions, nextSequence }, kind, body),
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
    transactionJson: wechatpaySandboxTransactionJson,
    refundJson: (t, outRefundNo) => wechatpaySandboxRefundJson(t, outRefundNo, now),
    committedRefunds(t) {
      let total = 0;
      for (const refund of t.refunds.values())
        if (refund.status !== 'CLOSED' && refund.status !== 'ABNORMAL') total += refund.amount;
      return total;
    },
  };
}
