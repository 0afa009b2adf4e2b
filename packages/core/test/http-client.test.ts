import { describe, expect, it, vi } from 'vitest';
import { NetworkError, TimeoutError } from '../src/index.js';
import { createHttpClient, REDACTED, redactText } from '../src/provider-utils/index.js';

function scriptedFetch(...steps: Array<Response | Error>) {
  const calls: RequestInit[] = [];
  const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push(init ?? {});
    const step = steps.shift();
    if (!step) throw new Error('no more scripted responses');
    if (step instanceof Error) throw step;
    return step;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

const noSleep = async () => {};

describe('createHttpClient', () => {
  it('sends the exact body and headers and returns the raw text', async () => {
    const { fetch, calls } = scriptedFetch(new Response('{"a":"\\/x"}', { status: 200 }));
    const http = createHttpClient({ provider: 'test', fetch });
    const response = await http.send({
      method: 'POST',
      url: 'https://api.example/pay',
      headers: { 'x-a': '1' },
      body: 'a=1',
    });
    expect(response.text).toBe('{"a":"\\/x"}');
    expect(calls[0]).toMatchObject({ method: 'POST', body: 'a=1', headers: { 'x-a': '1' } });
  });

  it('keeps the exact bytes, a byte-order mark included', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
    const { fetch } = scriptedFetch(new Response(bytes));
    const response = await createHttpClient({ provider: 'test', fetch }).send({
      method: 'GET',
      url: 'https://api.example/bill',
    });
    expect(response.text).toBe('\ufeffa');
    expect([...response.bytes]).toEqual([...bytes]);
  });

  it('retries an idempotent request after network errors and 503s, with jittered backoff', async () => {
    const { fetch } = scriptedFetch(
      new TypeError('fetch failed'),
      new Response('', { status: 503 }),
      new Response('ok'),
    );
    const sleep = vi.fn(async (_ms: number) => {});
    const http = createHttpClient({ provider: 'test', fetch, sleep, random: () => 0.5, retryBaseMs: 100 });
    const response = await http.send({ method: 'GET', url: 'https://api.example/q' });
    expect(response.text).toBe('ok');
    expect(sleep.mock.calls).toEqual([[50], [100]]);
  });

  it('honours Retry-After, capped by retryMaxMs', async () => {
    const { fetch } = scriptedFetch(
      new Response('', { status: 429, headers: { 'retry-after': '60' } }),
      new Response('ok'),
    );
    const sleep = vi.fn(async (_ms: number) => {});
    const http = createHttpClient({ provider: 'test', fetch, sleep, retryMaxMs: 2_000 });
    await http.send({ method: 'GET', url: 'https://api.example/q' });
    expect(sleep).toHaveBeenCalledWith(2_000);
  });

  it('never retries a non-idempotent POST', async () => {
    const { fetch } = scriptedFetch(new TypeError('fetch failed'), new Response('ok'));
    const http = createHttpClient({ provider: 'test', fetch, sleep: noSleep });
    const error = await http
      .send({ method: 'POST', url: 'https://api.example/pay', body: 'x' })
      .catch((e: unknown) => e);
    expect(NetworkError.isInstance(error)).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('retries a POST the adapter marks idempotent', async () => {
    const { fetch } = scriptedFetch(new TypeError('fetch failed'), new Response('ok'));
    const http = createHttpClient({ provider: 'test', fetch, sleep: noSleep });
    await http.send({ method: 'POST', url: 'https://api.example/query', body: 'x', idempotent: true });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('gives up after the configured retries and returns the last retryable response', async () => {
    const { fetch } = scriptedFetch(new Response('', { status: 502 }), new Response('busy', { status: 502 }));
    const http = createHttpClient({ provider: 'test', fetch, sleep: noSleep, retries: 1 });
    const response = await http.send({ method: 'GET', url: 'https://api.example/q' });
    expect(response.status).toBe(502);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('times out with TimeoutError and keeps the query string (which may hold a signature) out of the message', async () => {
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as unknown as typeof globalThis.fetch;
    const http = createHttpClient({ provider: 'test', fetch, timeoutMs: 20, retries: 0 });
    const error = await http.send({ method: 'GET', url: 'https://api.example/q?sign=SECRET' }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('https://api.example/q');
    expect((error as Error).message).not.toContain('SECRET');
  });

  it('shows hooks only redacted requests and responses', async () => {
    const { fetch } = scriptedFetch(new Response('{"sign":"RESPONSESECRET","code":"10000"}'));
    const seen: string[] = [];
    const http = createHttpClient({
      provider: 'test',
      fetch,
      redactFields: ['app_auth_token'],
      hooks: {
        onRequest: (request) => seen.push(JSON.stringify(request)),
        onResponse: (response) => seen.push(JSON.stringify(response)),
      },
    });
    await http.send({
      method: 'POST',
      url: 'https://api.example/gw?app_id=1&sign=URLSECRET&app_auth_token=TOKENSECRET',
      headers: { Authorization: 'WECHATPAY2 signature="HEADERSECRET"' },
      body: 'biz_content=x&sign=BODYSECRET',
    });
    const logged = seen.join('\n');
    for (const secret of ['URLSECRET', 'TOKENSECRET', 'HEADERSECRET', 'BODYSECRET', 'RESPONSESECRET']) {
      expect(logged).not.toContain(secret);
    }
    expect(logged).toContain('app_id=1');
    expect(logged).toContain(REDACTED);
  });
});

describe('redactText', () => {
  it('redacts form, query and JSON fields, escaped quotes included', () => {
    expect(redactText('a=1&sign=abc%2B&b=2')).toBe(`a=1&sign=${REDACTED}&b=2`);
    expect(redactText('https://x/y?sign=abc#frag')).toBe(`https://x/y?sign=${REDACTED}#frag`);
    expect(redactText('{"paySign": "a\\"b", "ok":1}')).toBe(`{"paySign": "${REDACTED}", "ok":1}`);
    expect(redactText('design=keep')).toBe('design=keep');
  });
});
