/**
 * In-wallet OAuth: the redirect to the wallet's authorize page with a signed, single-use `state`,
 * and the return with the code, exchanged for the buyer's id that a JSAPI payment needs.
 *
 * @packageDocumentation
 */
import type { WalletOAuth } from '@hutong/core';
import { makeAttempt } from './checkout-attempts.js';
import { type CheckoutContext, linkWith } from './checkout-context.js';
import { METHODS } from './checkout-options.js';
import type { CheckoutSession, CheckoutWallet } from './checkout-session.js';
import { createOAuthState, OAUTH_STATE_TTL_SECONDS, verifyOAuthState } from './checkout-signing.js';
import type { LinkVisit, WechatOAuth } from './checkout-types.js';

/** The buyer's id from a code, through either OAuth shape (`buyerId`, or the deprecated `openid`). */
function buyerIdFrom(oauth: WalletOAuth | WechatOAuth, code: string): Promise<string> {
  return 'buyerId' in oauth && typeof oauth.buyerId === 'function'
    ? oauth.buyerId(code)
    : (oauth as WechatOAuth).openid(code);
}

/** Sends the buyer to the wallet's authorize page, which comes back to `<link>/oauth/<wallet>`. */
export function oauthRedirect(
  context: CheckoutContext,
  session: CheckoutSession,
  url: URL,
  wallet: CheckoutWallet,
  amount: number,
  oauth: WalletOAuth | WechatOAuth,
): LinkVisit {
  const redirectUri = linkWith(context, session, `/oauth/${wallet}`, url, amount);
  const state = createOAuthState(context.secret, session.id, context.now().getTime());
  return { type: 'oauth_redirect', session, wallet, url: oauth.authorizeUrl(redirectUri, state) };
}

/** The wallet's return: a fresh, signed `state` and a code make a JSAPI attempt for the buyer. */
export async function oauthReturn(
  context: CheckoutContext,
  session: CheckoutSession,
  url: URL,
  wallet: CheckoutWallet,
  amount: number,
): Promise<LinkVisit> {
  const state = url.searchParams.get('state') ?? '';
  // WeChat returns `code`; Alipay returns `auth_code`.
  const code = url.searchParams.get('code') ?? url.searchParams.get('auth_code');
  const verified = verifyOAuthState(context.secret, session.id, state, context.now().getTime());
  if (!verified || !code) return { type: 'oauth_refused', session };
  const expiresAt = new Date((verified.expiresAt + OAUTH_STATE_TTL_SECONDS) * 1000);
  if (!(await context.store.useOnce(verified.nonce, expiresAt))) return { type: 'oauth_refused', session };
  if (wallet === 'unionpay') return { type: 'not_found' };
  const oauth = context.wallets[wallet]?.oauth;
  if (!oauth) return { type: 'not_found' };
  const buyerId = await buyerIdFrom(oauth, code);
  return makeAttempt(context, session, wallet, METHODS[wallet].oauth, amount, buyerId);
}
