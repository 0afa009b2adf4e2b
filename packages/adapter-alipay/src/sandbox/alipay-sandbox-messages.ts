/**
 * What the Alipay sandbox signs and sends: gateway replies (with `/` escaped as `\/`, like
 * Alipay, so raw-text verification is exercised), asynchronous notifications and the synchronous
 * return to `return_url`. Each takes the signing key and the app it names, so the hostile hooks
 * make their forgeries with the same code.
 *
 * @packageDocumentation
 */
import { type KeyObject, randomInt } from 'node:crypto';
import { alipaySigningString, formatAlipayTime, signAlipayContent } from '@hutong/adapter-alipay/protocol';
import { formatYuan, type NotificationInput } from '@hutong/core';
import type { AlipayReplyTamper, AlipaySandboxState, AlipaySandboxTrade, SandboxNode } from './alipay-sandbox-state.js';

/** One yuan cent more, as Alipay writes amounts. */
function anotherAmount(value: unknown): string {
  const fen = Math.round(Number(value) * 100);
  return formatYuan(Number.isFinite(fen) ? fen + 1 : 1);
}

/** The amount fields a reply may carry, changed by `tamperNextReply('amount')`. */
const AMOUNT_FIELDS = ['total_amount', 'refund_fee', 'refund_amount', 'trans_amount', 'unsettled_amount'] as const;

/**
 * Applies the oldest queued tamper that fits this reply: `'amount'` a reply with an amount field,
 * `'order'` one naming an order, `'signature'` any reply. Returns the node to sign and whether the
 * signature must be broken afterwards.
 */
function tamper(state: AlipaySandboxState, node: SandboxNode): { node: SandboxNode; breakSignature: boolean } {
  const kind: AlipayReplyTamper | undefined = state.tampers[0];
  if (kind === 'signature') {
    state.tampers.shift();
    return { node, breakSignature: true };
  }
  if (kind === 'amount' && AMOUNT_FIELDS.some((field) => node[field] !== undefined)) {
    state.tampers.shift();
    const changed = { ...node };
    for (const field of AMOUNT_FIELDS) if (changed[field] !== undefined) changed[field] = anotherAmount(changed[field]);
    return { node: changed, breakSignature: false };
  }
  if (kind === 'order' && typeof node.out_trade_no === 'string') {
    state.tampers.shift();
    return { node: { ...node, out_trade_no: `${node.out_trade_no}-other` }, breakSignature: false };
  }
  return { node, breakSignature: false };
}

/** A base64 signature with its first character changed: still base64, no longer the signature. */
function brokenSignature(sign: string): string {
  return `${sign.startsWith('A') ? 'B' : 'A'}${sign.slice(1)}`;
}

/**
 * A signed gateway reply `{"<name>":{...},"sign":"..."}`, after any queued tamper.
 *
 * @example
 * ```ts
 * signedReply(state, 'alipay_trade_query_response', { code: '10000', msg: 'Success' });
 * ```
 */
export function signedReply(state: AlipaySandboxState, name: string, reply: SandboxNode): string {
  const { node, breakSignature } = tamper(state, reply);
  // Alipay escapes "/" in its JSON; the signature covers the text exactly as sent.
  const text = JSON.stringify(node).replaceAll('/', '\\/');
  const sign = signAlipayContent(text, state.privateKey);
  return `{"${name}":${text},"sign":"${breakSignature ? brokenSignature(sign) : sign}"}`;
}

/** Who a notification is signed by and addressed to: Alipay's key and this app by default. */
export interface NotificationSigner {
  key: KeyObject;
  appId: string;
}

/**
 * The parameters of a `trade_status_sync` notification of `trade`, as Alipay posts them (unsigned).
 *
 * @example
 * ```ts
 * const params = notificationParams(state, trade, state.appId);
 * ```
 */
