/**
 * Every `Location` and every link a page renders points at the checkout's own origin (its
 * `baseUrl`), whatever path or host the request came with: `//evil.example/...` and `/\evil.example`
 * paths, and a request URL whose host is not the checkout's (a framework that trusts `Host`).
 */
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, UA } from './checkout-setup.js';

const ORIGIN = 'https://shop.example';

/** The links of a reply: its Location and every href, action, data-next and data-status-url of its page. */
function linksOf(headers: Headers | Record<string, string | undefined>, body: string): string[] {
  const location = headers instanceof Headers ? headers.get('location') : headers.location;
  const links = [...body.matchAll(/\s(?:href|action|data-next|data-status-url)="([^"]*)"/g)].map((m) =>
    (m[1] as string).replaceAll('&amp;', '&'),
  );
  return location ? [location, ...links] : links;
}

/** The fake wallets' cashier, where a valid link opened in a wallet's app sends the buyer. */
const WALLET = 'https://fake.hutong.invalid';

/**
 * Asserts each link, resolved as a browser would against `requested`, is on the checkout's origin
 * (or is the wallet's cashier, which the provider chose, never the request).
 */
function expectSameOrigin(links: string[], requested: string): void {
  for (const link of links) {
    const origin = new URL(link, requested).origin;
    expect({ link, origin: origin === WALLET ? ORIGIN : origin }).toEqual({ link, origin: ORIGIN });
  }
}

async function fixture() {
  const shop = setup({ baseUrl: `${ORIGIN}/pay` });
  const { session, url } = await shop.checkout.createSession({ amount: 100, subject: 'Tea' });
  await shop.checkout.visit({ url, userAgent: UA.alipay });
  const [attempt] = await shop.checkout.listAttempts(session.id);
  const link = new URL(url).pathname;
  return { ...shop, url, link, attemptPath: `${link}/a/${attempt?.orderId}` };
}

/** Hostile paths around a valid link (`link`) and a valid attempt (`attempt`). */
function hostilePaths(link: string, attempt: string): string[] {
  return [
    `//evil.example${link}`,
    `//evil.example${attempt}`,
    `/\\evil.example${link}`,
    `//evil.example${link}?lang=en`,
    `//evil.example/`,
    `/pay//evil.example/x`,
    `${link}/..//evil.example`,
    `${attempt}?lang=en`,
    `${link}?lang=en`,
  ];
}

describe('handler: no link or Location leaves the checkout’s origin', () => {
  it('for hostile paths, by GET (desktop and in-wallet) and by POST', async () => {
    const { checkout, link, attemptPath } = await fixture();
    for (const path of hostilePaths(link, attemptPath)) {
      const requested = `${ORIGIN}${path}`;
      for (const init of [
        { method: 'GET', headers: { 'user-agent': UA.desktop } },
        { method: 'GET', headers: { 'user-agent': UA.alipay } },
        { method: 'POST', headers: { 'user-agent': UA.desktop } },
      ]) {
        const response = await checkout.handler(new Request(requested, init));
        expectSameOrigin(linksOf(response.headers, await response.text()), requested);
      }
    }
  });

  it('for a request whose URL names another host (a framework that trusts Host)', async () => {
    const { checkout, link, attemptPath } = await fixture();
    for (const path of [link, `${link}?lang=en`, attemptPath, `${attemptPath}?lang=en`, '/pay/nothing']) {
      for (const method of ['GET', 'POST']) {
        const requested = `https://evil.example${path}`;
        const response = await checkout.handler(
          new Request(requested, { method, headers: { 'user-agent': UA.desktop } }),
        );
        expectSameOrigin(linksOf(response.headers, await response.text()), requested);
      }
    }
  });

  it('a POST of a valid attempt under //evil.example is never redirected to evil.example', async () => {
    const { checkout, attemptPath } = await fixture();
    const response = await checkout.handler(new Request(`${ORIGIN}//evil.example${attemptPath}`, { method: 'POST' }));
    expect(response.headers.get('location') ?? '').not.toContain('//evil.example/');
  });
});

describe('nodeHandler: no link or Location leaves the checkout’s origin', () => {
  let port = 0;
  let shop: Awaited<ReturnType<typeof fixture>>;
  const server = createServer((request, response) => void shop.checkout.nodeHandler(request, response));

  beforeAll(async () => {
    shop = await fixture();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** One raw request (the target sent as is); the reply's headers and body. */
  function raw(method: string, target: string, host: string, userAgent: string) {
    return new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        const [head = '', ...rest] = text.split('\r\n\r\n');
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const at = line.indexOf(':');
          headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
        }
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
      });
      socket.write(
        `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${userAgent}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
    });
  }

  it('for hostile paths and a foreign Host header, by GET and by POST', async () => {
    for (const path of hostilePaths(shop.link, shop.attemptPath)) {
      for (const host of ['shop.example', 'evil.example']) {
        for (const [method, userAgent] of [
          ['GET', UA.desktop],
          ['GET', UA.alipay],
          ['POST', UA.desktop],
        ] as const) {
          const reply = await raw(method, path, host, userAgent);
          expect(reply.status).toBeGreaterThanOrEqual(200);
          expectSameOrigin(linksOf(reply.headers, reply.body), `${ORIGIN}${path.startsWith('/') ? '' : '/'}${path}`);
          // A browser resolves relative links against the URL it asked for, which has the Host it sent.
          expectSameOrigin(linksOf(reply.headers, reply.body), `http://${host}${path}`);
        }
      }
    }
  });
});
