/**
 * The fake provider's wire protocol: an HMAC-SHA256 over `timestamp.body`, in the style of
 * stripe-node's webhook header. Small enough to read whole, strict like a real adapter.
 *
 * @packageDocumentation
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the unix-seconds timestamp. */
export const FAKE_TIMESTAMP_HEADER = 'x-fake-timestamp';
/** Header carrying the hex HMAC. */
export const FAKE_SIGNATURE_HEADER = 'x-fake-signature';

/**
 * Signs a fake notification body.
 *
 * @example
 * ```ts
 * const signature = signFakeMessage('secret', 1700000000, '{"type":"payment.succeeded"}');
 * ```
 */
export function signFakeMessage(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * Constant-time check of a fake signature.
 *
 * @example
 * ```ts
 * isFakeSignatureValid('secret', ts, body, headers['x-fake-signature']);
 * ```
 */
export function isFakeSignatureValid(secret: string, timestamp: number, body: string, signature: string): boolean {
  const expected = Buffer.from(signFakeMessage(secret, timestamp, body), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
