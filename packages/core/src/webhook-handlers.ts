/**
 * Ready-made webhook endpoints: one for web-standard servers (`Request` → `Response`: Next.js route
 * handlers, Hono, Bun, Deno, Cloudflare Workers) and one for Node's `http` module. Both read the raw
 * body themselves, because signatures cover the exact bytes sent.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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
 * Wraps a notification handler as a `(Request) => Promise<Response>` endpoint.
 *
 * @example
 * ```ts
 * // app/api/webhooks/alipay/route.ts (Next.js)
 * export const POST = payments.webhookHandler('alipay');
 * ```
 */
export function createWebhookHandler(handle: NotificationHandlerFunction): (request: Request) => Promise<Response> {
  return async (request) => {
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > MAX_NOTIFICATION_BYTES) return new Response(null, { status: 413 });
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > MAX_NOTIFICATION_BYTES) return new Response(null, { status: 413 });
    const { response } = await handle({ headers: request.headers, body, method: request.method, url: request.url });
    return new Response(response.status === 204 ? null : response.body, {
      status: response.status,
      headers: response.headers,
    });
  };
}

function rawBodyOf(request: Parameters<NodeWebhookHandler>[0]): string | Uint8Array | undefined {
  if (typeof request.rawBody === 'string' || request.rawBody instanceof Uint8Array) return request.rawBody;
  if (typeof request.body === 'string' || request.body instanceof Uint8Array) return request.body;
  return undefined;
}

async function readBody(request: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    size += bytes.byteLength;
    if (size > MAX_NOTIFICATION_BYTES) return undefined;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * Wraps a notification handler for Node's `http` server (and frameworks built on it).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(payments.nodeWebhookHandler('wechatpay')).listen(3000);
 * ```
 */
export function createNodeWebhookHandler(handle: NotificationHandlerFunction): NodeWebhookHandler {
  return async (request, response) => {
    let body = rawBodyOf(request);
    if (body === undefined) {
      if (request.body !== undefined && request.body !== null && request.readableEnded) {
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end('hutong: the raw body was parsed away; use a raw body parser');
        return;
      }
      body = await readBody(request);
      if (body === undefined) {
        response.writeHead(413).end();
        return;
      }
    }
    const url = request.url === undefined ? undefined : `http://${request.headers.host ?? 'localhost'}${request.url}`;
    const { response: reply } = await handle({ headers: request.headers, body, method: request.method, url });
    response.writeHead(reply.status, reply.headers);
    response.end(reply.status === 204 ? undefined : reply.body);
  };
}
