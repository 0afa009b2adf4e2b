/**
 * The HTTP helper adapters use to reach providers: injected `fetch`, a timeout per attempt,
 * retries with jittered backoff only for requests that are safe to repeat, and hooks that only ever
 * see redacted copies of requests and responses.
 *
 * @packageDocumentation
 */
import { readBounded } from './bounded-read.js';
import { NetworkError, TimeoutError, UnexpectedResponseError } from './errors.js';
import { redactHeaders, redactText, SENSITIVE_FIELDS, SENSITIVE_HEADERS } from './redaction.js';

/** A request to send. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string> | undefined;
  /** The exact bytes or text to send (what was signed). */
  body?: string | Uint8Array | undefined;
  /**
   * Whether sending it twice is harmless. Defaults to true for GET and HEAD, false otherwise;
   * adapters set it for POSTs the provider deduplicates (a query, or a refund keyed by its id).
   */
  idempotent?: boolean | undefined;
  /** Cancels the request (combined with the timeout). */
  signal?: AbortSignal | undefined;
  /**
   * The largest reply accepted for this request, in bytes, instead of the client's
   * {@link HttpClientOptions.maxResponseBytes} (a bill download takes a larger one).
   */
  maxResponseBytes?: number | undefined;
}

/** The largest reply a client reads by default (4 MiB); gateway replies are a few KiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** A response, read whole. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body as UTF-8 text, exactly as received, a byte-order mark included (what the provider signed). */
  text: string;
  /** The body's bytes. */
  bytes: Uint8Array;
}

/** What hooks see of a request: secrets already redacted. */
export interface RedactedRequest {
  provider: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  attempt: number;
}

/** What hooks see of a response: secrets already redacted. */
export interface RedactedResponse {
  provider: string;
  status: number;
  url: string;
  body: string;
  attempt: number;
  durationMs: number;
}

/** Logging and metrics hooks; they receive redacted copies only. */
export interface HttpHooks {
  /** Called before each attempt. */
  onRequest?: ((request: RedactedRequest) => void) | undefined;
  /** Called with each response read whole, retried ones included. */
  onResponse?: ((response: RedactedResponse) => void) | undefined;
  /** Called when an attempt fails on the network or times out. */
  onError?: ((error: NetworkError, request: RedactedRequest) => void) | undefined;
}

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Provider id, for errors and hooks. */
  provider: string;
  /** The `fetch` to use (a sandbox's in-process fetch in tests). Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Time limit per attempt in ms. Default 10 000. */
  timeoutMs?: number | undefined;
  /** Further attempts for idempotent requests after a network error or a 429/502/503/504. Default 2. */
  retries?: number | undefined;
  /** Base delay of the exponential backoff in ms. Default 200. */
  retryBaseMs?: number | undefined;
  /** Upper bound of one backoff delay in ms, also caps `Retry-After`. Default 5 000. */
  retryMaxMs?: number | undefined;
  hooks?: HttpHooks | undefined;
  /** Extra header names to redact (besides `authorization` and cookies). */
  redactHeaders?: readonly string[] | undefined;
  /** Extra body and query fields to redact (besides `sign`, `signature`, keys, ...). */
  redactFields?: readonly string[] | undefined;
  /**
   * The largest reply read, in bytes: reading stops there and the request fails with
   * `UnexpectedResponseError` (reason `too_large`). Default {@link DEFAULT_MAX_RESPONSE_BYTES};
   * {@link HttpRequest.maxResponseBytes} overrides it per request.
   */
  maxResponseBytes?: number | undefined;
  /** Source of randomness for jitter, for tests. Default `Math.random`. */
  random?: (() => number) | undefined;
  /** Waits between attempts, for tests. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** Sends requests for one provider. */
export interface HttpClient {
  /**
   * Sends the request, retrying when safe; throws {@link NetworkError} or {@link TimeoutError}, or
   * {@link UnexpectedResponseError} (`too_large`, never retried) for a reply over the size limit.
   */
  send(request: HttpRequest): Promise<HttpResponse>;
}

const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const decoder = new TextDecoder('utf-8');
/** Keeps a leading BOM: a signature or hash covers it. */
const bodyDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Reads a reply body up to `limit` bytes; `undefined` when it is larger (a declared Content-Length
 * over the limit, or the bytes read so far), in which case reading stops and the body is cancelled.
 */
