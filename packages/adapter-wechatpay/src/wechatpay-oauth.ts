/**
 * WeChat's web OAuth for official accounts (网页授权, `snsapi_base`): the authorize URL that sends
 * the buyer through WeChat and back with a `code`, and the exchange of that code for the buyer's
 * openid, which a `jsapi` payment needs.
 *
 * It is a method of the payment provider, `provider.oauth({ appSecret })`, the one OAuth shape both
 * wallets with OAuth offer (core's `WalletOAuth`): the openid must belong to the paying app, so the
 * provider's own app id is used. The AppSecret is given to `oauth()` only (the payments never need
 * it). `wechatpayOAuth({ appId, appSecret })`, the factory of earlier versions, stays as a
 * deprecated alias.
 *
 * @packageDocumentation
 */
import {
  type HttpHooks,
  type NormalizedProviderCode,
  ProviderApiError,
  UnexpectedResponseError,
  ValidationError,
  type WalletOAuth,
} from '@hutong/core';
import {
  assertHttpUrl,
  checkWithSchema,
  createHttpClient,
  type HttpResponse,
  parseWithSchema,
  transportOptionsShape,
  z,
} from '@hutong/core/provider-utils';
import { type SecretScrubber, secretScrubber } from './wechatpay-oauth-secrets.js';

/**
 * WeChat's OAuth hosts: the authorize page the buyer opens, and the API that exchanges the code.
 *
 * @group OAuth
 * @example
 * ```ts
 * WECHAT_OAUTH_HOSTS.authorize; // 'https://open.weixin.qq.com'
 * ```
 */
export const WECHAT_OAUTH_HOSTS = {
  authorize: 'https://open.weixin.qq.com',
  api: 'https://api.weixin.qq.com',
} as const;

/**
 * Options of {@link wechatpayOAuth}.
 *
 * @group OAuth
 * @example
 * ```ts
 * const options: WechatpayOAuthOptions = { appId: 'wxd678efh567hg6787', appSecret: process.env.WECHAT_APP_SECRET as string };
 * ```
 */
export interface WechatpayOAuthOptions {
  /** The official account's app id (公众号 AppID): the `mp` app id the `jsapi` payments use. */
  appId: string;
  /** The official account's AppSecret. It is sent to WeChat only, and never appears in errors or hooks. */
  appSecret: string;
  /**
   * `'production'` (default: `open.weixin.qq.com` and `api.weixin.qq.com`), or one base URL that
   * serves both the authorize page and the token API, such as a hutong sandbox's.
   */
  endpoint?: 'production' | (string & {}) | undefined;
  /** The provider id errors name. Default `wechatpay`. */
  id?: string | undefined;
  /** The `fetch` to use, e.g. a hutong sandbox's in-process fetch. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Time limit of the code exchange in ms. Default 10 000. */
  timeoutMs?: number | undefined;
  /** Logging and metrics hooks; they never see the AppSecret, the code or the tokens. */
  hooks?: HttpHooks | undefined;
}

/**
 * Options of `provider.oauth()`: the official account's AppSecret; the app id is the provider's
 * (its `mp` app id when configured by kind, else its default), and the endpoint, `fetch`, time
 * limit and hooks default to the provider's (a provider on a hutong sandbox gets the sandbox's
 * OAuth pages).
 *
 * @group OAuth
 * @example
 * ```ts
 * const oauth = provider.oauth({ appSecret: process.env.WECHAT_APP_SECRET as string });
 * ```
 */
export interface WechatpayProviderOAuthOptions {
  /** The official account's AppSecret. It is sent to WeChat only, and never appears in errors or hooks. */
  appSecret: string;
  /** `'production'`, or one base URL serving the authorize page and the token API. Default: the provider's sandbox URL when it has one, else production. */
  endpoint?: 'production' | (string & {}) | undefined;
  /** The `fetch` to use. Default: the provider's. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Time limit of the code exchange in ms. Default: the provider's. */
  timeoutMs?: number | undefined;
  /** Logging and metrics hooks (never seeing the AppSecret, the code or the tokens). Default: the provider's. */
  hooks?: HttpHooks | undefined;
}

