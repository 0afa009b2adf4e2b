/**
 * The Alipay sandbox's checks of a signed request: the app, its RSA2 signature, and the merchant
 * its `app_auth_token` acts for (service-provider mode).
 *
 * @packageDocumentation
 */
import type { KeyObject } from 'node:crypto';
import { alipaySigningString, verifyAlipayContent } from '@hutong/adapter-alipay/protocol';
import { failure, type SandboxNode } from './alipay-sandbox-failures.js';
import type { AlipaySandboxAppToken } from './alipay-sandbox-state.js';

/**
 * What the token check reads: the tokens issued and the sandbox clock.
 *
 * @example
 * ```ts
 * const tokens: AlipaySandboxTokens = { appTokens: new Map(), now: () => new Date() };
 * ```
 */
export interface AlipaySandboxTokens {
  readonly appTokens: ReadonlyMap<string, AlipaySandboxAppToken>;
  readonly now: () => Date;
}

/**
 * The merchant a request acts for: `undefined` without `app_auth_token`, its `auth_app_id` for a
 * live token, or Alipay's refusal of an unknown, revoked, replaced (over 10 minutes ago) or
 * expired token.
 *
 * @example
 * ```ts
 * const acting = alipaySandboxOwnerOf(tokens, params);
 * if ('error' in acting) return acting.error;
 * ```
 */
export function alipaySandboxOwnerOf(
  tokens: AlipaySandboxTokens,
  params: Record<string, string>,
): { owner: string | undefined } | { error: SandboxNode } {
  const token = params.app_auth_token;
  if (!token) return { owner: undefined };
  const issued = tokens.appTokens.get(token);
  const at = tokens.now().getTime();
  if (!issued || issued.revoked || (issued.replacedAt !== undefined && at - issued.replacedAt > 10 * 60_000)) {
    return {
      error: failure('20001', 'Insufficient Token Permissions', 'aop.invalid-app-auth-token', '无效的应用授权令牌'),
    };
  }
  if (issued.expiresAt <= at) {
    return {
      error: failure('20001', 'Insufficient Token Permissions', 'aop.app-auth-token-time-out', '应用授权令牌已过期'),
    };
  }
  return { owner: issued.authAppId };
}

/**
 * What the signature check reads: the app served, its public key, and the token check.
 *
 * @example
 * ```ts
 * const app: AlipaySandboxApp = { appId, appKey, ownerOf: (params) => alipaySandboxOwnerOf(tokens, params) };
 * ```
 */
export interface AlipaySandboxApp {
  readonly appId: string;
  readonly appKey: KeyObject;
  readonly ownerOf: (params: Record<string, string>) => { owner: string | undefined } | { error: SandboxNode };
}

/**
 * Alipay's checks of a signed request: the app, then its RSA2 signature, then its
 * `app_auth_token`; `undefined` when it passes.
 *
 * @example
 * ```ts
 * const problem = checkAlipaySandboxSignature(app, params);
 * if (problem) return problem;
 * ```
 */
export function checkAlipaySandboxSignature(
  app: AlipaySandboxApp,
  params: Record<string, string>,
): SandboxNode | undefined {
  if (params.app_id !== app.appId)
    return failure('40002', 'Invalid Arguments', 'isv.invalid-app-id', '无效的AppID参数');
  if (!params.sign) return failure('40001', 'Missing Required Arguments', 'isv.missing-signature', '缺少签名参数');
  if (params.sign_type !== 'RSA2' || !verifyAlipayContent(alipaySigningString(params), params.sign, app.appKey)) {
    return failure(
      '40002',
      'Invalid Arguments',
      'isv.invalid-signature',
      '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配',
    );
  }
  const acting = app.ownerOf(params);
  if ('error' in acting) return acting.error;
  return undefined;
}
