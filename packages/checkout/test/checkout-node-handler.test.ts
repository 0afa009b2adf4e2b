/**
 * `checkout.nodeHandler` against hostile requests, over a raw socket (so that nothing between the
 * test and the server tidies the request), on a server in a child process: a request that makes
 * an exception escape kills that process, and the next request finds no one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { track } from '../../../tests/support/processes.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

let child: ChildProcess | undefined;
let server: { port: number; recipePort: number; link: string; attempt: string };
let exited: string | undefined;

/** Starts the server process; the tests before each start one again if a request killed it. */
async function start(): Promise<void> {
  exited = undefined;
  // node itself with the tsx loader (not the tsx wrapper, whose child a kill would leave running).
  const proc = track(
    spawn(process.execPath, ['--import', 'tsx', 'packages/checkout/test/processes/checkout-server.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  child = proc;
  proc.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  server = await new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    proc.on('exit', () => reject(new Error(`the server did not start: ${err}`)));
  });
}

beforeEach(async () => {
  if (!child || exited !== undefined) await start();
}, 30_000);

afterAll(async () => {
  const last = child;
  if (!last) return;
  if (last.exitCode === null && last.signalCode === null) {
    const gone = new Promise((resolve) => last.once('exit', resolve));
    last.kill('SIGKILL');
    await gone;
  }
  expect(last.exitCode !== null || last.signalCode !== null).toBe(true);
});

/** Sends `head` (the request line and headers, CRLF-separated, no final blank line) and reads the status. */
function raw(head: string, port = server.port): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1];
      resolve(status ? Number(status) : 'closed');
    });
    socket.write(`${head}\r\nConnection: close\r\n\r\n`);
  });
}

/** The server is still there: a plain request for the link is answered. */
async function stillServing(): Promise<void> {
  expect(exited).toBeUndefined();
  expect(await raw(`GET ${server.link} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: Mozilla/5.0`)).toBe(200);
  expect(exited).toBeUndefined();
}

describe('checkout.nodeHandler under hostile requests', () => {
  it('answers a plain request for the link', async () => {
    await stillServing();
  });

  it.each(['TRACE', 'TRACK'])(
    'answers the method %s (refused by WHATWG Request) with a 4xx/501, and keeps serving',
    async (method) => {
      const status = await raw(`${method} ${server.link} HTTP/1.1\r\nHost: shop.example`);
      expect([400, 405, 501]).toContain(status);
      await stillServing();
    },
  );

  it('survives CONNECT, and keeps serving', async () => {
    const status = await raw(`CONNECT shop.example:443 HTTP/1.1\r\nHost: shop.example:443`);
    // node:http hands CONNECT to a 'connect' listener, or closes the socket when there is none.
    expect(status === 'closed' || (status >= 400 && status < 600)).toBe(true);
    await stillServing();
  });

  it('answers CONNECT 405 on the guide’s Node recipe (refuseConnectRequests), and keeps serving', async () => {
    const status = await raw(`CONNECT shop.example:443 HTTP/1.1\r\nHost: shop.example:443`, server.recipePort);
    expect(status).toBe(405);
    expect(await raw(`GET ${server.link} HTTP/1.1\r\nHost: shop.example`, server.recipePort)).toBe(200);
    await stillServing();
  });

  it.each([
    ['[', 'an unclosed IPv6 bracket'],
    ['a:b:c', 'two colons'],
    ['', 'nothing'],
  ])('answers a Host header of %j (%s) with a 4xx or the page, and keeps serving', async (host) => {
    const status = await raw(`GET ${server.link} HTTP/1.1\r\nHost: ${host}`);
    expect(status === 200 || (typeof status === 'number' && status >= 400 && status < 500)).toBe(true);
    await stillServing();
  });

  it.each(['http://[/pay', 'http://a:b:c/pay', 'https://evil.example/pay/x'])(
    'answers the absolute-form target %s with a 4xx, and keeps serving',
    async (target) => {
      const status = await raw(`GET ${target} HTTP/1.1\r\nHost: shop.example`);
      expect(typeof status === 'number' && status >= 400 && status < 500).toBe(true);
      await stillServing();
    },
  );

  it('answers a body over 64 KiB with 413 without reading it, and keeps serving', async () => {
    const status = await raw(`POST ${server.attempt} HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 100000`);
    expect(status).toBe(413);
    await stillServing();
  });

  it('answers a POST of a valid attempt under a // path without sending the buyer to another host', async () => {
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
      socket.write(
        `POST //evil.example${server.attempt} HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
    });
    const location = /\r\nlocation: ([^\r]*)/i.exec(reply)?.[1];
    if (location !== undefined) expect(new URL(location, 'https://shop.example/').origin).toBe('https://shop.example');
    expect(reply).not.toMatch(/evil\.example(?!\/pay)/);
    await stillServing();
  });
});
