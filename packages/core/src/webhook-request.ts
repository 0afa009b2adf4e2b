/**
 * Framework-agnostic webhook input. Signatures are computed over raw bytes, so the body is taken
 * as received (string or bytes) and never re-parsed before verification.
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';

/**
 * Headers in any common shape: a web `Headers`, Node's `IncomingHttpHeaders` (values may be arrays),
 * a `Map`, or `[name, value]` pairs.
 */
export type HeadersInput =
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | ReadonlyMap<string, string>
  | Iterable<readonly [string, string]>;

/** A raw request body: text, or the exact bytes received. */
export type BodyInput = string | Uint8Array | ArrayBuffer;

/**
 * A notification as the merchant's server received it.
 *
 * @example
 * ```ts
 * await payments.handleNotification('alipay', { headers: req.headers, body: rawBody });
 * ```
 */
export interface NotificationInput {
  headers: HeadersInput;
  /** The raw body, exactly as received; do not pass a parsed object. */
  body: BodyInput;
  /** HTTP method, default `POST`. */
  method?: string | undefined;
  /** The request URL, when the provider signs it or the adapter checks it. */
  url?: string | undefined;
}

/**
 * A normalised notification, as adapters receive it: lower-case header names, the body as UTF-8
 * text, and the raw bytes.
 */
export interface NotificationRequest {
  readonly method: string;
  readonly url: string | null;
  /** Header values by lower-case name; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body decoded as UTF-8. */
  readonly body: string;
  /** The body's bytes as received. */
  readonly rawBody: Uint8Array;
}

/** The HTTP reply to a notification, exactly as the provider expects it. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function addHeader(out: Record<string, string>, name: string, value: string): void {
  const key = name.toLowerCase();
  const earlier = out[key];
  out[key] = earlier === undefined ? value : `${earlier}, ${value}`;
}

function isHeaders(value: HeadersInput): value is Headers {
  return typeof Headers !== 'undefined' && value instanceof Headers;
}

/**
 * Lower-cases and flattens headers of any {@link HeadersInput} shape.
 *
 * @example
 * ```ts
 * normalizeHeaders({ 'Wechatpay-Serial': 'PUB_KEY_ID_1' }); // { 'wechatpay-serial': 'PUB_KEY_ID_1' }
 * ```
 */
export function normalizeHeaders(input: HeadersInput): Record<string, string> {
  const out: Record<string, string> = {};
  if (isHeaders(input)) {
    input.forEach((value, name) => {
      out[name] = value;
    });
  } else if (input instanceof Map || Symbol.iterator in (input as object)) {
    for (const [name, value] of input as Iterable<readonly [string, string]>) addHeader(out, name, value);
  } else {
    const record = input as Record<string, string | readonly string[] | undefined>;
    for (const name in record) {
      const value = record[name];
      if (value === undefined || !Object.hasOwn(record, name)) continue;
      if (typeof value === 'string') addHeader(out, name, value);
      else for (const item of value) addHeader(out, name, item);
    }
  }
  return out;
}

/**
 * Builds the {@link NotificationRequest} adapters verify. Throws {@link ValidationError} for a body
 * that is not a string or bytes (a parsed object has lost the bytes the signature covers).
 *
 * @example
 * ```ts
 * const request = toNotificationRequest({ headers: req.headers, body: buffer });
 * ```
 */
export function toNotificationRequest(input: NotificationInput): NotificationRequest {
  const { body } = input;
  let text: string;
  let bytes: Uint8Array | undefined;
  if (typeof body === 'string') {
    text = body;
  } else if (body instanceof Uint8Array) {
    bytes = body;
    text = decoder.decode(body);
  } else if (body instanceof ArrayBuffer) {
    bytes = new Uint8Array(body);
    text = decoder.decode(bytes);
  } else {
    throw new ValidationError('body', 'must be the raw body as a string or bytes, not a parsed object');
  }
  return new NormalizedNotification(
    (input.method ?? 'POST').toUpperCase(),
    input.url ?? null,
    normalizeHeaders(input.headers ?? {}),
    text,
    bytes,
  );
}

/** A {@link NotificationRequest} whose raw bytes are encoded only if an adapter asks for them. */
class NormalizedNotification implements NotificationRequest {
  #bytes: Uint8Array | undefined;

  constructor(
    readonly method: string,
    readonly url: string | null,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string,
    bytes: Uint8Array | undefined,
  ) {
    this.#bytes = bytes;
  }

  get rawBody(): Uint8Array {
    this.#bytes ??= encoder.encode(this.body);
    return this.#bytes;
  }
}
