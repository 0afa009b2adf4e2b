/**
 * The APIv3 transport: signs each request over the exact bytes it sends, verifies every reply
 * (error replies included) before reading it, with the platform keys of
 * `wechatpay-certificates.ts` (which keeps them fresh in `'auto'` mode).
 *
 * @packageDocumentation
 */
import { ProviderApiError, UnexpectedResponseError, ValidationError } from '@hutong/core';
import { createHttpClient, type HttpRequest, type HttpResponse } from '@hutong/core/provider-utils';
import {
  createWechatpayCertificateStore,
  readWechatpaySignedMessage,
  verifyWechatpaySignedMessage,
  type WechatpayKeySource,
} from './wechatpay-certificates.js';
import { wechatpayError } from './wechatpay-errors.js';
import type { WechatpayConfig } from './wechatpay-options.js';
import type { WechatpayEncryptionKey } from './wechatpay-privacy.js';
import { signWechatpayRequest, wechatpayNonce } from './wechatpay-signature.js';

/**
 * A request to an APIv3 endpoint.
 *
 * @group Protocol
 * @example
 * ```ts
 * const request: WechatpayRequest = { method: 'POST', path: '/v3/pay/transactions/native', body };
 * ```
 */
export interface WechatpayRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v3/pay/transactions/out-trade-no/o1?mchid=1230000109`. */
  path: string;
  body?: object | undefined;
  /** Safe to resend. Default: GET. */
  idempotent?: boolean | undefined;
  /** Extra headers: `Wechatpay-Serial` when the body carries an encrypted field. */
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * The APIv3 client of one merchant.
 *
 * @group Protocol
 * @example
 * ```ts
 * const client: WechatpayClient = createWechatpayClient(config);
 * const reply = await client.request({ method: 'GET', path: `/v3/refund/domestic/refunds/${refundId}` });
 * ```
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
  /**
   * The key sensitive fields are encrypted under (`wechatpay-privacy.ts`): WeChat Pay's public key
   * when configured, else the newest known platform certificate (downloaded first in `'auto'` mode).
   */
  encryptionKey(): Promise<WechatpayEncryptionKey>;
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
    // Real names are personal data: hooks never see them, not even encrypted.
    redactFields: ['name', 'user_name'],
  });
  const certificates = createWechatpayCertificateStore(config, { send: (request) => send(request), errorReply });
  const keys = certificates.keys;

  function authorization(method: string, canonicalUrl: string, body: string): string {
    return signWechatpayRequest(
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
      ...request.headers,
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

  function errorReply(response: HttpResponse): ProviderApiError {
    return wechatpayError(
      parseJson(response.text) ?? {},
      response.status,
      provider,
      response.headers.get('request-id') ?? undefined,
    );
  }

  async function verifiedReply(response: HttpResponse): Promise<void> {
    await certificates.refreshIfDue();
    const message = readWechatpaySignedMessage(response.headers, response.text, response.bytes);
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
    async encryptionKey() {
      if (config.publicKey) return { serial: config.publicKey.id, key: config.publicKey.key };
      await certificates.refreshIfDue();
      const known = [...config.certificates];
      const newest = known[known.length - 1];
      if (!newest) {
        throw new ValidationError(
          'options.platformCertificates',
          'no platform certificate is known to encrypt a sensitive field with',
        );
      }
      return { serial: newest[0], key: newest[1] };
    },
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
