/**
 * Service providers (第三方应用 / ISV): a merchant authorises the platform's app on Alipay's
 * app-to-app page (`appToAppAuth.htm`), Alipay sends the browser back with an `app_auth_code`,
 * and `alipay.open.auth.token.app` exchanges it (`grant_type=authorization_code`) for the
 * merchant's `app_auth_token`, its refresh token and the merchant's app id (`auth_app_id`), the
 * id every later notification about the merchant's trades names. The same method refreshes a
 * token (`grant_type=refresh_token`; Alipay keeps the old token usable for 10 minutes) and
 * `alipay.open.auth.token.app.query` checks one.
 *
 * Tokens are credentials: they go to the merchant directory and to Alipay, never into an error,
 * a hook (the client redacts them) or an event.
 *
 * @packageDocumentation
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnexpectedResponseError, ValidationError } from '@hutong/core';
import {
  assertHttpUrl,
  checkWithSchema,
  type MerchantAccount,
  type MerchantDirectory,
  z,
} from '@hutong/core/provider-utils';
import type { AlipayClient } from './alipay-client.js';
import { ALIPAY_GATEWAYS } from './alipay-options.js';
import type { AlipayResponseNode } from './alipay-replies.js';

/**
 * Alipay's app-to-app authorisation pages, by environment (the names of `ALIPAY_GATEWAYS`).
 *
 * @group Service providers
 * @example
 * ```ts
 * provider.authorization({ ...options, authorizeEndpoint: ALIPAY_APP_AUTH_URLS.sandbox });
 * ```
 */
export const ALIPAY_APP_AUTH_URLS = {
  production: 'https://openauth.alipay.com/oauth2/appToAppAuth.htm',
  sandbox: 'https://openauth-sandbox.dl.alipaydev.com/oauth2/appToAppAuth.htm',
} as const;

/** The page's path on a custom gateway's host (where a hutong sandbox serves it). */
const APP_AUTH_PATH = '/oauth2/appToAppAuth.htm';

/**
 * What `alipay.open.auth.token.app` returns for a merchant: its app id, user id and tokens.
 *
 * @group Service providers
 * @example
 * ```ts
 * const token: AlipayAppAuthToken = await authorization.exchange(appAuthCode);
 * token.authAppId; // the MerchantAccount's accountId
 * ```
 */
export interface AlipayAppAuthToken {
  /** The authorising merchant's app id (`auth_app_id`): the merchant's `accountId`. */
  authAppId: string;
  /** The merchant's Alipay user id (`2088...`), when Alipay returns it. */
  userId: string | undefined;
  appAuthToken: string;
  appRefreshToken: string;
  /** Seconds the token lives (Alipay documents the field as obsolete: tokens no longer expire). */
  expiresIn: number | undefined;
  /** Seconds the refresh token lives. */
  reExpiresIn: number | undefined;
}

/**
 * What `alipay.open.auth.token.app.query` says about a token.
 *
 * @group Service providers
 * @example
 * ```ts
 * const { status } = await authorization.check(account); // 'valid' | 'invalid'
 * ```
 */
export interface AlipayAppAuthStatus {
  authAppId: string;
  userId: string | undefined;
  status: 'valid' | 'invalid';
  /** The methods the merchant authorised the app to call. */
  authMethods: string[];
  authStart: string | undefined;
  authEnd: string | undefined;
}

const text = z.string().check(z.minLength(1, 'is missing'));
const appId = z.string().check(z.regex(/^\d{16}$/, 'is not an Alipay app id'));
const seconds = z.union([
  z.int().check(z.nonnegative()),
  z.string().check(z.regex(/^\d+$/, 'is not a number of seconds')),
]);

function read<T>(schema: Parameters<typeof checkWithSchema>[0], node: unknown, provider: string): T {
  const checked = checkWithSchema(schema, node);
  if (checked.success) return checked.data as T;
  const field = ['response', ...checked.path].join('.');
  throw new UnexpectedResponseError(provider, 'malformed', `${field} ${checked.message}`, { field });
}

const tokenShape = z.looseObject({
  auth_app_id: appId,
  user_id: z.optional(z.string()),
  app_auth_token: text,
  app_refresh_token: text,
  expires_in: z.optional(seconds),
  re_expires_in: z.optional(seconds),
});

type TokenReply = {
  auth_app_id: string;
  user_id?: string | undefined;
  app_auth_token: string;
  app_refresh_token: string;
  expires_in?: number | string | undefined;
  re_expires_in?: number | string | undefined;
};

