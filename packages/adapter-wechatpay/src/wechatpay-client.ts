/**
 * The APIv3 transport: signs each request over the exact bytes it sends, verifies every reply
 * (error replies included) before reading it, and keeps platform certificates fresh in `'auto'`
 * mode, with at most one download per interval whatever a sender puts in `Wechatpay-Serial`.
 *
 * @packageDocumentation
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { ProviderApiError, SignatureVerificationError, UnexpectedResponseError } from '@hutong/core';
import { createHttpClient, type HttpRequest, type HttpResponse } from '@hutong/core/provider-utils';
import { decryptWechatpayResource, type WechatpayEncryptedResource } from './wechatpay-aead.js';
import { wechatpayError } from './wechatpay-errors.js';
import { certificateSerial, type WechatpayConfig } from './wechatpay-options.js';
import { wechatpayAuthorization, wechatpayNonce } from './wechatpay-signature.js';
import {
  signedMessageFromHeaders,
  verifyWechatpaySignedMessage,
  type WechatpayKeySource,
} from './wechatpay-verifier.js';

/**
 * A request to an APIv3 endpoint.
 *
 * @group Protocol
 */
export interface WechatpayRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v3/pay/transactions/out-trade-no/o1?mchid=1230000109`. */
  path: string;
  body?: object | undefined;
  /** Safe to resend. Default: GET. */
  idempotent?: boolean | undefined;
}

/**
 * The APIv3 client of one merchant.
 *
 * @group Protocol
 */
export interface WechatpayClient {
  /**
   * Sends a request; returns the verified JSON body (`undefined` for 204). A verified error reply is
   * a `ProviderApiError` (with WeChat Pay's `Request-ID`); a verified 2xx that is not JSON is an
   * `UnexpectedResponseError('malformed')`.
   */
  request(request: WechatpayRequest): Promise<unknown>;
  /** Downloads a file (a bill) from a full URL, up to `maxBillBytes`; the reply is not signed. */
  download(url: string): Promise<HttpResponse>;
  /** Platform keys, for notifications. */
  readonly keys: WechatpayKeySource;
}

/**
 * Platform certificates refresh at least this often in `'auto'` mode (WeChat Pay advises 12 hours).
 *
 * @group Protocol
 */
export const CERTIFICATE_REFRESH_MS = 12 * 60 * 60 * 1000;

/**
 * How long a serial still unknown after a download is remembered as unknown (no download for it).
 *
 * @group Protocol
 */
export const UNKNOWN_SERIAL_MEMORY_MS = 10 * 60 * 1000;

/**
 * How many unknown serials are remembered at most (the oldest are forgotten first).
 *
 * @group Protocol
 */
export const UNKNOWN_SERIAL_MEMORY_SIZE = 1024;

interface DownloadedCertificate {
  serial_no: string;
  encrypt_certificate: WechatpayEncryptedResource;
}

/**
 * Creates the APIv3 client.
 *
 * @group Protocol
 * @example
 * ```ts
 * const client = createWechatpayClient(config);
 * const body = await client.request({ method: 'GET', path: `/v3/pay/transactions/out-trade-no/o1?mchid=${mchId}` });
 * ```
 */
export function createWechatpayClient(config: WechatpayConfig): WechatpayClient {
  const provider = config.id;
  const http = createHttpClient({
    provider,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    hooks: config.hooks,
    retries: config.retries,
    redactHeaders: ['wechatpay-signature'],
  });
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

  function authorization(method: string, canonicalUrl: string, body: string): string {
    return wechatpayAuthorization(
      {
        method,
        canonicalUrl,
        timestamp: String(Math.floor(config.now().getTime() / 1000)),
        nonce: wechatpayNonce(),
        body,
      },
      { mchId: config.mchId, serialNo: config.merchantSerialNo, privateKey: config.privateKey },
    );
  }

  async function send(request: WechatpayRequest): Promise<HttpResponse> {
    const body = request.body === undefined ? '' : JSON.stringify(request.body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: authorization(request.method, request.path, body),
      'user-agent': 'hutong-wechatpay',
    };
    if (body) headers['content-type'] = 'application/json';
    return http.send({
      method: request.method,
      url: `${config.baseUrl}${request.path}`,
      headers,
      body: body || undefined,
      idempotent: request.idempotent,
    });
  }

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
          signedMessageFromHeaders(response.headers, response.text, response.bytes),
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

  function errorReply(response: HttpResponse): ProviderApiError {
    return wechatpayError(
      parseJson(response.text) ?? {},
      response.status,
      provider,
      response.headers.get('request-id') ?? undefined,
    );
  }

  async function verifiedReply(response: HttpResponse): Promise<void> {
    const now = config.now().getTime();
    if (
      config.autoCertificates &&
      now - refreshedAt > CERTIFICATE_REFRESH_MS &&
      now - attemptedAt >= config.certificateRefreshIntervalMs
    ) {
      // A failed periodic refresh leaves the known certificates in use; the reply is still verified with them.
      await refreshCertificates().catch(() => {});
    }
    const message = signedMessageFromHeaders(response.headers, response.text, response.bytes);
    if (!message.signature && response.status >= 500) {
      // An unsigned 5xx comes from infrastructure in front of WeChat Pay; it proves nothing and changes nothing.
      throw new ProviderApiError({
        provider,
        providerCode: `HTTP_${response.status}`,
        normalizedCode: 'system_busy',
        httpStatus: response.status,
        requestId: response.headers.get('request-id') ?? undefined,
      });
    }
    await verifyWechatpaySignedMessage(message, keys, config.now(), provider);
  }

  return {
    keys,
    async request(request: WechatpayRequest) {
      const response = await send(request);
      await verifiedReply(response);
      if (response.status >= 300) throw errorReply(response);
      if (response.status === 204 || response.text === '') return undefined;
      const body = parseJson(response.text);
      if (body === undefined) {
        throw new UnexpectedResponseError(provider, 'malformed', 'the reply is not a JSON object', {
          field: 'response',
        });
      }
      return body;
    },
    async download(url: string) {
      const parsed = new URL(url);
      const canonicalUrl = `${parsed.pathname}${parsed.search}`;
      // Bills are larger than any API reply: the HTTP client's per-request size limit is raised for them.
      const request: HttpRequest & { maxResponseBytes: number } = {
        method: 'GET',
        url,
        headers: { authorization: authorization('GET', canonicalUrl, '') },
        maxResponseBytes: config.maxBillBytes,
      };
      return http.send(request);
    },
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
