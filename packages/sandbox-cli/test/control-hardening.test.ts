/**
 * `hutong-sandbox start` under a hostile browser and hostile bytes: its control API holds test keys
 * and makes the sandboxes post notifications, so a web page must not reach it (DNS rebinding, a
 * cross-site `text/plain` POST), and no request may take the process down. Tested against the
 * real CLI in a child process, over raw sockets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { track } from '../../../tests/support/processes.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

let child: ChildProcess;
let started: { controlUrl: string; baseUrls: Record<string, string> };

beforeAll(async () => {
  child = track(
    spawn(process.execPath, ['--import', 'tsx', 'packages/sandbox-cli/src/cli.ts', 'start', '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  started = await new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      try {
        resolve(JSON.parse(output));
      } catch {
        // not all of it yet
      }
    });
    child.once('exit', (code) => reject(new Error(`hutong-sandbox start exited with ${code}`)));
  });
}, 60_000);

afterAll(async () => {
  if (child?.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

function raw(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(text));
    let data = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

const statusOf = (reply: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? 0);

describe('hutong-sandbox control API', () => {
  it('refuses a Host that is not loopback (DNS rebinding), without the keys', async () => {
    const reply = await raw(started.controlUrl, 'GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n');
    expect(statusOf(reply)).toBe(403);
    expect(reply).not.toContain('keysDir');
    const port = new URL(started.controlUrl).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const ok = await raw(started.controlUrl, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(statusOf(ok), host).toBe(200);
    }
  });

  it('refuses a POST that is not application/json (a cross-site form or text/plain post)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const reply = await fetch(`${started.controlUrl}/trigger`, {
        method: 'POST',
        headers: type ? { 'content-type': type } : {},
        body: JSON.stringify({ event: 'payment', wallet: 'alipay', to: 'http://127.0.0.1:9/x', amount: 1 }),
      });
      expect(reply.status, type || 'no content type').toBe(415);
    }
  });

  it('refuses a request from a web page of another origin', async () => {
    const reply = await fetch(`${started.controlUrl}/trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ event: 'payment', wallet: 'alipay', to: 'http://127.0.0.1:9/x', amount: 1 }),
    });
    expect(reply.status).toBe(403);
  });

  it('answers bad JSON and a bad trigger 400 with a code', async () => {
    const bad = await fetch(`${started.controlUrl}/trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(bad.status).toBe(400);
    const wrong = await fetch(`${started.controlUrl}/trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'explode', wallet: 'alipay' }),
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('validation_error');
  });

  /** A merchant's endpoint on a loopback port; `hits` counts the requests it got. */
  async function merchant(listener: RequestListener): Promise<{ url: string; hits: () => number; close(): void }> {
    let hits = 0;
    const server = createServer((request, response) => {
      hits++;
      listener(request, response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
    return {
      url,
      hits: () => hits,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }

  const trigger = (to: string) =>
    fetch(`${started.controlUrl}/trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'payment', wallet: 'alipay', to, amount: 100 }),
    });

  it('delivers a triggered notification without following the merchant’s redirect, as a wallet does', async () => {
    const elsewhere = await merchant((_request, response) => response.writeHead(200).end('success'));
    const redirecting = await merchant((_request, response) =>
      response.writeHead(307, { location: elsewhere.url }).end(),
    );
    try {
      const reply = await trigger(redirecting.url);
      expect(reply.status).toBe(200);
      expect(((await reply.json()) as { status: number }).status).toBe(307);
      expect(redirecting.hits()).toBe(1);
      expect(elsewhere.hits()).toBe(0);
    } finally {
      elsewhere.close();
      redirecting.close();
    }
  });

  it('gives up on a merchant that never answers at the response deadline (10 s), and answers 502', {
    timeout: 30_000,
  }, async () => {
    const silent = await merchant(() => undefined); // reads the request, never answers
    try {
      const began = Date.now();
      const reply = await trigger(silent.url);
      expect(reply.status).toBe(502);
      expect(((await reply.json()) as { error: string }).error).toBe('timeout');
      expect(Date.now() - began).toBeLessThan(15_000);
      expect(child.exitCode, 'hutong-sandbox is still running').toBeNull();
    } finally {
      silent.close();
    }
  });

  /** Requests no server may die of; `true` where the client hangs up mid-body (no answer is due). */
  const MALFORMED: [string, boolean][] = [
    ['TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', false],
    ['TRACK / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', false],
    ['CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', false],
    ['GET http://[/pay HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', false],
    ['GET / HTTP/1.1\r\nHost: [\r\n\r\n', false],
    ['GET / HTTP/1.1\r\nHost: a:b:c\r\n\r\n', false],
    ['GET / HTTP/1.1\r\nHost: \r\n\r\n', false],
    ['HELLO\r\n\r\n', false],
    ['POST /trigger HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{', true],
  ];

  const cases = MALFORMED.map(
    ([request, hangsUp]) => [JSON.stringify(request.split('\r\n')[0]), request, hangsUp] as const,
  );

  async function answers4xxAndLives(urls: string[], request: string, hangsUp: boolean) {
    for (const url of urls) {
      const reply = await raw(url, request);
      if (hangsUp && reply === '') continue;
      expect(statusOf(reply), url).toBeGreaterThanOrEqual(400);
      expect(statusOf(reply), url).toBeLessThan(500);
    }
    expect(child.exitCode, 'hutong-sandbox is still running').toBeNull();
    for (const url of urls) {
      const next = await raw(url, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      expect(statusOf(next), `${url} still answers`).toBeGreaterThan(0);
    }
  }

  it.each(cases)('answers %s 4xx on the control server, and keeps serving', (_name, request, hangsUp) =>
    answers4xxAndLives([started.controlUrl], request, hangsUp),
  );

  // Last: until every sandbox's listen() is served by serveSandbox, one of these kills the process.
  it.each(cases)("answers %s 4xx on the three sandboxes' servers, and keeps serving", (_name, request, hangsUp) =>
    answers4xxAndLives(Object.values(started.baseUrls), request, hangsUp),
  );
});