/**
 * What WeChat returns for a code (`/sns/oauth2/access_token`). The access token is the web OAuth
 * token (not the official account's API token); `snsapi_base` needs nothing but the openid.
 *
 * @group OAuth
 * @example
 * ```ts
 * const { openid, unionid } = await oauth.exchangeCode(code);
 * ```
 */
export interface WechatOAuthToken {
  /** The buyer's openid under this app id. */
  openid: string;
  /** The buyer's unionid, when the app is bound to an open platform account and WeChat sends it. */
  unionid: string | undefined;
  /** The scopes granted, e.g. `snsapi_base`. */
  scope: string;
  accessToken: string;
  /** Seconds the access token lives (7 200). */
  expiresIn: number;
  refreshToken: string | undefined;
}

/**
 * WeChat's web OAuth for one official account: core's `WalletOAuth` (`authorizeUrl`, `buyerId`),
 * which `@hutong/checkout` takes, with WeChat's extras (`openid`, `exchangeCode`).
 *
 * @group OAuth
 * @example
 * ```ts
 * const oauth: WechatpayOAuth = provider.oauth({ appSecret });
 * response.redirect(oauth.authorizeUrl('https://shop.example/oauth/wechat', state));
 * ```
 */
export interface WechatpayOAuth extends WalletOAuth {
  /** The official account's app id. */
  readonly appId: string;
  /**
   * WeChat's silent authorize URL (`scope=snsapi_base`), parameters in the order WeChat's strict
   * match demands, ending `#wechat_redirect`. WeChat sends the buyer back to `redirectUri` with
   * `code` and `state`. `state` is letters and digits, at most 128 characters.
   */
  authorizeUrl(redirectUri: string, state: string): string;
  /** The buyer's openid for the `code` WeChat returned. A code is good for one exchange, within 5 minutes. */
  openid(code: string): Promise<string>;
  /** The buyer's id for the paying app: the openid, as {@link WechatpayOAuth.openid}. */
  buyerId(code: string): Promise<string>;
  /** The whole reply for a code: openid, unionid, scope and the web OAuth tokens. */
  exchangeCode(code: string): Promise<WechatOAuthToken>;
}

/** WeChat error codes of the code exchange with a normalised meaning. */
const WECHAT_OAUTH_ERRORS: Readonly<Record<string, NormalizedProviderCode>> = {
  '-1': 'system_busy',
  '40001': 'permission_denied',
  '40013': 'permission_denied',
  '40125': 'permission_denied',
  '40164': 'permission_denied',
  '41002': 'invalid_request',
  '41004': 'invalid_request',
  '41008': 'invalid_request',
  '40029': 'invalid_request',
  '40163': 'invalid_request',
  '45011': 'rate_limited',
};

const optionsSchema = z.strictObject({
  appId: z
    .string({ error: 'is required' })
    .check(z.regex(/^wx[0-9A-Za-z]{10,30}$/, 'must be an app id starting with wx')),
  appSecret: z
    .string({ error: 'is required' })
    .check(z.regex(/^[0-9A-Za-z]{16,64}$/, 'must be the AppSecret: 16 to 64 letters and digits')),
  endpoint: z.optional(
    z.union([z.literal('production'), z.url({ protocol: /^https?$/ })], { error: 'must be production or a URL' }),
  ),
  id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"'))),
  fetch: transportOptionsShape.fetch,
  timeoutMs: transportOptionsShape.timeoutMs,
  hooks: transportOptionsShape.hooks,
});

/** `provider.oauth()`'s options: the app id and the provider id are the provider's. */
const providerOAuthSchema = z.strictObject({
  appSecret: optionsSchema.shape.appSecret,
  endpoint: optionsSchema.shape.endpoint,
  fetch: transportOptionsShape.fetch,
  timeoutMs: transportOptionsShape.timeoutMs,
  hooks: transportOptionsShape.hooks,
});

