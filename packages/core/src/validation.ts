/**
 * Turns zod schema failures into {@link ValidationError}s that name the field. Adapters use it for
 * their option schemas so that every package reports bad input the same way.
 *
 * hutong's schemas are `zod/mini` schemas built with {@link z}, one copy bundled into
 * `@hutong/core`. Any zod 4 schema, classic or mini, mixes with them.
 *
 * @packageDocumentation
 */
import type { core, input, output } from 'zod/mini';
import { ValidationError } from './errors.js';
import type { HttpHooks } from './http-client.js';
import { z } from './schema.js';

/**
 * What a schema takes, e.g. an adapter's option type: `SchemaInput<typeof optionsSchema>`. An
 * adapter needs no zod of its own for it.
 *
 * @example
 * ```ts
 * export type MyWalletOptions = SchemaInput<typeof optionsSchema>;
 * ```
 */
export type SchemaInput<S extends core.$ZodType> = input<S>;

/**
 * What a schema returns once it has parsed a value.
 *
 * @example
 * ```ts
 * function readOptions(value: unknown): SchemaOutput<typeof optionsSchema> {
 *   return parseWithSchema(optionsSchema, value, 'options');
 * }
 * ```
 */
export type SchemaOutput<S extends core.$ZodType> = output<S>;

/** What {@link checkWithSchema} found: the parsed value, or the first problem and where it is. */
export type SchemaCheck<T> =
  | { readonly success: true; readonly data: T }
  | {
      readonly success: false;
      /** Where the problem is, e.g. `['hooks', 'onRequest']`; an unknown key ends the path. */
      readonly path: readonly string[];
      /** What is wrong, in the words of a {@link ValidationError}: `is required`, `must be a string, not a number`. */
      readonly message: string;
      /** Every problem found, the first one included, in the same words. */
      readonly issues: readonly { readonly path: readonly string[]; readonly message: string }[];
    };

/**
 * Parses `value` with `schema` and reports the first problem in hutong's words: `is required`,
 * `must be a string, not a number`, `is not a known option` (an unknown key of a strict object,
 * named in the path), or the schema's own message. Values are never quoted, so a secret in the
 * wrong field does not end up in a log. Adapters use it to read replies into their own errors.
 *
 * The schema must be synchronous (no async refinements or transforms): one that is not throws a
 * `TypeError` saying so, as a mistake in the adapter rather than in its input.
 *
 * @example
 * ```ts
 * const checked = checkWithSchema(replySchema, body);
 * if (!checked.success) throw new UnexpectedResponseError(provider, 'malformed', `response.${checked.path.join('.')} ${checked.message}`);
 * ```
 */
export function checkWithSchema<S extends core.$ZodType>(schema: S, value: unknown): SchemaCheck<output<S>> {
  let result: ReturnType<typeof z.safeParse<S>>;
  try {
    result = z.safeParse(schema, value, { error: describeIssue });
  } catch (error) {
    // zod's $ZodAsyncError, from whichever copy of zod built the schema.
    if (error instanceof Error && /^Encountered Promise during synchronous parse/.test(error.message)) {
      throw new TypeError('checkWithSchema and parseWithSchema take synchronous schemas only', { cause: error });
    }
    throw error;
  }
  if (result.success) return { success: true, data: result.data };
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    // An unknown key of a strict object is named itself: a typo silently ignored is a lost feature.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: 'is not a known option' }));
    }
    return [{ path, message: issue.message }];
  });
  // One problem per field: a field of the wrong type is not also too short.
  const seen = new Set<string>();
  const all = issues.flat().filter((issue) => {
    const key = issue.path.join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const first = all[0] ?? { path: [], message: 'is invalid' };
  return { success: false, path: first.path, message: first.message, issues: all };
}

/**
 * Parses `value` with `schema`; on failure throws a {@link ValidationError} naming the first bad
 * field (prefixed with `prefix`, e.g. `options`) and what is wrong with it, as
 * {@link checkWithSchema} words it (whose rules, synchronous schemas only, apply). Every other
 * problem found is in the error's `issues` and named in its message, so a merchant fixes a
 * configuration in one go.
 *
 * @example
 * ```ts
 * const options = parseWithSchema(optionsSchema, input, 'options');
 * ```
 */
export function parseWithSchema<S extends core.$ZodType>(schema: S, value: unknown, prefix?: string): output<S> {
  const checked = checkWithSchema(schema, value);
  if (checked.success) return checked.data;
  const fieldOf = (path: readonly string[]) => [prefix, ...path].filter(Boolean).join('.') || (prefix ?? 'input');
  const issues = checked.issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message }));
  throw new ValidationError(fieldOf(checked.path), checked.message, { issues });
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** What a value's type reads as in a message: never the value itself. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  return article(typeof value);
}

const UNITS: Readonly<Record<string, [one: string, many: string]>> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  file: ['byte', 'bytes'],
};

