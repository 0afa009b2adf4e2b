/**
 * Money moving out: profit sharing (分账, a {@link Split} of a paid order between receivers) and
 * payouts (转账, a {@link Transfer} to a user). Both are plain, JSON-serialisable, versioned records
 * like orders, changed only through their state machines and stored with compare-and-set.
 *
 * @packageDocumentation
 */
import type { Currency } from './money.js';

/**
 * The status of a split: `pending` until the wallet settles it, then `succeeded` (every receiver
 * paid), `failed` (the wallet refused it; nothing moved) or `closed` (the wallet closed it; what
 * was not split went back to the merchant).
 */
export type SplitStatus = 'pending' | 'succeeded' | 'failed' | 'closed';

/** A receiver's own result within a split. */
export type SplitReceiverStatus = 'pending' | 'succeeded' | 'failed' | 'closed';

/**
 * Who receives part of a split: a merchant account (WeChat `MERCHANT_ID`, Alipay `userId` of a
 * business account) or a person (WeChat `PERSONAL_OPENID`, Alipay `userId`/`loginName`).
 */
export interface SplitReceiver {
  /** `merchant` or `personal`. */
  readonly type: 'merchant' | 'personal';
  /** The receiver's account at the wallet (mch id, openid, Alipay user id or login name). */
  readonly account: string;
  /** Amount in fen. */
  readonly amount: number;
  /** Shown to the receiver (WeChat `description`, Alipay `desc`). */
  readonly description: string;
  readonly status: SplitReceiverStatus;
  /** The wallet's reason for a failed or closed receiver. */
  readonly failReason?: string | undefined;
}

/** A return (回退) of what one receiver got from a split. */
export interface SplitReturn {
  /** The merchant's return id (WeChat `out_return_no`). */
  readonly id: string;
  readonly account: string;
  /** Amount in fen. */
  readonly amount: number;
  readonly status: 'pending' | 'succeeded' | 'failed';
  /** Shown to the receiver (WeChat `description`); kept so that a lost request is sent again as it was. */
  readonly description?: string | undefined;
  readonly failReason?: string | undefined;
  /**
   * The refund this return is part of (`payments.refund` with `splitReturns`: Alipay's 退分账): it is
   * sent within that refund and settles with it. Absent for a return of its own (`payments.returnSplit`).
   */
  readonly refundId?: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * One split of a paid order. Splits live on their order (`order.splits`), as refunds do, so that
 * the order's state machine and its compare-and-set keep what is split plus what is refunded within
 * what was paid.
 *
 * @example
 * ```ts
 * const split = await payments.split(order.id, {
 *   splitId: 'split0001',
 *   receivers: [{ type: 'merchant', account: '1900000109', amount: 300, description: '平台佣金' }],
 * });
 * split.status; // 'pending' | 'succeeded' | 'failed' | 'closed'
 * ```
 */
export interface Split {
  /** The merchant's split id (WeChat `out_order_no`, Alipay `out_request_no`). */
  readonly id: string;
  /** Sum of the receivers' amounts, in fen. */
  readonly amount: number;
  readonly status: SplitStatus;
  readonly receivers: readonly SplitReceiver[];
  /** `true`: the rest of the order is unfrozen to the merchant once this split settles. */
  readonly finish: boolean;
  /** The wallet's id for this split, once known. */
  readonly providerSplitId: string | null;
  readonly returns: readonly SplitReturn[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The status of a transfer:
 * - `created`: recorded, the wallet not yet asked;
 * - `pending_confirmation`: WeChat's `WAIT_USER_CONFIRM`: the payee must confirm in the app;
 * - `processing`: accepted by the wallet, not settled;
 * - `succeeded` / `failed` / `cancelled`: final.
 */
export type TransferStatus = 'created' | 'pending_confirmation' | 'processing' | 'succeeded' | 'failed' | 'cancelled';

/** Who a transfer pays: a wallet user, by the id the wallet knows them by. */
export interface TransferPayee {
  /**
   * `openid` (WeChat, of the paying app), `userId` (Alipay `ALIPAY_USER_ID`), `loginId` (Alipay
   * `ALIPAY_LOGON_ID`), `openId` (Alipay `ALIPAY_OPEN_ID`), `bankCard` (UnionPay 代付).
   */
  readonly type: 'openid' | 'userId' | 'loginId' | 'openId' | 'bankCard';
  readonly account: string;
  /**
   * The payee's real name, when the wallet checks it. Personal data: sent encrypted where the
   * wallet requires it, kept on the record for a resend, never in errors, logs, hooks or events.
   */
  readonly name?: string | undefined;
}

/**
 * One payout.
 *
 * @example
 * ```ts
 * const transfer = await payments.transfer({
 *   provider: 'wechatpay',
 *   transferId: 'payout0001',
 *   amount: 500,
 *   payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX' },
 *   remark: '佣金',
 * });
 * ```
 */
export interface Transfer {
  /** The merchant's transfer id (WeChat `out_bill_no`, Alipay `out_biz_no`). */
  readonly id: string;
  readonly provider: string;
  readonly merchant: string | null;
  /** Amount in fen. */
  readonly amount: number;
  readonly currency: Currency;
  readonly payee: TransferPayee;
  readonly remark: string;
  readonly status: TransferStatus;
  /** The wallet's id for this transfer, once known. */
  readonly providerTransferId: string | null;
  /** What the payee's app needs to confirm (WeChat `package_info`), while `pending_confirmation`. */
  readonly confirmation: string | null;
  readonly failReason: string | null;
  /** Options only this provider understands (WeChat scene id and reports, ...). */
  readonly providerOptions: Readonly<Record<string, unknown>>;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * What a provider reports about a split: the split's and each receiver's state. A report with
 * `status: 'pending'` may name only some receivers (WeChat Pay's notification names one); a final
 * report names every receiver.
 */
export interface SplitStatusEvent {
  type: 'split.status';
  /**
   * The order (`out_trade_no`), or `''` when the wallet's message does not name it (WeChat Pay's and
   * Alipay's profit-sharing messages): the facade then finds the split by its id and
   * `providerTransactionId` through the store (`findOrdersBySplit`).
   */
  orderId: string;
  splitId: string;
  /** The wallet's id of the split's trade (WeChat `transaction_id`, Alipay `trade_no`); bound to the order's. */
  providerTransactionId?: string | undefined;
  status: SplitStatus;
  /** Each receiver's result, by account, as the wallet reported it. */
  receivers: readonly {
    account: string;
    amount: number;
    status: SplitReceiverStatus;
    failReason?: string | undefined;
  }[];
  providerSplitId?: string | undefined;
}

/** What a provider reports about a split return. */
export interface SplitReturnStatusEvent {
  type: 'split.return.status';
  /** The order, or `''` when the message does not name it (found as for {@link SplitStatusEvent}). */
  orderId: string;
  splitId: string;
  /** The wallet's id of the split's trade; bound to the order's. */
  providerTransactionId?: string | undefined;
  returnId: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  failReason?: string | undefined;
}

/** What a provider reports about a transfer. */
export interface TransferStatusEvent {
  type: 'transfer.status';
  transferId: string;
  /** Amount in fen as the wallet reports it; bound to the transfer's. */
  amount: number;
  status: Exclude<TransferStatus, 'created'>;
  providerTransferId?: string | undefined;
  /** WeChat `package_info` while the payee must confirm. */
  confirmation?: string | undefined;
  failReason?: string | undefined;
}

/** Events about money moving out, from notifications and queries. */
export type MoneyMovementEvent = SplitStatusEvent | SplitReturnStatusEvent | TransferStatusEvent;
