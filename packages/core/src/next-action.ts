/**
 * What the merchant's front end does next after a payment is created.
 *
 * @packageDocumentation
 */

/** Show `content` as a QR code for the buyer to scan. */
export interface QrAction {
  type: 'qr';
  /** The text to encode in the QR code (usually a URL). */
  content: string;
}

/** Send the buyer's browser to `url` (HTTP GET). */
export interface RedirectAction {
  type: 'redirect';
  url: string;
}

/** Submit `fields` to `url` from the buyer's browser; {@link renderAutoSubmitForm} renders it. */
export interface FormAction {
  type: 'form';
  method: 'GET' | 'POST';
  url: string;
  fields: Readonly<Record<string, string>>;
}

/** Parameters for the wallet's in-app bridge (`WeixinJSBridge`, `wx.requestPayment`, `my.tradePay`). */
export interface JsapiAction<Params extends object = Readonly<Record<string, string>>> {
  type: 'jsapi';
  params: Params;
}

/** What the merchant's native app passes to the wallet's app SDK. */
export interface AppAction<Payload extends string | object = string | Readonly<Record<string, string>>> {
  type: 'app';
  /** An order string (Alipay, UnionPay `tn`) or a parameter object (WeChat Pay). */
  payload: Payload;
}

/**
 * The result of a `pos` (payment-code) payment, made by the facade from the stored order: `paid` at
 * once, `pending` while the buyer confirms in their wallet (poll `payments.sync`), or `failed`.
 *
 * @example
 * ```ts
 * const { action } = await payments.createPayment({ provider: 'alipay', method: 'pos', authCode, amount, subject });
 * if (action.status === 'pending') setTimeout(() => payments.sync(order.id), 3000);
 * ```
 */
export interface PosAction {
  type: 'pos';
  /** The order's status after the wallet's answer. */
  status: 'paid' | 'pending' | 'failed' | 'closed';
}

/**
 * Nothing for the buyer to do. Adapters answer it for `pos` payments, with the payment's status
 * beside it; the facade turns that into a {@link PosAction}.
 */
export interface NoAction {
  type: 'none';
}

/**
 * The next step of a payment, a union discriminated on `type`.
 *
 * @example
 * ```ts
 * switch (action.type) {
 *   case 'qr': return renderQr(action.content);
 *   case 'redirect': return Response.redirect(action.url, 303);
 *   case 'form': return new Response(renderAutoSubmitForm(action), { headers: { 'content-type': 'text/html' } });
 *   default: return Response.json(action);
 * }
 * ```
 */
export type NextAction = QrAction | RedirectAction | FormAction | JsapiAction | AppAction | NoAction;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for an HTML attribute or text node.
 *
 * @example
 * ```ts
 * escapeHtml('"<x>"'); // '&quot;&lt;x&gt;&quot;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string);
}

/** Options of {@link renderAutoSubmitForm}. */
export interface RenderFormOptions {
  /** A CSP nonce for the inline submit script. */
  nonce?: string | undefined;
  /** Submit at once (default true); false renders a form with a button. */
  autoSubmit?: boolean | undefined;
  /** Text of the fallback button (default `Continue to payment`). */
  buttonText?: string | undefined;
}

/**
 * Renders a {@link FormAction} as a complete HTML page whose form submits itself. Every value is
 * escaped, so field values cannot break out of their attributes.
 *
 * @example
 * ```ts
 * res.setHeader('content-type', 'text/html; charset=utf-8');
 * res.end(renderAutoSubmitForm(action));
 * ```
 */
export function renderAutoSubmitForm(action: FormAction, options: RenderFormOptions = {}): string {
  const inputs = Object.entries(action.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const nonce = options.nonce === undefined ? '' : ` nonce="${escapeHtml(options.nonce)}"`;
  const script = options.autoSubmit === false ? '' : `\n<script${nonce}>document.forms[0].submit();</script>`;
  const label = escapeHtml(options.buttonText ?? 'Continue to payment');
  const button =
    options.autoSubmit === false
      ? `<button type="submit">${label}</button>`
      : `<noscript><button type="submit">${label}</button></noscript>`;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${label}</title></head><body>
<form method="${action.method === 'GET' ? 'get' : 'post'}" action="${escapeHtml(action.url)}" accept-charset="utf-8">
${inputs}
${button}
</form>${script}
</body></html>
`;
}