/**
 * `alipay.open.auth.token.app`: the merchant's tokens, from the reply's own fields or, when
 * Alipay answers in its batch form, its single `tokens` entry. Given `authAppId` (a refresh), the
 * reply must be about that merchant: a genuine reply for another merchant is a `mismatch`.
 *
 * @example
 * ```ts
 * const token = readAlipayAppAuthTokenReply(node, 'alipay', { authAppId: account.accountId });
 * ```
 */
export function readAlipayAppAuthTokenReply(
  node: AlipayResponseNode,
  provider: string,
  expected: { authAppId?: string | undefined } = {},
): AlipayAppAuthToken {
  let source: unknown = node;
  if (node.app_auth_token === undefined && Array.isArray(node.tokens)) {
    if (node.tokens.length !== 1) {
      throw new UnexpectedResponseError(provider, 'malformed', 'response.tokens does not hold exactly one token', {
        field: 'response.tokens',
      });
    }
    source = node.tokens[0];
  }
  const reply = read<TokenReply>(tokenShape, source, provider);
  if (expected.authAppId !== undefined && reply.auth_app_id !== expected.authAppId) {
    throw new UnexpectedResponseError(provider, 'mismatch', 'response.auth_app_id is about another merchant', {
      field: 'response.auth_app_id',
    });
  }
  return {
    authAppId: reply.auth_app_id,
    userId: reply.user_id || undefined,
    appAuthToken: reply.app_auth_token,
    appRefreshToken: reply.app_refresh_token,
    expiresIn: reply.expires_in === undefined ? undefined : Number(reply.expires_in),
    reExpiresIn: reply.re_expires_in === undefined ? undefined : Number(reply.re_expires_in),
  };
}

/**
 * `alipay.open.auth.token.app.query`: the token's status, bound to the merchant it was asked
 * about when `authAppId` is given.
 *
 * @example
 * ```ts
 * const status = readAlipayAppAuthQueryReply(node, 'alipay', { authAppId: account.accountId });
 * ```
 */
export function readAlipayAppAuthQueryReply(
  node: AlipayResponseNode,
  provider: string,
  expected: { authAppId?: string | undefined } = {},
): AlipayAppAuthStatus {
  const reply = read<{
    auth_app_id: string;
    user_id?: string | undefined;
    status: 'valid' | 'invalid';
    auth_methods?: unknown;
    auth_start?: string | undefined;
    auth_end?: string | undefined;
  }>(
    z.looseObject({
      auth_app_id: appId,
      user_id: z.optional(z.string()),
      status: z.enum(['valid', 'invalid'], { error: 'is not valid or invalid' }),
      auth_methods: z.optional(z.unknown()),
      auth_start: z.optional(z.string()),
      auth_end: z.optional(z.string()),
    }),
    node,
    provider,
  );
  if (expected.authAppId !== undefined && reply.auth_app_id !== expected.authAppId) {
    throw new UnexpectedResponseError(provider, 'mismatch', 'response.auth_app_id is about another merchant', {
      field: 'response.auth_app_id',
    });
  }
  // Alipay has answered auth_methods both as an array and as a JSON text of one.
  let methods: unknown = reply.auth_methods ?? [];
  if (typeof methods === 'string') {
    try {
      methods = JSON.parse(methods);
    } catch {
      methods = [methods];
    }
  }
  const authMethods = Array.isArray(methods)
    ? methods.filter((m): m is string => typeof m === 'string').map((m) => m.replace(/^"|"$/g, ''))
    : [];
  return {
    authAppId: reply.auth_app_id,
    userId: reply.user_id || undefined,
    status: reply.status,
    authMethods,
    authStart: reply.auth_start,
    authEnd: reply.auth_end,
  };
}

const APP_AUTH_CODE = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * `alipay.open.auth.token.app` with `grant_type=authorization_code`: an `app_auth_code` (good once,
 * for 24 hours) for the merchant's tokens. Never resent.
 *
 * @example
 * ```ts
 * const token = await exchangeAlipayAppAuthCode(client, appAuthCode, 'alipay');
 * ```
 */
export async function exchangeAlipayAppAuthCode(
  client: AlipayClient,
  code: string,
  provider: string,
): Promise<AlipayAppAuthToken> {
  if (typeof code !== 'string' || !APP_AUTH_CODE.test(code)) {
    throw new ValidationError('app_auth_code', 'is not an Alipay app authorisation code');
  }
  const node = await client.call(
    'alipay.open.auth.token.app',
    { grant_type: 'authorization_code', code },
    { idempotent: false, sensitive: true },
  );
  return readAlipayAppAuthTokenReply(node, provider);
}

