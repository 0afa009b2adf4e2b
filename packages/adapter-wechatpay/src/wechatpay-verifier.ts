/**
 * Verification of everything WeChat Pay signs (responses and notifications): the signature probe
 * check, the 300-second timestamp window, the key picked by `Wechatpay-Serial` (a `PUB_KEY_ID_...`
 * in public-key mode, a certificate serial otherwise, both at once while migrating), and the
 * signature over `timestamp\nnonce\nbody\n`.
 *
 * @packageDocumentation
 */
import type { KeyObject } from 'node:crypto';
import { SignatureVerificationError } from '@hutong/core';
import { verifyWechatpayBytes, WECHATPAY_AUTH_SCHEME, wechatpaySigningMessage } from './wechatpay-signature.js';

/**
 * The signed parts of a response or notification, from its `Wechatpay-*` headers.
 *
 * @group Protocol
 */
export interface WechatpaySignedMessage {
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
  serial: string | undefined;
  signatureType?: string | undefined;
  /** The raw body, exactly as received. */
  body: string;
  /**
   * The body's bytes as received, when at hand: then the signature is checked over exactly these
   * bytes, and the body text need not be encoded again.
   */
  bodyBytes?: Uint8Array | undefined;
}

/**
 * Where platform keys come from.
 *
 * @group Protocol
 */
export interface WechatpayKeySource {
  publicKey: { id: string; key: KeyObject } | undefined;
  /** Known platform certificate keys by upper-case serial. */
  certificates: Map<string, KeyObject>;
  /**
   * Certificate `'auto'` mode: called with a serial no known certificate has. It downloads the
   * certificates when its own limits allow (at most one download per interval; serials found unknown
   * are remembered for a while), and resolves either way: the caller looks the serial up again.
   */
  refresh?: ((serial: string) => Promise<void>) | undefined;
}

/**
 * Signatures WeChat Pay sends on purpose to check that merchants verify.
 *
 * @group Protocol
 */
export const WECHATPAY_PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

/**
 * Allowed clock difference, in seconds.
 *
 * @group Protocol
 */
export const WECHATPAY_TIMESTAMP_TOLERANCE = 300;

/**
 * Reads the `Wechatpay-*` headers of a response or notification.
 *
 * @group Protocol
 * @example
 * ```ts
 * const message = signedMessageFromHeaders(request.headers, request.body);
 * ```
 */
export function signedMessageFromHeaders(
  headers: Readonly<Record<string, string>> | Headers,
  body: string,
  bodyBytes?: Uint8Array,
): WechatpaySignedMessage {
  const get = (name: string) =>
    headers instanceof Headers ? (headers.get(name) ?? undefined) : (headers as Record<string, string>)[name];
  return {
    timestamp: get('wechatpay-timestamp'),
    nonce: get('wechatpay-nonce'),
    signature: get('wechatpay-signature'),
    serial: get('wechatpay-serial'),
    signatureType: get('wechatpay-signature-type'),
    body,
    bodyBytes,
  };
}

/**
 * Verifies a signed message; throws `SignatureVerificationError` (naming `provider`) with the precise
 * reason.
 *
 * @group Protocol
 * @example
 * ```ts
 * await verifyWechatpaySignedMessage(message, keys, new Date());
 * ```
 */
export function verifyWechatpaySignedMessage(
  message: WechatpaySignedMessage,
  keys: WechatpayKeySource,
  now: Date,
  provider = 'wechatpay',
): Promise<void> {
  try {
    return checkWechatpaySignedMessage(message, keys, now, provider) ?? RESOLVED;
  } catch (error) {
    return Promise.reject(error);
  }
}

const RESOLVED = Promise.resolve();

/**
 * {@link verifyWechatpaySignedMessage} without a promise when none is needed: returns `undefined`
 * once verified, a promise only when an unknown certificate serial needs a download first.
 *
 * @throws SignatureVerificationError as {@link verifyWechatpaySignedMessage} rejects.
 * @group Protocol
 * @example
 * ```ts
 * const pending = checkWechatpaySignedMessage(message, keys, new Date());
 * if (pending) await pending;
 * ```
 */
export function checkWechatpaySignedMessage(
  message: WechatpaySignedMessage,
  keys: WechatpayKeySource,
  now: Date,
  provider = 'wechatpay',
): Promise<void> | undefined {
  const { timestamp, nonce, signature, serial } = message;
  if (!signature || !timestamp || !nonce || !serial) {
    throw new SignatureVerificationError(
      provider,
      'missing_signature',
      'Wechatpay-Signature, -Timestamp, -Nonce or -Serial is missing',
    );
  }
  if (signature.startsWith(WECHATPAY_PROBE_PREFIX)) {
    throw new SignatureVerificationError(provider, 'probe', 'a WECHATPAY/SIGNTEST/ signature probe');
  }
  if (message.signatureType && message.signatureType !== WECHATPAY_AUTH_SCHEME) {
    throw new SignatureVerificationError(
      provider,
      'malformed',
      `signature type ${message.signatureType} is not supported`,
    );
  }
  if (!/^\d{1,12}$/.test(timestamp))
    throw new SignatureVerificationError(provider, 'malformed', 'Wechatpay-Timestamp is not a number');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) >= WECHATPAY_TIMESTAMP_TOLERANCE) {
    throw new SignatureVerificationError(
      provider,
      'expired_timestamp',
      'Wechatpay-Timestamp is outside the 300-second window',
    );
  }
  const key = knownKey(serial, keys);
  if (key) {
    checkSignature(message, timestamp, nonce, signature, key, provider);
    return undefined;
  }
  if (!keys.refresh || serial.startsWith('PUB_KEY_ID_')) throw unknownKey(serial, provider);
  return keys.refresh(serial.toUpperCase()).then(() => {
    const refreshed = knownKey(serial, keys);
    if (!refreshed) throw unknownKey(serial, provider);
    checkSignature(message, timestamp, nonce, signature, refreshed, provider);
  });
}

function checkSignature(
  message: WechatpaySignedMessage,
  timestamp: string,
  nonce: string,
  signature: string,
  key: KeyObject,
  provider: string,
): void {
  const signed = message.bodyBytes
    ? wechatpaySignedBytes(timestamp, nonce, message.bodyBytes)
    : Buffer.from(wechatpaySigningMessage([timestamp, nonce, message.body]), 'utf8');
  if (!verifyWechatpayBytes(signed, signature, key)) {
    throw new SignatureVerificationError(provider, 'bad_signature', 'the signature does not match the body');
  }
}

/** `timestamp\nnonce\nbody\n` as bytes, with the body's own bytes copied in. */
function wechatpaySignedBytes(timestamp: string, nonce: string, body: Uint8Array): Buffer {
  const head = `${timestamp}\n${nonce}\n`;
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + body.byteLength + 1);
  out.write(head, 0, 'utf8');
  out.set(body, headLength);
  out[out.length - 1] = 0x0a;
  return out;
}

function knownKey(serial: string, keys: WechatpayKeySource): KeyObject | undefined {
  if (serial.startsWith('PUB_KEY_ID_')) return keys.publicKey?.id === serial ? keys.publicKey.key : undefined;
  return keys.certificates.get(serial.toUpperCase());
}

function unknownKey(serial: string, provider: string): SignatureVerificationError {
  return serial.startsWith('PUB_KEY_ID_')
    ? new SignatureVerificationError(provider, 'unknown_key', `public key ${serial} is not configured`)
    : new SignatureVerificationError(provider, 'unknown_key', `platform certificate ${serial} is not known`);
}
