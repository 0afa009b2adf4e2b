/**
 * Turns zod schema failures into {@link ValidationError}s that name the field. Adapters use it for
 * their option schemas so that every package reports bad input the same way.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import { ValidationError } from './errors.js';
import type { HttpHooks } from './http-client.js';

/**
 * Parses `value` with `schema`; on failure throws a {@link ValidationError} naming the first bad
 * field (prefixed with `prefix`, e.g. `options`). Values are never echoed, so a secret passed in the
 * wrong field does not end up in a log.
 *
 * @example
 * ```ts
 * const options = parseWithSchema(optionsSchema, input, 'options');
 * ```
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = (issue?.path ?? []).map(String);
  // An unknown key of a strict object is named itself: a typo silently ignored is a lost feature.
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  if (unknownKey !== undefined) path.push(unknownKey);
  const field = [prefix, ...path].filter(Boolean).join('.') || (prefix ?? 'input');
  throw new ValidationError(
    field,
    unknownKey !== undefined ? 'is not a known option' : (issue?.message ?? 'is invalid'),
  );
}

const isFunction = (value: unknown) => typeof value === 'function';

/**
 * The option fields every adapter takes for its transport, as a zod shape to spread into an
 * adapter's option schema: `fetch` (e.g. a sandbox's in-process fetch), `timeoutMs`, `retries`
 * (further attempts of the calls the adapter deems safe to repeat), `hooks` (the HTTP client's
 * redacting `onRequest`/`onResponse`/`onError`) and `now`.
 *
 * @example
 * ```ts
 * const optionsSchema = z.object({ appId: z.string(), ...transportOptionsShape });
 * ```
 */
export const transportOptionsShape = {
  /** The `fetch` requests go through. */
  fetch: z.custom<typeof globalThis.fetch>(isFunction, 'must be a function').optional(),
  /** Time limit per request in ms. */
  timeoutMs: z.number().int().positive().optional(),
  /** Further attempts of calls that are safe to repeat, 0 to 10. */
  retries: z.number().int().min(0).max(10).optional(),
  /** Logging and metrics hooks of the HTTP client (they see redacted copies only). */
  hooks: z
    .strictObject({
      /** Called before each request, with a redacted copy. */
      onRequest: z.custom<HttpHooks['onRequest']>(isFunction, 'must be a function').optional(),
      /** Called after each reply, with a redacted copy. */
      onResponse: z.custom<HttpHooks['onResponse']>(isFunction, 'must be a function').optional(),
      /** Called when a request fails on the network. */
      onError: z.custom<HttpHooks['onError']>(isFunction, 'must be a function').optional(),
    })
    .optional(),
  /** The clock. */
  now: z.custom<() => Date>(isFunction, 'must be a function').optional(),
};

/**
 * An adapter's `endpoint` option as a zod schema: one of the provider's named environments (the
 * keys of `urls`) or an http(s) URL, such as a sandbox's. Pair it with {@link resolveEndpoint}.
 *
 * @param urls - the provider's environments by name, e.g. `{ production: '...', sandbox: '...' }`.
 * @example
 * ```ts
 * const optionsSchema = z.object({ endpoint: endpointOption(ALIPAY_GATEWAYS), ...transportOptionsShape });
 * // { endpoint: 'staging' } fails: 'must be production, sandbox or a URL'
 * ```
 */
export function endpointOption<Name extends string>(urls: Readonly<Record<Name, string>>) {
  const names = Object.keys(urls) as [Name, ...Name[]];
  const error = `must be ${names.join(', ')} or a URL`;
  return z.union([z.enum(names), z.url({ protocol: /^https?$/, error })], { error }).optional();
}

/**
 * The URL an `endpoint` option stands for: the environment's URL for a name in `urls`, otherwise
 * the URL given.
 *
 * @example
 * ```ts
 * resolveEndpoint(options.endpoint ?? 'production', ALIPAY_GATEWAYS); // 'https://openapi.alipay.com/gateway.do'
 * resolveEndpoint('http://127.0.0.1:8080/gateway.do', ALIPAY_GATEWAYS); // 'http://127.0.0.1:8080/gateway.do'
 * ```
 */
export function resolveEndpoint<Name extends string>(
  endpoint: NoInfer<Name> | (string & {}),
  urls: Readonly<Record<Name, string>>,
): string {
  return Object.hasOwn(urls, endpoint) ? urls[endpoint as Name] : endpoint;
}

/**
 * Checks a redirect URI an adapter sends the buyer's browser to (an OAuth return, a return URL):
 * it must be an absolute http(s) URL.
 *
 * @throws ValidationError naming `field` otherwise.
 * @example
 * ```ts
 * assertHttpUrl('https://shop.example/pay/oauth', 'redirectUri'); // passes
 * assertHttpUrl('javascript:alert(1)', 'redirectUri'); // throws
 * ```
 */
export function assertHttpUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(field, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(field, 'must be an absolute http(s) URL');
  }
  return url;
}
