/**
 * The gateway client (transport): builds and signs requests (system parameters in the URL query,
 * `biz_content` in the form body, as the official SDK sends them), sends them, and verifies every
 * response over the raw text of its `*_response` node before anything reads it.
 *
 * @packageDocumentation
 */
import { SignatureVerificationError, UnexpectedResponseError } from '@hutong/core';
import { createHttpClient, type HttpClient } from '@hutong/core/provider-utils';
import { alipayError } from './alipay-errors.js';
import type { AlipayConfig } from './alipay-options.js';
import {
  type AlipayResponseNode,
  assertReplyOfMethod,
  REPLIES_WITHOUT_CODE,
  responseNodeName,
  splitAlipayResponse,
} from './alipay-replies.js';
import { alipaySigningString, signAlipayContent, verifyAlipayContent } from './alipay-signature.js';
import { formatAlipayTime } from './alipay-time.js';

/**
 * Per-call parameters besides `biz_content`.
 *
 * @example
 * ```ts
 * const options: AlipayCallOptions = { idempotent: true, appAuthToken: account.fields.appAuthToken };
 * ```
 */
export interface AlipayCallOptions {
  notifyUrl?: string | null | undefined;
  returnUrl?: string | null | undefined;
  /** Safe to resend (queries, closes, refunds keyed by `out_request_no`). */
  idempotent?: boolean | undefined;
  /**
   * Request parameters sent beside the system parameters instead of in `biz_content` (what
   * `alipay.system.oauth.token` takes: `grant_type`, `code`); signed like the rest.
   */
  params?: Readonly<Record<string, string>> | undefined;
  /** The request or reply carries credentials (an auth code, tokens): hooks see them redacted. */
  sensitive?: boolean | undefined;
  /**
   * The authorising merchant's `app_auth_token` (service-provider mode): a signed system
   * parameter, sent in the URL query; hooks see it redacted.
   */
  appAuthToken?: string | undefined;
}

/**
 * Fields every Alipay request and reply has redacted before a hook sees it: the merchant's
 * `app_auth_token` and refresh token, the buyer's payment code, and the payee's real name of a
 * transfer (personal data).
 *
 * @example
 * ```ts
 * redactText(url, ALIPAY_REDACTED_FIELDS); // app_auth_token=[redacted]
 * ```
 */
export const ALIPAY_REDACTED_FIELDS: readonly string[] = [
  'app_auth_token',
  'app_refresh_token',
  'refresh_token',
  'auth_code',
  'name',
];

/** Result codes that are not errors: 10000 success, 10003 waiting for the buyer (pos). */
const OK_CODES = new Set(['10000', '10003']);

/**
 * What every operation of the provider takes: its id (errors and events name it), the resolved
 * options and the gateway client.
 *
 * @example
 * ```ts
 * const context: AlipayContext = { id: config.id, config, client: createAlipayClient(config) };
 * ```
 */
export interface AlipayContext {
  readonly id: string;
  readonly config: AlipayConfig;
  readonly client: AlipayClient;
}

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

/**
 * The gateway client of one configured app.
 *
 * @example
 * ```ts
 * const client: AlipayClient = createAlipayClient(config);
 * ```
 */
export interface AlipayClient {
  /**
   * Signed system parameters plus `biz_content` (none when `bizContent` is `undefined`), for
   * requests the buyer's browser or app sends.
   */
  signedParams(method: string, bizContent: object | undefined, options?: AlipayCallOptions): Record<string, string>;
  /** Calls a method and returns its verified response node; Alipay errors throw `ProviderApiError`. */
  call(method: string, bizContent: object | undefined, options?: AlipayCallOptions): Promise<AlipayResponseNode>;
  /** The gateway URL. */
  readonly url: string;
}

