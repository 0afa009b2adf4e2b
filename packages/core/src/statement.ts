/**
 * Statements: what the money actually did, as each wallet's daily bill reports it, normalised into
 * one {@link StatementLine} per record. Parsers are streaming: they read async iterables of bytes
 * and yield lines, so a statement of millions of lines never sits in memory whole.
 *
 * @packageDocumentation
 */
import type { Currency } from './money.js';

/** What a statement line records. */
export type StatementLineKind = 'payment' | 'refund' | 'fee' | 'split' | 'transfer' | 'adjustment';

/**
 * One record of a wallet's statement, normalised. Money is integer fen, parsed from the text
 * exactly.
 *
 * @example
 * ```ts
 * const line: StatementLine = {
 *   provider: 'wechatpay', merchant: null, kind: 'payment', orderId: 'o_123',
 *   providerTradeId: '4200000001202412', amount: 100, fee: 1, currency: 'CNY',
 *   time: '2024-12-01T09:00:00+08:00', line: 2, raw: '`2024-12-01 09:00:00,`wx...',
 * };
 * ```
 */
export interface StatementLine {
  readonly provider: string;
  /** The merchant (platform mode) whose statement this is, or `null`. */
  readonly merchant: string | null;
  readonly kind: StatementLineKind;
  /** The merchant's order id (`out_trade_no`, `orderId`), when the line has one. */
  readonly orderId: string | null;
  /** The wallet's transaction id, when the line has one. */
  readonly providerTradeId: string | null;
  /** The merchant's refund id, for a refund line. */
  readonly refundId?: string | null | undefined;
  /** The split or transfer id, for a split or transfer line. */
  readonly movementId?: string | null | undefined;
  /** The amount in fen, always positive; `kind` says which way it went. */
  readonly amount: number;
  /** The wallet's fee in fen (negative when the wallet returned a fee, on refunds). */
  readonly fee: number;
  readonly currency: Currency;
  /** ISO-8601 time with the wallet's offset (`+08:00`). */
  readonly time: string;
  /** 1-based line number in the file the line came from. */
  readonly line: number;
  /** The line as the file had it (decoded), for the finance team. */
  readonly raw: string;
}

/** Which statement to download. */
export interface StatementRequest {
  /** The wallet's civil date, `YYYY-MM-DD` (China time). */
  readonly date: string;
  /** The wallet's bill kind; adapters document theirs (`trade`, `fundflow`, ...). Default `trade`. */
  readonly kind?: string | undefined;
  /** `error` (default): a malformed line throws, naming its number; `skip`: it is reported to `onSkipped`. */
  readonly malformed?: 'error' | 'skip' | undefined;
  /** Called for every line skipped under `malformed: 'skip'`. */
  readonly onSkipped?: ((issue: { line: number; reason: string }) => void) | undefined;
}
