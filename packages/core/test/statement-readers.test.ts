/**
 * The shared statement readers of `@hutong/core/provider-utils`: a bounded, streamed response body
 * and text split into numbered lines (UTF-8 and GBK), which every wallet's bill parser reads through.
 */
import { readResponseBody, textLines } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import { UnexpectedResponseError } from '../src/index.js';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function lines(bytes: Uint8Array, size: number, encoding?: 'utf-8' | 'gbk') {
  const out: [number, string][] = [];
  for await (const line of textLines(chunked(bytes, size), encoding)) out.push([line.number, line.text]);
  return out;
}

/** A body of `bytes` in chunks of `size`, recording whether it was cancelled. */
function body(bytes: Uint8Array, size: number) {
  const state = { cancelled: false, pulled: 0 };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      state.pulled++;
      at += size;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe('textLines', () => {
  const text = '\ufeff交易时间,商户号\r\n`2021-01-28 17:07:11,`1601959334\n\n最后一行';
  const utf8 = new TextEncoder().encode(text);

  it.each([1, 2, 3, 7, 1000])(
    'UTF-8 in chunks of %i bytes: the BOM dropped, CRLF and LF ends, an empty line, a last line without a break',
    async (size) => {
      expect(await lines(utf8, size)).toEqual([
        [1, '交易时间,商户号'],
        [2, '`2021-01-28 17:07:11,`1601959334'],
        [3, ''],
        [4, '最后一行'],
      ]);
    },
  );

  it('GBK, the two-byte characters cut across chunks', async () => {
    // 支付宝 业务明细 in GBK (each character two bytes), CRLF lines.
    const gbk = Uint8Array.from([
      0xd6, 0xa7, 0xb8, 0xb6, 0xb1, 0xa6, 0x0d, 0x0a, 0xd2, 0xb5, 0xce, 0xf1, 0xc3, 0xf7, 0xcf, 0xb8, 0x0d, 0x0a,
    ]);
    expect(await lines(gbk, 3, 'gbk')).toEqual([
      [1, '支付宝'],
      [2, '业务明细'],
    ]);
  });

  it('a lone CR before the end of the text is kept; a trailing CR is a line break', async () => {
    expect(await lines(new TextEncoder().encode('a\rb\r\nc\r'), 2)).toEqual([
      [1, 'a\rb'],
      [2, 'c'],
    ]);
  });

  it('only a BOM at the very start is dropped, and an empty source has no lines', async () => {
    expect(await lines(new TextEncoder().encode('a\n\ufeffb'), 1)).toEqual([
      [1, 'a'],
      [2, '\ufeffb'],
    ]);
    expect(await lines(new Uint8Array(0), 4)).toEqual([]);
  });
});

describe('readResponseBody', () => {
  const bytes = new Uint8Array(1000).fill(65);

  it('yields every byte of a body within the limit', async () => {
    const { stream, state } = body(bytes, 128);
    let total = 0;
    for await (const chunk of readResponseBody(stream, { provider: 'wechatpay', limit: 1000 })) total += chunk.length;
    expect(total).toBe(1000);
    expect(state.cancelled).toBe(false);
  });

  it('one byte over the limit is too_large (the message says what the body is), and the body is cancelled', async () => {
    const { stream, state } = body(bytes, 128);
    const seen: number[] = [];
    const error = await (async () => {
      try {
        for await (const chunk of readResponseBody(stream, {
          provider: 'alipay',
          limit: 500,
          what: 'statement',
          field: 'statement',
        }))
          seen.push(chunk.length);
      } catch (caught) {
        return caught;
      }
    })();
    expect(UnexpectedResponseError.isInstance(error) && [error.provider, error.reason, error.field]).toEqual([
      'alipay',
      'too_large',
      'statement',
    ]);
    expect((error as Error).message).toContain('the statement is larger than 500 bytes');
    // 3 whole chunks (384 bytes) were yielded; the fourth would pass the limit.
    expect(seen.reduce((a, b) => a + b, 0)).toBe(384);
    expect(state.cancelled).toBe(true);
  });

  it('a reader that stops early cancels the body without reading the rest', async () => {
    const { stream, state } = body(bytes, 100);
    for await (const _ of readResponseBody(stream, { provider: 'unionpay', limit: 10_000 })) break;
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(10);
  });
});
