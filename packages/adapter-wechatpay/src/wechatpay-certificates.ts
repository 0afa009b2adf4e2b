/**
 * WeChat Pay's keys and what they verify: the platform keys (WeChat Pay's public key by its
 * `PUB_KEY_ID_...`, platform certificates by serial, both at once while migrating), the download of
 * platform certificates in `'auto'` mode (`/v3/certificates`, decrypted with the APIv3 key, at most
 * one download per interval whatever a sender puts in `Wechatpay-Serial`), and the verification of
 * everything WeChat Pay signs (responses and notifications): the signature probe check, the
 * 300-second timestamp window, the key picked by `Wechatpay-Serial`, and the signature over
 * `timestamp\nnonce\nbody\n`.
 *
 * @packageDocumentation
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { type ProviderApiError, SignatureVerificationError, UnexpectedResponseError } from '@hutong/core';
import type { HttpResponse } from '@hutong/core/provider-utils';
import { decryptWechatpayResource, type WechatpayEncryptedResource } from './wechatpay-aead.js';
import { certificateSerial, type WechatpayConfig } from './wechatpay-options.js';
import { verifyWechatpayBytes, WECHATPAY_AUTH_SCHEME, wechatpaySigningMessage } from './wechatpay-signature.js';

/**
 * The signed parts of a response or notification, from its `Wechatpay-*` headers.
 *
 * @group Protocol
 * @example
 * ```ts
 * const message: WechatpaySignedMessage = readWechatpaySignedMessage(response.headers, response.text);
 * ```
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
 * @example
 * ```ts
 * const keys: WechatpayKeySource = { publicKey: { id: 'PUB_KEY_ID_0112...', key }, certificates: new Map() };
 * ```
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
 * @example
 * ```ts
 * signature.startsWith(WECHATPAY_PROBE_PREFIX); // a probe: must never verify
 * ```
 */
export const WECHATPAY_PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

/**
 * Allowed clock difference, in seconds.
 *
 * @group Protocol
 * @example
 * ```ts
 * Math.abs(Date.now() / 1000 - Number(timestamp)) < WECHATPAY_TIMESTAMP_TOLERANCE;
 * ```
 */
export const WECHATPAY_TIMESTAMP_TOLERANCE = 300;

/**
 * Reads the `Wechatpay-*` headers of a response or notification.
 *
 * @group Protocol
 * @example
 * ```ts
 * const message = readWechatpaySignedMessage(request.headers, request.body);
 * ```
 */
