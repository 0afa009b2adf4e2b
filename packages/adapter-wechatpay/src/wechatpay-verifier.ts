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
import { verifyWechatpayMessage, WECHATPAY_AUTH_SCHEME, wechatpaySigningMessage } from './wechatpay-signature.js';

/** The signed parts of a response or notification, from its `Wechatpay-*` headers. */
export interface WechatpaySignedMessage {
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
  serial: string | undefined;
  signatureType?: string | undefined;
  /** The raw body, exactly as received. */
  body: string;
}

/** Where platform keys come from. */
export interface WechatpayKeySource {
  publicKey: { id: string; key: KeyObject } | undefined;
  /** Known platform certificate keys by upper-case serial. */
  certificates: Map<string, KeyObject>;
  /** Certificate `'auto'` mode: downloads certificates; called at most once per unknown serial. */
  refresh?: () => Promise<void>;
}

/** Signatures WeChat Pay sends on purpose to check that merchants verify. */
export const WECHATPAY_PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

/** Allowed clock difference, in seconds. */
export const WECHATPAY_TIMESTAMP_TOLERANCE = 300;

/**
 * Reads the `Wechatpay-*` headers of a response or notification.
 *
 * @example
 * ```ts
 * const message = signedMessageFromHeaders(request.headers, request.body);
 * ```
 */
export function signedMessageFromHeaders(
  headers: Readonly<Record<string, string>> | Headers,
  body: string,
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
  };
}

/**
 * Verifies a signed message; throws `SignatureVerificationError` with the precise reason.
 *
 * @example
 * ```ts
 * await verifyWechatpaySignedMessage(message, keys, new Date());
 * ```
 */
export async function verifyWechatpaySignedMessage(
  message: WechatpaySignedMessage,
  keys: WechatpayKeySource,
  now: Date,
): Promise<void> {
  const { timestamp, nonce, signature, serial } = message;
  if (!signature || !timestamp || !nonce || !serial) {
    throw new SignatureVerificationError(
      'wechatpay',
      'missing_signature',
      'Wechatpay-Signature, -Timestamp, -Nonce or -Serial is missing',
    );
  }
  if (signature.startsWith(WECHATPAY_PROBE_PREFIX)) {
    throw new SignatureVerificationError('wechatpay', 'probe', 'a WECHATPAY/SIGNTEST/ signature probe');
  }
  if (message.signatureType && message.signatureType !== WECHATPAY_AUTH_SCHEME) {
    throw new SignatureVerificationError(
      'wechatpay',
      'malformed',
      `signature type ${message.signatureType} is not supported`,
    );
  }
  if (!/^\d{1,12}$/.test(timestamp))
    throw new SignatureVerificationError('wechatpay', 'malformed', 'Wechatpay-Timestamp is not a number');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) >= WECHATPAY_TIMESTAMP_TOLERANCE) {
    throw new SignatureVerificationError(
      'wechatpay',
      'expired_timestamp',
      'Wechatpay-Timestamp is outside the 300-second window',
    );
  }
  const key = await keyFor(serial, keys);
  if (!verifyWechatpayMessage(wechatpaySigningMessage([timestamp, nonce, message.body]), signature, key)) {
    throw new SignatureVerificationError('wechatpay', 'bad_signature', 'the signature does not match the body');
  }
}

async function keyFor(serial: string, keys: WechatpayKeySource): Promise<KeyObject> {
  if (serial.startsWith('PUB_KEY_ID_')) {
    if (keys.publicKey && keys.publicKey.id === serial) return keys.publicKey.key;
    throw new SignatureVerificationError('wechatpay', 'unknown_key', `public key ${serial} is not configured`);
  }
  const upper = serial.toUpperCase();
  let key = keys.certificates.get(upper);
  if (!key && keys.refresh) {
    await keys.refresh();
    key = keys.certificates.get(upper);
  }
  if (!key)
    throw new SignatureVerificationError('wechatpay', 'unknown_key', `platform certificate ${serial} is not known`);
  return key;
}
