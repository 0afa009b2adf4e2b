/**
 * Calls for a merchant in service-provider mode: every request carries the merchant's
 * `app_auth_token` (a signed system parameter), refreshed first when it is about to expire and a
 * directory was given; a token Alipay refuses as invalid or expired is a `ProviderApiError`
 * `permission_denied` and fires `appAuth.onRevoked`, never a crash. A call without a merchant is
 * the app's own, exactly as before.
 *
 * @packageDocumentation
 */
import { ProviderApiError, ValidationError } from '@hutong/core';
import type { MerchantAccount } from '@hutong/core/provider-utils';
import { isAlipayTokenDue, refreshAlipayMerchant } from './alipay-app-auth.js';
import type { AlipayClient, AlipayContext } from './alipay-client.js';

/**
 * Alipay's `sub_code`s for a merchant token that no longer works: invalid (revoked, replaced more
 * than 10 minutes ago, another app's) or expired, and the relation gone.
 *
 * @group Service providers
 * @example
 * ```ts
 * ALIPAY_REVOKED_TOKEN_CODES.has('aop.invalid-app-auth-token'); // true
 * ```
 */
export const ALIPAY_REVOKED_TOKEN_CODES: ReadonlySet<string> = new Set([
  'aop.invalid-app-auth-token',
  'aop.app-auth-token-time-out',
  'isv.invalid-auth-relations',
]);

/**
 * Whether an error is Alipay refusing a merchant's authorisation (a revoked or expired
 * `app_auth_token`): the merchant must authorise the app again.
 *
 * @group Service providers
 * @example
 * ```ts
 * try { await payments.createPayment(input); } catch (e) { if (isAlipayAuthorizationRevoked(e)) askToReauthorise(); }
 * ```
 */
export function isAlipayAuthorizationRevoked(error: unknown): error is ProviderApiError {
  return ProviderApiError.isInstance(error) && ALIPAY_REVOKED_TOKEN_CODES.has(error.providerCode);
}

/** Refreshes in flight, by provider and merchant app id: concurrent calls share one. */
const refreshing = new Map<string, Promise<MerchantAccount>>();

/** The token a call for `merchant` carries, refreshed first when due and a directory is given. */
async function merchantToken(context: AlipayContext, merchant: MerchantAccount): Promise<string> {
  let account = merchant;
  const { directory, refreshMarginMs } = context.config.appAuth;
  if (directory && account.fields.appRefreshToken && isAlipayTokenDue(account, context.config.now(), refreshMarginMs)) {
    const key = `${context.id}\u0000${account.accountId}`;
    let pending = refreshing.get(key);
    if (!pending) {
      pending = refreshAlipayMerchant(
        {
          id: context.id,
          appId: context.config.appId,
          client: context.client,
          now: context.config.now,
          refreshMarginMs,
        },
        directory,
        account,
      ).finally(() => refreshing.delete(key));
      refreshing.set(key, pending);
    }
    try {
      account = await pending;
    } catch (error) {
      // A token not yet expired still works; a refresh Alipay refused as revoked is reported.
      await reportRevoked(context, merchant, error);
      const expiresAt = Date.parse(account.fields.expiresAt ?? '');
      if (!(expiresAt > context.config.now().getTime())) throw error;
    }
  }
  const token = account.fields.appAuthToken;
  if (!token) {
    throw new ValidationError('merchant.fields.appAuthToken', 'is missing: the merchant has not authorised the app');
  }
  return token;
}

/** Fires `onRevoked` for a revocation (awaited, its own errors swallowed). */
async function reportRevoked(context: AlipayContext, merchant: MerchantAccount, error: unknown): Promise<void> {
  if (!isAlipayAuthorizationRevoked(error)) return;
  try {
    await context.config.appAuth.onRevoked?.({
      type: 'merchant.authorization_revoked',
      provider: context.id,
      merchant: merchant.merchant,
      accountId: merchant.accountId,
      providerCode: error.providerCode,
    });
  } catch {
    // The hook's failure is the platform's; the call's own error is what the caller sees.
  }
}

/** Alipay's refusal of the token, as `permission_denied` whatever the gateway code said. */
function revokedError(context: AlipayContext, error: ProviderApiError): ProviderApiError {
  return new ProviderApiError({
    provider: context.id,
    providerCode: error.providerCode,
    providerMessage: error.providerMessage,
    normalizedCode: 'permission_denied',
    httpStatus: error.httpStatus,
    requestId: error.requestId,
  });
}

/**
 * The client a call for `merchant` goes through: the provider's own for `null`/`undefined`, or
 * one whose calls and signed parameters carry the merchant's `app_auth_token` and whose revoked
 * token errors fire `appAuth.onRevoked`.
 *
 * @example
 * ```ts
 * const client = await alipayClientFor(context, request.merchant);
 * const node = await client.call('alipay.trade.query', { out_trade_no }, { idempotent: true });
 * ```
 */
export async function alipayClientFor(
  context: AlipayContext,
  merchant: MerchantAccount | null | undefined,
): Promise<AlipayClient> {
  if (!merchant) return context.client;
  // An account is one provider's: another provider's (another app) would send its token here.
  if (merchant.provider !== context.id) {
    throw new ValidationError('merchant.provider', `is ${merchant.provider}, not this provider (${context.id})`);
  }
  const appAuthToken = await merchantToken(context, merchant);
  const { client } = context;
  return {
    url: client.url,
    signedParams: (method, biz, options = {}) => client.signedParams(method, biz, { ...options, appAuthToken }),
    async call(method, biz, options = {}) {
      try {
        return await client.call(method, biz, { ...options, appAuthToken });
      } catch (error) {
        if (!isAlipayAuthorizationRevoked(error)) throw error;
        await reportRevoked(context, merchant, error);
        throw revokedError(context, error);
      }
    },
  };
}
