import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { track } from '../../../tests/support/processes.js';

const child = fileURLToPath(new URL('./processes/webhook-server.ts', import.meta.url));

let server: ChildProcess;
let port: number;
let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

/** Sends raw bytes and returns the status line's code (0 when the connection closed unanswered). */
function rawRequest(bytes: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s to ${JSON.stringify(bytes.split('\r\n')[0])}`));
    }, 5000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve(match ? Number(match[1]) : 0);
    });
    socket.write(bytes);
    // Half-close once sent, so a server that keeps the connection alive still ends it.
    socket.end();
  });
}

const post = (target: string, host: string | undefined, body = '{}') =>
  `POST ${target} HTTP/1.1\r\n${host === undefined ? '' : `Host: ${host}\r\n`}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

/** A well-formed delivery: the fake provider refuses its unsigned body with a 4xx, and answers. */
const wellFormed = post('/webhooks/fake', 'shop.example');

beforeAll(async () => {
  // The real node process (tsx as a loader, not a wrapper), so what dies is what serves.
  server = track(spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['ignore', 'pipe', 'inherit'] }));
  server.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    server.on('exit', () => reject(new Error('the webhook server exited before listening')));
  });
}, 30_000);

afterAll(async () => {
  if (exited === undefined) {
    const gone = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await gone;
  }
});

describe('the node webhook handler under hostile requests (a server in a child process)', () => {
  const hostile: [string, string, number[]][] = [
    ['TRACE (refused by WHATWG Request)', 'TRACE /webhooks/fake HTTP/1.1\r\nHost: shop.example\r\n\r\n', [405]],
    // Node's parser refuses a method it does not know with 400 before any listener runs.
    ['TRACK', 'TRACK /webhooks/fake HTTP/1.1\r\nHost: shop.example\r\n\r\n', [400, 405]],
    ['CONNECT', 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', [405]],
    ['a method token Node does not know', 'G@T /webhooks/fake HTTP/1.1\r\nHost: shop.example\r\n\r\n', [400]],
    ['GET', 'GET /webhooks/fake HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n', [405]],
    ['an absolute-form target with a bad host', post('http://[/pay', 'shop.example'), [400]],
    ['an absolute-form GET with a bad host', 'GET http://[/pay HTTP/1.1\r\nHost: shop.example\r\n\r\n', [400, 405]],
    ['a Host that cannot form a URL: [', post('/webhooks/fake', '['), [400]],
    ['a Host that cannot form a URL: a:b:c', post('/webhooks/fake', 'a:b:c'), [400]],
    ['an empty Host', post('/webhooks/fake', ''), [400]],
    ['no Host', post('/webhooks/fake', undefined), [400]],
    ['a path that starts with //', post('//evil.example/pay', 'shop.example'), [400]],
    ['a path that starts with /\\', post('/\\evil.example/pay', 'shop.example'), [400]],
    ['an absolute-form target on another host', post('http://evil.example/webhooks/fake', 'shop.example'), [400]],
    ['a body over the limit', post('/webhooks/fake', 'shop.example', 'x'.repeat(1024 * 1024 + 1)), [413]],
  ];

  for (const [name, bytes, statuses] of hostile) {
    it(`answers ${name} with a 4xx and still answers the next request`, async () => {
      const status = await rawRequest(bytes);
      expect(statuses).toContain(status);
      expect(await rawRequest(wellFormed)).toBe(400);
      expect(exited).toBeUndefined();
    });
  }
});
