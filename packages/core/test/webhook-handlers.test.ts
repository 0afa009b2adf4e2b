import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createNodeWebhookHandler,
  createWebhookHandler,
  MAX_NOTIFICATION_BYTES,
  type NotificationHandlerFunction,
  ValidationError,
} from '../src/index.js';

/** A notification handler that acknowledges everything and records what it was given. */
function fakeHandle() {
  return vi.fn<NotificationHandlerFunction>(async () => ({
    response: { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' },
  }));
}

function failingHandle() {
  return vi.fn<NotificationHandlerFunction>(async () => {
    throw new Error('store outage');
  });
}

/** Waits until `spy` has been called, or gives up after `ms`. */
async function calledWithin(spy: { mock: { calls: unknown[] } }, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (spy.mock.calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('createNodeWebhookHandler', () => {
  const servers: Server[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    unhandled.length = 0;
    for (const server of servers.splice(0)) server.close();
  });

  async function serve(handler: Parameters<typeof createServer>[1]) {
    const server = createServer(handler);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return { port, url: `http://127.0.0.1:${port}/hooks/alipay` };
  }

  it('survives a client that hangs up mid-body: no unhandled rejection, and the server keeps answering', async () => {
    process.on('unhandledRejection', onUnhandled);
    const handle = fakeHandle();
    const onRejected = vi.fn();
    // Exactly as the docs show: the promise the handler returns is dropped by node:http.
    const { port, url } = await serve(createNodeWebhookHandler(handle, onRejected));
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'POST /hooks/alipay HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 1000\r\n\r\nout_trade_no=1&total',
    );
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await calledWithin(onRejected);
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
    expect(handle).not.toHaveBeenCalled();
    expect(onRejected).toHaveBeenCalledTimes(1);
    expect(onRejected.mock.calls[0]?.[0]).toBeInstanceOf(ValidationError);
    const response = await fetch(url, { method: 'POST', body: 'a=1' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(unhandled).toEqual([]);
  });

  it('answers 405 with Allow: POST to every method but POST, without calling the handler', async () => {
    const handle = fakeHandle();
    const onRejected = vi.fn();
    const { url } = await serve(createNodeWebhookHandler(handle, onRejected));
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await fetch(url, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
    expect(handle).not.toHaveBeenCalled();
    expect(onRejected).not.toHaveBeenCalled();
  });

  it('reports a body a framework parsed away to onRejected, and still answers 500', async () => {
    const handle = fakeHandle();
    const onRejected = vi.fn();
    const handler = createNodeWebhookHandler(handle, onRejected);
    const { url } = await serve(async (request, response) => {
      for await (const _chunk of request) {
        // drain, as a JSON body parser would
      }
      Object.assign(request, { body: { parsed: true } });
      await handler(request, response);
    });
    const response = await fetch(url, { method: 'POST', body: '{"a":1}' });
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('raw body');
    expect(handle).not.toHaveBeenCalled();
    expect(onRejected).toHaveBeenCalledTimes(1);
    const error = onRejected.mock.calls[0]?.[0] as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.field).toBe('body');
    expect(error.message).toContain('parsed away');
  });

  it('answers 413 to a body over MAX_NOTIFICATION_BYTES and reports it to onRejected', async () => {
    const handle = fakeHandle();
    const onRejected = vi.fn();
    const { url } = await serve(createNodeWebhookHandler(handle, onRejected));
    for (const body of ['x'.repeat(MAX_NOTIFICATION_BYTES + 1)]) {
      const response = await fetch(url, { method: 'POST', body });
      expect(response.status).toBe(413);
    }
    expect(handle).not.toHaveBeenCalled();
    expect(onRejected).toHaveBeenCalledTimes(1);
    expect(onRejected.mock.calls[0]?.[0]).toBeInstanceOf(ValidationError);
  });

  it('answers 500 when the handler itself fails, reports it, and never rejects', async () => {
    process.on('unhandledRejection', onUnhandled);
    const onRejected = vi.fn(async () => {
      throw new Error('a listener that fails too');
    });
    const { url } = await serve(createNodeWebhookHandler(failingHandle(), onRejected));
    const response = await fetch(url, { method: 'POST', body: 'a=1' });
    expect(response.status).toBe(500);
    await new Promise((r) => setTimeout(r, 20));
    expect(onRejected).toHaveBeenCalledTimes(1);
    expect(unhandled).toEqual([]);
  });
});

describe('createWebhookHandler', () => {
  const url = 'https://shop.example/hooks/alipay';

  /** A body of `total` bytes in 64 KiB chunks, counting what was pulled and whether it was cancelled. */
  function countingStream(total: number) {
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const seen = { pulled: 0, cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (seen.pulled >= total) return controller.close();
        seen.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        seen.cancelled = true;
      },
    });
    return { stream, seen };
  }

  it('stops reading a streamed body with no Content-Length at MAX_NOTIFICATION_BYTES: 413, stream cancelled', async () => {
    const handle = fakeHandle();
    const onRejected = vi.fn();
    const { stream, seen } = countingStream(16 * MAX_NOTIFICATION_BYTES);
    const request = new Request(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(request.headers.get('content-length')).toBeNull();
    const response = await createWebhookHandler(handle, onRejected)(request);
    expect(response.status).toBe(413);
    expect(seen.pulled).toBeLessThanOrEqual(MAX_NOTIFICATION_BYTES + 4 * 64 * 1024);
    expect(seen.cancelled).toBe(true);
    expect(handle).not.toHaveBeenCalled();
    expect(onRejected).toHaveBeenCalledTimes(1);
    expect(onRejected.mock.calls[0]?.[0]).toBeInstanceOf(ValidationError);
  });

  it('still reads a streamed body under the limit whole', async () => {
    const handle = fakeHandle();
    const { stream } = countingStream(3 * 64 * 1024);
    const response = await createWebhookHandler(handle)(
      new Request(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit),
    );
    expect(response.status).toBe(200);
    const body = handle.mock.calls[0]?.[0]?.body as Uint8Array | undefined;
    expect(body?.byteLength).toBe(3 * 64 * 1024);
  });

  it('answers 413 to a declared Content-Length over the limit and reports it', async () => {
    const onRejected = vi.fn();
    const response = await createWebhookHandler(
      fakeHandle(),
      onRejected,
    )(
      new Request(url, {
        method: 'POST',
        headers: { 'content-length': String(MAX_NOTIFICATION_BYTES + 1) },
        body: 'a=1',
      }),
    );
    expect(response.status).toBe(413);
    expect(onRejected).toHaveBeenCalledTimes(1);
  });

  it('answers 405 with Allow: POST to every method but POST, without calling the handler', async () => {
    const handle = fakeHandle();
    const onRejected = vi.fn();
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await createWebhookHandler(handle, onRejected)(new Request(url, { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
    expect(handle).not.toHaveBeenCalled();
    expect(onRejected).not.toHaveBeenCalled();
  });

  it('answers 400 to a body that fails while streaming, and reports it', async () => {
    const onRejected = vi.fn();
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connection reset'));
      },
    });
    const response = await createWebhookHandler(
      fakeHandle(),
      onRejected,
    )(new Request(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit));
    expect(response.status).toBe(400);
    expect(onRejected).toHaveBeenCalledTimes(1);
    expect(onRejected.mock.calls[0]?.[0]).toBeInstanceOf(ValidationError);
  });

  it('answers 500 when the handler itself fails, and never rejects', async () => {
    const onRejected = vi.fn(() => {
      throw new Error('a listener that fails too');
    });
    const response = await createWebhookHandler(
      failingHandle(),
      onRejected,
    )(new Request(url, { method: 'POST', body: 'a=1' }));
    expect(response.status).toBe(500);
    expect(onRejected).toHaveBeenCalledTimes(1);
  });
});

describe('createNodeWebhookHandler: the URL a notification is handed', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  async function raw(handler: Parameters<typeof createServer>[1], bytes: string): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.end(bytes);
    let received = '';
    for await (const chunk of socket) received += (chunk as Buffer).toString('latin1');
    return received;
  }

  const delivery = (target: string, host: string) =>
    `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;

  it('is the request path on the trusted origin, never built from the Host header', async () => {
    const handle = fakeHandle();
    const handler = createNodeWebhookHandler(handle, undefined, { origin: 'https://shop.example' });
    const answer = await raw(handler, delivery('/hooks/alipay?attempt=2', 'evil.example'));
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(handle.mock.calls[0]?.[0].url).toBe('https://shop.example/hooks/alipay?attempt=2');
  });

  it('keeps a path that starts with // on the trusted origin', async () => {
    const handle = fakeHandle();
    const handler = createNodeWebhookHandler(handle);
    await raw(handler, delivery('//evil.example/hooks/alipay', 'shop.example'));
    expect(handle.mock.calls[0]?.[0].url).toBe('http://localhost/evil.example/hooks/alipay');
  });

  it('refuses an absolute-form target with a bad host with 400, before the notification handler', async () => {
    const handle = fakeHandle();
    const answer = await raw(createNodeWebhookHandler(handle), delivery('http://[/pay', 'shop.example'));
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(handle).not.toHaveBeenCalled();
  });

  it('refuses an origin that is not an absolute http(s) URL when created', () => {
    expect(() => createNodeWebhookHandler(fakeHandle(), undefined, { origin: 'shop.example' })).toThrow(
      ValidationError,
    );
  });
});
