/**
 * The platform's merchant keys (`'shop-42'`): what an order, a session and a directory accept as
 * one, checked the same everywhere so every store can index it.
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';

const MERCHANT_KEY = /^[\x21-\x7e]{1,64}$/;

/**
 * Checks a merchant key: 1 to 64 printable ASCII characters, no spaces (what every store indexes
 * byte for byte). Returns it; throws `ValidationError` naming `field` otherwise.
 *
 * @example
 * ```ts
 * assertMerchantKey('shop-42', 'merchant'); // 'shop-42'
 * assertMerchantKey('', 'merchant'); // throws ValidationError { field: 'merchant' }
 * ```
 */
export function assertMerchantKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || !MERCHANT_KEY.test(value)) {
    throw new ValidationError(field, 'must be a merchant key of 1 to 64 printable ASCII characters, without spaces');
  }
  return value;
}