/** Standard base64 as Alipay writes signatures (Node's decoder would skip any stray character). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function parseMember(raw: string, name: string, provider: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (cause) {
    throw new UnexpectedResponseError(provider, 'malformed', `the response's ${name} is not JSON`, {
      cause,
      field: `response.${name}`,
    });
  }
}

/**
 * Verifies a gateway response's signature over the raw node text and parses the node. The node
 * read is the method's own (`alipay_trade_query_response` for `alipay.trade.query`) or
 * `error_response`; no other reply node may sit beside it, and the node may not carry a field only
 * another method's reply has ({@link assertReplyOfMethod}).
 *
 * An unsigned or mis-signed response is a `SignatureVerificationError`, error replies included; a
 * body that cannot be read (not JSON, a `sign` that is not a base64 string, a member named twice) is
 * an `UnexpectedResponseError` `malformed`.
 *
 * @example
 * ```ts
 * const { node } = verifyAlipayResponse(text, 'alipay.trade.query', config);
 * ```
 */
export function verifyAlipayResponse(
  text: string,
  method: string,
  config: Pick<AlipayConfig, 'alipayKeys' | 'defaultAlipayKey'> & {
    id?: string | undefined;
    signatureHint?: string | undefined;
  },
): { node: AlipayResponseNode; isError: boolean } {
  const provider = config.id ?? 'alipay';
  const members = splitAlipayResponse(text, provider);
  const name = responseNodeName(method);
  const nodeNames = [...members.keys()].filter((key) => key.endsWith('_response'));
  const nodeName = nodeNames.length === 1 ? nodeNames[0] : undefined;
  if (nodeName !== name && nodeName !== 'error_response') {
    throw new UnexpectedResponseError(
      provider,
      nodeNames.length > 1 ? 'malformed' : 'mismatch',
      nodeNames.length === 0
        ? `the response has no ${name}`
        : `the response holds ${nodeNames.join(', ')}, not the ${name} alone`,
    );
  }
  const raw = members.get(nodeName) as string;
  const signRaw = members.get('sign');
  if (signRaw === undefined) {
    throw new SignatureVerificationError(provider, 'missing_signature', `the ${nodeName} is not signed`);
  }
  const sign = parseMember(signRaw, 'sign', provider);
  if (typeof sign !== 'string' || sign === '' || !BASE64.test(sign)) {
    throw new UnexpectedResponseError(provider, 'malformed', 'the response sign is not a base64 string', {
      field: 'response.sign',
    });
  }
  const certSnRaw = members.get('alipay_cert_sn');
  const certSn = certSnRaw === undefined ? undefined : parseMember(certSnRaw, 'alipay_cert_sn', provider);
  let key = config.defaultAlipayKey;
  if (typeof certSn === 'string' && !config.alipayKeys.has('')) {
    const named = config.alipayKeys.get(certSn);
    if (!named) {
      throw new SignatureVerificationError(
        provider,
        'unknown_key',
        `no Alipay certificate with SN ${certSn} is configured`,
      );
    }
    key = named;
  }
  if (!verifyAlipayContent(raw, sign, key)) {
    const hint = config.signatureHint ? ` ${config.signatureHint}` : '';
    throw new SignatureVerificationError(provider, 'bad_signature', `the ${nodeName} signature does not verify${hint}`);
  }
  const node = parseMember(raw, nodeName, provider);
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw new UnexpectedResponseError(provider, 'malformed', `the ${nodeName} is not a JSON object`);
  }
  const code = (node as AlipayResponseNode).code;
  const isError =
    nodeName === 'error_response' ||
    (code === undefined ? !REPLIES_WITHOUT_CODE.has(method) : !OK_CODES.has(String(code)));
  if (!isError) assertReplyOfMethod(method, node as AlipayResponseNode, provider);
  return { node: node as AlipayResponseNode, isError };
}

/**
 * Creates the gateway client.
 *
 * @example
 * ```ts
 * const client = createAlipayClient(config);
 * const node = await client.call('alipay.trade.query', { out_trade_no: 'o1' }, { idempotent: true });
 * ```
 */
