import { connect } from 'node:net';
import { createPayments, MemoryOrderStore } from '@hutong/core';
import { afterEach, describe, expect, it } from 'vitest';
import { serveSandbox } from '../../src/testing/index.js';
import { acmepay } from './acme/acme-provider.js';
import { createAcmeSandbox } from './acme/acme-sandbox.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('serveSandbox', () => {
  it('serves a sandbox on loopback, so an adapter pays through it over real HTTP', async () => {
    const sandbox = createAcmeSandbox();
    const server = await sandbox.listen();
    servers.push(server);
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const provider = acmepay({ ...sandbox, endpoint: server.baseUrl, fetch: globalThis.fetch });
    const payments = createPayments({
      providers: [provider],
      store: new MemoryOrderStore(),
      notifyUrl: 'https://merchant.example/notify',
    });
    const { order } = await payments.createPayment({ provider: 'acmepay', method: 'qr', amount: 1234, subject: 'x' });
    sandbox.pay(order.id);
    expect((await payments.sync(order.id)).status).toBe('paid');
  });

  it('answers a malformed request 4xx and keeps serving', async () => {
    const server = await serveSandbox(() => new Response('ok'));
    servers.push(server);
    const port = Number(new URL(server.baseUrl).port);
    expect(await rawRequest(port, 'TRACE / HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(await rawRequest(port, 'GET http://[/pay HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(await (await fetch(`${server.baseUrl}/`)).text()).toBe('ok');
  });

  it("builds the request URL from the server's own origin, never from the Host header", async () => {
    const server = await serveSandbox((request) => new Response(new URL(request.url).origin));
    servers.push(server);
    const port = Number(new URL(server.baseUrl).port);
    const reply = await rawRequest(
      port,
      'GET //evil.example/x HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    expect(reply).toContain(server.baseUrl);
    expect(reply).not.toContain('evil.example');
  });
});
