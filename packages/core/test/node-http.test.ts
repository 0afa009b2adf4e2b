import { type ChildProcess, spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { track } from '../../../tests/support/processes.js';
import { requestTargetPath, toFetchRequest, trustedOrigin } from '../src/node-http.js';

/** A stand-in for Node's request: the fields toFetchRequest reads. */
function nodeRequest(method: string, url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { method, url, headers } as unknown as IncomingMessage;
}

describe('requestTargetPath', () => {
  it('keeps origin-form paths and folds leading slashes and backslashes into one', () => {
    expect(requestTargetPath('/pay/abc?x=1')).toBe('/pay/abc?x=1');
    expect(requestTargetPath('//evil.example/pay')).toBe('/evil.example/pay');
    expect(requestTargetPath('/\\evil.example/pay')).toBe('/evil.example/pay');
    expect(requestTargetPath('\\\\evil.example')).toBe('/evil.example');
    expect(requestTargetPath('/a#frag')).toBe('/a');
    expect(requestTargetPath(undefined)).toBe('/');
  });
  it('takes only the path of an absolute-form target, and refuses what is neither', () => {
    expect(requestTargetPath('http://other.example//evil.example/x?y')).toBe('/evil.example/x?y');
    expect(requestTargetPath('http://[/pay')).toBeUndefined();
    expect(requestTargetPath('*')).toBeUndefined();
    expect(requestTargetPath('evil.example:443')).toBeUndefined();
  });
});

describe('toFetchRequest', () => {
  const origin = 'https://shop.example';
  it.each(['TRACE', 'CONNECT', 'TRACK', 'track'])('answers %s with 405', (method) => {
    expect(toFetchRequest(nodeRequest(method, '/pay'), { origin })).toMatchObject({ ok: false, status: 405 });
  });
  it('answers a method that is not a token, and a target that is not a path, with 400', () => {
    expect(toFetchRequest(nodeRequest('GE T', '/pay'), { origin })).toMatchObject({ ok: false, status: 400 });
    expect(toFetchRequest(nodeRequest('GET', 'http://[/pay'), { origin })).toMatchObject({ ok: false, status: 400 });
  });
  it('builds the URL on the trusted origin whatever the Host header or the path says', () => {
    for (const host of ['[', 'a:b:c', '', 'evil.example']) {
      const result = toFetchRequest(nodeRequest('GET', '//evil.example/pay/x?y=1', { host }), { origin });
      if (!result.ok) throw new Error('expected a request');
      const url = new URL(result.request.url);
      expect(url.origin).toBe(origin);
      expect(url.pathname).toBe('/evil.example/pay/x');
      expect(new URL('/next', url).origin).toBe(origin);
    }
  });
  it('passes the body of a POST and none for GET', async () => {
    const body = new TextEncoder().encode('a=1');
    const post = toFetchRequest(nodeRequest('POST', '/pay'), { origin, body });
    if (!post.ok) throw new Error('expected a request');
    expect(await post.request.text()).toBe('a=1');
    const get = toFetchRequest(nodeRequest('GET', '/pay'), { origin, body });
    if (!get.ok) throw new Error('expected a request');
    expect(get.request.body).toBeNull();
  });
  it('trustedOrigin refuses what is not an http(s) URL', () => {
    expect(trustedOrigin('https://shop.example/pay?x')).toBe(origin);
    expect(() => trustedOrigin('ftp://x')).toThrow(/http/);
    expect(() => trustedOrigin('shop.example')).toThrow(/http/);
  });
});

describe('createNodeHandler over a raw socket, in a server process of its own', () => {
  let child: ChildProcess;
  let port = 0;
  const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url));
  const script = fileURLToPath(new URL('./processes/node-handler-server.ts', import.meta.url));

  beforeAll(async () => {
    child = track(spawn(process.execPath, ['--import', tsx, script], { stdio: ['ignore', 'pipe', 'inherit'] }));
    port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    });
  }, 20_000);
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
  });

  /** Sends raw bytes and resolves with the whole reply text (the server closes or a short wait ends it). */
  function raw(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let reply = '';
      socket.on('data', (chunk) => {
        reply += chunk.toString('latin1');
        if (/\r\n\r\n/.test(reply)) setTimeout(() => socket.end(), 50);
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(reply));
      socket.write(text);
      setTimeout(() => socket.destroy(), 3000);
    });
  }
  const status = (reply: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1]);

  it.each([
    ['TRACE', 'TRACE /pay HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n', 405],
    ['CONNECT', 'CONNECT shop.example:443 HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n', 405],
    // Node's parser refuses TRACK itself (400) before any listener runs.
    ['TRACK', 'TRACK /pay HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n', 400],
    ['Host [', 'GET /pay HTTP/1.1\r\nHost: [\r\nConnection: close\r\n\r\n', 200],
    ['Host a:b:c', 'GET /pay HTTP/1.1\r\nHost: a:b:c\r\nConnection: close\r\n\r\n', 200],
    ['an empty Host', 'GET /pay HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n', 200],
    [
      'an absolute target with a bad host',
      'GET http://[/pay HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n',
      400,
    ],
    [
      'a body over the limit',
      `POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n${'a'.repeat(5000)}`,
      413,
    ],
    ['a failing handler', 'GET /throw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 500],
  ])('answers %s with a status and keeps serving', async (_name, request, expected) => {
    const reply = await raw(request);
    expect(status(reply)).toBe(expected);
    const next = await raw('GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(status(next)).toBe(200);
    expect(child.exitCode).toBeNull();
  });

  it('never lets a //host path choose the origin of the URL or of a Location', async () => {
    const reply = await raw(
      'POST //evil.example/pay HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 3\r\nConnection: close\r\n\r\na=1',
    );
    expect(status(reply)).toBe(200);
    expect(reply).toMatch(/location: https:\/\/shop\.example\/done/i);
    expect(reply).toContain('"href":"https://shop.example/evil.example/pay"');
    expect(reply).toContain('"body":"a=1"');
  });

  it('survives a client that hangs up mid-body', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    const next = await raw('GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(status(next)).toBe(200);
  });
});
