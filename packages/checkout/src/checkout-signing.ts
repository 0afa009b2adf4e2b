/**
 * The checkout's two signatures, both HMAC-SHA256 under the merchant's secret and compared in
 * constant time: the one a link carries (its session id), and the OAuth `state` that brings a
 * WeChat or Alipay buyer back (single-use, short-lived).
 *
 * @packageDocumentation
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Characters of a link's signature: 22 base64url characters, 128 bits of the HMAC (RFC 2104 §5). */
const LINK_MAC_LENGTH = 22;

/** How long an OAuth `state` is accepted, in seconds. */
export const OAUTH_STATE_TTL_SECONDS = 600;

function hmac(secret: string, purpose: string, message: string): Buffer {
  // The purpose label keeps a link signature from ever serving as a state signature, and back.
  return createHmac('sha256', secret).update(`hutong-checkout:${purpose}:${message}`).digest();
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The signature a link carries for `sessionId`. */
export function signLink(secret: string, sessionId: string): string {
  return hmac(secret, 'link', sessionId).toString('base64url').slice(0, LINK_MAC_LENGTH);
}

/** Whether `mac` is the link signature of `sessionId`, compared in constant time. */
export function verifyLink(secret: string, sessionId: string, mac: string): boolean {
  return sameText(signLink(secret, sessionId), mac);
}

/** A decoded, verified OAuth state. */
export interface OAuthState {
  /** Its random part: what {@link CheckoutStore.useOnce} records. */
  nonce: string;
  /** Unix seconds after which it is refused. */
  expiresAt: number;
}

/**
 * A signed OAuth `state` for a session: letters and digits only, 74 characters, because WeChat
 * passes back only `[A-Za-z0-9]{0,128}`. Layout: 32 hex nonce, 10-digit expiry, 32 hex signature.
 */
export function createOAuthState(secret: string, sessionId: string, nowMs: number): string {
  const nonce = randomBytes(16).toString('hex');
  const expiresAt = String(Math.floor(nowMs / 1000) + OAUTH_STATE_TTL_SECONDS).padStart(10, '0');
  const mac = hmac(secret, 'oauth', `${sessionId}:${nonce}:${expiresAt}`).toString('hex').slice(0, 32);
  return `${nonce}${expiresAt}${mac}`;
}

/** The state's parts when it is well-formed, signed for `sessionId` and not expired; else `undefined`. */
export function verifyOAuthState(
  secret: string,
  sessionId: string,
  state: string,
  nowMs: number,
): OAuthState | undefined {
  if (!/^[0-9a-f]{32}[0-9]{10}[0-9a-f]{32}$/.test(state)) return undefined;
  const nonce = state.slice(0, 32);
  const expiresText = state.slice(32, 42);
  const expected = hmac(secret, 'oauth', `${sessionId}:${nonce}:${expiresText}`).toString('hex').slice(0, 32);
  if (!sameText(expected, state.slice(42))) return undefined;
  const expiresAt = Number(expiresText);
  if (expiresAt * 1000 <= nowMs) return undefined;
  return { nonce, expiresAt };
}
