/**
 * The merchants that can authorise the app in the Alipay sandbox (service-provider mode), and the
 * `app_auth_token`s it issues them.
 *
 * @packageDocumentation
 */
import { randomBytes, randomInt } from 'node:crypto';
import { formatAlipayTime } from '@hutong/adapter-alipay/protocol';
import { randomAuthAppId, randomUserId } from './alipay-sandbox-ids.js';
import type { AlipaySandboxAppToken, AlipaySandboxMerchant } from './alipay-sandbox-state.js';

/**
 * A new merchant, kept by its `auth_app_id`.
 *
 * @example
 * ```ts
 * const { authAppId } = addAlipaySandboxMerchant(merchants, '老王煎饼');
 * ```
 */
export function addAlipaySandboxMerchant(
  merchants: Map<string, AlipaySandboxMerchant>,
  name?: string,
): AlipaySandboxMerchant {
  const merchant: AlipaySandboxMerchant = {
    authAppId: randomAuthAppId(),
    userId: randomUserId(),
    name: name ?? `沙箱商户${merchants.size + 1}`,
  };
  merchants.set(merchant.authAppId, merchant);
  return merchant;
}

/**
 * A fresh token pair for a merchant: good for a year, its refresh token a week longer.
 *
 * @example
 * ```ts
 * const { token, issued } = issueAlipaySandboxAppToken({ appTokens, now }, authAppId);
 * ```
 */
export function issueAlipaySandboxAppToken(
  tokens: { readonly appTokens: Map<string, AlipaySandboxAppToken>; readonly now: () => Date },
  authAppId: string,
): { token: string; issued: AlipaySandboxAppToken } {
  const stamp = formatAlipayTime(tokens.now()).replace(/\D/g, '').slice(0, 6);
  const token = `${stamp}BB${randomBytes(15).toString('hex')}X${randomInt(10)}`;
  const at = tokens.now().getTime();
  const issued: AlipaySandboxAppToken = {
    authAppId,
    refreshToken: `${stamp}BB${randomBytes(15).toString('hex')}R${randomInt(10)}`,
    expiresAt: at + 31_536_000_000,
    refreshExpiresAt: at + 32_140_800_000,
    revoked: false,
    replacedAt: undefined,
  };
  tokens.appTokens.set(token, issued);
  return { token, issued };
}
