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
 * What the wallet's statement says became of a record, where it says so (WeChat Pay's trade bill
 * states each refund's 退款状态): `succeeded` settled, `pending` still processing when the bill was
 * written, `failed` failed (or, WeChat Pay's `CHANGE`, returned to no account).
 *
 * @example
 * ```ts
 * const status: StatementLineStatus = 'pending'; // WeChat Pay's 退款状态 PROCESSING
 * ```
 */
export type StatementLineStatus = 'succeeded' | 'pending' | 'failed';

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
  /**
   * The record's status as the statement states it; absent where the statement states none, and a
   * line is then a settled record. Matching holds the store to it: a refund line `pending` agrees
   * with a refund pending or succeeded here, one `failed` with a refund failed here.
   */
  readonly status?: StatementLineStatus | undefined;
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

/**
 * A difference between a statement and the store:
 * - `missing_locally`: the wallet has it, the store does not;
 * - `missing_at_wallet`: the store has it as settled that day, the statement does not;
 * - `amount_mismatch`: both have it, for different amounts;
 * - `status_mismatch`: paid at the wallet, unpaid here (the facade queries the wallet and applies
 *   what it verifies, never the file alone);
 * - `refund_mismatch`: a refund that differs in amount or status, or is missing on one side.
 */
export type StatementDifferenceCode =
  | 'missing_locally'
  | 'missing_at_wallet'
  | 'amount_mismatch'
  | 'status_mismatch'
  | 'refund_mismatch';

/** One difference found by statement matching. */
export interface StatementDifference {
  readonly code: StatementDifferenceCode;
  readonly kind: StatementLineKind;
  readonly orderId: string | null;
  readonly refundId?: string | null | undefined;
  readonly movementId?: string | null | undefined;
  readonly providerTradeId: string | null;
  /** The amount the statement has, in fen (`null` when the statement has no line). */
  readonly statementAmount: number | null;
  /** The amount the store has, in fen (`null` when the store has no record). */
  readonly storeAmount: number | null;
  /** The statement's line number, when there is a line. */
  readonly line: number | null;
  /** The record's status as the statement states it, when it states one (`StatementLine.status`). */
  readonly status?: StatementLineStatus | undefined;
  /** For `status_mismatch`: what the verified query did (`applied`, `still_differs`, `query_failed`). */
  readonly resolution?: 'applied' | 'still_differs' | 'query_failed' | undefined;
}

/** Sums of one day's statement, in fen. */
export interface StatementTotals {
  readonly lines: number;
  readonly payments: number;
  readonly refunds: number;
  readonly fees: number;
  /** payments − refunds − fees (+ other kinds by their sign). */
  readonly net: number;
}

/** The result of reconciling one provider's statement for one day (and merchant). */
export interface StatementResult {
  readonly provider: string;
  readonly date: string;
  readonly merchant: string | null;
  readonly matched: number;
  readonly differences: readonly StatementDifference[];
  readonly totals: StatementTotals;
  /** ISO-8601 time of the run. */
  readonly reconciledAt: string;
}
