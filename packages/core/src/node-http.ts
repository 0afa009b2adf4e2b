/**
 * Serving a web-standard handler (`Request` → `Response`) from Node's `http` module without letting
 * a hostile request reach the process: the one bridge the checkout, the sandboxes and the sandbox
 * CLI use. The request URL is built from a trusted origin and the request's path only (never from
 * the `Host` header or an absolute-form target), so a path such as `//evil.example/pay` stays a
 * path of the configured origin; methods the WHATWG `Request` refuses, targets that are not paths
 * and headers that cannot be copied are answered 4xx before any handler runs.
 *
 * @packageDocumentation
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ValidationError } from './errors.js';
import { assertHttpUrl } from './validation.js';

/** The largest request body {@link createNodeHandler} reads by default (1 MiB). */
export const DEFAULT_MAX_NODE_BODY_BYTES = 1024 * 1024;

/** An HTTP method token (RFC 9110 §5.6.2). */
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}$/;

/** Methods the WHATWG `Request` constructor refuses: answered 405 before any handler. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Methods whose requests carry no body (a `Request` with a body refuses them). */
const BODYLESS_METHODS = new Set(['GET', 'HEAD']);

/** What {@link toFetchRequest} answers: the request, or why the Node request cannot become one. */
export type FetchRequestResult =
  | { readonly ok: true; readonly request: Request }
  | { readonly ok: false; readonly status: 400 | 405; readonly message: string };

/** Options of {@link toFetchRequest}. */
export interface FetchRequestOptions {
  /** The trusted origin the URL is built on (`https://shop.example`); only its origin is used. */
  origin: string;
  /** The body already read (ignored for GET and HEAD). */
  body?: Uint8Array | undefined;
  /** Passed to the `Request` (to cancel the handler's work when the client hangs up). */
  signal?: AbortSignal | undefined;
}

/**
 * The origin of a trusted base URL (`https://shop.example/pay` → `https://shop.example`).
 *
 * @throws `ValidationError` unless it is an absolute http(s) URL.
 * @example
 * ```ts
 * trustedOrigin('https://shop.example/pay'); // 'https://shop.example'
 * ```
 */
export function trustedOrigin(value: string, field = 'origin'): string {
  return assertHttpUrl(value, field).origin;
}

/**
 * The path and query of a request target, or `undefined` when the target is neither origin-form
 * (`/pay?x=1`) nor a parseable absolute-form (`http://host/pay`). Leading runs of `/` and `\` fold
 * into one `/`, so the result can never be read as another host (`//evil.example` is a path here).
 *
 * @example
 * ```ts
 * requestTargetPath('//evil.example/pay?x=1'); // '/evil.example/pay?x=1'
 * ```
 */
export function requestTargetPath(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return '/';
  let path: string;
  if (target.startsWith('/') || target.startsWith('\\')) path = target;
  else if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      path = `${url.pathname}${url.search}`;
    } catch {
      return undefined;
    }
  } else return undefined;
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  return path.replace(/^[/\\]+/, '/');
}

/**
 * The request URL: the trusted origin with the target's path and query. The `URL` setters keep the
 * origin whatever the path holds.
 */
function requestUrl(origin: string, path: string): URL {
  const url = new URL(origin);
  const query = path.indexOf('?');
  url.pathname = query === -1 ? path : path.slice(0, query);
  url.search = query === -1 ? '' : path.slice(query);
  // A path that the setter normalised back into `//…` (dot segments) is folded again.
  if (/^[/\\]{2}/.test(url.pathname)) url.pathname = url.pathname.replace(/^[/\\]+/, '/');
  return url;
}

/** Copies Node's headers into `Headers`; `undefined` when one cannot be copied. */
function copyHeaders(request: IncomingMessage): Headers | undefined {
  const headers = new Headers();
  try {
    for (const [name, value] of Object.entries(request.headers)) {
      if (name.startsWith(':')) continue; // HTTP/2 pseudo-headers
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else if (value !== undefined) headers.set(name, value);
    }
  } catch {
    return undefined;
  }
  return headers;
}

/**
 * A Node request as a web `Request` on a trusted origin, or the 4xx it deserves: 405 for a method
 * the `Request` refuses (`TRACE`, `CONNECT`, `TRACK`), 400 for a method that is not a token, a target
 * that is not a path, or a header that cannot be copied. Never throws.
 *
 * @example
 * ```ts
 * const result = toFetchRequest(request, { origin: 'https://shop.example' });
 * if (result.ok) await handler(result.request);
 * ```
 */
export function toFetchRequest(request: IncomingMessage, options: FetchRequestOptions): FetchRequestResult {
  const method = request.method ?? 'GET';
  if (!METHOD_TOKEN.test(method)) return { ok: false, status: 400, message: 'bad request method' };
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) return { ok: false, status: 405, message: 'method not allowed' };
  const path = requestTargetPath(request.url);
  if (path === undefined) return { ok: false, status: 400, message: 'bad request target' };
  const headers = copyHeaders(request);
  if (headers === undefined) return { ok: false, status: 400, message: 'bad request header' };
  const upper = method.toUpperCase();
  const body = BODYLESS_METHODS.has(upper) ? undefined : options.body;
  try {
    const init: RequestInit = { method, headers };
    if (body !== undefined && body.byteLength > 0) init.body = body as Uint8Array<ArrayBuffer>;
    if (options.signal !== undefined) init.signal = options.signal;
    return { ok: true, request: new Request(requestUrl(options.origin, path), init) };
  } catch {
    return { ok: false, status: 400, message: 'bad request' };
  }
}