/**
 * `alipay.open.auth.token.app` with `grant_type=refresh_token`: new tokens for the merchant
 * `authAppId` (the reply must be about it). The old token stays usable for 10 minutes.
 *
 * @example
 * ```ts
 * const token = await refreshAlipayAppAuthToken(client, account.fields.appRefreshToken, 'alipay', account.accountId);
 * ```
 */
export async function refreshAlipayAppAuthToken(
  client: AlipayClient,
  refreshToken: string,
  provider: string,
  authAppId: string,
): Promise<AlipayAppAuthToken> {
  const node = await client.call(
    'alipay.open.auth.token.app',
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    { idempotent: false, sensitive: true },
  );
  return readAlipayAppAuthTokenReply(node, provider, { authAppId });
}

/**
 * `alipay.open.auth.token.app.query`: whether a merchant's token is valid, and what it may call.
 *
 * @example
 * ```ts
 * const status = await queryAlipayAppAuthToken(client, token, 'alipay', account.accountId);
 * ```
 */
export async function queryAlipayAppAuthToken(
  client: AlipayClient,
  appAuthToken: string,
  provider: string,
  authAppId?: string,
): Promise<AlipayAppAuthStatus> {
  const node = await client.call(
    'alipay.open.auth.token.app.query',
    { app_auth_token: appAuthToken },
    { idempotent: true, sensitive: true },
  );
  return readAlipayAppAuthQueryReply(node, provider, { authAppId });
}

/**
 * The merchant account a token makes: `accountId` = `auth_app_id`, the tokens and their expiry
 * times (ISO 8601) in `fields`, and the rest (name, enabled, other fields) kept from `previous`.
 *
 * @example
 * ```ts
 * const account = alipayMerchantAccount('shop-42', 'alipay', token, new Date());
 * ```
 */
export function alipayMerchantAccount(
  merchant: string,
  provider: string,
  token: AlipayAppAuthToken,
  now: Date,
  previous?: MerchantAccount,
): MerchantAccount {
  const fields: Record<string, string> = { ...previous?.fields };
  fields.appAuthToken = token.appAuthToken;
  fields.appRefreshToken = token.appRefreshToken;
  delete fields.expiresAt;
  delete fields.refreshExpiresAt;
  if (token.expiresIn !== undefined) fields.expiresAt = new Date(now.getTime() + token.expiresIn * 1000).toISOString();
  if (token.reExpiresIn !== undefined)
    fields.refreshExpiresAt = new Date(now.getTime() + token.reExpiresIn * 1000).toISOString();
  if (token.userId) fields.userId = token.userId;
  return {
    merchant,
    provider,
    accountId: token.authAppId,
    name: previous?.name,
    enabled: previous?.enabled ?? true,
    fields,
  };
}

/**
 * Whether a merchant's token is within `marginMs` of its `expiresAt` (or past it). A token
 * without `expiresAt` (Alipay's tokens no longer expire) is never due.
 *
 * @example
 * ```ts
 * if (isAlipayTokenDue(account, new Date(), 7 * 86_400_000)) await authorization.refreshIfDue(account);
 * ```
 */
export function isAlipayTokenDue(account: MerchantAccount, now: Date, marginMs: number): boolean {
  const expiresAt = account.fields.expiresAt;
  if (!expiresAt) return false;
  const at = Date.parse(expiresAt);
  return Number.isNaN(at) || at - now.getTime() <= marginMs;
}

/** The authorisation page for the provider's gateway and the caller's choice. */
function appAuthPage(gateway: string, choice: string | undefined): string {
  if (choice !== undefined) {
    if (Object.hasOwn(ALIPAY_APP_AUTH_URLS, choice))
      return ALIPAY_APP_AUTH_URLS[choice as keyof typeof ALIPAY_APP_AUTH_URLS];
    assertHttpUrl(choice, 'options.authorizeEndpoint');
    return choice;
  }
  if (gateway === ALIPAY_GATEWAYS.production) return ALIPAY_APP_AUTH_URLS.production;
  if (gateway === ALIPAY_GATEWAYS.sandbox) return ALIPAY_APP_AUTH_URLS.sandbox;
  return new URL(APP_AUTH_PATH, gateway).href;
}

/**
 * Options of `provider.authorization()` (the platform's side of the app-to-app authorisation).
 *
 * @group Service providers
 * @example
 * ```ts
 * const options: AlipayAuthorizationOptions = {
 *   directory, redirectUri: 'https://platform.example/alipay/authorized', stateSecret: process.env.STATE_SECRET!,
 * };
 * ```
 */
