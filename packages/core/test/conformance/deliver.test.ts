import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkError, TimeoutError } from '@hutong/core';
import { afterEach, describe, expect, it } from 'vitest';
import { deliverNotification } from '../../src/testing/index.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function server(listener: RequestListener): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const s = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    listener(request, response);
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  closers.push(() => {
    s.closeAllConnections();
    s.close();
  });
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, hits };
}

const notification = { headers: { 'content-type': 'text/plain', 'x-sign': 'abc' }, body: 'a=1&b=2' };

describe('deliverNotification', () => {
  it('posts the headers and the raw body, and returns the reply', async () => {
    let received = '';
    const merchant = await server((request, response) => {
      request.on('data', (chunk: Buffer) => {
        received += `${request.headers['x-sign']}:${chunk.toString()}`;
      });
      request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain' }).end('success'));
    });
    const reply = await deliverNotification(notification, `${merchant.url}/hook`);
    expect(reply.status).toBe(200);
    expect(await reply.text()).toBe('success');
    expect(reply.url).toBe(`${merchant.url}/hook`);
    expect(received).toBe('abc:a=1&b=2');
  });

  it('never follows a redirect, as a wallet does not', async () => {
    const elsewhere = await server((_request, response) => response.writeHead(200).end('taken'));
    const merchant = await server((_request, response) =>
      response.writeHead(307, { location: `${elsewhere.url}/stolen` }).end(),
    );
    const reply = await deliverNotification(notification, `${merchant.url}/hook`);
    expect(reply.status).toBe(307);
    expect(elsewhere.hits).toEqual([]);
  });

  it('gives up on a merchant that never answers, at the deadline', async () => {
    const merchant = await server(() => {}); // accepts, reads, never answers
    const started = Date.now();
    const error = await deliverNotification(notification, merchant.url, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a merchant that refuses the connection as a NetworkError', async () => {
    const merchant = await server(() => {});
    for (const close of closers.splice(0)) close();
    const error = await deliverNotification(notification, merchant.url).catch((e: unknown) => e);
    expect(NetworkError.isInstance(error)).toBe(true);
  });
});
