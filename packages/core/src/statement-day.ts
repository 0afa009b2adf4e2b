/**
 * A statement's day: the wallets' civil date (`YYYY-MM-DD`, China time, UTC+8 all year) and the
 * window of instants it covers.
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The instants a statement day covers: from its start, inclusive, to the next day's start, exclusive. */
export interface StatementWindow {
  /** The day's first instant (00:00 China time). */
  readonly from: Date;
  /** The next day's first instant, not in the window. */
  readonly to: Date;
}

/**
 * The window of a wallet's civil date in China time; throws `ValidationError` (field `date`) for
 * anything but a real `YYYY-MM-DD` date.
 *
 * @example
 * ```ts
 * statementDayWindow('2026-12-01');
 * // { from: 2026-11-30T16:00:00.000Z, to: 2026-12-01T16:00:00.000Z }
 * ```
 */
export function statementDayWindow(date: string): StatementWindow {
  const match = typeof date === 'string' ? DATE_PATTERN.exec(date) : null;
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const start = Date.UTC(year, month - 1, day);
  const check = new Date(start);
  if (!match || check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new ValidationError('date', 'must be a calendar date written YYYY-MM-DD');
  }
  const from = start - CHINA_OFFSET_MS;
  return { from: new Date(from), to: new Date(from + 86_400_000) };
}