/** WeChat's `state`: letters and digits, at most 128 bytes. */
const STATE = /^[A-Za-z0-9]{0,128}$/;
/** WeChat's codes are short URL-safe tokens; anything else is not one. */
const CODE = /^[A-Za-z0-9_-]{1,128}$/;

const tokenReply = z.looseObject({
  openid: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, 'is not an openid')),
  access_token: z.string().check(z.minLength(1, 'is missing')),
  expires_in: z.int().check(z.nonnegative()),
  refresh_token: z.optional(z.string()),
  scope: z.string(),
  unionid: z.optional(z.string()),
  is_snapshotuser: z.optional(z.number()),
});

/**
 * WeChat's web OAuth for an official account, as `wechatpayOAuth({ appId, appSecret })` of earlier
 * versions built it.
 *
 * @deprecated Use the provider's method, `provider.oauth({ appSecret })`: the same OAuth, under the
 * provider's own app id (the openid must belong to the paying app).
 * @group OAuth
 * @example
 * ```ts
 * import { wechatpayOAuth } from '@hutong/adapter-wechatpay';
 * const oauth = wechatpayOAuth({ appId: 'wxd678efh567hg6787', appSecret: process.env.WECHAT_APP_SECRET as string });
 * const url = oauth.authorizeUrl('https://shop.example/pay/oauth', 'state123');
 * ```
 */
export function wechatpayOAuth(options: WechatpayOAuthOptions): WechatpayOAuth {
  return createWechatpayOAuth(parseWithSchema(optionsSchema, options, 'options'));
}

/**
 * `provider.oauth(options)`: WeChat's web OAuth under the provider's app id, its transport options
 * defaulting to the provider's.
 *
 * @group OAuth
 * @example
 * ```ts
 * const oauth = wechatpayProviderOAuth({ id: 'wechatpay', appId, endpoint: 'production' }, { appSecret });
 * ```
 */
export function wechatpayProviderOAuth(
  provider: Omit<WechatpayOAuthOptions, 'appSecret'>,
  options: WechatpayProviderOAuthOptions,
): WechatpayOAuth {
  const given = parseWithSchema(providerOAuthSchema, options, 'options');
  return createWechatpayOAuth({
    appId: provider.appId,
    id: provider.id,
    appSecret: given.appSecret,
    endpoint: given.endpoint ?? provider.endpoint,
    fetch: given.fetch ?? provider.fetch,
    timeoutMs: given.timeoutMs ?? provider.timeoutMs,
    hooks: given.hooks ?? provider.hooks,
  });
}

/**
 * WeChat's web OAuth (`snsapi_base`) for an official account: the authorize URL and the code →
 * openid exchange. Errors are hutong errors: WeChat's `errcode` replies a `ProviderApiError`
 * (`40029` an invalid code, `40163` a code used twice, `40125` a wrong AppSecret), an unreadable
 * reply an `UnexpectedResponseError`, a bad argument a `ValidationError`. The exchange is never
 * retried: a code is good once.
 */