export interface AlipayAuthorizationOptions {
  /** Where authorised merchants are stored (`directory.put`). */
  directory: MerchantDirectory;
  /** The callback URL Alipay sends the merchant's browser back to (registered in the app's settings). */
  redirectUri: string;
  /**
   * The key `state` is signed with (at least 32 characters): the callback accepts only a state
   * this platform issued, for the merchant it names, within `stateTtlMs`.
   */
  stateSecret: string;
  /** How long an authorisation link is good for. Default 30 minutes. */
  stateTtlMs?: number | undefined;
  /**
   * `'production'`, `'sandbox'` or the page's URL. Default: the page of the provider's `endpoint`
   * (`/oauth2/appToAppAuth.htm` on a custom gateway's host, where a hutong sandbox serves it).
   */
  authorizeEndpoint?: 'production' | 'sandbox' | (string & {}) | undefined;
  /**
   * Where the browser goes once the merchant is stored (`?merchant=<key>` is added); default a
   * short page saying so.
   */
  completeUrl?: string | undefined;
  /** The clock. Default the provider's. */
  now?: (() => Date) | undefined;
}

/**
 * A service provider's authorisation flow for one provider: the link, the callback handler,
 * refresh and check.
 *
 * @group Service providers
 * @example
 * ```ts
 * const authorization = provider.authorization({ directory, redirectUri, stateSecret });
 * const link = authorization.authorizeUrl('shop-42');
 * app.get('/alipay/authorized', (req) => authorization.handleCallback(req));
 * ```
 */
export interface AlipayAuthorization {
  /**
   * The link that sends `merchant`'s owner to Alipay's app-to-app page:
   * `appToAppAuth.htm?app_id=...&redirect_uri=...&state=...`; `state` names the merchant, signed.
   */
  authorizeUrl(merchant: string): string;
  /**
   * The callback (a Fetch `Request`, GET from the merchant's browser): checks `app_id` and `state`,
   * exchanges `app_auth_code`, stores the account and answers a redirect to `completeUrl` (or a
   * short page). A bad or expired state is 400; a refused exchange 502. Never throws.
   */
  handleCallback(request: Request): Promise<Response>;
  /** The callback's work without HTTP: the stored account; throws typed errors. */
  complete(query: URLSearchParams): Promise<MerchantAccount>;
  /** Exchanges an `app_auth_code` for the merchant's tokens (nothing stored). */
  exchange(appAuthCode: string): Promise<AlipayAppAuthToken>;
  /**
   * Refreshes the account's token when its `expiresAt` is within `marginMs` (default the
   * provider's `appAuth.refreshMarginMs`, 7 days) or `force`, stores and returns the new
   * account; otherwise returns the account as it is.
   */
  refreshIfDue(
    account: MerchantAccount,
    options?: { marginMs?: number | undefined; force?: boolean | undefined },
  ): Promise<MerchantAccount>;
  /** `alipay.open.auth.token.app.query` of the account's token. */
  check(account: MerchantAccount): Promise<AlipayAppAuthStatus>;
}

/**
 * What the authorisation flow needs of the provider.
 *
 * @example
 * ```ts
 * const context: AlipayAuthorizationContext = { id: 'alipay', appId, client, now: () => new Date(), refreshMarginMs: 0 };
 * ```
 */
export interface AlipayAuthorizationContext {
  /** The provider id. */
  id: string;
  /** The platform's app id (the app the merchants authorise). */
  appId: string;
  /** The platform's own client (token calls carry no `app_auth_token`). */
  client: AlipayClient;
  /** The clock that decides whether a token is due. */
  now: () => Date;
  /** How long before `expiresAt` a token is refreshed. */
  refreshMarginMs: number;
}

const STATE_PART = /^[A-Za-z0-9_-]+$/;

function signState(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, 16).toString('base64url');
}

/**
 * Refreshes a merchant's token and stores the new account (what automatic refresh and
 * `refreshIfDue` share).
 *
 * @example
 * ```ts
 * const fresh = await refreshAlipayMerchant(context, directory, account);
 * ```
 */
export async function refreshAlipayMerchant(
  context: AlipayAuthorizationContext,
  directory: MerchantDirectory | undefined,
  account: MerchantAccount,
): Promise<MerchantAccount> {
  const refreshToken = account.fields.appRefreshToken;
  if (!refreshToken) throw new ValidationError('merchant.fields.appRefreshToken', 'is missing');
  const token = await refreshAlipayAppAuthToken(context.client, refreshToken, context.id, account.accountId);
  const fresh = alipayMerchantAccount(account.merchant, account.provider, token, context.now(), account);
  if (directory) await directory.put(fresh);
  return fresh;
}

/**
 * Creates the authorisation flow (what `provider.authorization(options)` returns).
 *
 * @example
 * ```ts
 * const authorization = createAlipayAuthorization(context, { directory, redirectUri, stateSecret });
 * ```
 */
