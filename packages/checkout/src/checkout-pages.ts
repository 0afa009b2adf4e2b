/**
 * The checkout's pages. Each is a function of stored state (a session, an order), never of what a
 * wallet's JavaScript reported: the scripts only wait, then reload from the server.
 *
 * @packageDocumentation
 */
import { type FormAction, formatYuan, type Order } from '@hutong/core';
import { type Html, html, renderPage, trustedHtml } from './checkout-html.js';
import type { CheckoutLocale, CheckoutMessages } from './checkout-i18n.js';
import type { CheckoutSession, CheckoutWallet } from './checkout-session.js';

/** What every page is rendered with. */
export interface PageContext {
  locale: CheckoutLocale;
  messages: CheckoutMessages;
  nonce: string;
  /** The current URL, to link to it in the other language. */
  url: URL;
  /** The shop's name (`merchantName`), or `null`. */
  merchantName: string | null;
}

/**
 * Asks the status endpoint until the state changes, then loads the attempt's page (rendered from the
 * store). It never reloads the page it runs on, which may be the one that made the attempt.
 */
const POLL_SCRIPT = `(function(){var d=document.body.dataset;function poll(){fetch(d.statusUrl,{headers:{accept:'application/json'},cache:'no-store'}).then(function(r){return r.json()}).then(function(s){if(s.state!==d.state){location.replace(d.next)}else{setTimeout(poll,2000)}},function(){setTimeout(poll,4000)})}setTimeout(poll,1500)})();`;

/** Opens WeChat Pay's sheet; whatever it reports, the next page is rendered from the stored order. */
const WECHAT_SCRIPT = `(function(){var d=document.body.dataset;var params=JSON.parse(d.params);function done(){location.replace(d.next)}function pay(){WeixinJSBridge.invoke('getBrandWCPayRequest',params,function(){done()})}if(typeof WeixinJSBridge==='undefined'){document.addEventListener('WeixinJSBridgeReady',pay,false)}else{pay()}})();`;

/** Opens Alipay's cashier inside the Alipay app (JSAPI `tradePay`). */
const ALIPAY_SCRIPT = `(function(){var d=document.body.dataset;function done(){location.replace(d.next)}function pay(){AlipayJSBridge.call('tradePay',{tradeNO:d.tradeNo},function(){done()})}if(window.AlipayJSBridge){pay()}else{document.addEventListener('AlipayJSBridgeReady',pay,false)}})();`;

const SUBMIT_SCRIPT = 'document.forms[0].submit();';

/**
 * The typed amount goes to the link as a navigation, not a form submission: the link answers with
 * a redirect to the wallet's OAuth page or cashier, and the page's CSP (`form-action 'self'`) stops
 * a submitted form from following a redirect to another origin. Without scripts the form submits.
 */
const AMOUNT_SCRIPT = `(function(){var f=document.forms[0];f.addEventListener('submit',function(e){if(!f.checkValidity())return;e.preventDefault();var u=new URL(f.action);new FormData(f).forEach(function(v,k){u.searchParams.set(k,String(v))});location.assign(u.href)})})();`;

function otherLanguage(context: PageContext): { languageHref: string; languageLabel: string } {
  const url = new URL(context.url);
  url.searchParams.set('lang', context.locale === 'en' ? 'zh' : 'en');
  // Absolute, on the checkout's own origin: a path starting `//` never becomes another host.
  return { languageHref: url.href, languageLabel: context.messages.language };
}

function frame(
  context: PageContext,
  title: string,
  extra: { data?: Record<string, string>; script?: string | undefined } = {},
) {
  return { locale: context.locale, nonce: context.nonce, title, ...otherLanguage(context), ...extra };
}

function amountLine(fen: number): Html {
  return html`<p class="amount"><small>¥</small>${formatYuan(fen)}</p>`;
}

/** Who is paid, for what, and how much: the first card of every page about a session. */
function summary(context: PageContext, session: CheckoutSession, amount: number | null): Html {
  const merchant = context.merchantName
    ? html`<p class="merchant">${context.messages.payee} · ${context.merchantName}</p>`
    : null;
  return html`<div class="card">${merchant}<h1>${session.subject}</h1>${amount === null ? null : amountLine(amount)}</div>`;
}

/**
 * Each wallet's mark: simple shapes in the wallet's colour, drawn for this package (no logo is
 * copied), so a buyer finds their wallet at a glance.
 */
