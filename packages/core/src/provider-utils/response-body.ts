/**
 * A downloaded file's bytes as they arrive: a response body read chunk by chunk, bounded, and
 * cancelled when its reader stops early. The statements of every wallet are read through it, so a
 * bill of any size never sits in memory whole.
 *
 * @packageDocumentation
 */
import { UnexpectedResponseError } from '../errors.js';

/**
 * Options of {@link readResponseBody}.
 *
 * @example
 * ```ts
 * const options: ResponseBodyLimit = { provider: 'wechatpay', limit: 256 * 1024 * 1024, what: 'bill' };
 * ```
 */
export interface ResponseBodyLimit {
  /** The provider id the error names. */
  readonly provider: string;
  /** The most bytes read; one more is an error. */
  readonly limit: number;
  /** What the body is, for the error's message (`the bill is larger than ...`). Default `file`. */
  readonly what?: string | undefined;
  /** The error's `field`. Default `bill`. */
  readonly field?: string | undefined;
}

/**
 * Yields a response body's bytes as they arrive, up to `limit` bytes: one more is an
 * `UnexpectedResponseError` (`too_large`) thrown before that chunk is yielded. When the reader
 * stops early (a `break`, an error downstream) the body is cancelled, so the connection is
 * released.
 *
 * @example
 * ```ts
 * const response = await fetch(url);
 * for await (const chunk of readResponseBody(response.body!, { provider: 'alipay', limit: 1 << 28, what: 'statement' })) {
 *   unzip.push(chunk);
 * }
 * ```
 */
export async function* readResponseBody(
  body: ReadableStream<Uint8Array>,
  { provider, limit, what = 'file', field = 'bill' }: ResponseBodyLimit,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let total = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      total += value.byteLength;
      if (total > limit)
        throw new UnexpectedResponseError(provider, 'too_large', `the ${what} is larger than ${limit} bytes`, {
          field,
        });
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
  }
}
