/**
 * The streamed download of a WeChat Pay bill file: a signed GET of the `download_url`, read chunk
 * by chunk (never whole), gunzipped when the file is gzip (`tar_type=GZIP`), and its SHA1 computed
 * over the decompressed bytes as they pass, checked against the signed reply's `hash_value` when
 * the file ends. The encrypted bills (`wechatpay-statements-encrypted.ts`) decrypt between the two.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ProviderApiError, UnexpectedResponseError } from '@hutong/core';
import { readResponseBody } from '@hutong/core/provider-utils';
import type { WechatpayConfig } from './wechatpay-options.js';
import type { WechatpayBill } from './wechatpay-replies.js';
import { signWechatpayRequest, wechatpayNonce } from './wechatpay-signature.js';
import { WechatpayBillError } from './wechatpay-statements-parser.js';

/**
 * What a bill download needs of the provider's configuration.
 *
 * @group Bills
 * @example
 * ```ts
 * const downloads: WechatpayBillDownloadConfig = config;
 * ```
 */
export type WechatpayBillDownloadConfig = Pick<
  WechatpayConfig,
  'id' | 'fetch' | 'timeoutMs' | 'maxBillBytes' | 'mchId' | 'merchantSerialNo' | 'privateKey' | 'now'
>;

/** Gives back the first bytes (at least two, unless the file is shorter) with the rest, after a look at them. */
async function peek(source: AsyncIterable<Uint8Array>): Promise<{ head: Uint8Array; all: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let length = 0;
  let ended = false;
  while (length < 2) {
    const step = await iterator.next();
    if (step.done) {
      ended = true;
      break;
    }
    first.push(step.value);
    length += step.value.byteLength;
  }
  async function* all() {
    try {
      yield* first;
      if (ended) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  return { head: first.length === 1 ? (first[0] as Uint8Array) : Buffer.concat(first), all: all() };
}

/** Decompresses a gzip stream as it arrives (node:zlib), ending the source when the reader stops. */
function gunzip(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const inflater = createGunzip();
  pipeline(Readable.from(source, { objectMode: false }), inflater, () => {});
  return inflater;
}

/**
 * The signed GET of a bill file (`download_url`): its bytes as they arrive, at most `maxBillBytes`.
 * The file itself is not signed; what authenticates it is the hash (and, for an encrypted bill, the
 * GCM tag) of the signed reply that named it.
 *
 * @group Bills
 * @example
 * ```ts
 * for await (const chunk of fetchWechatpayBillFile(config, bill.downloadUrl)) raw.push(chunk);
 * ```
 */
export async function* fetchWechatpayBillFile(
  config: WechatpayBillDownloadConfig,
  downloadUrl: string,
): AsyncGenerator<Uint8Array> {
  const provider = config.id;
  const url = new URL(downloadUrl);
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
  yield* readResponseBody(response.body, { provider, limit: config.maxBillBytes, what: 'bill' });
}

/**
 * A bill file's plaintext checked as it passes: gunzipped when it is gzip (by its magic bytes),
 * bounded by `limit` decompressed bytes (a gzip bomb is bounded like a plain file), and its SHA1
 * compared with `hashValue` when the file ends, where a mismatch throws `WechatpayBillError`
 * (`field: 'bill'`). Bytes yielded before the end are provisional until the iteration completes.
 *
 * @group Bills
 * @example
 * ```ts
 * const bytes = checkedWechatpayBill(fetchWechatpayBillFile(config, bill.downloadUrl), {
 *   provider: 'wechatpay', limit: config.maxBillBytes, hashValue: bill.hashValue,
 * });
 * ```
 */
export async function* checkedWechatpayBill(
  source: AsyncIterable<Uint8Array>,
  { provider, limit, hashValue }: { provider: string; limit: number; hashValue: string },
): AsyncGenerator<Uint8Array> {
  const { head, all } = await peek(source);
  const zipped = head[0] === 0x1f && head[1] === 0x8b;
  const hash = createHash('sha1');
  let size = 0;
  try {
    for await (const chunk of zipped ? gunzip(all) : all) {
      size += chunk.byteLength;
      if (size > limit)
        throw new UnexpectedResponseError(provider, 'too_large', `the bill is larger than ${limit} bytes`, {
          field: 'bill',
        });
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
  if (hash.digest('hex') !== hashValue)
    throw new WechatpayBillError(provider, 'the downloaded bill does not match its SHA1 hash', undefined);
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
export function openWechatpayBill(
  config: WechatpayBillDownloadConfig,
  bill: WechatpayBill,
): AsyncGenerator<Uint8Array> {
  return checkedWechatpayBill(fetchWechatpayBillFile(config, bill.downloadUrl), {
    provider: config.id,
    limit: config.maxBillBytes,
    hashValue: bill.hashValue,
  });
}
