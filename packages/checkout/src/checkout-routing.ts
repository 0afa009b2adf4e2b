/**
 * Routing a link visit: the session behind the signed link, its state and amount, then the wallet
 * the link was opened in (its app, or a browser) decides the attempt, the OAuth or the page.
 *
 * @packageDocumentation
 */

import type { PaymentMethod } from '@hutong/core';
import { makeAttempt } from './checkout-attempts.js';
import { type CheckoutContext, linkWith, onOrigin, payableAmount, resolveRoute } from './checkout-context.js';
import { sessionContext } from './checkout-merchant.js';
import { oauthRedirect, oauthReturn } from './checkout-oauth.js';
import { METHODS } from './checkout-options.js';
import { CHECKOUT_WALLETS, type CheckoutSession, type CheckoutWallet } from './checkout-session.js';
import { expireSession } from './checkout-sessions.js';
import type { LinkVisit, LinkVisitInput } from './checkout-types.js';
import { type BrowserContext, detectWallet } from './wallet-detection.js';

/** The desktop cashier: the link's QR code and each wallet's way to pay without its app. */
export function cashier(context: CheckoutContext, session: CheckoutSession, url: URL, amount: number): LinkVisit {
  const options = CHECKOUT_WALLETS.filter((wallet) => context.wallets[wallet]).map((wallet) => ({
    wallet,
    url: linkWith(context, session, `/go/${wallet}`, url, amount),
  }));
  return { type: 'cashier', session, amount, options };
}

/** Inside WeChat without OAuth: the ways to pay that work in WeChat's browser. */
function inWechat(context: CheckoutContext, session: CheckoutSession, url: URL, amount: number): LinkVisit {
  const options = (['wechatpay', 'unionpay'] as const)
    .filter((wallet) => context.wallets[wallet])
    .map((wallet) => ({ wallet, url: linkWith(context, session, `/go/${wallet}`, url, amount) }));
  return { type: 'in_wechat', session, amount, options };
}

/** The link itself (no route under it): decided by the app it was opened in. */
async function routeByWallet(
  context: CheckoutContext,
  session: CheckoutSession,
  url: URL,
  amount: number,
  browser: BrowserContext,
): Promise<LinkVisit> {
  const { wallets } = context;
  switch (browser) {
    case 'alipay': {
      const config = wallets.alipay;
      if (!config) return cashier(context, session, url, amount);
      if (config.oauth) return oauthRedirect(context, session, url, 'alipay', amount, config.oauth);
      return makeAttempt(context, session, 'alipay', METHODS.alipay.inWallet, amount);
    }
    case 'wechatpay': {
      const config = wallets.wechatpay;
      if (config?.oauth) return oauthRedirect(context, session, url, 'wechatpay', amount, config.oauth);
      // Without OAuth there is no openid, so no jsapi; a phone cannot scan its own screen, and WeChat
      // refuses WeChat Pay h5 in its own browser. What works: a native code the buyer long-presses,
      // UnionPay's mobile web page, or the link opened in the phone's browser.
      return inWechat(context, session, url, amount);
    }
    case 'unionpay':
      if (!wallets.unionpay) return cashier(context, session, url, amount);
      return makeAttempt(context, session, 'unionpay', METHODS.unionpay.inWallet, amount);
    case 'browser':
      return cashier(context, session, url, amount);
  }
}

/**
 * The method of a chosen wallet (`<link>/go/<wallet>`): the desktop's, except UnionPay inside
 * WeChat, where its mobile web page (`h5`) fits the phone.
 */
function goMethod(wallet: CheckoutWallet, userAgent: string | null | undefined): PaymentMethod {
  if (wallet === 'unionpay' && detectWallet(userAgent) === 'wechatpay') return METHODS.unionpay.inWallet;
  return METHODS[wallet].desktop;
}

/** Routes a link visit to what it leads to, without rendering it. */
export async function visit(context: CheckoutContext, input: LinkVisitInput): Promise<LinkVisit> {
  const url = onOrigin(context, input.url);
  const route = await resolveRoute(context, url);
  if (!route) return { type: 'not_found' };
  let { session } = route;
  const { rest } = route;
  if (session.status === 'open' && Date.parse(session.expiresAt) <= context.now().getTime()) {
    session =
      (await expireSession(context, session.id)) ?? ((await context.store.getSession(session.id)) as CheckoutSession);
  }
  if (session.status === 'expired') return { type: 'expired', session };
  if (session.status === 'completed') return { type: 'completed', session };
  const amount = payableAmount(session, url);
  if (typeof amount !== 'number') return { type: 'amount_required', session, invalid: amount === 'invalid' };
  // A merchant's session offers the wallets that merchant is enabled at, and only those.
  const scoped = await sessionContext(context, session);

  if (rest.length === 0) return routeByWallet(scoped, session, url, amount, detectWallet(input.userAgent));
  const [kind, name] = rest;
  const wallet = CHECKOUT_WALLETS.find((w) => w === name);
  if (rest.length !== 2 || !wallet || !scoped.wallets[wallet]) return { type: 'not_found' };
  if (kind === 'go') return makeAttempt(scoped, session, wallet, goMethod(wallet, input.userAgent), amount);
  if (kind === 'oauth') return oauthReturn(scoped, session, url, wallet, amount);
  return { type: 'not_found' };
}
