/**
 * The streamed download of a WeChat Pay bill file: a signed GET of the `download_url`, read chunk
 * by chunk (never whole), gunzipped when the file is gzip (`tar_type=GZIP`), and its SHA1 computed
 * over the decompressed bytes as they pass, checked against the signed reply's `hash_value` when
 * the file ends.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ProviderApiError, UnexpectedResponseError } from '@hutong/core';
import { WechatpayBillError } from './wechatpay-bills-parser.js';
import type { WechatpayConfig } from './wechatpay-options.js';
import type { WechatpayBill } from './wechatpay-replies.js';
import { signWechatpayRequest, wechatpayNonce } from './wechatpay-signature.js';

/** The bytes of a response body as they arrive; the body is cancelled when the reader stops early. */
async function* bodyChunks(body: ReadableStream<Uint8Array>, limit: number, provider: string) {
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
        throw new UnexpectedResponseError(provider, 'too_large', `the bill is larger than ${limit} bytes`, {
          field: 'bill',
        });
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
  }
}

/** Gives back the first chunk with the rest, after a look at it. */
async function peek(
  source: AsyncIterable<Uint8Array>,
): Promise<{ first: Uint8Array | undefined; all: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const head = await iterator.next();
  const first = head.done ? undefined : head.value;
  async function* all() {
    try {
      if (first) yield first;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  return { first, all: all() };
}

/** Decompresses a gzip stream as it arrives (node:zlib), ending the source when the reader stops. */
function gunzip(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const inflater = createGunzip();
  pipeline(Readable.from(source, { objectMode: false }), inflater, () => {});
  return inflater;
}

/**
 * The bytes of a bill file, decompressed when it is gzip, authenticated by the SHA1 of the signed
 * bill reply: the digest is computed as the bytes pass and compared when the file ends, where a
 * mismatch throws `WechatpayBillError` (`field: 'bill'`). A reader that stops early has not had the
 * file authenticated; lines already read are provisional until the iteration completes.
 *
 * @group Bills
 * @example
 * ```ts
 * const bill = await provider.tradeBill({ date: '2024-05-01' });
 * for await (const chunk of openWechatpayBill(config, bill)) process(chunk);
 * ```
 */
export async function* openWechatpayBill(
  config: Pick<
    WechatpayConfig,
    'id' | 'fetch' | 'timeoutMs' | 'maxBillBytes' | 'mchId' | 'merchantSerialNo' | 'privateKey' | 'now'
  >,
  bill: WechatpayBill,
): AsyncGenerator<Uint8Array> {
  const provider = config.id;
  const url = new URL(bill.downloadUrl);
  const authorization = signWechatpayRequest(
    {
      method: 'GET',
      canonicalUrl: `${url.pathname}${url.search}`,
      timestamp: String(Math.floor(config.now().getTime() / 1000)),
      nonce: wechatpayNonce(),
      body: '',
    },
    { mchId: config.mchId, serialNo: config.merchantSerialNo, privateKey: config.privateKey },
  );
  // The time limit covers the reply's arrival, not the reading of a file of any size.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), config.timeoutMs);
  let response: Response;
  try {
    response = await (config.fetch ?? globalThis.fetch)(url, {
      headers: { authorization, accept: '*/*', 'user-agent': 'hutong-wechatpay' },
      signal: controller.signal,
      redirect: 'manual',
    });
  } finally {
    clearTimeout(timer);
  }
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new ProviderApiError({
      provider,
      providerCode: `HTTP_${response.status}`,
      normalizedCode: response.status >= 500 ? 'system_busy' : 'unknown',
      httpStatus: response.status,
      requestId: response.headers.get('request-id') ?? undefined,
    });
  }
  const { first, all } = await peek(bodyChunks(response.body, config.maxBillBytes, provider));
  const zipped = first !== undefined && first[0] === 0x1f && first[1] === 0x8b;
  const hash = createHash('sha1');
  let size = 0;
  try {
    for await (const chunk of zipped ? gunzip(all) : all) {
      size += chunk.byteLength;
      // A gzip bomb is bounded like a plain file: by the decompressed size.
      if (size > config.maxBillBytes)
        throw new UnexpectedResponseError(
          provider,
          'too_large',
          `the bill is larger than ${config.maxBillBytes} bytes`,
          {
            field: 'bill',
          },
        );
      hash.update(chunk);
      yield chunk;
    }
  } catch (error) {
    // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR for a cut file) say the gzip file is unreadable.
    if (zipped && /^Z_/.test(String((error as { code?: unknown }).code)))
      throw new WechatpayBillError(provider, `the gzip file is unreadable (${(error as Error).message})`, undefined);
    throw error;
  }
  // The file is not signed: the SHA1 from the signed bill reply is what authenticates it.
  if (hash.digest('hex') !== bill.hashValue)
    throw new WechatpayBillError(provider, 'the downloaded bill does not match its SHA1 hash', undefined);
}
