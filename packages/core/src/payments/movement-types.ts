/**
 * The public types of the facade's money movement: the inputs of `split`, `returnSplit` and
 * `transfer`, and the result of `handleMovementNotification`.
 *
 * @packageDocumentation
 */
import type { MoneyMovementEvent, SplitReceiver, Transfer, TransferPayee } from '../money-movement.js';
import type { Order } from '../order.js';
import type { WebhookResponse } from '../webhook-request.js';

/**
 * One receiver of a split, as the merchant asks for it.
 *
 * @example
 * ```ts
 * const receiver: SplitReceiverRequest = { type: 'personal', account: 'o-openid', amount: 200, description: '导游分成', name: '张三' };
 * ```
 */
export interface SplitReceiverRequest extends Pick<SplitReceiver, 'type' | 'account' | 'amount' | 'description'> {
  /**
   * The receiver's real name, where the wallet checks it (WeChat Pay, personal receivers): sent
   * encrypted, never stored on the order, never in events, hooks or errors. A split the reconciler
   * sends again (its first request was lost) goes without it.
   */
  name?: string | undefined;
}

/**
 * Input of `payments.split`.
 *
 * @example
 * ```ts
 * const input: SplitInput = {
 *   splitId: 'split0001',
 *   receivers: [{ type: 'merchant', account: '1900000109', amount: 300, description: '平台佣金' }],
 *   finish: true,
 * };
 * ```
 */
export interface SplitInput {
  /**
   * The merchant's id for this split, 8 to 32 letters and digits (WeChat `out_order_no`, Alipay
   * `out_request_no`). The same id with the same receivers returns the same split and never splits
   * twice; with other receivers it is a `ConflictError` (`duplicate_split`). A split the wallet
   * refused stays `failed`: ask again under a new id.
   */
  splitId: string;
  /** 1 to 50 receivers, each account once. */
  receivers: readonly SplitReceiverRequest[];
  /**
   * `true`: the rest of the order is unfrozen to the merchant once this split settles, and no
   * further split of the order is taken. Default `false`.
   */
  finish?: boolean | undefined;
}

/**
 * Input of `payments.returnSplit`: take back part of what one receiver got; also one item of
 * `payments.refund`'s `splitReturns` (a receiver's part of a refund, where the wallet takes split
 * money back only within refunds: Alipay).
 *
 * @example
 * ```ts
 * const input: SplitReturnInput = { splitId: 'split0001', returnId: 'return0001', account: '1900000109', amount: 100, description: '退款回退' };
 * ```
 */
export interface SplitReturnInput {
  splitId: string;
  /**
   * The merchant's id for this return, 8 to 32 letters and digits, used once on an order (WeChat
   * `out_return_no`; within an Alipay refund it is hutong's own, the refund's `out_request_no`
   * identifies the request); idempotent like `splitId`.
   */
  returnId: string;
  /** The receiver's account, as in the split. */
  account: string;
  /** Amount in fen; at most what the receiver got and has not returned. */
  amount: number;
  /** Why (WeChat `description`, Alipay `desc`), 1 to 80 characters. */
  description: string;
}

/**
 * Input of `payments.transfer`.
 *
 * @example
 * ```ts
 * const input: TransferInput = {
 *   provider: 'wechatpay', transferId: 'payout0001', amount: 500,
 *   payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX' }, remark: '佣金',
 * };
 * ```
 */
export interface TransferInput<Id extends string = string> {
  provider: Id;
  /**
   * The merchant's id for this transfer, 8 to 32 letters and digits (WeChat `out_bill_no`, Alipay
   * `out_biz_no`). The same id with the same content returns the same transfer and never pays
   * twice; with other content it is a `ConflictError` (`duplicate_transfer`).
   */
  transferId: string;
  /** Amount in fen. */
  amount: number;
  payee: TransferPayee;
  /** Shown to the payee (WeChat `transfer_remark`, Alipay `remark`), 1 to 32 characters. */
  remark: string;
  /** The platform's key of the sub-merchant paying (platform mode). */
  merchant?: string | undefined;
  /** Overrides the facade's `movementNotifyUrl` for this transfer. */
  notifyUrl?: string | undefined;
  /** Options only this provider understands (WeChat scene id and reports, ...). */
  providerOptions?: Record<string, unknown> | undefined;
}

/**
 * A movement notification verified and applied (or already applied).
 *
 * @example
 * ```ts
 * if (result.ok) console.log(result.event.type, result.outcome);
 * ```
 */
export interface AcceptedMovementNotification {
  ok: true;
  /** The verified event. */
  event: MoneyMovementEvent;
  /** The order after a split event. */
  order?: Order | undefined;
  /** The transfer after a transfer event, without the payee's name. */
  transfer?: Transfer | undefined;
  /** `applied`, or `duplicate` / `stale` when the event changed nothing. */
  outcome: 'applied' | 'duplicate' | 'stale';
  /** The exact reply the provider expects. */
  response: WebhookResponse;
  error?: undefined;
}

/**
 * A movement notification refused; `response` as for payment notifications.
 *
 * @example
 * ```ts
 * if (!result.ok) console.warn(result.error);
 * ```
 */
export interface RejectedMovementNotification {
  ok: false;
  error: unknown;
  event?: undefined;
  order?: undefined;
  transfer?: undefined;
  outcome?: undefined;
  response: WebhookResponse;
}

/**
 * Result of `payments.handleMovementNotification`, narrowed by `ok`; send `response` back as is.
 *
 * @example
 * ```ts
 * const result = await payments.handleMovementNotification('wechatpay', { headers, body });
 * reply(result.response);
 * ```
 */
export type HandleMovementNotificationResult = AcceptedMovementNotification | RejectedMovementNotification;

/**
 * Options of `payments.syncTransfer`.
 *
 * @example
 * ```ts
 * await payments.syncTransfer('payout0001', { resendAfterMs: 300_000 });
 * ```
 */
export interface SyncTransferOptions {
  /**
   * Send a `created` transfer again, under the same id, when the wallet answers that it does not
   * know it and it has not changed for this long (milliseconds). Default: never.
   */
  readonly resendAfterMs?: number | undefined;
}
