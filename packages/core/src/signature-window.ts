/**
 * The time check of a signed message: a wallet that signs a timestamp (WeChat Pay's
 * `Wechatpay-Timestamp`, 300 s) means a genuine message outside the window is a replay, to be
 * refused like a bad signature.
 *
 * @packageDocumentation
 */
import { SignatureVerificationError } from './errors.js';

/** What {@link checkSignatureWindow} checks. */
export interface SignatureWindow {
  /** Provider id, for the error. */
  provider: string;
  /**
   * When the message says it was signed: Unix seconds (a number or the header's digits), or a
   * `Date`. Anything else (empty, `1e9`, `-5`, `12.5`) is refused as `malformed`.
   */
  signedAt: number | string | Date;
  /** How far, in seconds, the signed time may be from now, either way (WeChat Pay: 300). */
  windowSeconds: number;
  /** The current time; default `Date.now()`. Pass the adapter's `now` option for tests. */
  now?: Date | number | undefined;
}

function signedAtMs(provider: string, signedAt: number | string | Date): number {
  if (signedAt instanceof Date) {
    const ms = signedAt.getTime();
    if (Number.isFinite(ms)) return ms;
  } else if (typeof signedAt === 'number') {
    if (Number.isSafeInteger(signedAt) && signedAt >= 0) return signedAt * 1000;
  } else if (/^\d{1,12}$/.test(signedAt)) {
    return Number(signedAt) * 1000;
  }
  throw new SignatureVerificationError(provider, 'malformed', 'the signed timestamp is not a time');
}

/**
 * Refuses a signed message whose timestamp is more than `windowSeconds` from now, either way, with a
 * {@link SignatureVerificationError} of reason `expired_timestamp` (or `malformed` when the
 * timestamp is not a time). Call it after the signature verified, since an unverified timestamp
 * proves nothing; {@link verifySignatureInWindow} does both in that order.
 *
 * @example
 * ```ts
 * checkSignatureWindow({ provider: 'mywallet', signedAt: headers['x-timestamp'] ?? '', windowSeconds: 300 });
 * ```
 */
export function checkSignatureWindow(window: SignatureWindow): void {
  const at = signedAtMs(window.provider, window.signedAt);
  const now =
    window.now === undefined ? Date.now() : typeof window.now === 'number' ? window.now : window.now.getTime();
  if (Math.abs(now - at) > window.windowSeconds * 1000) {
    throw new SignatureVerificationError(
      window.provider,
      'expired_timestamp',
      `the signed timestamp is more than ${window.windowSeconds} s from now`,
    );
  }
}

/** What {@link verifySignatureInWindow} checks: a signature over a timestamp, and the timestamp. */
export interface SignatureInWindow extends SignatureWindow {
  /**
   * Verifies the signature (over the timestamp and the body, as the wallet signs them); returns
   * whether it holds. Exceptions it throws propagate.
   */
  verify: () => boolean;
}

/**
 * Verifies a timestamped signature, then its window: a `bad_signature`
 * {@link SignatureVerificationError} when `verify()` returns false, `expired_timestamp` when the
 * signed time is outside the window. Nothing about the message is trusted before both pass.
 *
 * @example
 * ```ts
 * import { createHmac, timingSafeEqual } from 'node:crypto';
 * function verifyMyWallet(body: string, timestamp: string, signature: string, secret: string) {
 *   verifySignatureInWindow({
 *     provider: 'mywallet',
 *     signedAt: timestamp,
 *     windowSeconds: 300,
 *     verify: () => {
 *       const expected = createHmac('sha256', secret).update(`${timestamp}\n${body}`).digest();
 *       const given = Buffer.from(signature, 'hex');
 *       return given.length === expected.length && timingSafeEqual(given, expected);
 *     },
 *   });
 * }
 * ```
 */
export function verifySignatureInWindow(check: SignatureInWindow): void {
  if (!check.verify()) {
    throw new SignatureVerificationError(check.provider, 'bad_signature', 'the signature does not verify');
  }
  checkSignatureWindow(check);
}
