/**
 * The Alipay sandbox's trades: how one is created (or the same unpaid one found again), found by
 * `out_trade_no` or Alipay trade number, marked paid, and what its refunds add up to.
 *
 * @packageDocumentation
 */
import { OrderNotFoundError, parseYuan, ValidationError } from '@hutong/core';
import { failure, type SandboxNode } from './alipay-sandbox-failures.js';
import { randomUserId } from './alipay-sandbox-ids.js';
import type { AlipaySandboxTrade } from './alipay-sandbox-state.js';

/**
 * What creating a trade works with: the trades by `out_trade_no`, the merchant a request acts
 * for, and the next trade number.
 *
 * @example
 * ```ts
 * const book: AlipaySandboxTradeBook = { trades, ownerOf, newTradeNo };
 * ```
 */
export interface AlipaySandboxTradeBook {
  readonly trades: Map<string, AlipaySandboxTrade>;
  readonly ownerOf: (params: Record<string, string>) => { owner: string | undefined } | { error: SandboxNode };
  readonly newTradeNo: () => string;
}

/** The business parameters that bind a trade, in a stable order (payment-code fields aside). */
function canonicalBiz(biz: SandboxNode): string {
  const { auth_code: _authCode, scene: _scene, ...rest } = biz;
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((key) => [key, rest[key]]),
  );
}

/**
 * A new trade, or the unpaid one with the same `out_trade_no` and business parameters.
 *
 * @example
 * ```ts
 * const made = createAlipaySandboxTrade(book, biz, params);
 * if ('error' in made) return made.error;
 * ```
 */
export function createAlipaySandboxTrade(
  book: AlipaySandboxTradeBook,
  biz: SandboxNode,
  params: Record<string, string>,
): { trade: AlipaySandboxTrade } | { error: SandboxNode } {
  const outTradeNo = String(biz.out_trade_no ?? '');
  const acting = book.ownerOf(params);
  if ('error' in acting) return { error: acting.error };
  const existing = book.trades.get(outTradeNo);
  // The sandbox keys trades by out_trade_no alone: another merchant's number is refused.
  if (existing && existing.owner !== acting.owner) {
    return { error: failure('40004', 'Business Failed', 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改') };
  }
  if (existing) {
    if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') {
      return { error: failure('40004', 'Business Failed', 'ACQ.TRADE_HAS_SUCCESS', '交易已被支付') };
    }
    if (existing.status === 'TRADE_CLOSED') {
      return { error: failure('40004', 'Business Failed', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭') };
    }
    // The same out_trade_no may be paid again while unpaid, with the same business parameters only.
    if (existing.bizContent !== canonicalBiz(biz)) {
      return { error: failure('40004', 'Business Failed', 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改') };
    }
    return { trade: existing };
  }
  const trade: AlipaySandboxTrade = {
    outTradeNo,
    tradeNo: book.newTradeNo(),
    amount: parseYuan(String(biz.total_amount), 'total_amount'),
    subject: String(biz.subject ?? ''),
    status: 'WAIT_BUYER_PAY',
    notifyUrl: params.notify_url,
    returnUrl: params.return_url,
    buyerId: String(biz.buyer_id ?? biz.buyer_open_id ?? randomUserId()),
    paidAt: undefined,
    refunds: new Map(),
    bizContent: canonicalBiz(biz),
    owner: acting.owner,
    royaltyFreeze: (biz.extend_params as SandboxNode | undefined)?.royalty_freeze === 'true',
    ...(typeof biz.product_code === 'string' ? { productCode: biz.product_code } : {}),
  };
  book.trades.set(outTradeNo, trade);
  return { trade };
}

/**
 * What the trade's refunds add up to, in fen.
 *
 * @example
 * ```ts
 * const refundable = trade.amount - alipaySandboxRefunded(trade);
 * ```
 */
export function alipaySandboxRefunded(trade: AlipaySandboxTrade): number {
  let total = 0;
  for (const amount of trade.refunds.values()) total += amount;
  return total;
}

/**
 * The trade of `out_trade_no` `orderId`; `OrderNotFoundError` when there is none.
 *
 * @example
 * ```ts
 * const trade = requireAlipaySandboxTrade(trades, 'o1');
 * ```
 */
export function requireAlipaySandboxTrade(
  trades: ReadonlyMap<string, AlipaySandboxTrade>,
  orderId: string,
): AlipaySandboxTrade {
  const trade = trades.get(orderId);
  if (!trade) throw new OrderNotFoundError(orderId);
  return trade;
}

/**
 * The trade the gateway created under Alipay trade number `tradeNo`, or `undefined`.
 *
 * @example
 * ```ts
 * const trade = findAlipaySandboxTradeNo(trades, tradeNo);
 * ```
 */
export function findAlipaySandboxTradeNo(
  trades: ReadonlyMap<string, AlipaySandboxTrade>,
  tradeNo: string,
): AlipaySandboxTrade | undefined {
  for (const trade of trades.values()) if (trade.tradeNo === tradeNo) return trade;
  return undefined;
}

/**
 * The trade of Alipay trade number `tradeNo`; a `ValidationError` of `field` when there is none.
 *
 * @example
 * ```ts
 * const trade = requireAlipaySandboxTradeNo(trades, tradeNo, 'action.content');
 * ```
 */
export function requireAlipaySandboxTradeNo(
  trades: ReadonlyMap<string, AlipaySandboxTrade>,
  tradeNo: string,
  field: string,
): AlipaySandboxTrade {
  const trade = findAlipaySandboxTradeNo(trades, tradeNo);
  if (trade) return trade;
  throw new ValidationError(field, `names no trade of the Alipay sandbox (${tradeNo})`);
}
