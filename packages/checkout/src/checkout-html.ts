/**
 * Server-rendered HTML with escaping by default: `html` escapes every interpolated value unless it
 * is already `Html`, and every page is sent with a strict, per-response nonce CSP.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '@hutong/core/provider-utils';
import type { CheckoutLocale } from './checkout-i18n.js';

/** Markup that is safe to insert as is. Only `html` and `trustedHtml` make one. */
export class Html {
  /** @param value - the markup. */
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map((item: Interpolation) => render(item)).join('');
  return escapeHtml(String(value));
}

/** A template whose values are escaped (arrays joined, `Html` kept, `null`/`false` dropped). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

/** Markup this package produced itself (a QR code's SVG): inserted without escaping. */
export function trustedHtml(markup: string): Html {
  return new Html(markup);
}

/** A fresh CSP nonce: 128 random bits. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 -apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;background:#f4f5f7;color:#1d2129}
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem 3rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;margin-bottom:1rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:1.25rem;margin:0 0 .25rem}
.subject{color:#4e5969;margin:0}
.amount{font-size:2.25rem;font-weight:600;margin:.5rem 0 0}
.amount small{font-size:1.25rem;margin-right:.125rem}
.qr{display:block;width:min(15rem,70vw);height:auto;margin:.5rem auto}
.qr img{display:block;width:100%;height:auto}
.merchant{color:#86909c;font-size:.875rem;margin:0 0 .25rem}
.mark{width:1.5rem;height:1.5rem;vertical-align:middle;margin:-.125rem .5rem 0 0}
.hint{color:#86909c;font-size:.875rem;text-align:center;margin:.5rem 0 0}
.options{list-style:none;padding:0;margin:0}
.options li+li{margin-top:.5rem}
a.button,button{display:block;width:100%;padding:.75rem 1rem;border:0;border-radius:8px;background:#1677ff;color:#fff;font:inherit;text-align:center;text-decoration:none;cursor:pointer}
a.button.secondary{background:#f2f3f5;color:#1d2129}
input{width:100%;font:inherit;font-size:1.5rem;padding:.5rem;border:1px solid #c9cdd4;border-radius:8px;margin:.5rem 0}
.status{font-size:1.5rem;font-weight:600;margin:0 0 .5rem}
.status.paid{color:#00b42a}.status.failed,.status.expired{color:#f53f3f}
.lang{display:block;text-align:center;color:#86909c;font-size:.875rem;margin-top:1rem}
.error{color:#f53f3f}
`;

/** What every page needs besides its body. */
export interface PageFrame {
  locale: CheckoutLocale;
  nonce: string;
  title: string;
  /** Link to the same page in the other language. */
  languageHref?: string | undefined;
  languageLabel?: string | undefined;
  /** Data for the page's script, as `data-*` attributes of `<body>`. */
  data?: Readonly<Record<string, string>> | undefined;
  /** The page's script (trusted source text), run with the nonce. */
  script?: string | undefined;
}

/** A complete page. */
export function renderPage(frame: PageFrame, body: Html): string {
  // `statusUrl` becomes `data-status-url`, which the script reads back as `dataset.statusUrl`.
  const data = Object.entries(frame.data ?? {}).map(
    ([key, value]) => html` data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${value}"`,
  );
  const language =
    frame.languageHref && frame.languageLabel
      ? html`<a class="lang" href="${frame.languageHref}">${frame.languageLabel}</a>`
      : null;
  const script = frame.script ? html`<script nonce="${frame.nonce}">${trustedHtml(frame.script)}</script>` : null;
  return html`<!DOCTYPE html>
<html lang="${frame.locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${frame.title}</title>
<style nonce="${frame.nonce}">${trustedHtml(STYLE)}</style>
</head><body${data}><main>
${body}
${language}
</main>${script}</body></html>
`.value;
}

/**
 * The CSP of a page: nothing but its own nonce'd style and script, its own origin for the status
 * poll, and forms posted only to itself and to `formOrigins` (a wallet's cashier).
 */
export function contentSecurityPolicy(nonce: string, formOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action 'self'${formOrigins.map((origin) => ` ${origin}`).join('')}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** An HTML response with the page's CSP and no caching. */
export function htmlResponse(
  body: string,
  nonce: string,
  init: { status?: number | undefined; formOrigins?: readonly string[] | undefined } = {},
): Response {
  return new Response(body, {
    status: init.status ?? 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(nonce, init.formOrigins),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
  });
}
