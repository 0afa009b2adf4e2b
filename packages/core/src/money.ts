/**
 * Money in hutong is an integer number of fen (1 yuan = 100 fen) in `CNY`. Conversions to and
 * from the yuan strings that Alipay and others put on the wire work on digits, never on floating
 * point, so `"9.80"` is exactly `980` and `980` is exactly `"9.80"`.
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';

/** The only currency the domestic wallets settle in. */
export type Currency = 'CNY';

/** The currency of every hutong amount. */
export const CURRENCY: Currency = 'CNY';

/**
 * Throws a {@link ValidationError} naming `field` unless `value` is a positive safe integer number
 * of fen. Floats (`9.8`), zero, negatives, `NaN`, infinities, unsafe integers and non-numbers are
 * all refused.
 *
 * @example
 * ```ts
 * assertAmount(1999, 'amount'); // ok
 * assertAmount(19.99, 'amount'); // ValidationError: amount: must be an integer number of fen ...
 * ```
 */
export function assertAmount(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new ValidationError(field, `must be an integer number of fen, got ${describe(value)}`);
  }
  if (!Number.isInteger(value)) {
    throw new ValidationError(field, `must be an integer number of fen, got ${value} (a fraction of a fen)`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new ValidationError(field, `must be a safe integer number of fen, got ${value}`);
  }
  if (value <= 0) {
    throw new ValidationError(field, `must be greater than 0 fen, got ${value}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 32))}`;
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value;
}

/**
 * Formats fen as a yuan string with exactly two decimals: `1` → `"0.01"`, `199900` → `"1999.00"`.
 * Zero is allowed (`"0.00"`); anything but a non-negative safe integer throws.
 *
 * @example
 * ```ts
 * formatYuan(980); // "9.80"
 * ```
 */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) {
    throw new ValidationError('amount', `must be a non-negative safe integer number of fen, got ${describe(fen)}`);
  }
  const digits = String(fen).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

const YUAN_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?$/;

/**
 * Parses a yuan string (`"0.01"`, `"9.8"`, `"1999"`, `"1999.00"`) into fen without floating point.
 * Signs, exponents, spaces, more than two decimals and leading zeros are a {@link ValidationError}
 * naming `field`.
 *
 * @example
 * ```ts
 * parseYuan('9.80', 'total_amount'); // 980
 * ```
 */
export function parseYuan(yuan: string, field: string): number {
  const match = typeof yuan === 'string' ? YUAN_PATTERN.exec(yuan) : null;
  if (!match) {
    throw new ValidationError(field, `is not a yuan amount with at most two decimals: ${describe(yuan)}`);
  }
  const whole = match[1] as string;
  const fraction = (match[2] ?? '').padEnd(2, '0');
  const fen = Number(whole + fraction);
  if (!Number.isSafeInteger(fen)) {
    throw new ValidationError(field, `is too large to be an exact amount: ${describe(yuan)}`);
  }
  return fen;
}