function bound(
  issue: { origin: string; inclusive?: boolean | undefined; exact?: boolean | undefined },
  limit: number | bigint | Date,
  side: 'least' | 'most',
) {
  const shown =
    limit instanceof Date || issue.origin === 'date' ? new Date(Number(limit)).toISOString() : String(limit);
  const units = UNITS[issue.origin];
  const counted = units ? `${shown} ${limit === 1 ? units[0] : units[1]}` : shown;
  if (issue.exact) return `exactly ${counted}`;
  if (issue.origin === 'date') return `${side === 'least' ? 'on or after' : 'on or before'} ${shown}`;
  if (!units && issue.inclusive === false) return `${side === 'least' ? 'greater' : 'less'} than ${shown}`;
  return `at ${side} ${counted}`;
}

/** The wording of each text format a check can require; the value required is the schema's, never the input's. */
function formatRule(issue: core.$ZodIssueInvalidStringFormat): string {
  switch (issue.format) {
    case 'url':
      return 'must be a URL';
    case 'ipv4':
      return 'must be an IPv4 address';
    case 'ipv6':
      return 'must be an IPv6 address';
    case 'regex':
      return 'is not in the expected format';
    case 'starts_with':
      return `must start with ${(issue as { prefix?: string }).prefix ?? 'the required prefix'}`;
    case 'ends_with':
      return `must end with ${(issue as { suffix?: string }).suffix ?? 'the required suffix'}`;
    case 'includes':
      return `must include ${(issue as { includes?: string }).includes ?? 'the required text'}`;
    case 'lowercase':
    case 'uppercase':
      return `must be ${issue.format}`;
    default:
      return `must be a valid ${issue.format}`;
  }
}

/**
 * The message of a schema issue that carries no message of its own, in the words of a
 * {@link ValidationError} (`options.appId: is required`). Input values are never quoted.
 */
function describeIssue(issue: core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) return 'must be a finite number';
      if (issue.input instanceof Date && Number.isNaN(issue.input.getTime())) return 'must be a valid date';
      if (issue.expected === 'int')
        return typeof issue.input === 'number'
          ? 'must be an integer'
          : `must be an integer, not ${typeName(issue.input)}`;
      return `must be ${article(issue.expected)}, not ${typeName(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      return `must be ${bound(issue, issue.minimum, 'least')}`;
    case 'too_big':
      return `must be ${bound(issue, issue.maximum, 'most')}`;
    case 'invalid_format':
      return formatRule(issue as core.$ZodIssueInvalidStringFormat);
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.join(', ')}`}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return 'matches none of the accepted forms';
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid value';
    default:
      return 'is invalid';
  }
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
 * const optionsSchema = z.strictObject({ appId: z.string(), ...transportOptionsShape });
 * ```
 */
export const transportOptionsShape = {
  /** The `fetch` requests go through. */
  fetch: z.optional(z.custom<typeof globalThis.fetch>(isFunction, 'must be a function')),
  /** Time limit per request in ms. */
  timeoutMs: z.optional(z.int().check(z.positive())),
  /** Further attempts of calls that are safe to repeat, 0 to 10. */
  retries: z.optional(z.int().check(z.minimum(0), z.maximum(10))),
  /** Logging and metrics hooks of the HTTP client (they see redacted copies only). */
  hooks: z.optional(
    z.strictObject({
      /** Called before each request, with a redacted copy. */
      onRequest: z.optional(z.custom<HttpHooks['onRequest']>(isFunction, 'must be a function')),
      /** Called after each reply, with a redacted copy. */
      onResponse: z.optional(z.custom<HttpHooks['onResponse']>(isFunction, 'must be a function')),
      /** Called when a request fails on the network. */
      onError: z.optional(z.custom<HttpHooks['onError']>(isFunction, 'must be a function')),
    }),
  ),
  /** The clock. */
  now: z.optional(z.custom<() => Date>(isFunction, 'must be a function')),
};

/**
 * An adapter's `endpoint` option as a zod schema: one of the provider's named environments (the
 * keys of `urls`) or an http(s) URL, such as a sandbox's. Pair it with {@link resolveEndpoint}.
 *
 * @param urls - the provider's environments by name, e.g. `{ production: '...', sandbox: '...' }`.
 * @example
 * ```ts
 * const optionsSchema = z.strictObject({ endpoint: endpointOption(ALIPAY_GATEWAYS), ...transportOptionsShape });
 * // { endpoint: 'staging' } fails: 'must be production, sandbox or a URL'
 * ```
 */
export function endpointOption<Name extends string>(urls: Readonly<Record<Name, string>>) {
  const names = Object.keys(urls) as [Name, ...Name[]];
  const error = `must be ${names.join(', ')} or a URL`;
  return z.optional(z.union([z.enum(names), z.url({ protocol: /^https?$/, error })], { error }));
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
