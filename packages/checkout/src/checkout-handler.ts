/**
 * The HTTP handlers: the web-standard one every framework can call, and the Node one built on
 * core's `createNodeHandler`. Both read the request's path on the checkout's own origin only.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createNodeHandler } from '@hutong/core/provider-utils';
import { type CheckoutContext, onOrigin, resolveRoute } from './checkout-context.js';
import { messageResponse, pageContext, renderAttemptRoute, renderVisit } from './checkout-render.js';
import { visit } from './checkout-routing.js';

/** The largest body the Node handler reads (a wallet's POSTed front return is a few KiB). */
const MAX_BODY_BYTES = 64 * 1024;

/** Serves every page under `baseUrl`; never throws (a failure is a 500 page, told to `onError`). */
export async function handleRequest(context: CheckoutContext, request: Request): Promise<Response> {
  // The request's path and query only, on the configured origin: never a host the request named
  // (a `Host` header, an absolute target), and a path starting `//` stays a path of this origin.
  const url = onOrigin(context, request.url);
  if (request.method === 'POST') {
    // A wallet's cashier may send the buyer back by POST (UnionPay posts its signed front return to
    // `frontUrl`): the page is the attempt's, rendered from the stored order, so see it by GET.
    const route = await resolveRoute(context, url).catch(() => undefined);
    if (route && route.rest[0] === 'a' && route.rest.length === 2) {
      return new Response(null, { status: 303, headers: { location: url.href, 'cache-control': 'no-store' } });
    }
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
  }
  try {
    const route = await resolveRoute(context, url);
    if (route && route.rest[0] === 'a') return await renderAttemptRoute(context, request, url, route);
    const result = await visit(context, { url, userAgent: request.headers.get('user-agent') });
    return await renderVisit(context, request, url, result);
  } catch (error) {
    context.onError(error, `serving ${url.pathname}`);
    const page = pageContext(context, request, url);
    return messageResponse(page, 500, page.messages.error);
  }
}

/**
 * The Node handler: the request URL is built on the configured origin; malformed requests (methods
 * the WHATWG `Request` refuses, bad targets) are answered 4xx before the handler, and nothing escapes.
 */
export function createCheckoutNodeHandler(
  context: CheckoutContext,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return createNodeHandler((request) => handleRequest(context, request), {
    origin: context.origin,
    maxBodyBytes: MAX_BODY_BYTES,
    onError: (error) => context.onError(error, 'serving a Node request'),
  });
}
