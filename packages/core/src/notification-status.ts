/**
 * The HTTP status class of a refused notification, the same for every wallet: the wallet redelivers
 * on any non-2xx reply, and the class tells the merchant's monitoring whose fault it was.
 *
 * @packageDocumentation
 */
import { HutongError, type HutongErrorCode } from './errors.js';

/** Codes that mean the message itself was refused: the sender's fault, not the merchant's. */
const REFUSED_MESSAGE_CODES: ReadonlySet<HutongErrorCode> = new Set<HutongErrorCode>([
  'signature_invalid',
  'validation_error',
  'order_not_found',
  'invalid_transition',
  'unexpected_response',
  // Platform mode: a message about another merchant's order, or about a merchant refused here.
  'merchant_mismatch',
  'unknown_merchant',
  'merchant_disabled',
  'merchant_not_enabled',
  'merchant_unsupported',
  'split_not_found',
  'transfer_not_found',
]);

/**
 * `400` when a notification is refused for what it says (a bad signature, a malformed body, an order
 * this shop does not know, an event its order cannot take yet), `500` when the merchant's side failed
 * (the store is down, a write kept conflicting, a bug). Adapters render it in their wallet's format.
 *
 * @example
 * ```ts
 * notificationRejectionStatus(new OrderNotFoundError('o1')); // 400
 * notificationRejectionStatus(new Error('connection refused')); // 500
 * ```
 */
export function notificationRejectionStatus(error: unknown): 400 | 500 {
  return HutongError.isInstance(error) && REFUSED_MESSAGE_CODES.has(error.code) ? 400 : 500;
}