export function readWechatpaySignedMessage(
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
 * @deprecated Renamed {@link readWechatpaySignedMessage} (readers are named `readWechatpay<Thing>`).
 * @group Protocol
 * @example
 * ```ts
 * const message = readWechatpaySignedMessage(request.headers, request.body);
 * ```
 */
export const signedMessageFromHeaders: typeof readWechatpaySignedMessage = readWechatpaySignedMessage;

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

/**
 * Platform certificates refresh at least this often in `'auto'` mode (WeChat Pay advises 12 hours).
 *
 * @group Protocol
 * @example
 * ```ts
 * Date.now() - refreshedAt > CERTIFICATE_REFRESH_MS; // time for a periodic download
 * ```
 */
export const CERTIFICATE_REFRESH_MS = 12 * 60 * 60 * 1000;

/**
 * How long a serial still unknown after a download is remembered as unknown (no download for it).
 *
 * @group Protocol
 * @example
 * ```ts
 * unknownSerials.set(serial, Date.now() + UNKNOWN_SERIAL_MEMORY_MS);
 * ```
 */
export const UNKNOWN_SERIAL_MEMORY_MS = 10 * 60 * 1000;

/**
 * How many unknown serials are remembered at most (the oldest are forgotten first).
 *
 * @group Protocol
 * @example
 * ```ts
 * if (unknownSerials.size > UNKNOWN_SERIAL_MEMORY_SIZE) unknownSerials.delete(oldest);
 * ```
 */
export const UNKNOWN_SERIAL_MEMORY_SIZE = 1024;

interface DownloadedCertificate {
  serial_no: string;
  encrypt_certificate: WechatpayEncryptedResource;
}

/**
 * The platform keys of one merchant, with the download of platform certificates in `'auto'` mode.
 *
 * @group Protocol
 * @example
 * ```ts
 * const store: WechatpayCertificateStore = createWechatpayCertificateStore(config, { send, errorReply });
 * await store.refreshIfDue();
 * ```
 */
export interface WechatpayCertificateStore {
  /** The keys replies and notifications are verified with (refreshed on an unknown serial in `'auto'` mode). */
  readonly keys: WechatpayKeySource;
  /** In `'auto'` mode, downloads the certificates when the periodic refresh is due; a failure keeps the known ones. */
  refreshIfDue(): Promise<void>;
}

/**
 * Creates the platform key store of a merchant; `send` sends a signed APIv3 request, `errorReply`
 * reads WeChat Pay's error reply.
 *
 * @group Protocol
 * @example
 * ```ts
 * const store = createWechatpayCertificateStore(config, { send, errorReply });
 * await verifyWechatpaySignedMessage(message, store.keys, new Date());
 * ```
 */
export function createWechatpayCertificateStore(
  config: WechatpayConfig,
  transport: {
    send(request: { method: 'GET'; path: string }): Promise<HttpResponse>;
    errorReply(response: HttpResponse): ProviderApiError;
  },
): WechatpayCertificateStore {
  const provider = config.id;
  const { send, errorReply } = transport;
  let refreshedAt = 0;
  /** When the last download was started, successful or not: the rate limit. */
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;
  /** Serials found unknown after a download, with when to forget them (insertion-ordered, bounded). */
  const unknownSerials = new Map<string, number>();

  const keys: WechatpayKeySource = {
    publicKey: config.publicKey,
    certificates: config.certificates,
    refresh: config.autoCertificates ? (serial) => refreshFor(serial) : undefined,
  };

  /**
   * A download for an unknown serial, when the limits allow one: never for a serial remembered as
   * unknown, and at most one download per interval (a serial seen while the limit holds is simply
   * unknown for now). A serial still unknown after a successful download is remembered for a while,
   * in bounded memory. Resolves either way; the caller looks the serial up again.
   */
  async function refreshFor(serial: string): Promise<void> {
    const now = config.now().getTime();
    const forgetAt = unknownSerials.get(serial);
    if (forgetAt !== undefined) {
      if (forgetAt > now) return;
      unknownSerials.delete(serial);
    }
    let download = refreshing;
    if (!download && now - attemptedAt >= config.certificateRefreshIntervalMs) download = refreshCertificates();
    if (!download) return;
    const downloaded = await download.then(
      () => true,
      () => false,
    );
    if (!downloaded || config.certificates.has(serial)) return;
    unknownSerials.set(serial, now + UNKNOWN_SERIAL_MEMORY_MS);
    if (unknownSerials.size > UNKNOWN_SERIAL_MEMORY_SIZE) {
      unknownSerials.delete(unknownSerials.keys().next().value as string);
    }
  }

  /** Downloads, decrypts and verifies the platform certificates (single-flight). */
  function refreshCertificates(): Promise<void> {
    refreshing ??= (async () => {
      attemptedAt = config.now().getTime();
      try {
        const response = await send({ method: 'GET', path: '/v3/certificates' });
        const downloaded = new Map<string, KeyObject>();
        if (response.status === 200) {
          let data: DownloadedCertificate[];
          try {
            data = (JSON.parse(response.text) as { data: DownloadedCertificate[] }).data;
            // Decryption with the APIv3 key authenticates each certificate.
            for (const item of data ?? []) {
              const certificate = new X509Certificate(
                decryptWechatpayResource(item.encrypt_certificate, config.apiV3Key, provider),
              );
              downloaded.set(certificateSerial(certificate), certificate.publicKey);
            }
          } catch (cause) {
            if (SignatureVerificationError.isInstance(cause)) throw cause;
            throw new UnexpectedResponseError(provider, 'malformed', '/v3/certificates could not be read', {
              cause,
              field: 'response.data',
            });
          }
        }
        // The reply itself is signed by one of the certificates it carries (or one already known).
        const candidates: WechatpayKeySource = {
          publicKey: config.publicKey,
          certificates: new Map([...config.certificates, ...downloaded]),
        };
        await verifyWechatpaySignedMessage(
          readWechatpaySignedMessage(response.headers, response.text, response.bytes),
          candidates,
          config.now(),
          provider,
        );
        if (response.status !== 200) throw errorReply(response);
        for (const [serial, key] of downloaded) config.certificates.set(serial, key);
        refreshedAt = config.now().getTime();
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  return {
    keys,
    async refreshIfDue() {
      const now = config.now().getTime();
      if (
        config.autoCertificates &&
        now - refreshedAt > CERTIFICATE_REFRESH_MS &&
        now - attemptedAt >= config.certificateRefreshIntervalMs
      ) {
        // A failed periodic refresh leaves the known certificates in use; the reply is still verified with them.
        await refreshCertificates().catch(() => {});
      }
    },
  };
}