async function readLimited(response: Response, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  const body = response.body;
  if (declared > limit) {
    body?.cancel().catch(() => {});
    return undefined;
  }
  return readBounded(body, limit);
}

function combineSignals(timeout: AbortSignal, caller: AbortSignal | undefined): AbortSignal {
  return caller ? AbortSignal.any([timeout, caller]) : timeout;
}

/** The URL without query or fragment, for error messages (queries may carry signatures). */
function describeUrl(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

/**
 * Creates an {@link HttpClient} for a provider adapter.
 *
 * @example
 * ```ts
 * const http = createHttpClient({ provider: 'alipay', fetch: options.fetch, timeoutMs: 8_000 });
 * const response = await http.send({ method: 'POST', url, headers, body, idempotent: true });
 * ```
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const provider = options.provider;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const baseMs = options.retryBaseMs ?? 200;
  const maxMs = options.retryMaxMs ?? 5_000;
  const random = options.random ?? Math.random;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const sleep = options.sleep ?? defaultSleep;
  const hooks = options.hooks ?? {};
  const headerNames = [...SENSITIVE_HEADERS, ...(options.redactHeaders ?? [])];
  const fields = [...SENSITIVE_FIELDS, ...(options.redactFields ?? [])];
  const hooked = Boolean(hooks.onRequest || hooks.onResponse || hooks.onError);

  const redactRequest = (request: HttpRequest, attempt: number): RedactedRequest => ({
    provider,
    method: request.method,
    url: redactText(request.url, fields),
    headers: redactHeaders(request.headers ?? {}, headerNames),
    body:
      request.body === undefined
        ? ''
        : redactText(typeof request.body === 'string' ? request.body : decoder.decode(request.body), fields),
    attempt,
  });

  async function attemptOnce(request: HttpRequest, attempt: number): Promise<HttpResponse> {
    const doFetch = options.fetch ?? globalThis.fetch;
    const started = performance.now();
    const redacted = hooked ? redactRequest(request, attempt) : undefined;
    if (redacted) hooks.onRequest?.(redacted);
    const signal = combineSignals(AbortSignal.timeout(timeoutMs), request.signal);
    try {
      const response = await doFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body as BodyInit | undefined,
        signal,
        redirect: 'manual',
      });
      const limit = request.maxResponseBytes ?? maxResponseBytes;
      const bytes = await readLimited(response, limit);
      if (bytes === undefined) {
        throw new UnexpectedResponseError(
          provider,
          'too_large',
          `${request.method} ${describeUrl(request.url)}: the reply is larger than ${limit} bytes`,
        );
      }
      const text = bodyDecoder.decode(bytes);
      if (redacted) {
        hooks.onResponse?.({
          provider,
          status: response.status,
          url: redacted.url,
          body: redactText(text, fields),
          attempt,
          durationMs: performance.now() - started,
        });
      }
      return { status: response.status, headers: response.headers, text, bytes };
    } catch (cause) {
      if (UnexpectedResponseError.isInstance(cause)) throw cause;
      const where = `${request.method} ${describeUrl(request.url)}`;
      const error =
        signal.aborted && !request.signal?.aborted
          ? new TimeoutError(timeoutMs, `${provider}: ${where} timed out after ${timeoutMs} ms`, { cause })
          : new NetworkError(`${provider}: ${where} failed: ${(cause as Error)?.message ?? 'unknown error'}`, {
              cause,
            });
      if (redacted) hooks.onError?.(error, redacted);
      throw error;
    }
  }

  return {
    async send(request) {
      const idempotent = request.idempotent ?? (request.method === 'GET' || request.method === 'HEAD');
      const attempts = idempotent ? retries + 1 : 1;
      for (let attempt = 1; ; attempt++) {
        let delay: number | undefined;
        try {
          const response = await attemptOnce(request, attempt);
          if (attempt >= attempts || !RETRYABLE_STATUS.has(response.status)) return response;
          delay = retryAfterMs(response.headers);
        } catch (error) {
          // A reply too large will be as large again: only network failures are retried.
          if (attempt >= attempts || request.signal?.aborted || !NetworkError.isInstance(error)) throw error;
        }
        const backoff = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
        await sleep(Math.min(maxMs, delay ?? Math.round(random() * backoff)));
      }
    },
  };
}