function createWechatpayOAuth(config: WechatpayOAuthOptions): WechatpayOAuth {
  const provider = config.id ?? 'wechatpay';
  const custom = config.endpoint !== undefined && config.endpoint !== 'production';
  const base = (host: 'authorize' | 'api') =>
    custom ? (config.endpoint as string).replace(/\/+$/, '') : WECHAT_OAUTH_HOSTS[host];
  const secret = config.appSecret;
  /** The exchange's own client: its hooks and errors are scrubbed of this AppSecret and this code. */
  const clientFor = (scrubber: SecretScrubber) =>
    createHttpClient({
      provider,
      fetch: config.fetch,
      timeoutMs: config.timeoutMs,
      hooks: scrubber.hooks(config.hooks),
      retries: 0,
      redactFields: ['secret', 'code', 'access_token', 'refresh_token'],
    });

  function authorizeUrl(redirectUri: string, state: string): string {
    assertHttpUrl(redirectUri, 'redirectUri');
    if (typeof state !== 'string' || !STATE.test(state))
      throw new ValidationError('state', 'must be letters and digits, at most 128 characters');
    // WeChat matches the link strictly: this order, and #wechat_redirect last.
    return (
      `${base('authorize')}/connect/oauth2/authorize?appid=${config.appId}` +
      `&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&scope=snsapi_base` +
      `&state=${state}#wechat_redirect`
    );
  }

  async function exchangeCode(code: string): Promise<WechatOAuthToken> {
    if (typeof code !== 'string' || !CODE.test(code)) throw new ValidationError('code', 'is not a WeChat OAuth code');
    const url =
      `${base('api')}/sns/oauth2/access_token?appid=${config.appId}&secret=${encodeURIComponent(secret)}` +
      `&code=${encodeURIComponent(code)}&grant_type=authorization_code`;
    const scrubber = secretScrubber([secret, code]);
    let response: HttpResponse;
    try {
      response = await clientFor(scrubber).send({
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
        idempotent: false,
      });
    } catch (error) {
      throw scrubber.error(error);
    }
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch (cause) {
      if (response.status >= 500) throw httpError(response.status);
      throw new UnexpectedResponseError(provider, 'malformed', 'the access_token reply is not JSON', { cause });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new UnexpectedResponseError(provider, 'malformed', 'the access_token reply is not a JSON object');
    }
    const reply = body as Record<string, unknown>;
    if (reply.errcode !== undefined && reply.errcode !== 0 && reply.errcode !== '0') {
      throw oauthError(
        reply.errcode,
        typeof reply.errmsg === 'string' ? scrubber.text(reply.errmsg) : undefined,
        response.status,
      );
    }
    if (response.status !== 200) throw httpError(response.status);
    const parsed = checkWithSchema(tokenReply, reply);
    if (!parsed.success) {
      const field = ['response', ...parsed.path].join('.');
      throw new UnexpectedResponseError(provider, 'malformed', `${field} ${parsed.message}`, { field });
    }
    const token = parsed.data;
    if (token.is_snapshotuser === 1) {
      // The page was opened in WeChat's snapshot mode (朋友圈快照页): a virtual account that cannot pay.
      throw new ProviderApiError({
        provider,
        providerCode: 'is_snapshotuser',
        providerMessage: 'the buyer is a snapshot-page virtual account (快照页模式虚拟账号)',
        normalizedCode: 'permission_denied',
        httpStatus: response.status,
      });
    }
    return {
      openid: token.openid,
      unionid: token.unionid,
      scope: token.scope,
      accessToken: token.access_token,
      expiresIn: token.expires_in,
      refreshToken: token.refresh_token,
    };
  }

  function oauthError(errcode: unknown, message: string | undefined, httpStatus: number): ProviderApiError {
    const code = String(errcode);
    // WeChat ends errmsg with the request's id: "invalid code, rid: 6512a3b4-...".
    const requestId = message ? /\brid:\s*([\w-]+)/.exec(message)?.[1] : undefined;
    return new ProviderApiError({
      provider,
      providerCode: code,
      providerMessage: message,
      normalizedCode: Object.hasOwn(WECHAT_OAUTH_ERRORS, code) ? (WECHAT_OAUTH_ERRORS[code] ?? 'unknown') : 'unknown',
      httpStatus,
      requestId,
    });
  }

  function httpError(status: number): ProviderApiError {
    return new ProviderApiError({
      provider,
      providerCode: `HTTP_${status}`,
      normalizedCode: status >= 500 ? 'system_busy' : 'unknown',
      httpStatus: status,
    });
  }

  return {
    appId: config.appId,
    authorizeUrl,
    exchangeCode,
    async openid(code) {
      return (await exchangeCode(code)).openid;
    },
    async buyerId(code) {
      return (await exchangeCode(code)).openid;
    },
  };
}
