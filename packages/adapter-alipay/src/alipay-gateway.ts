/**
 * The gateway transport: builds and signs requests (system parameters in the URL query,
 * `biz_content` in the form body, as the official SDK sends them), sends them, and verifies every
 * response over the raw text of its `*_response` node before anything reads it.
 *
 * @packageDocumentation
 */
import { SignatureVerificationError, ValidationError } from '@hutong/core';
import { createHttpClient, type HttpClient } from '@hutong/core/provider-utils';
import { type AlipayErrorBody, alipayError } from './alipay-errors.js';
import type { AlipayConfig } from './alipay-options.js';
import { responseNodeName, splitAlipayResponse } from './alipay-response.js';
import { alipaySigningString, signAlipayContent, verifyAlipayContent } from './alipay-signature.js';
import { formatAlipayTime } from './alipay-time.js';

/** Per-call parameters besides `biz_content`. */
export interface AlipayCallOptions {
  notifyUrl?: string | null;
  returnUrl?: string | null;
  /** Safe to resend (queries, closes, refunds keyed by `out_request_no`). */
  idempotent?: boolean;
}

/** A verified response node: its fields, and whether Alipay reported success. */
export type AlipayResponseNode = Record<string, unknown> & AlipayErrorBody;

/** Result codes that are not errors: 10000 success, 10003 waiting for the buyer (pos). */
const OK_CODES = new Set(['10000', '10003']);

/**
 * Encodes parameters as `application/x-www-form-urlencoded` with `%20` for spaces, as Alipay's
 * official SDKs do.
 *
 * @example
 * ```ts
 * encodeAlipayForm({ a: 'x y' }); // 'a=x%20y'
 * ```
 */
export function encodeAlipayForm(params: Readonly<Record<string, string | undefined>>): string {
  const parts: string[] = [];
  for (const key in params) {
    const value = params[key];
    if (value === undefined || value === '') continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return parts.join('&');
}

/** The gateway client of one configured app. */
export interface AlipayGateway {
  /** Signed system parameters plus `biz_content`, for requests the buyer's browser or app sends. */
  signedParams(method: string, bizContent: object, options?: AlipayCallOptions): Record<string, string>;
  /** Calls a method and returns its verified response node; Alipay errors throw `ProviderApiError`. */
  call(method: string, bizContent: object, options?: AlipayCallOptions): Promise<AlipayResponseNode>;
  /** The gateway URL. */
  readonly url: string;
}

/**
 * Verifies a gateway response's signature over the raw node text and parses the node.
 * An unsigned or mis-signed response is a `SignatureVerificationError`, error replies included.
 *
 * @example
 * ```ts
 * const node = verifyAlipayResponse(text, 'alipay.trade.query', config);
 * ```
 */
export function verifyAlipayResponse(
  text: string,
  method: string,
  config: Pick<AlipayConfig, 'alipayKeys' | 'defaultAlipayKey'>,
): { node: AlipayResponseNode; isError: boolean } {
  let members: Map<string, string>;
  try {
    members = splitAlipayResponse(text);
  } catch (cause) {
    throw new SignatureVerificationError('alipay', 'malformed', 'the response is not a JSON object', { cause });
  }
  const name = responseNodeName(method);
  const nodeName = members.has(name) ? name : members.has('error_response') ? 'error_response' : undefined;
  if (!nodeName) throw new SignatureVerificationError('alipay', 'malformed', `the response has no ${name}`);
  const raw = members.get(nodeName) as string;
  const signRaw = members.get('sign');
  if (signRaw === undefined) {
    throw new SignatureVerificationError('alipay', 'missing_signature', `the ${nodeName} is not signed`);
  }
  const sign = JSON.parse(signRaw) as unknown;
  const certSnRaw = members.get('alipay_cert_sn');
  const certSn = certSnRaw === undefined ? undefined : (JSON.parse(certSnRaw) as unknown);
  let key = config.defaultAlipayKey;
  if (typeof certSn === 'string' && !config.alipayKeys.has('')) {
    const named = config.alipayKeys.get(certSn);
    if (!named) {
      throw new SignatureVerificationError(
        'alipay',
        'unknown_key',
        `no Alipay certificate with SN ${certSn} is configured`,
      );
    }
    key = named;
  }
  if (typeof sign !== 'string' || !verifyAlipayContent(raw, sign, key)) {
    throw new SignatureVerificationError('alipay', 'bad_signature', `the ${nodeName} signature does not verify`);
  }
  let node: AlipayResponseNode;
  try {
    node = JSON.parse(raw) as AlipayResponseNode;
  } catch (cause) {
    throw new SignatureVerificationError('alipay', 'malformed', `the ${nodeName} is not JSON`, { cause });
  }
  return { node, isError: nodeName === 'error_response' || !OK_CODES.has(String(node.code)) };
}

/**
 * Creates the gateway client.
 *
 * @example
 * ```ts
 * const gateway = createAlipayGateway(config);
 * const node = await gateway.call('alipay.trade.query', { out_trade_no: 'o1' }, { idempotent: true });
 * ```
 */
export function createAlipayGateway(config: AlipayConfig): AlipayGateway {
  const http: HttpClient = createHttpClient({
    provider: 'alipay',
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    redactFields: ['app_auth_token', 'auth_code'],
  });

  function signedParams(method: string, bizContent: object, options: AlipayCallOptions = {}): Record<string, string> {
    const params: Record<string, string> = {
      app_id: config.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: formatAlipayTime(config.now()),
      version: '1.0',
      biz_content: JSON.stringify(bizContent),
    };
    if (options.notifyUrl) params.notify_url = options.notifyUrl;
    if (options.returnUrl) params.return_url = options.returnUrl;
    if (config.appCertSn) params.app_cert_sn = config.appCertSn;
    if (config.rootCertSn) params.alipay_root_cert_sn = config.rootCertSn;
    params.sign = signAlipayContent(alipaySigningString(params), config.privateKey);
    return params;
  }

  return {
    url: config.gateway,
    signedParams,
    async call(method, bizContent, options = {}) {
      const { biz_content, ...system } = signedParams(method, bizContent, options);
      const separator = config.gateway.includes('?') ? '&' : '?';
      const response = await http.send({
        method: 'POST',
        url: `${config.gateway}${separator}${encodeAlipayForm(system)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json' },
        body: encodeAlipayForm({ biz_content }),
        idempotent: options.idempotent ?? false,
      });
      if (response.status >= 500 && !response.text.trimStart().startsWith('{')) {
        throw alipayError({ code: '20000', msg: `HTTP ${response.status}` }, response.status);
      }
      const { node, isError } = verifyAlipayResponse(response.text, method, config);
      if (isError) throw alipayError(node, response.status);
      return node;
    },
  };
}

/** Reads a required string field of a verified response node. */
export function requireString(node: AlipayResponseNode, field: string): string {
  const value = node[field];
  if (typeof value !== 'string' || value === '') throw new ValidationError(`response.${field}`, 'is missing');
  return value;
}