export function createAlipayClient(config: AlipayConfig): AlipayClient {
  const http: HttpClient = createHttpClient({
    provider: config.id,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    hooks: config.hooks,
    redactFields: ALIPAY_REDACTED_FIELDS,
  });
  // OAuth calls carry a one-time code and answer with tokens; Alipay's result `code` of every other
  // reply stays readable in logs.
  const sensitiveHttp: HttpClient = createHttpClient({
    provider: config.id,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    hooks: config.hooks,
    redactFields: [...ALIPAY_REDACTED_FIELDS, 'code', 'app_auth_code', 'access_token'],
  });

  function signedParams(
    method: string,
    bizContent: object | undefined,
    options: AlipayCallOptions = {},
  ): Record<string, string> {
    const params: Record<string, string> = {
      ...options.params,
      app_id: config.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: formatAlipayTime(config.now()),
      version: '1.0',
    };
    if (bizContent !== undefined) params.biz_content = JSON.stringify(bizContent);
    if (options.notifyUrl) params.notify_url = options.notifyUrl;
    if (options.returnUrl) params.return_url = options.returnUrl;
    if (options.appAuthToken) params.app_auth_token = options.appAuthToken;
    if (config.appCertSn) params.app_cert_sn = config.appCertSn;
    if (config.rootCertSn) params.alipay_root_cert_sn = config.rootCertSn;
    params.sign = signAlipayContent(alipaySigningString(params), config.privateKey);
    return params;
  }

  return {
    url: config.gateway,
    signedParams,
    async call(method, bizContent, options = {}) {
      const signed = signedParams(method, bizContent, options);
      // System parameters in the URL; biz_content and request parameters in the body.
      const body: Record<string, string | undefined> = { biz_content: signed.biz_content };
      const system: Record<string, string> = {};
      for (const [key, value] of Object.entries(signed)) {
        if (key === 'biz_content') continue;
        if (options.params && Object.hasOwn(options.params, key)) body[key] = value;
        else system[key] = value;
      }
      const separator = config.gateway.includes('?') ? '&' : '?';
      const response = await (options.sensitive ? sensitiveHttp : http).send({
        method: 'POST',
        url: `${config.gateway}${separator}${encodeAlipayForm(system)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json' },
        body: encodeAlipayForm(body),
        idempotent: options.idempotent ?? false,
      });
      // Alipay's gateway names each call by a trace id header, the id its support asks for.
      const traceId = response.headers.get('trace_id') ?? response.headers.get('alipay-trace-id') ?? undefined;
      if (response.status >= 500 && !response.text.trimStart().startsWith('{')) {
        throw alipayError({ code: '20000', msg: `HTTP ${response.status}` }, response.status, config.id, traceId);
      }
      const { node, isError } = verifyAlipayResponse(response.text, method, config);
      if (isError) {
        // A business error names its order when Alipay includes it: one about another order is not
        // this request's refusal (it would mark this payment or refund failed).
        const orderId = (bizContent as { out_trade_no?: unknown } | undefined)?.out_trade_no;
        if (typeof node.out_trade_no === 'string' && typeof orderId === 'string' && node.out_trade_no !== orderId) {
          throw new UnexpectedResponseError(config.id, 'mismatch', `the ${method} error is about another order`, {
            field: 'response.out_trade_no',
          });
        }
        throw alipayError(node, response.status, config.id, traceId);
      }
      return node;
    },
  };
}

/**
 * @deprecated Renamed {@link AlipayClient} (every adapter's transport is its `-client`).
 * @example
 * ```ts
 * const client: AlipayClient = createAlipayClient(config);
 * ```
 */
export type AlipayGateway = AlipayClient;

/**
 * @deprecated Renamed {@link createAlipayClient} (every adapter's transport is its `-client`).
 * @example
 * ```ts
 * const client = createAlipayClient(config);
 * ```
 */
export const createAlipayGateway = createAlipayClient;