export function notificationParams(
  state: AlipaySandboxState,
  trade: AlipaySandboxTrade,
  appId: string,
): Record<string, string> {
  const at = state.now();
  const amount = formatYuan(trade.amount);
  return {
    gmt_create: formatAlipayTime(at),
    charset: 'utf-8',
    seller_email: 'sandbox-seller@hutong.invalid',
    subject: trade.subject,
    buyer_id: trade.buyerId,
    invoice_amount: amount,
    notify_id: `${Date.now()}${randomInt(1e9)}`,
    fund_bill_list: `[{"amount":"${amount}","fundChannel":"ALIPAYACCOUNT"}]`,
    notify_type: 'trade_status_sync',
    trade_status: trade.status,
    receipt_amount: amount,
    app_id: appId,
    buyer_pay_amount: amount,
    sign_type: 'RSA2',
    // A merchant's trade (service-provider mode) names the merchant as seller and in auth_app_id.
    seller_id: (trade.owner && state.merchants.get(trade.owner)?.userId) || state.sellerId,
    notify_time: formatAlipayTime(at),
    version: '1.0',
    out_trade_no: trade.outTradeNo,
    total_amount: amount,
    trade_no: trade.tradeNo,
    auth_app_id: trade.owner ?? appId,
    point_amount: '0.00',
    ...(trade.paidAt ? { gmt_payment: formatAlipayTime(trade.paidAt) } : {}),
  };
}

/**
 * A notification of `trade`, signed as notifications are (without `sign` and `sign_type`) and
 * addressed to the trade's notify URL.
 *
 * @param extra - fields that replace or add to the trade's (a refund's `out_biz_no`, another amount).
 * @param signer - Alipay's key and this app unless a hostile hook says otherwise.
 * @example
 * ```ts
 * const notification = signedNotification(state, trade, { trans_currency: 'USD' });
 * ```
 */
export function signedNotification(
  state: AlipaySandboxState,
  trade: AlipaySandboxTrade,
  extra: Record<string, string> = {},
  signer: NotificationSigner = { key: state.privateKey, appId: state.appId },
): NotificationInput {
  const params: Record<string, string> = { ...notificationParams(state, trade, signer.appId), ...extra };
  params.sign = signAlipayContent(alipaySigningString(params, ['sign', 'sign_type']), signer.key);
  return state.outbox.addressed(
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams(params).toString(),
    },
    trade.notifyUrl,
  );
}

/**
 * Alipay's synchronous return: the browser back at `return_url` with signed trade parameters, or
 * `undefined` when the payment named no `return_url`.
 *
 * @example
 * ```ts
 * const back = returnUrlOf(state, trade, 'alipay.trade.page.pay');
 * ```
 */
export function returnUrlOf(state: AlipaySandboxState, trade: AlipaySandboxTrade, method: string): string | undefined {
  if (!trade.returnUrl) return undefined;
  const params: Record<string, string> = {
    charset: 'utf-8',
    out_trade_no: trade.outTradeNo,
    method: `${method}.return`,
    total_amount: formatYuan(trade.amount),
    trade_no: trade.tradeNo,
    auth_app_id: trade.owner ?? state.appId,
    version: '1.0',
    app_id: state.appId,
    sign_type: 'RSA2',
    seller_id: (trade.owner && state.merchants.get(trade.owner)?.userId) || state.sellerId,
    timestamp: formatAlipayTime(state.now()),
  };
  params.sign = signAlipayContent(alipaySigningString(params, ['sign', 'sign_type']), state.privateKey);
  const url = new URL(trade.returnUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}

/**
 * A message of Alipay's message service (`alipay.trade.order.settle.notify`,
 * `alipay.fund.trans.order.changed`): a form with `msg_method` and the JSON `biz_content`, signed
 * as notifications are (without `sign` and `sign_type`), naming the merchant in `auth_app_id` when
 * it is about an authorising merchant's money.
 *
 * @example
 * ```ts
 * const message = signedMessage(state, 'alipay.fund.trans.order.changed', { out_biz_no: 'p1' }, undefined, url);
 * ```
 */
export function signedMessage(
  state: AlipaySandboxState,
  msgMethod: string,
  biz: SandboxNode,
  owner: string | undefined,
  url: string | undefined,
  signer: NotificationSigner = { key: state.privateKey, appId: state.appId },
): NotificationInput {
  const params: Record<string, string> = {
    app_id: signer.appId,
    msg_method: msgMethod,
    notify_id: `${Date.now()}${randomInt(1e9)}`,
    utc_timestamp: String(state.now().getTime()),
    version: '1.1',
    charset: 'utf-8',
    sign_type: 'RSA2',
    biz_content: JSON.stringify(biz),
    ...(owner ? { auth_app_id: owner } : {}),
  };
  params.sign = signAlipayContent(alipaySigningString(params, ['sign', 'sign_type']), signer.key);
  return state.outbox.addressed(
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams(params).toString(),
    },
    url,
  );
}
