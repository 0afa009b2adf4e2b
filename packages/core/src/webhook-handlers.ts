/**
 * Ready-made webhook endpoints: one for web-standard servers (`Request` → `Response`: Next.js route
 * handlers, Hono, Bun, Deno, Cloudflare Workers) and one for Node's `http` module. Both read the raw
 * body themselves, because signatures cover the exact bytes sent.
 *
 * @packageDocumentation
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBounded } from './bounded-read.js';
import { ValidationError } from './errors.js';
import {
  readNodeBody,
  type refuseConnectRequests,
  requestTargetPath,
  trustedOrigin,
  writeNodeReply,
} from './node-http.js';
import type { NotificationInput, WebhookResponse } from './webhook-request.js';

/** The largest notification body accepted (1 MiB); real ones are a few KiB. */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024;

/** What the endpoints wrap: `payments.handleNotification` bound to one provider. */
export type NotificationHandlerFunction = (input: NotificationInput) => Promise<{ response: WebhookResponse }>;

/**
 * A Node request handler, optionally given a raw body that a framework has already read (Express
 * with `express.raw()`; never a parsed JSON or form object).
 */
export type NodeWebhookHandler = (
  request: IncomingMessage & { rawBody?: string | Uint8Array; body?: unknown },
  response: ServerResponse,
) => Promise<void>;

/**
 * Told of every delivery an endpoint refused before (or instead of) the notification handler
 * answering it: a body over {@link MAX_NOTIFICATION_BYTES} (413), a body that could not be read (a
 * client that hung up: 400, or nothing when the socket is gone), a raw body a framework parsed away
 * (500), and a handler that failed (500). Each comes as a {@link ValidationError} on field `body`,
 * except a handler failure, which comes as thrown. Another method than POST (405) is not reported: it is not a
 * delivery. Whatever it throws is ignored.
 */
export type WebhookRejectionListener = (error: unknown) => void | Promise<void>;

/** Calls the listener; a listener that fails cannot make the endpoint fail. */
async function report(onRejected: WebhookRejectionListener | undefined, error: unknown): Promise<void> {
  if (onRejected === undefined) return;
  try {
    await onRejected(error);
  } catch {
    // The endpoint must answer whatever a listener does.
  }
}

/** Webhooks are POSTs; other methods are answered 405 without reaching the handler. */
const ALLOW = { allow: 'POST' } as const;

function tooLarge(): ValidationError {
  return new ValidationError('body', `is larger than the ${MAX_NOTIFICATION_BYTES}-byte limit`);
}

function unreadable(cause: unknown): ValidationError {
  return new ValidationError('body', 'could not be read (the client hung up or the stream failed)', { cause });
}

function parsedAway(): ValidationError {
  return new ValidationError(
    'body',
    'the raw body was parsed away; use a raw body parser (express.raw()) or pass request.rawBody',
  );
}

/**
 * Wraps a notification handler as a `(Request) => Promise<Response>` endpoint. The body is read as
 * a stream and reading stops at {@link MAX_NOTIFICATION_BYTES}, with or without a Content-Length.
 * The returned promise never rejects: every failure is answered (405, 413, 400, 500).
 *
 * @param onRejected - told of each refused delivery (see {@link WebhookRejectionListener}).
 * @example
 * ```ts
 * // app/api/webhooks/alipay/route.ts (Next.js)
 * export const POST = payments.webhookHandler('alipay');
 * ```
 */
export function createWebhookHandler(
  handle: NotificationHandlerFunction,
  onRejected?: WebhookRejectionListener,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'POST') return new Response(null, { status: 405, headers: ALLOW });
    let body: Uint8Array | undefined;
    try {
      const length = Number(request.headers.get('content-length') ?? 0);
      body = length > MAX_NOTIFICATION_BYTES ? undefined : await readBounded(request.body, MAX_NOTIFICATION_BYTES);
    } catch (cause) {
      await report(onRejected, unreadable(cause));
      return new Response(null, { status: 400 });
    }
    if (body === undefined) {
      request.body?.cancel().catch(() => {});
      await report(onRejected, tooLarge());
      return new Response(null, { status: 413 });
    }
    try {
      const { response } = await handle({ headers: request.headers, body, method: request.method, url: request.url });
      return new Response(response.status === 204 ? null : response.body, {
        status: response.status,
        headers: response.headers,
      });
    } catch (error) {
      await report(onRejected, error);
      return new Response(null, { status: 500 });
    }
  };
}

function rawBodyOf(request: Parameters<NodeWebhookHandler>[0]): string | Uint8Array | undefined {
  if (typeof request.rawBody === 'string' || request.rawBody instanceof Uint8Array) return request.rawBody;
  if (typeof request.body === 'string' || request.body instanceof Uint8Array) return request.body;
  return undefined;
}

/**
 * Options of {@link createNodeWebhookHandler} and `payments.nodeWebhookHandler`.
 *
 * @example
 * ```ts
 * const options: NodeWebhookOptions = { origin: 'https://shop.example' };
 * ```
 */
