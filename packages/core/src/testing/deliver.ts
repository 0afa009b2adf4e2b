/**
 * Posting a notification to a merchant's endpoint, as a wallet does: the sandboxes and the demo use
 * it. Like a real wallet it never follows a redirect, and it gives up on a merchant that does not
 * connect or answer in time.
 *
 * @packageDocumentation
 */
import type { NotificationInput } from '@hutong/core';
import { NetworkError, TimeoutError } from '../errors.js';

/** Deadlines of {@link deliverNotification}. */
export interface DeliveryOptions {
  /** How long the TCP (and TLS) connection may take, in ms. Default 3,000. */
  connectTimeoutMs?: number | undefined;
  /** How long the whole exchange may take, connection included, in ms. Default 10,000. */
  timeoutMs?: number | undefined;
}

/** The largest reply of a merchant kept (a wallet reads a few bytes of it). */
const MAX_REPLY_BYTES = 1024 * 1024;

/** The default {@link DeliveryOptions.connectTimeoutMs}. */
export const DEFAULT_DELIVERY_CONNECT_TIMEOUT_MS = 3_000;
/** The default {@link DeliveryOptions.timeoutMs}. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

function headerRecord(headers: NotificationInput['headers']): Record<string, string> {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return Object.fromEntries(headers);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (value !== undefined) out[name] = typeof value === 'string' ? value : value.join(', ');
  }
  return out;
}

function bodyBytes(body: NotificationInput['body']): Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  return body instanceof Uint8Array ? body : new Uint8Array(body);
}

function toResponse(response: import('node:http').IncomingMessage, body: Buffer, url: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const status = response.statusCode ?? 0;
  const nullBody = status === 204 || status === 205 || status === 304;
  const reply = new Response(nullBody ? null : (body as Uint8Array<ArrayBuffer>), { status, headers }); // throws outside 200-599
  Object.defineProperty(reply, 'url', { value: url });
  return reply;
}

/**
 * POSTs a notification (headers and raw body) to `url` and returns the merchant's reply, as the
 * wallet would: a `3xx` is returned as it is (never followed), and a merchant that does not connect
 * within `connectTimeoutMs` or answer within `timeoutMs` gets a {@link TimeoutError}; any other
 * failure to reach it is a {@link NetworkError}. Uses `node:http` where there is one (Node, Bun,
 * Deno), `fetch` elsewhere (with the overall deadline only).
 *
 * @example
 * ```ts
 * const reply = await deliverNotification(sandbox.pay(order.id), 'http://127.0.0.1:3000/webhooks/alipay');
 * ```
 */
export async function deliverNotification(
  notification: NotificationInput,
  url: string,
  options: DeliveryOptions = {},
): Promise<Response> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const connectTimeoutMs = Math.min(options.connectTimeoutMs ?? DEFAULT_DELIVERY_CONNECT_TIMEOUT_MS, timeoutMs);
  const target = new URL(url);
  const method = notification.method ?? 'POST';
  const headers = headerRecord(notification.headers);
  const body = bodyBytes(notification.body);
  const transport = await (target.protocol === 'https:' ? import('node:https') : import('node:http')).catch(
    () => undefined,
  );
  if (transport === undefined) {
    try {
      return await fetch(target, {
        method,
        headers,
        body: body as Uint8Array<ArrayBuffer>,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      if ((cause as Error).name === 'TimeoutError') {
        throw new TimeoutError(timeoutMs, `the merchant at ${target.origin} did not answer in time`, { cause });
      }
      throw new NetworkError(`the merchant at ${target.origin} could not be reached`, { cause });
    }
  }
  return new Promise<Response>((resolve, reject) => {
    const request = transport.request(target, {
      method,
      headers: { ...headers, 'content-length': String(body.byteLength) },
    });
    const fail = (error: Error) => {
      clearTimeout(connectTimer);
      clearTimeout(overallTimer);
      request.destroy();
      reject(error);
    };
    const connectTimer = setTimeout(
      () =>
        fail(
          new TimeoutError(connectTimeoutMs, `the merchant at ${target.origin} did not accept a connection in time`),
        ),
      connectTimeoutMs,
    );
    const overallTimer = setTimeout(
      () => fail(new TimeoutError(timeoutMs, `the merchant at ${target.origin} did not answer in time`)),
      timeoutMs,
    );
    request.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    request.on('error', (cause) =>
      fail(new NetworkError(`the merchant at ${target.origin} could not be reached`, { cause })),
    );
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > MAX_REPLY_BYTES) fail(new NetworkError(`the merchant at ${target.origin} answered with over 1 MiB`));
        else chunks.push(chunk);
      });
      response.on('error', (cause) => fail(new NetworkError(`the merchant at ${target.origin} hung up`, { cause })));
      response.on('end', () => {
        clearTimeout(connectTimer);
        clearTimeout(overallTimer);
        try {
          resolve(toResponse(response, Buffer.concat(chunks), target.href));
        } catch (cause) {
          fail(new NetworkError(`the merchant at ${target.origin} answered with a reply that is not HTTP`, { cause }));
        }
      });
    });
    request.end(body);
  });
}
