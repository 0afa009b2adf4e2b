/**
 * The signing rules of Alipay's newer REST protocol (OpenAPI v3), for merchants who call v3
 * endpoints beside the gateway. hutong's provider uses the gateway (v2); these are the v3 rules,
 * checked against vectors, in one place.
 *
 * Request: `Authorization: ALIPAY-SHA256withRSA <authString>,sign=<base64>` where the signature is
 * over `authString\nMETHOD\n<path?query>\n<body>\n[<appAuthToken>\n]` and `authString` is
 * `app_id=..,[app_cert_sn=..,]nonce=..,timestamp=<ms>`.
 * Response: the `alipay-signature` header over `alipay-timestamp\nalipay-nonce\nbody\n`.
 *
 * @packageDocumentation
 */
import type { KeyObject } from 'node:crypto';
import { signAlipayContent, verifyAlipayContent } from './alipay-signature.js';

/** What a v3 request signature covers. */
export interface AlipayV3Request {
  appId: string;
  /** Certificate mode: the app certificate SN. */
  appCertSn?: string | undefined;
  nonce: string;
  /** Unix time in milliseconds, as text. */
  timestamp: string;
  method: string;
  /** Path and query exactly as sent, e.g. `/v3/alipay/trade/query?out_trade_no=1`. */
  requestUri: string;
  /** The exact body sent (`''` for GET). */
  body: string;
  appAuthToken?: string | undefined;
}

/**
 * The v3 `authString` (`app_id=..,[app_cert_sn=..,]nonce=..,timestamp=..`).
 *
 * @example
 * ```ts
 * alipayV3AuthString({ appId: '2021...', nonce: 'n', timestamp: '1702452177941', ... });
 * ```
 */
export function alipayV3AuthString(
  request: Pick<AlipayV3Request, 'appId' | 'appCertSn' | 'nonce' | 'timestamp'>,
): string {
  const cert = request.appCertSn ? `,app_cert_sn=${request.appCertSn}` : '';
  return `app_id=${request.appId}${cert},nonce=${request.nonce},timestamp=${request.timestamp}`;
}

/**
 * The string a v3 request signature covers.
 *
 * @example
 * ```ts
 * alipayV3SigningString(request); // 'app_id=...\nPOST\n/v3/alipay/trade/query\n{...}\n'
 * ```
 */
export function alipayV3SigningString(request: AlipayV3Request): string {
  const token = request.appAuthToken ? `${request.appAuthToken}\n` : '';
  return `${alipayV3AuthString(request)}\n${request.method}\n${request.requestUri}\n${request.body}\n${token}`;
}

/**
 * The v3 `Authorization` header value.
 *
 * @example
 * ```ts
 * headers.authorization = alipayV3Authorization(request, privateKey);
 * ```
 */
export function alipayV3Authorization(request: AlipayV3Request, privateKey: KeyObject): string {
  const sign = signAlipayContent(alipayV3SigningString(request), privateKey);
  return `ALIPAY-SHA256withRSA ${alipayV3AuthString(request)},sign=${sign}`;
}

/**
 * Verifies a v3 response from its `alipay-timestamp`, `alipay-nonce` and `alipay-signature` headers.
 *
 * @example
 * ```ts
 * verifyAlipayV3Response({ timestamp, nonce, signature, body }, alipayPublicKey); // true or false
 * ```
 */
export function verifyAlipayV3Response(
  response: { timestamp: string; nonce: string; signature: string; body: string },
  publicKey: KeyObject,
): boolean {
  return verifyAlipayContent(
    `${response.timestamp}\n${response.nonce}\n${response.body}\n`,
    response.signature,
    publicKey,
  );
}
