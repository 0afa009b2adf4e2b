/**
 * The UnionPay sandbox's `listen()` under hostile bytes: served through core's `serveSandbox`, a
 * malformed request is answered 4xx and the server (and the process) keeps serving. Raw sockets,
 * since `fetch` cannot send these requests.
 */
import { connect } from 'node:net';
import { createPayments } from '@hutong/core';
import type { WalletSandboxServer } from '@hutong/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unionpay } from '../src/index.js';
import { PFX } from './helpers.js';
import { MER_ID, sandboxed } from './sandbox-setup.js';

const context = sandboxed();
let server: WalletSandboxServer;

beforeAll(async () => {
  server = await context.sandbox.listen();
});

afterAll(() => server.close());

function raw(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(text));
    let data = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

const statusOf = (reply: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);

const MALFORMED = [
  'TRACE /gateway/api/queryTrans.do HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
  'TRACK / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
  'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
  'GET http://[/pay HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
  'POST http://[/gateway/api/queryTrans.do HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: [\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a:b:c\r\n\r\n',
  'HELLO\r\n\r\n',
];

describe("the UnionPay sandbox's listen()", () => {
  it.each(MALFORMED.map((request) => [JSON.stringify(request.split('\r\n')[0]), request]))(
    'answers %s 4xx',
    async (_name, request) => {
      const status = statusOf(await raw(server.baseUrl, request));
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    },
  );

  it('keeps serving the gateway after them: a QR payment is created over HTTP', async () => {
    for (const request of MALFORMED) await raw(server.baseUrl, request);
    const provider = unionpay({
      merId: MER_ID,
      signCert: { pfx: PFX, password: '000000' },
      rootCert: context.sandbox.rootCert,
      middleCert: context.sandbox.middleCert,
      endpoint: server.baseUrl,
    });
    const payments = createPayments({ providers: [provider], notifyUrl: 'https://shop.example/hook' });
    const { action } = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 100, subject: 'x' });
    expect(action).toMatchObject({ type: 'qr' });
  });
});
