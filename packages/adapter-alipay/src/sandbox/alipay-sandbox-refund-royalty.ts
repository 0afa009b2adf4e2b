/**
 * Royalty given back within a refund (退分账) in the Alipay sandbox: `alipay.trade.refund` with
 * `refund_royalty_parameters` takes part of the refund from the receivers that settlements paid on
 * that trade, and the refund query reports it (`refund_royaltys`).
 *
 * What Alipay documents (its refund API): face-to-face payments take no named royalty return
 * ("当面付且非直付通模式 ... 不支持指定退款金额与退款方"); 电脑网站, 手机网站 and APP payments must
 * name it. `ACQ.ALLOC_AMOUNT_VALIDATE_ERROR` (退分账金额超限) is the refund API's code for a royalty
 * return beyond what the receiver can give back. Assumed here (no documented code found): the
 * sandbox answers a named return on another payment `ACQ.INVALID_PARAMETER`, and uses
 * `ACQ.ALLOC_AMOUNT_VALIDATE_ERROR` too for returns that add up to more than the refund or name
 * a receiver the trade never paid.
 *
 * @packageDocumentation
 */
import { formatYuan, parseYuan } from '@hutong/core';
import { failure, type SandboxNode } from './alipay-sandbox-failures.js';
import type { AlipaySandboxState, AlipaySandboxTrade } from './alipay-sandbox-state.js';

/** Product codes whose refunds take named royalty returns (电脑网站, 手机网站, 手机 APP). */
const NAMED_RETURNS = new Set(['FAST_INSTANT_TRADE_PAY', 'QUICK_WAP_WAY', 'QUICK_MSECURITY_PAY']);

/**
 * One receiver's royalty given back within a refund, as the sandbox keeps it on the trade
 * (`trade.royaltyReturns`, by the refund's `out_request_no`).
 *
 * @example
 * ```ts
 * const back: AlipaySandboxRoyaltyReturn = { transOut: '2088101126765726', transOutType: 'userId', amount: 300 };
 * ```
 */
export interface AlipaySandboxRoyaltyReturn {
  /** The receiver giving back (`trans_out`). */
  transOut: string;
  /** `userId` or `loginName` (`trans_out_type`). */
  transOutType: string;
  /** Amount in fen. */
  amount: number;
}

/** What settlements paid `account` on trade `tradeNo` (settled details only), in fen. */
function paidTo(state: AlipaySandboxState, tradeNo: string, account: string): number {
  let total = 0;
  for (const settlement of state.settlements.values()) {
    if (settlement.tradeNo !== tradeNo) continue;
    for (const detail of settlement.details) {
      if (detail.state === 'SUCCESS' && detail.transIn === account) total += detail.amount;
    }
  }
  return total;
}

/**
 * What receivers gave back within the trade's refunds, in fen (for `account` only, when given).
 *
 * @example
 * ```ts
 * const merchantFunded = state.refunded(trade) - alipaySandboxRoyaltyReturned(trade);
 * ```
 */
export function alipaySandboxRoyaltyReturned(trade: AlipaySandboxTrade, account?: string): number {
  let total = 0;
  for (const returns of trade.royaltyReturns?.values() ?? []) {
    for (const r of returns) if (account === undefined || r.transOut === account) total += r.amount;
  }
  return total;
}

/**
 * The royalty returns `biz.refund_royalty_parameters` asks within a new refund of `amount` fen,
 * checked as Alipay does, or its refusal. No parameters: none (the merchant funds the refund).
 *
 * @example
 * ```ts
 * const asked = royaltyReturnsOf(state, trade, biz, amount);
 * if ('error' in asked) return asked.error;
 * ```
 */
export function royaltyReturnsOf(
  state: AlipaySandboxState,
  trade: AlipaySandboxTrade,
  biz: SandboxNode,
  amount: number,
): { returns: AlipaySandboxRoyaltyReturn[] } | { error: SandboxNode } {
  const asked = biz.refund_royalty_parameters;
  if (asked === undefined) return { returns: [] };
  const invalid = (message: string) => ({
    error: failure('40004', 'Business Failed', 'ACQ.INVALID_PARAMETER', message),
  });
  const beyond = { error: failure('40004', 'Business Failed', 'ACQ.ALLOC_AMOUNT_VALIDATE_ERROR', '退分账金额超限') };
  if (!Array.isArray(asked)) return invalid('参数有误refund_royalty_parameters');
  if (asked.length === 0) return { returns: [] };
  if (!NAMED_RETURNS.has(trade.productCode ?? '')) return invalid('当面付交易不支持指定退分账明细');
  const returns: AlipaySandboxRoyaltyReturn[] = [];
  for (const entry of asked as SandboxNode[]) {
    if ((entry.royalty_type ?? 'transfer') !== 'transfer') return invalid('参数有误royalty_type');
    const transOut = String(entry.trans_out ?? '');
    if (!transOut) return invalid('参数有误trans_out');
    let part: number;
    try {
      part = parseYuan(String(entry.amount), 'amount');
    } catch {
      return invalid('参数有误amount');
    }
    returns.push({ transOut, transOutType: String(entry.trans_out_type ?? 'userId'), amount: part });
  }
  if (returns.reduce((sum, r) => sum + r.amount, 0) > amount) return beyond;
  // Each receiver gives back at most what settlements paid it on this trade, less what it gave back before.
  const perReceiver = new Map<string, number>();
  for (const r of returns) perReceiver.set(r.transOut, (perReceiver.get(r.transOut) ?? 0) + r.amount);
  for (const [account, total] of perReceiver) {
    if (total > paidTo(state, trade.tradeNo, account) - alipaySandboxRoyaltyReturned(trade, account)) return beyond;
  }
  return { returns };
}

/**
 * `refund_royaltys` of a refund that took royalty back, as the refund query reports it (each line
 * `SUCCESS`: the sandbox moves royalty back with the refund, or refuses the whole refund).
 *
 * @example
 * ```ts
 * const lines = refundRoyaltyLines(trade, 'refund0001');
 * ```
 */
export function refundRoyaltyLines(trade: AlipaySandboxTrade, requestNo: string): SandboxNode[] | undefined {
  const returns = trade.royaltyReturns?.get(requestNo);
  if (!returns || returns.length === 0) return undefined;
  return returns.map((r) => ({
    refund_amount: formatYuan(r.amount),
    royalty_type: 'transfer',
    result_code: 'SUCCESS',
    trans_out: r.transOut,
  }));
}
