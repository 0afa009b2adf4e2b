/**
 * Order and refund ids that every wallet accepts: 8 to 32 ASCII letters and digits (UnionPay
 * refuses `-` and `_`, WeChat Pay caps `out_trade_no` at 32 characters).
 *
 * @packageDocumentation
 */
import { customAlphabet } from 'nanoid';
import { ValidationError } from './errors.js';

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_PATTERN = /^[A-Za-z0-9]{8,32}$/;

/**
 * Generates a 24-character alphanumeric id (about 143 random bits).
 *
 * @example
 * ```ts
 * generateId(); // 'V1StGXR8Z5jdHi6BmyT3kq7n'
 * ```
 */
export const generateId: () => string = customAlphabet(ALPHANUMERIC, 24);

/**
 * Throws {@link ValidationError} naming `field` unless `id` is 8 to 32 ASCII letters and digits.
 *
 * @example
 * ```ts
 * assertPortableId('order20240101x', 'orderId'); // ok
 * assertPortableId('order_1', 'orderId'); // ValidationError
 * ```
 */
export function assertPortableId(id: unknown, field: string): asserts id is string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new ValidationError(field, 'must be 8 to 32 ASCII letters and digits, the form every wallet accepts');
  }
}
