/**
 * Alipay's silent web OAuth (`auth_base`): the `publicAppAuthorize.htm` link that sends the buyer
 * through Alipay and back with an `auth_code`, and `alipay.system.oauth.token`, which exchanges the
 * code, through the app's signed gateway, for the buyer's user id or open id (what a JSAPI payment's
 * `buyer_id` / `buyer_open_id` takes).
 *
 * @packageDocumentation
 */
import { ValidationError, type WalletOAuth } from '@hutong/core';
import { assertHttpUrl } from '@hutong/core/provider-utils';
import type { AlipayClient } from './alipay-client.js';
import { ALIPAY_GATEWAYS } from './alipay-options.js';
import { type AlipayOAuthToken, readAlipayOAuthTokenReply } from './alipay-replies.js';

/**
 * Alipay's authorize pages, by environment (the same names as `ALIPAY_GATEWAYS`).
 *
 * @group OAuth
 * @example
 * ```ts
 * provider.oauth({ authorizeEndpoint: ALIPAY_OAUTH_AUTHORIZE_URLS.sandbox });
 * ```
 */
export const ALIPAY_OAUTH_AUTHORIZE_URLS = {
  production: 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm',
  sandbox: 'https://openauth-sandbox.dl.alipaydev.com/oauth2/publicAppAuthorize.htm',
} as const;

/** The authorize page's path, on a custom gateway's host (a hutong sandbox serves it there). */
const AUTHORIZE_PATH = '/oauth2/publicAppAuthorize.htm';

/**
 * Options of `provider.oauth()`.
 *
 * @group OAuth
 * @example
 * ```ts
 * const options: AlipayOAuthOptions = { authorizeEndpoint: 'sandbox' };
 * ```
 */
export interface AlipayOAuthOptions {
  /**
   * `'production'`, `'sandbox'` (Alipay's own) or the authorize page's URL. Default: the page of the
   * provider's `endpoint` (`production`, `sandbox`, or `/oauth2/publicAppAuthorize.htm` on a custom
   * gateway's host, which is where a hutong sandbox serves it).
   */
  authorizeEndpoint?: 'production' | 'sandbox' | (string & {}) | undefined;
}

/**
 * Alipay's web OAuth for one app: core's `WalletOAuth`, the one OAuth shape of every wallet (what
 * `@hutong/checkout`'s `oauth` option takes), with Alipay's own notes on its two methods.
 *
 * @group OAuth
 * @example
 * ```ts
 * const oauth: AlipayWebOAuth = provider.oauth();
 * const buyerId = await oauth.buyerId(authCode);
 * ```
 */
export interface AlipayWebOAuth extends WalletOAuth {
  /**
   * The silent authorize link: `publicAppAuthorize.htm?app_id=...&scope=auth_base&redirect_uri=...&state=...`.
   * Alipay sends the buyer back to `redirectUri` with `auth_code` and `state` (letters, digits and
   * `+/=_-`, at most 100 characters).
   */
  authorizeUrl(redirectUri: string, state: string): string;
  /** The buyer's user id (`2088...`), or open id for apps on the open-id scheme, for an `auth_code`. */
  buyerId(code: string): Promise<string>;
}

const STATE = /^[A-Za-z0-9+/=_-]{0,100}$/;
const CODE = /^[A-Za-z0-9_-]{1,128}$/;

/** The authorize page for the provider's gateway and the caller's choice. */
function authorizePage(gateway: string, choice: AlipayOAuthOptions['authorizeEndpoint']): string {
  if (choice !== undefined) {
    if (Object.hasOwn(ALIPAY_OAUTH_AUTHORIZE_URLS, choice))
      return ALIPAY_OAUTH_AUTHORIZE_URLS[choice as keyof typeof ALIPAY_OAUTH_AUTHORIZE_URLS];
    let url: URL;
    try {
      url = new URL(choice);
    } catch {
      throw new ValidationError('options.authorizeEndpoint', 'must be production, sandbox or an http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new ValidationError('options.authorizeEndpoint', 'must be production, sandbox or an http(s) URL');
    return url.href;
  }
  if (gateway === ALIPAY_GATEWAYS.production) return ALIPAY_OAUTH_AUTHORIZE_URLS.production;
  if (gateway === ALIPAY_GATEWAYS.sandbox) return ALIPAY_OAUTH_AUTHORIZE_URLS.sandbox;
  return new URL(AUTHORIZE_PATH, gateway).href;
}

/**
 * `alipay.system.oauth.token` with `grant_type=authorization_code`: the reply verified and bound
 * like every gateway reply, its errors `ProviderApiError`s (`isv.code-invalid` for a bad or used
 * code). Never resent: a code is good once.
 *
 * @example
 * ```ts
 * const token = await exchangeAlipayAuthCode(client, authCode, 'alipay');
 * ```
 */
export async function exchangeAlipayAuthCode(
  client: AlipayClient,
  code: string,
  provider: string,
): Promise<AlipayOAuthToken> {
  if (typeof code !== 'string' || !CODE.test(code)) throw new ValidationError('code', 'is not an Alipay auth code');
  const node = await client.call('alipay.system.oauth.token', undefined, {
    params: { grant_type: 'authorization_code', code },
    idempotent: false,
    sensitive: true,
  });
  return readAlipayOAuthTokenReply(node, provider);
}

/**
 * Alipay's web OAuth on a provider's gateway (what `provider.oauth()` returns).
 *
 * @example
 * ```ts
 * const oauth = createAlipayOAuth(client, { appId, provider: 'alipay' });
 * ```
 */
export function createAlipayOAuth(
  client: AlipayClient,
  app: { appId: string; provider: string },
  options: AlipayOAuthOptions = {},
): AlipayWebOAuth {
  const page = authorizePage(client.url, options.authorizeEndpoint);
  return {
    authorizeUrl(redirectUri, state) {
      assertHttpUrl(redirectUri, 'redirectUri');
      if (typeof state !== 'string' || !STATE.test(state))
        throw new ValidationError('state', 'must be letters, digits or +/=_-, at most 100 characters');
      const separator = page.includes('?') ? '&' : '?';
      return (
        `${page}${separator}app_id=${app.appId}&scope=auth_base` +
        `&redirect_uri=${encodeURIComponent(redirectUri)}&state=${encodeURIComponent(state)}`
      );
    },
    async buyerId(code) {
      const token = await exchangeAlipayAuthCode(client, code, app.provider);
      return (token.userId ?? token.openId) as string;
    },
  };
}