export function createAlipayAuthorization(
  context: AlipayAuthorizationContext,
  options: AlipayAuthorizationOptions,
): AlipayAuthorization {
  assertHttpUrl(options.redirectUri, 'options.redirectUri');
  if (typeof options.stateSecret !== 'string' || options.stateSecret.length < 32) {
    throw new ValidationError('options.stateSecret', 'must be at least 32 characters');
  }
  if (options.completeUrl !== undefined) assertHttpUrl(options.completeUrl, 'options.completeUrl');
  const page = appAuthPage(context.client.url, options.authorizeEndpoint);
  const ttl = options.stateTtlMs ?? 30 * 60_000;
  const now = options.now ?? context.now;
  const { directory } = options;

  function merchantOfState(state: string | null): string {
    const parts = (state ?? '').split('.');
    if (parts.length !== 3 || !parts.every((part) => STATE_PART.test(part))) {
      throw new ValidationError('state', 'is not a state this platform issued');
    }
    const [merchantPart, expiryPart, mac] = parts as [string, string, string];
    const expected = Buffer.from(signState(options.stateSecret, `${merchantPart}.${expiryPart}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ValidationError('state', 'is not a state this platform issued');
    }
    if (Number.parseInt(expiryPart, 36) < now().getTime()) throw new ValidationError('state', 'has expired');
    return Buffer.from(merchantPart, 'base64url').toString('utf8');
  }

  async function complete(query: URLSearchParams): Promise<MerchantAccount> {
    const merchant = merchantOfState(query.get('state'));
    if (query.get('app_id') !== context.appId) throw new ValidationError('app_id', 'is not this app');
    const token = await exchangeAlipayAppAuthCode(context.client, query.get('app_auth_code') ?? '', context.id);
    const previous = (await directory.list(merchant)).find((account) => account.provider === context.id);
    const account = alipayMerchantAccount(merchant, context.id, token, context.now(), previous);
    await directory.put(account);
    return account;
  }

  return {
    authorizeUrl(merchant) {
      if (typeof merchant !== 'string' || merchant === '' || merchant.length > 64) {
        throw new ValidationError('merchant', 'must be 1 to 64 characters');
      }
      const payload = `${Buffer.from(merchant).toString('base64url')}.${(now().getTime() + ttl).toString(36)}`;
      const state = `${payload}.${signState(options.stateSecret, payload)}`;
      const separator = page.includes('?') ? '&' : '?';
      return (
        `${page}${separator}app_id=${context.appId}` +
        `&redirect_uri=${encodeURIComponent(options.redirectUri)}&state=${encodeURIComponent(state)}`
      );
    },
    complete,
    async handleCallback(request) {
      const html = (status: number, message: string) =>
        new Response(`<!doctype html><meta charset="utf-8"><p>${message}</p>`, {
          status,
          headers: { 'content-type': 'text/html;charset=utf-8', 'cache-control': 'no-store' },
        });
      let account: MerchantAccount;
      try {
        account = await complete(new URL(request.url).searchParams);
      } catch (error) {
        // Nothing of the error reaches the page: its message could name the code or the merchant.
        return ValidationError.isInstance(error)
          ? html(400, 'The authorisation link is not valid (or has expired): start again.')
          : html(502, 'Alipay did not confirm the authorisation: start again.');
      }
      if (options.completeUrl) {
        const back = new URL(options.completeUrl);
        back.searchParams.set('merchant', account.merchant);
        return new Response(null, { status: 303, headers: { location: back.href, 'cache-control': 'no-store' } });
      }
      return html(200, 'Authorised.');
    },
    exchange: (code) => exchangeAlipayAppAuthCode(context.client, code, context.id),
    async refreshIfDue(account, refresh = {}) {
      if (!refresh.force && !isAlipayTokenDue(account, now(), refresh.marginMs ?? context.refreshMarginMs)) {
        return account;
      }
      return refreshAlipayMerchant(context, directory, account);
    },
    check(account) {
      const token = account.fields.appAuthToken;
      if (!token) throw new ValidationError('merchant.fields.appAuthToken', 'is missing');
      return queryAlipayAppAuthToken(context.client, token, context.id, account.accountId);
    },
  };
}

/**
 * A random `stateSecret` for a platform that keeps one in its configuration (32 bytes, base64url).
 *
 * @example
 * ```ts
 * console.log(generateAlipayStateSecret()); // store it as ALIPAY_STATE_SECRET
 * ```
 */
export function generateAlipayStateSecret(): string {
  return randomBytes(32).toString('base64url');
}
