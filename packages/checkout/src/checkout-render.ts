/**
 * Rendering: a routed visit, or an attempt's page, as an HTTP response. Pages come from
 * `checkout-pages.ts`; every link in them is absolute on the checkout's origin.
 *
 * @packageDocumentation
 */
import { attemptUrl, type CheckoutContext, linkFor, linkWith, type Route } from './checkout-context.js';
import { createNonce, htmlResponse } from './checkout-html.js';
import { messagesFor, negotiateLocale } from './checkout-i18n.js';
import { merchantView } from './checkout-merchant.js';
import {
  alipayJsapiPage,
  amountPage,
  attemptPage,
  attemptState,
  cashierPage,
  closedSessionPage,
  formPage,
  inWechatPage,
  messagePage,
  type PageContext,
  wechatJsapiPage,
} from './checkout-pages.js';
import { renderQrPng, renderQrSvg } from './checkout-qr.js';
import type { CheckoutSession } from './checkout-session.js';
import type { LinkVisit } from './checkout-types.js';
import { detectWallet } from './wallet-detection.js';

/** The language, words and nonce of the page answering `request` at `url`. */
export function pageContext(context: CheckoutContext, request: Request, url: URL): PageContext {
  const locale = negotiateLocale(url, request.headers.get('accept-language'), context.defaultLocale);
  return { locale, messages: messagesFor(locale), nonce: createNonce(), url, merchantName: context.merchantName };
}

/** The page context of a page about `session`: a merchant's session shows that merchant's name. */
async function sessionPageContext(
  context: CheckoutContext,
  request: Request,
  url: URL,
  session: CheckoutSession | undefined,
): Promise<PageContext> {
  const page = pageContext(context, request, url);
  if (session?.merchant === undefined) return page;
  return { ...page, merchantName: (await merchantView(context, session)).merchantName };
}

/** A page of one message, with its status. */
export function messageResponse(page: PageContext, status: number, title: string, hint?: string): Response {
  return htmlResponse(messagePage(page, title, hint), page.nonce, { status });
}

/** An attempt's page (`<link>/a/<order>`) or its status (`…/status`), from the stored order only. */
export async function renderAttemptRoute(
  context: CheckoutContext,
  request: Request,
  url: URL,
  route: Route,
): Promise<Response> {
  const [, orderId = '', extra, ...more] = route.rest;
  const attempt = await context.store.getAttempt(orderId);
  const page = await sessionPageContext(context, request, url, route.session);
  if (!attempt || attempt.sessionId !== route.session.id || more.length > 0 || (extra && extra !== 'status')) {
    return messageResponse(page, 404, page.messages.notFound);
  }
  const order = await context.payments.getOrder(orderId);
  const session = route.session;
  const state = attemptState(order, session);
  if (extra === 'status') {
    return Response.json(
      { state, order: order.status, session: session.status },
      { headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } },
    );
  }
  const body = attemptPage(page, session, order, {
    self: url.href,
    status: `${url.origin}${url.pathname}/status`,
    retry: linkWith(context, session, '', url, order.amount),
    back: session.returnUrl,
  });
  return htmlResponse(body, page.nonce);
}

/** The wallet's next action of a new attempt: a redirect, a form, a JS bridge, or a code to scan. */
function renderPayment(
  context: CheckoutContext,
  request: Request,
  page: PageContext,
  url: URL,
  result: Extract<LinkVisit, { type: 'payment' }>,
): Response {
  const { session, order, action } = result;
  const next =
    attemptUrl(context, session.id, order.id) +
    (url.searchParams.get('lang') ? `?lang=${page.locale === 'en' ? 'en' : 'zh'}` : '');
  switch (action.type) {
    case 'redirect':
      return new Response(null, { status: 303, headers: { location: action.url, 'cache-control': 'no-store' } });
    case 'form':
      return htmlResponse(formPage(page, session, order.amount, action), page.nonce, {
        formOrigins: [new URL(action.url).origin],
      });
    case 'jsapi':
      if (result.wallet === 'alipay') {
        const tradeNo = String((action.params as Record<string, unknown>).tradeNO ?? '');
        return htmlResponse(alipayJsapiPage(page, session, order.amount, tradeNo, next), page.nonce);
      }
      return htmlResponse(wechatJsapiPage(page, session, order.amount, action.params, next), page.nonce);
    case 'qr': {
      // Inside WeChat the buyer long-presses the code, which WeChat offers on images only.
      const inWechat = detectWallet(request.headers.get('user-agent')) === 'wechatpay';
      const body = attemptPage(page, session, order, {
        self: next,
        status: `${attemptUrl(context, session.id, order.id)}/status`,
        retry: linkWith(context, session, '', url, order.amount),
        back: session.returnUrl,
        qrSvg: renderQrSvg(action.content, { label: page.messages.scanWechat }),
        qrImage: inWechat
          ? `data:image/png;base64,${Buffer.from(renderQrPng(action.content)).toString('base64')}`
          : undefined,
      });
      return htmlResponse(body, page.nonce);
    }
    default:
      return messageResponse(page, 500, page.messages.error);
  }
}

/** What a paid session cost: its amount, or what its last completing payer typed. */
async function paidAmount(context: CheckoutContext, session: CheckoutSession): Promise<number | null> {
  if (session.amount !== null) return session.amount;
  const last = session.completedBy.at(-1);
  return last === undefined ? null : ((await context.store.getAttempt(last))?.amount ?? null);
}

/** A routed visit as a response. */
export async function renderVisit(
  context: CheckoutContext,
  request: Request,
  url: URL,
  result: LinkVisit,
): Promise<Response> {
  const page = await sessionPageContext(context, request, url, 'session' in result ? result.session : undefined);
  const m = page.messages;
  switch (result.type) {
    case 'not_found':
      return messageResponse(page, 404, m.notFound);
    case 'expired': {
      const body = closedSessionPage(page, result.session, result.session.amount, m.expired, m.expiredHint);
      return htmlResponse(body, page.nonce, { status: 410 });
    }
    case 'completed': {
      const amount = await paidAmount(context, result.session);
      return htmlResponse(closedSessionPage(page, result.session, amount, m.completedByOther), page.nonce);
    }
    case 'in_wechat': {
      const options = result.options.map((option) => ({ wallet: option.wallet, href: option.url }));
      return htmlResponse(inWechatPage(page, result.session, result.amount, options), page.nonce);
    }
    case 'oauth_refused':
      return messageResponse(page, 400, m.error);
    case 'oauth_redirect':
      return new Response(null, { status: 302, headers: { location: result.url, 'cache-control': 'no-store' } });
    case 'amount_required': {
      const browser = detectWallet(request.headers.get('user-agent')) === 'browser';
      const qr = browser ? renderQrSvg(linkFor(context, result.session.id), { label: m.scan }) : null;
      const body = amountPage(page, result.session, `${url.origin}${url.pathname}`, qr, result.invalid);
      return htmlResponse(body, page.nonce, { status: result.invalid ? 400 : 200 });
    }
    case 'cashier': {
      const link = linkWith(context, result.session, '', url, result.amount);
      const qrLink = new URL(link);
      qrLink.searchParams.delete('lang');
      const qr = renderQrSvg(qrLink.href, { label: m.scan });
      const options = result.options.map((option) => ({ wallet: option.wallet, href: option.url }));
      return htmlResponse(cashierPage(page, result.session, result.amount, qr, options), page.nonce);
    }
    case 'payment':
      return renderPayment(context, request, page, url, result);
  }
}
