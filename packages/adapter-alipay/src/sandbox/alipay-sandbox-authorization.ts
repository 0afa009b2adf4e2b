/**
 * What a test does to a merchant's authorisation of the app in the Alipay sandbox: the merchant
 * authorises it on the app-to-app page, its tokens expire, or it cancels the authorisation.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { appAuthRedirect } from './alipay-sandbox-routes-browser.js';
import type { AlipaySandboxState } from './alipay-sandbox-state.js';

/**
 * The merchant authorises the app: the callback URL Alipay sends the browser to (a fresh
 * `app_auth_code`).
 *
 * @example
 * ```ts
 * const callback = authorizeAlipaySandboxMerchant(state, authAppId, 'https://shop.example/alipay/auth', 's1');
 * ```
 */
export function authorizeAlipaySandboxMerchant(
  state: AlipaySandboxState,
  authAppId: string,
  redirectUri: string,
  stateParam?: string,
): string {
  if (!state.merchants.has(authAppId))
    throw new ValidationError('authAppId', `is not a merchant of the Alipay sandbox (${authAppId})`);
  return appAuthRedirect(state, authAppId, redirectUri, stateParam);
}

/**
 * The merchant's tokens expire now.
 *
 * @example
 * ```ts
 * expireAlipaySandboxMerchantTokens(state, authAppId);
 * ```
 */
export function expireAlipaySandboxMerchantTokens(state: AlipaySandboxState, authAppId: string): void {
  const at = state.now().getTime();
  for (const issued of state.appTokens.values()) if (issued.authAppId === authAppId) issued.expiresAt = at;
}

/**
 * The merchant cancels the authorisation: its tokens are revoked.
 *
 * @example
 * ```ts
 * revokeAlipaySandboxMerchantTokens(state, authAppId);
 * ```
 */
export function revokeAlipaySandboxMerchantTokens(state: AlipaySandboxState, authAppId: string): void {
  for (const issued of state.appTokens.values()) if (issued.authAppId === authAppId) issued.revoked = true;
}
