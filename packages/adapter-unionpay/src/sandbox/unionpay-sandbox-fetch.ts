/**
 * The UnionPay sandbox's `fetch`: a form post to the gateway or the cashier handed to the routes,
 * anything but a POST refused, as UnionPay's are.
 *
 * @packageDocumentation
 */
import type { UnionpaySandboxReply } from './unionpay-sandbox-routes.js';

/**
 * A `fetch` over `handle`, which answers a request's path and body (`base`: the URL up to its last
 * segment, where the cashier posts back).
 *
 * @example
 * ```ts
 * const fetch = unionpaySandboxFetch((path, body, base) => handleUnionpaySandboxRequest(state, hooks, path, body, base));
 * ```
 */
export function unionpaySandboxFetch(
  handle: (path: string, body: string, base: string) => UnionpaySandboxReply,
): typeof globalThis.fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    // The gateway and the cashier take form posts only, as UnionPay's do.
    if (request.method !== 'POST')
      return new Response('method not allowed', {
        status: 405,
        headers: { allow: 'POST', 'content-type': 'text/plain' },
      });
    const url = new URL(request.url);
    const reply = handle(
      url.pathname,
      await request.text(),
      `${url.origin}${url.pathname.slice(0, url.pathname.lastIndexOf('/'))}`,
    );
    await reply.after?.();
    return new Response(reply.text, { status: reply.status, headers: { 'content-type': reply.type } });
  };
}