/** What {@link readNodeBody} resolves to: the bytes, `too_large`, or the failure. */
export type NodeBodyResult = { ok: true; body: Uint8Array } | { ok: false; reason: 'too_large' | 'unreadable' };

/**
 * Reads a Node request body up to `limit` bytes; never rejects. Stops reading (without destroying
 * the socket, so a 413 can still be written) as soon as the limit is passed; a client that hangs up
 * is `unreadable`.
 *
 * @example
 * ```ts
 * const read = await readNodeBody(request, 64 * 1024);
 * if (!read.ok) response.writeHead(read.reason === 'too_large' ? 413 : 400).end();
 * ```
 */
export function readNodeBody(request: IncomingMessage, limit: number): Promise<NodeBodyResult> {
  // An `error` emitted later (a client hanging up after we stopped reading) must never be unhandled.
  request.on('error', ignore);
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve({ ok: false, reason: 'too_large' });
  if (request.readableEnded) return Promise.resolve({ ok: true, body: new Uint8Array(0) });
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const settle = (result: NodeBodyResult) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.byteLength;
      if (size > limit) {
        request.pause();
        settle({ ok: false, reason: 'too_large' });
      } else chunks.push(bytes);
    };
    const onEnd = () => settle({ ok: true, body: Buffer.concat(chunks) });
    const onError = () => settle({ ok: false, reason: 'unreadable' });
    const onClose = () => settle({ ok: false, reason: 'unreadable' });
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

function ignore(): void {}

/** Writes a plain reply unless the client is gone; never throws. */
export function writeNodeReply(
  response: ServerResponse,
  status: number,
  headers: Record<string, string | string[]> | undefined,
  body: string | Uint8Array | undefined,
): void {
  if (response.headersSent || response.destroyed || response.socket?.destroyed) return;
  try {
    response.writeHead(status, headers);
    response.end(body);
  } catch {
    // The socket went away while writing: nothing left to answer.
  }
}

/** The headers of a web `Response` for `writeHead`, with every `Set-Cookie` kept. */
function responseHeaders(reply: Response): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of reply.headers) if (name !== 'set-cookie') headers[name] = value;
  const cookies = reply.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}

/** Options of {@link createNodeHandler}. */
export interface NodeHandlerOptions {
  /** The trusted origin every request URL is built on (`https://shop.example`); only its origin is used. */
  origin: string;
  /** The largest body read (default {@link DEFAULT_MAX_NODE_BODY_BYTES}); a larger one is answered 413. */
  maxBodyBytes?: number | undefined;
  /** Told of each failure of the handler (answered 500); whatever it throws is ignored. */
  onError?: ((error: unknown) => void) | undefined;
}

/** A Node `http` request listener whose promise never rejects. */
export type NodeRequestListener = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * Serves a web-standard handler from Node's `http` module (and frameworks built on it, such as
 * Express and Fastify's raw mode). The returned listener never throws or rejects: a malformed
 * request is answered 400, 405 or 413 without reaching the handler, a failing handler 500, and a
 * client that hung up is dropped quietly. The request URL is the trusted origin plus the request's
 * path: `Host` and absolute-form targets never choose the origin.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const listener = createNodeHandler((request) => new Response(new URL(request.url).pathname), {
 *   origin: 'https://shop.example',
 * });
 * createServer(listener).listen(3000);
 * ```
 */
export function createNodeHandler(
  handler: (request: Request) => Response | Promise<Response>,
  options: NodeHandlerOptions,
): NodeRequestListener {
  const origin = trustedOrigin(options.origin, 'options.origin');
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_NODE_BODY_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new ValidationError('options.maxBodyBytes', 'must be a non-negative integer');
  }
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A listener cannot make the server fail.
    }
  };
  return async (request, response) => {
    response.on('error', ignore);
    try {
      const method = (request.method ?? 'GET').toUpperCase();
      let body: Uint8Array | undefined;
      if (!BODYLESS_METHODS.has(method)) {
        const read = await readNodeBody(request, limit);
        if (!read.ok) {
          const status = read.reason === 'too_large' ? 413 : 400;
          writeNodeReply(response, status, { 'content-type': 'text/plain', connection: 'close' }, undefined);
          return;
        }
        body = read.body;
      }
      const converted = toFetchRequest(request, { origin, body });
      if (!converted.ok) {
        const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
        if (converted.status === 405) headers.allow = 'GET, HEAD, POST';
        writeNodeReply(response, converted.status, headers, converted.message);
        return;
      }
      let reply: Response;
      try {
        reply = await handler(converted.request);
      } catch (error) {
        report(error);
        writeNodeReply(response, 500, { 'content-type': 'text/plain; charset=utf-8' }, 'internal error');
        return;
      }
      const bytes = method === 'HEAD' || reply.body === null ? undefined : new Uint8Array(await reply.arrayBuffer());
      writeNodeReply(response, reply.status, responseHeaders(reply), bytes);
    } catch (error) {
      report(error);
      writeNodeReply(response, 500, undefined, undefined);
    }
  };
}

/**
 * Answers `CONNECT` requests on a Node server with 405 instead of dropping the socket unanswered
 * (Node hands `CONNECT` to the server's `connect` event, never to the request listener). Returns the
 * server.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * refuseConnectRequests(createServer(listener)).listen(3000);
 * ```
 */
export function refuseConnectRequests<S extends Server>(server: S): S {
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', ignore);
    socket.end(
      'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
  });
  return server;
}