export interface NodeWebhookOptions {
  /**
   * The origin the notification's URL is built on, with the request's path: the `Host` header and
   * an absolute-form request target are never trusted. Default `http://localhost` (no wallet signs
   * the URL; it reaches the provider and your hooks only).
   */
  readonly origin?: string | undefined;
}

/** The URL handed to the notification handler: the request's path on the trusted origin. */
function notificationUrl(origin: string, target: string | undefined): string | undefined {
  const path = requestTargetPath(target);
  if (path === undefined) return undefined;
  try {
    return new URL(path, origin).href;
  } catch {
    return undefined;
  }
}

const ignore = (): void => {};

/**
 * Wraps a notification handler for Node's `http` server (and frameworks built on it). The returned
 * promise never rejects: a client that hangs up mid-body, a body over {@link MAX_NOTIFICATION_BYTES},
 * a body parsed away by a framework and a failing handler are each answered (400, 413, 500) or, when
 * the socket is gone, dropped quietly; every method but POST gets 405 (`TRACE` and `TRACK`
 * included), a request target that names no path here (`http://[/pay`) 400. The notification's URL
 * is its path on `options.origin`, never built from the `Host` header. Node hands `CONNECT` to the
 * server's `connect` event, never to a request listener: wrap the server in
 * {@link refuseConnectRequests} to answer it 405.
 *
 * @param onRejected - told of each refused delivery (see {@link WebhookRejectionListener}).
 * @param options - the trusted origin of the notification's URL.
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(payments.nodeWebhookHandler('wechatpay')).listen(3000);
 * ```
 */
export function createNodeWebhookHandler(
  handle: NotificationHandlerFunction,
  onRejected?: WebhookRejectionListener,
  options: NodeWebhookOptions = {},
): NodeWebhookHandler {
  const origin = trustedOrigin(options.origin ?? 'http://localhost', 'options.origin');
  return async (request, response) => {
    response.on('error', ignore);
    // Wallets only POST; an object without a method (a framework's hand-made request) is taken as one.
    if (request.method !== undefined && request.method !== 'POST') {
      writeNodeReply(response, 405, ALLOW, undefined);
      return;
    }
    // A target that cannot name a path on this server is no delivery: refused before anything else.
    const url = request.url === undefined ? undefined : notificationUrl(origin, request.url);
    if (request.url !== undefined && url === undefined) {
      writeNodeReply(response, 400, { connection: 'close' }, undefined);
      return;
    }
    let body = rawBodyOf(request);
    if (body === undefined) {
      // The stream was consumed by someone else (a JSON or form parser) and no raw copy was kept. A
      // `body` set while the stream is still unread (body-parser skipping another content type) is
      // not a loss: the bytes are read below.
      if (request.readableEnded) {
        const error = parsedAway();
        await report(onRejected, error);
        writeNodeReply(response, 500, { 'content-type': 'text/plain' }, `hutong: ${error.message}`);
        return;
      }
      const read = await readNodeBody(request, MAX_NOTIFICATION_BYTES);
      if (!read.ok) {
        await report(onRejected, read.reason === 'too_large' ? tooLarge() : unreadable(undefined));
        writeNodeReply(response, read.reason === 'too_large' ? 413 : 400, { connection: 'close' }, undefined);
        return;
      }
      body = read.body;
    }
    try {
      const { response: answer } = await handle({ headers: request.headers, body, method: request.method, url });
      writeNodeReply(response, answer.status, answer.headers, answer.status === 204 ? undefined : answer.body);
    } catch (error) {
      await report(onRejected, error);
      writeNodeReply(response, 500, undefined, undefined);
    }
  };
}

/**
 * The last path segment of a provider's endpoint for split and transfer notifications: the
 * facade's `webhookHandler(provider)` mounted at `/webhooks/wechatpay` hands requests to
 * `/webhooks/wechatpay/movements` to `payments.handleMovementNotification`.
 *
 * @example
 * ```ts
 * createPayments({ providers, movementNotifyUrl: (id) => `https://shop.example/webhooks/${id}/${MOVEMENT_NOTIFICATION_SEGMENT}` });
 * ```
 */
export const MOVEMENT_NOTIFICATION_SEGMENT = 'movements';

/**
 * Whether a notification's URL is a movement endpoint: its path ends in `/movements` (a trailing
 * slash allowed). A URL that does not parse is not.
 *
 * @example
 * ```ts
 * isMovementNotificationUrl('https://shop.example/webhooks/wechatpay/movements'); // true
 * isMovementNotificationUrl('https://shop.example/webhooks/wechatpay'); // false
 * ```
 */
export function isMovementNotificationUrl(url: string | undefined): boolean {
  if (url === undefined) return false;
  let path: string;
  try {
    path = new URL(url, 'http://localhost').pathname;
  } catch {
    return false;
  }
  const segments = path.split('/').filter((segment) => segment.length > 0);
  return segments.at(-1) === MOVEMENT_NOTIFICATION_SEGMENT;
}
