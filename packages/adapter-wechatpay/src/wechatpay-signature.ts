/**
 * WeChat Pay APIv3 signatures: SHA256withRSA (PKCS#1 v1.5), base64, over newline-terminated lines.
 *
 * - Request: `METHOD\n<path[?query] as sent>\n<unix seconds>\n<nonce>\n<body>\n` (empty body line
 *   for GET; a body that ends in `\n` still gets the extra `\n`), in the `Authorization` header.
 * - Response and notification: `<Wechatpay-Timestamp>\n<Wechatpay-Nonce>\n<raw body>\n`.
 * - JSAPI / mini program `paySign`: `appId\ntimeStamp\nnonceStr\nprepay_id=...\n`.
 * - APP `sign`: `appid\ntimestamp\nnoncestr\nprepayid\n`.
 *
 * @packageDocumentation
 */
import { type KeyObject, randomBytes, sign, verify } from 'node:crypto';

/**
 * The `Authorization` scheme of APIv3.
 *
 * @group Protocol
 * @example
 * ```ts
 * header.startsWith(`${WECHATPAY_AUTH_SCHEME} `); // 'WECHATPAY2-SHA256-RSA2048 mchid=...'
 * ```
 */
export const WECHATPAY_AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

/**
 * Joins lines the way every APIv3 signature does: each followed by `\n`.
 *
 * @group Protocol
 * @example
 * ```ts
 * wechatpaySigningMessage(['GET', '/v3/certificates', '1624523846', 'nonce', '']); // 'GET\n...\n\n'
 * ```
 */
export function wechatpaySigningMessage(lines: readonly string[]): string {
  let message = '';
  for (const line of lines) message += `${line}\n`;
  return message;
}

/**
 * SHA256withRSA over the UTF-8 message, base64.
 *
 * @group Protocol
 * @example
 * ```ts
 * signWechatpayMessage(message, merchantPrivateKey);
 * ```
 */
export function signWechatpayMessage(message: string, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(message, 'utf8'), privateKey).toString('base64');
}

/**
 * Verifies a base64 SHA256withRSA signature; malformed input is false, never an exception.
 *
 * @group Protocol
 * @example
 * ```ts
 * verifyWechatpayMessage(message, signature, platformKey); // true or false
 * ```
 */
export function verifyWechatpayMessage(message: string, signature: string, publicKey: KeyObject): boolean {
  return verifyWechatpayBytes(Buffer.from(message, 'utf8'), signature, publicKey);
}

/**
 * {@link verifyWechatpayMessage} over a message already in bytes. Malformed signatures are false.
 *
 * @group Protocol
 * @example
 * ```ts
 * verifyWechatpayBytes(Buffer.from('1554208460\nnonce\n{...}\n'), signature, platformPublicKey);
 * ```
 */
export function verifyWechatpayBytes(message: Uint8Array, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify('sha256', message, publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * A 32-character random nonce.
 *
 * @group Protocol
 * @example
 * ```ts
 * wechatpayNonce(); // '5K8264ILTKCH16CQ2502SI8ZNMTM67VS'
 * ```
 */
export function wechatpayNonce(): string {
  const bytes = randomBytes(32);
  let nonce = '';
  for (const byte of bytes) nonce += NONCE_ALPHABET[byte % NONCE_ALPHABET.length];
  return nonce;
}

/**
 * What a request signature covers.
 *
 * @group Protocol
 * @example
 * ```ts
 * const request: WechatpayRequestToSign = { method: 'GET', canonicalUrl: '/v3/certificates', timestamp: '1554208460', nonce, body: '' };
 * ```
 */
export interface WechatpayRequestToSign {
  method: string;
  /** Path and query exactly as sent, e.g. `/v3/pay/transactions/out-trade-no/o1?mchid=1230000109`. */
  canonicalUrl: string;
  /** Unix seconds, as text. */
  timestamp: string;
  nonce: string;
  /** The exact body sent (`''` without one). */
  body: string;
}

/**
 * Signs a request: the `Authorization` header value over its method, path, time, nonce and body.
 *
 * @group Protocol
 * @example
 * ```ts
 * signWechatpayRequest(request, { mchId: '1230000109', serialNo: '5F1C...', privateKey });
 * ```
 */
export function signWechatpayRequest(
  request: WechatpayRequestToSign,
  merchant: { mchId: string; serialNo: string; privateKey: KeyObject },
): string {
  const message = wechatpaySigningMessage([
    request.method,
    request.canonicalUrl,
    request.timestamp,
    request.nonce,
    request.body,
  ]);
  const signature = signWechatpayMessage(message, merchant.privateKey);
  return `${WECHATPAY_AUTH_SCHEME} mchid="${merchant.mchId}",nonce_str="${request.nonce}",timestamp="${request.timestamp}",serial_no="${merchant.serialNo}",signature="${signature}"`;
}

/**
 * @deprecated Renamed {@link signWechatpayRequest} (signers are named `signWechatpay<Thing>`).
 * @group Protocol
 * @example
 * ```ts
 * signWechatpayRequest(request, { mchId: '1230000109', serialNo: '5F1C...', privateKey });
 * ```
 */
export const wechatpayAuthorization: typeof signWechatpayRequest = signWechatpayRequest;

/**
 * The parts of an `Authorization` header.
 *
 * @group Protocol
 * @example
 * ```ts
 * const parts: WechatpayAuthorizationParts | undefined = parseWechatpayAuthorization(header);
 * parts?.serial_no;
 * ```
 */
export interface WechatpayAuthorizationParts {
  mchid: string;
  nonce_str: string;
  timestamp: string;
  serial_no: string;
  signature: string;
}

/**
 * Parses an `Authorization` header (what the WeChat Pay server, or a sandbox, reads).
 *
 * @group Protocol
 * @example
 * ```ts
 * parseWechatpayAuthorization(header)?.serial_no;
 * ```
 */
export function parseWechatpayAuthorization(header: string | undefined): WechatpayAuthorizationParts | undefined {
  if (!header?.startsWith(`${WECHATPAY_AUTH_SCHEME} `)) return undefined;
  const parts: Record<string, string> = {};
  for (const match of header.slice(WECHATPAY_AUTH_SCHEME.length + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    parts[match[1] as string] = match[2] as string;
  }
  const fields = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'] as const;
  return fields.every((field) => parts[field] !== undefined)
    ? (parts as unknown as WechatpayAuthorizationParts)
    : undefined;
}