const WALLET_MARKS: Record<CheckoutWallet, string> = {
  alipay:
    '<svg class="mark" viewBox="0 0 24 24" aria-hidden="true"><rect width="24" height="24" rx="6" fill="#1677ff"/><path d="M6 8h12M12 5v6M7 12h10c-1 4-4 7-10 8M10 14c2 3 5 5 8 6" stroke="#fff" stroke-width="2" fill="none" stroke-linecap="round"/></svg>',
  wechatpay:
    '<svg class="mark" viewBox="0 0 24 24" aria-hidden="true"><rect width="24" height="24" rx="6" fill="#07c160"/><ellipse cx="10" cy="10" rx="6" ry="5" fill="#fff"/><ellipse cx="15" cy="14.5" rx="5" ry="4" fill="#fff" stroke="#07c160" stroke-width="1.2"/></svg>',
  unionpay:
    '<svg class="mark" viewBox="0 0 24 24" aria-hidden="true"><rect width="24" height="24" rx="6" fill="#fff" stroke="#c9cdd4"/><path d="M5 6h5l-3 12H2z" fill="#e60012"/><path d="M10 6h5l-3 12H7z" fill="#00508e"/><path d="M15 6h5l-3 12h-5z" fill="#00908c"/></svg>',
};

/** A wallet's mark, to put before its name. */
export function walletMark(wallet: CheckoutWallet): Html {
  return trustedHtml(WALLET_MARKS[wallet]);
}

/** A desktop option: a wallet and the URL that starts paying with it on this computer. */
export interface CashierOption {
  wallet: CheckoutWallet;
  href: string;
}

/** The desktop cashier: the link's own QR code, and what works without a wallet app. */
export function cashierPage(
  context: PageContext,
  session: CheckoutSession,
  amount: number,
  qrSvg: string,
  options: readonly CashierOption[],
): string {
  const m = context.messages;
  const items = options.map(
    (option) =>
      html`<li><a class="button secondary" data-wallet="${option.wallet}" href="${option.href}">${walletMark(option.wallet)}${m[option.wallet]}</a></li>`,
  );
  const body = html`${summary(context, session, amount)}
<div class="card"><div id="qr" class="qr">${trustedHtml(qrSvg)}</div><p class="hint">${m.scan}</p><p class="hint">${m.share}</p></div>
${options.length > 0 ? html`<div class="card"><h2 class="subject">${m.otherWays}</h2><ul class="options">${items}</ul></div>` : null}`;
  return renderPage(frame(context, `${m.title} · ${session.subject}`), body);
}

/** A reusable code without a fixed amount: the payer types it (bounded). */
export function amountPage(
  context: PageContext,
  session: CheckoutSession,
  action: string,
  qrSvg: string | null,
  problem: boolean,
): string {
  const m = context.messages;
  const bounds = session.payerAmount ?? { min: 1, max: 1 };
  const range = m.amountRange.replace('{min}', formatYuan(bounds.min)).replace('{max}', formatYuan(bounds.max));
  const lang = context.url.searchParams.get('lang');
  const body = html`${summary(context, session, null)}
<form class="card" method="get" action="${action}">
<label for="amount">${m.enterAmount}</label>
<input id="amount" name="amount" inputmode="decimal" autocomplete="off" required pattern="[0-9]+(\\.[0-9]{1,2})?">
${lang ? html`<input type="hidden" name="lang" value="${lang}">` : null}
<p class="hint${problem ? ' error' : ''}">${range}</p>
<button type="submit">${m.pay}</button>
</form>
${qrSvg ? html`<div class="card"><div class="qr">${trustedHtml(qrSvg)}</div><p class="hint">${m.scan}</p></div>` : null}`;
  return renderPage(frame(context, `${m.title} · ${session.subject}`, { script: AMOUNT_SCRIPT }), body);
}

/** What an attempt's page shows, decided from the stored order and session only. */
export type AttemptState = 'paid' | 'pending' | 'failed' | 'closed' | 'duplicate' | 'completed_by_other';

/** The state of an attempt's page. */
export function attemptState(order: Order, session: CheckoutSession): AttemptState {
  const completedHere = session.completedBy.includes(order.id);
  const finished = session.status === 'completed' && !completedHere;
  switch (order.status) {
    case 'paid':
    case 'partially_refunded':
    case 'refunded':
      return session.anomalies.some((a) => a.orderId === order.id) ? 'duplicate' : 'paid';
    case 'created':
    case 'pending':
      return finished ? 'completed_by_other' : 'pending';
    case 'closed':
      return finished ? 'completed_by_other' : 'closed';
    case 'failed':
      return 'failed';
  }
}

