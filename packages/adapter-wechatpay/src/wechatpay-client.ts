/**
 * The APIv3 transport: signs each request over the exact bytes it sends, verifies every reply
 * (error replies included) before reading it, and keeps platform certificates fresh in `'auto'`
 * mode.
 *
 * @packageDocumentation
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { ProviderApiError, SignatureVerificationError, ValidationError } from '@hutong/core';
import { createHttpClient, type HttpResponse } from '@hutong/core/provider-utils';
import { decryptWechatpayResource, type WechatpayEncryptedResource } from './wechatpay-aead.js';
import { wechatpayError } from './wechatpay-errors.js';
import { certificateSerial, type WechatpayConfig } from './wechatpay-options.js';
import { wechatpayAuthorization, wechatpayNonce } from './wechatpay-signature.js';
import {
  signedMessageFromHeaders,
  verifyWechatpaySignedMessage,
  type WechatpayKeySource,
} from './wechatpay-verifier.js';

/** A request to an APIv3 endpoint. */
export interface WechatpayRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v3/pay/transactions/out-trade-no/o1?mchid=1230000109`. */
  path: string;
  body?: object;
  /** Safe to resend. Default: GET. */
  idempotent?: boolean;
}

/** The APIv3 client of one merchant. */
export interface WechatpayClient {
  /** Sends a request; returns the verified JSON body (`undefined` for 204). */
  request<T = Record<string, unknown>>(request: WechatpayRequest): Promise<T | undefined>;
  /** Downloads a file (a bill) from a full URL; the reply is not signed, so the caller checks its hash. */
  download(url: string): Promise<HttpResponse>;
  /** Platform keys, for notifications. */
  readonly keys: WechatpayKeySource;
}

/** Platform certificates refresh at least this often in `'auto'` mode (WeChat Pay advises 12 hours). */
export const CERTIFICATE_REFRESH_MS = 12 * 60 * 60 * 1000;

interface DownloadedCertificate {
  serial_no: string;
  encrypt_certificate: WechatpayEncryptedResource;
}

/**
 * Creates the APIv3 client.
 *
 * @example
 * ```ts
 * const client = createWechatpayClient(config);
 * const body = await client.request({ method: 'GET', path: `/v3/pay/transactions/out-trade-no/o1?mchid=${mchId}` });
 * ```
 */
export function createWechatpayClient(config: WechatpayConfig): WechatpayClient {
  const http = createHttpClient({
    provider: 'wechatpay',
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    redactHeaders: ['wechatpay-signature'],
  });
  let refreshedAt = 0;
  let refreshing: Promise<void> | undefined;

  const keys: WechatpayKeySource = {
    publicKey: config.publicKey,
    certificates: config.certificates,
    refresh: config.autoCertificates ? () => refreshCertificates() : undefined,
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

  /** Downloads, decrypts and verifies the platform certificates (single-flight). */
  function refreshCertificates(): Promise<void> {
    refreshing ??= (async () => {
      try {
        const response = await send({ method: 'GET', path: '/v3/certificates' });
        const downloaded = new Map<string, KeyObject>();
        if (response.status === 200) {
          let data: DownloadedCertificate[];
          try {
            data = (JSON.parse(response.text) as { data: DownloadedCertificate[] }).data;
          } catch (cause) {
            throw new SignatureVerificationError('wechatpay', 'malformed', '/v3/certificates did not return JSON', {
              cause,
            });
          }
          // Decryption with the APIv3 key authenticates each certificate.
          for (const item of data ?? []) {
            const certificate = new X509Certificate(
              decryptWechatpayResource(item.encrypt_certificate, config.apiV3Key),
            );
            downloaded.set(certificateSerial(certificate), certificate.publicKey);
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
        );
        if (response.status !== 200) throw wechatpayError(parseJson(response.text) ?? {}, response.status);
        for (const [serial, key] of downloaded) config.certificates.set(serial, key);
        refreshedAt = config.now().getTime();
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  async function verifiedReply(response: HttpResponse): Promise<void> {
    if (config.autoCertificates && config.now().getTime() - refreshedAt > CERTIFICATE_REFRESH_MS) {
      await refreshCertificates();
    }
    const message = signedMessageFromHeaders(response.headers, response.text, response.bytes);
    if (!message.signature && response.status >= 500) {
      // An unsigned 5xx comes from infrastructure in front of WeChat Pay; it proves nothing and changes nothing.
      throw new ProviderApiError({
        provider: 'wechatpay',
        providerCode: `HTTP_${response.status}`,
        normalizedCode: 'system_busy',
        httpStatus: response.status,
      });
    }
    await verifyWechatpaySignedMessage(message, keys, config.now());
  }

  return {
    keys,
    async request<T>(request: WechatpayRequest) {
      const response = await send(request);
      await verifiedReply(response);
      if (response.status === 204) return undefined;
      const body = parseJson(response.text);
      if (response.status >= 300) throw wechatpayError(body ?? {}, response.status);
      if (body === undefined) throw new ValidationError('response', 'is not JSON');
      return body as T;
    },
    async download(url: string) {
      const parsed = new URL(url);
      const canonicalUrl = `${parsed.pathname}${parsed.search}`;
      return http.send({ method: 'GET', url, headers: { authorization: authorization('GET', canonicalUrl, '') } });
    },
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
