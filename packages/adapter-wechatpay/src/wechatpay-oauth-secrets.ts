/**
 * Keeping the OAuth secrets (the AppSecret, the buyer's code) out of everything that leaves the
 * code exchange: hook payloads and errors.
 *
 * Core's HTTP client redacts by field name (`secret=`, `code=`, `access_token`), which covers the
 * request URL and the token reply; it cannot know the values a WeChat `errmsg` or a transport's
 * message may echo in free text. So the exchange scrubs by value too, at the edge where the
 * client's output leaves it: hooks receive scrubbed copies, and an error that carries a secret is
 * replaced by a new error of the same hutong class with scrubbed text. Errors are never mutated:
 * some (the `DOMException` of a timeout) have read-only messages, and the objects may be shared.
 *
 * @packageDocumentation
 */
import { NetworkError, TimeoutError } from '@hutong/core';
import { type HttpHooks, REDACTED, type RedactedRequest } from '@hutong/core/provider-utils';

/** How deep an error's `cause` chain is followed. */
const MAX_CAUSES = 5;
/** Values shorter than this are not scrubbed: replacing them would mangle unrelated text. */
const MIN_SECRET_LENGTH = 8;

/**
 * Scrubs a fixed set of secret values from text, hook payloads and errors.
 *
 * @group OAuth
 * @example
 * ```ts
 * const scrubber = secretScrubber([appSecret, code]);
 * scrubber.text(`invalid appsecret ${appSecret}`); // 'invalid appsecret [redacted]'
 * ```
 */
export interface SecretScrubber {
  /** `text` with every secret value replaced by `[redacted]`. */
  text(text: string): string;
  /** Hooks that pass scrubbed copies to `hooks`; `undefined` when there are none. */
  hooks(hooks: HttpHooks | undefined): HttpHooks | undefined;
  /** `error` itself when no secret is in it or its causes, else a scrubbed copy of the same hutong class. */
  error(error: unknown): unknown;
}

/**
 * A {@link SecretScrubber} for `values` (each at least 8 characters; shorter ones are ignored).
 *
 * @group OAuth
 * @example
 * ```ts
 * const scrubber = secretScrubber([appSecret]);
 * throw scrubber.error(caught);
 * ```
 */
export function secretScrubber(values: readonly string[]): SecretScrubber {
  const secrets = values.filter((value) => value.length >= MIN_SECRET_LENGTH);
  const text = (input: string): string => {
    let out = input;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  const carries = (input: string | undefined): boolean =>
    input !== undefined && secrets.some((secret) => input.includes(secret));
  const request = (redacted: RedactedRequest): RedactedRequest => ({
    ...redacted,
    url: text(redacted.url),
    body: text(redacted.body),
    headers: Object.fromEntries(Object.entries(redacted.headers).map(([name, value]) => [name, text(value)])),
  });

  /** True when the error or one of its causes carries a secret in its message or stack. */
  function leaks(error: unknown): boolean {
    let current = error;
    for (let depth = 0; current instanceof Error && depth < MAX_CAUSES; depth++) {
      if (carries(current.message) || carries(current.stack)) return true;
      current = current.cause;
    }
    return false;
  }

  /** A plain copy of a foreign error (and its causes) with scrubbed text, keeping its name. */
  function copy(error: unknown, depth: number): unknown {
    if (!(error instanceof Error)) return typeof error === 'string' ? text(error) : error;
    const cause = depth < MAX_CAUSES ? copy(error.cause, depth + 1) : undefined;
    const out = new Error(text(error.message), cause === undefined ? undefined : { cause });
    out.name = error.name;
    out.stack = error.stack === undefined ? undefined : text(error.stack);
    return out;
  }

  function error(caught: unknown): unknown {
    if (!leaks(caught)) return caught;
    const cause = caught instanceof Error ? copy(caught.cause, 1) : undefined;
    const message = caught instanceof Error ? text(caught.message) : 'the code exchange failed';
    if (TimeoutError.isInstance(caught)) return new TimeoutError(caught.timeoutMs, message, { cause });
    if (NetworkError.isInstance(caught)) return new NetworkError(message, { cause });
    return copy(caught, 0);
  }

  function hooks(given: HttpHooks | undefined): HttpHooks | undefined {
    if (!given || secrets.length === 0) return given;
    const { onRequest, onResponse, onError } = given;
    return {
      onRequest: onRequest && ((redacted) => onRequest(request(redacted))),
      onResponse:
        onResponse && ((redacted) => onResponse({ ...redacted, url: text(redacted.url), body: text(redacted.body) })),
      onError: onError && ((failure, redacted) => onError(error(failure) as NetworkError, request(redacted))),
    };
  }

  return { text, hooks, error };
}