/** An attempt's page: paid, pending (polling), or not paid with a way to try again. */
export function attemptPage(
  context: PageContext,
  session: CheckoutSession,
  order: Order,
  links: {
    self: string;
    status: string;
    retry: string;
    back: string | null;
    /** A code to scan from another device (inline SVG). */
    qrSvg?: string | undefined;
    /** A code to long-press inside WeChat (an image's `src`, a PNG data URI). */
    qrImage?: string | undefined;
  },
): string {
  const m = context.messages;
  const state = attemptState(order, session);
  const text: Record<AttemptState, string> = {
    paid: m.paid,
    pending: links.qrImage ? m.longPressWechat : links.qrSvg ? m.scanWechat : m.pending,
    failed: m.failed,
    closed: m.closed,
    duplicate: session.anomalies.some((a) => a.orderId === order.id && a.refundId !== null)
      ? m.duplicateRefunded
      : m.completedByOther,
    completed_by_other: m.completedByOther,
  };
  const tone = state === 'paid' ? 'paid' : state === 'failed' || state === 'closed' ? 'failed' : '';
  const retry = state === 'failed' || state === 'closed';
  const body = html`${summary(context, session, order.amount)}
<div class="card" id="result" data-state="${state}"><p class="status ${tone}">${text[state]}</p>
${state === 'pending' && links.qrImage ? html`<div class="qr"><img src="${links.qrImage}" alt="${m.longPressWechat}"></div>` : null}
${state === 'pending' && links.qrSvg && !links.qrImage ? html`<div class="qr">${trustedHtml(links.qrSvg)}</div>` : null}
${retry ? html`<a class="button" href="${links.retry}">${m.tryAgain}</a>` : null}
${state === 'paid' && links.back ? html`<a class="button" href="${links.back}">${m.back}</a>` : null}
</div>`;
  const polling = state === 'pending';
  return renderPage(
    frame(
      context,
      text[state],
      polling ? { data: { statusUrl: links.status, state, next: links.self }, script: POLL_SCRIPT } : {},
    ),
    body,
  );
}

/** A page with one message (expired, not found, an error). */
export function messagePage(context: PageContext, title: string, hint?: string): string {
  const body = html`<div class="card"><p class="status expired">${title}</p>${hint ? html`<p>${hint}</p>` : null}</div>`;
  return renderPage(frame(context, title), body);
}

/** Posts a wallet's form (page or h5 pay) at once, with a button when scripts are off. */
export function formPage(context: PageContext, session: CheckoutSession, amount: number, action: FormAction): string {
  const m = context.messages;
  const inputs = Object.entries(action.fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const body = html`${summary(context, session, amount)}
<form class="card" method="${action.method === 'GET' ? 'get' : 'post'}" action="${action.url}" accept-charset="utf-8">
${inputs}<p>${m.opening}</p><button type="submit">${m.continue}</button></form>`;
  return renderPage(frame(context, m.opening, { script: SUBMIT_SCRIPT }), body);
}

/** Inside WeChat: opens the WeChat Pay sheet with the `jsapi` parameters, then shows the attempt. */
export function wechatJsapiPage(
  context: PageContext,
  session: CheckoutSession,
  amount: number,
  params: object,
  next: string,
): string {
  const m = context.messages;
  const body = html`${summary(context, session, amount)}<div class="card"><p>${m.opening}</p><a class="button" href="${next}">${m.continue}</a></div>`;
  return renderPage(
    frame(context, m.opening, { data: { params: JSON.stringify(params), next }, script: WECHAT_SCRIPT }),
    body,
  );
}

/** Inside Alipay with JSAPI: opens Alipay's cashier for the trade, then shows the attempt. */
export function alipayJsapiPage(
  context: PageContext,
  session: CheckoutSession,
  amount: number,
  tradeNo: string,
  next: string,
): string {
  const m = context.messages;
  const body = html`${summary(context, session, amount)}<div class="card"><p>${m.opening}</p><a class="button" href="${next}">${m.continue}</a></div>`;
  return renderPage(frame(context, m.opening, { data: { tradeNo, next }, script: ALIPAY_SCRIPT }), body);
}

/**
 * Inside WeChat without WeChat OAuth: no `jsapi` (no openid), no scanning its own screen, and
 * WeChat refuses WeChat Pay h5 in its browser. So: a native code to long-press on the next page,
 * UnionPay's mobile web page, or the link opened in the phone's browser for Alipay.
 */
export function inWechatPage(
  context: PageContext,
  session: CheckoutSession,
  amount: number,
  options: readonly CashierOption[],
): string {
  const m = context.messages;
  const wechat = options.find((option) => option.wallet === 'wechatpay');
  const unionpay = options.find((option) => option.wallet === 'unionpay');
  const body = html`${summary(context, session, amount)}
${wechat ? html`<div class="card"><h2 class="subject">${m.inWechat}</h2><a class="button" data-wallet="wechatpay" href="${wechat.href}">${walletMark('wechatpay')}${m.payWithWechat}</a><p class="hint">${m.longPressNext}</p></div>` : null}
<div class="card"><h2 class="subject">${m.otherWallets}</h2><p>${m.openInBrowser}</p>
${unionpay ? html`<a class="button secondary" data-wallet="unionpay" href="${unionpay.href}">${walletMark('unionpay')}${m.unionpayMobile}</a>` : null}</div>`;
  return renderPage(frame(context, `${m.title} · ${session.subject}`), body);
}

/** A session that can no longer be paid (already paid, or expired): what it was, and why not. */
export function closedSessionPage(
  context: PageContext,
  session: CheckoutSession,
  amount: number | null,
  title: string,
  hint?: string,
): string {
  const tone = session.status === 'completed' ? 'paid' : 'expired';
  const body = html`${summary(context, session, amount)}
<div class="card" id="result" data-state="${session.status}"><p class="status ${tone}">${title}</p>${hint ? html`<p>${hint}</p>` : null}</div>`;
  return renderPage(frame(context, title), body);
}
