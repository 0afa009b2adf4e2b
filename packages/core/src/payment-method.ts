/**
 * One vocabulary of payment methods for every wallet.
 *
 * @packageDocumentation
 */

/**
 * Every payment method hutong knows, in one list:
 * - `qr`: the buyer scans a code the merchant shows;
 * - `page`: desktop web checkout;
 * - `h5`: mobile browser checkout;
 * - `jsapi`: inside the wallet app or its mini program;
 * - `app`: the merchant's native app, through the wallet's app SDK;
 * - `pos`: the merchant scans the buyer's payment code (needs `authCode`).
 */
export const PAYMENT_METHODS = ['qr', 'page', 'h5', 'jsapi', 'app', 'pos'] as const;

/**
 * A payment method; see {@link PAYMENT_METHODS}.
 *
 * @example
 * ```ts
 * const method: PaymentMethod = 'qr';
 * ```
 */
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * True when `value` names a payment method.
 *
 * @example
 * ```ts
 * isPaymentMethod('qr'); // true
 * ```
 */
export function isPaymentMethod(value: unknown): value is PaymentMethod {
  return typeof value === 'string' && (PAYMENT_METHODS as readonly string[]).includes(value);
}
