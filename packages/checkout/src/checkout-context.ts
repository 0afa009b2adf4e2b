/**
 * What the checkout's operations share: the resolved options, the event emitter, and the signed
 * links every page and redirect is built from (always on `baseUrl`'s origin).
 *
 * @packageDocumentation
 */
import { parseYuan } from '@hutong/core';
import type { CheckoutEmitter } from './checkout-events.js';
import { DEFAULT_PAYER_AMOUNT, type ResolvedCheckoutOptions } from './checkout-options.js';
import type { CheckoutSession } from './checkout-session.js';
import { signLink, verifyLink } from './checkout-signing.js';

/** The resolved options and the emitter: the small context each operation takes. */
export interface CheckoutContext extends ResolvedCheckoutOptions {
  readonly emitter: CheckoutEmitter;
}

/** A session's signed link: `${baseUrl}/<session>/<signature>`. */
export function linkFor(context: CheckoutContext, sessionId: string): string {
  return `${context.baseHref}/${sessionId}/${signLink(context.secret, sessionId)}`;
}

/** An attempt's page under its session's link. */
export function attemptUrl(context: CheckoutContext, sessionId: string, orderId: string): string {
  return `${linkFor(context, sessionId)}/a/${orderId}`;
}

/**
 * A request's URL on the checkout's own origin: its path and query only. The host it named (a
 * `Host` header, an absolute target) is never used, and a path starting `//` stays a path here.
 */
export function onOrigin(context: CheckoutContext, url: string | URL): URL {
  const requested = new URL(url);
  return new URL(`${context.origin}${requested.pathname}${requested.search}`);
}

/** The link (or a route under it) keeping the typed amount and the language. */
export function linkWith(context: CheckoutContext, session: CheckoutSession, path: string, url: URL, amount: number) {
  const target = new URL(`${linkFor(context, session.id)}${path}`);
  if (session.amount === null) target.searchParams.set('amount', (amount / 100).toFixed(2));
  const lang = url.searchParams.get('lang');
  if (lang) target.searchParams.set('lang', lang);
  return target.href;
}

/** A signed link's session and the route segments under it. */
export interface Route {
  session: CheckoutSession;
  rest: string[];
}

/** The session a URL's signed link names, and the route under it; `undefined` when not found. */
export async function resolveRoute(context: CheckoutContext, url: URL): Promise<Route | undefined> {
  const { basePath } = context;
  if (basePath && !url.pathname.startsWith(`${basePath}/`)) return undefined;
  const [sessionId = '', mac = '', ...rest] = url.pathname.slice(basePath.length + 1).split('/');
  if (!/^[A-Za-z0-9]{8,32}$/.test(sessionId) || !verifyLink(context.secret, sessionId, mac)) return undefined;
  const session = await context.store.getSession(sessionId);
  if (!session) return undefined;
  return { session, rest };
}

/** The amount to pay: the session's, or the one typed (`?amount=` in yuan) within its bounds. */
export function payableAmount(session: CheckoutSession, url: URL): number | 'missing' | 'invalid' {
  if (session.amount !== null) return session.amount;
  const typed = url.searchParams.get('amount');
  if (typed === null || typed === '') return 'missing';
  try {
    const fen = parseYuan(typed, 'amount');
    const bounds = session.payerAmount ?? DEFAULT_PAYER_AMOUNT;
    return fen >= bounds.min && fen <= bounds.max ? fen : 'invalid';
  } catch {
    return 'invalid';
  }
}
