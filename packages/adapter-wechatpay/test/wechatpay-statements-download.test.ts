import { createHash, generateKeyPairSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseWechatpayBill, WechatpayBillError } from '../src/index.js';
import { openWechatpayBill } from '../src/wechatpay-statements-download.js';
import { billFixture, collect, servingFetch, thrown } from './bill-helpers.js';

/** Reads a byte stream through. */
async function drain(bytes: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of bytes);
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const file = billFixture('trade-all-2021-01-28.csv');
const sha1 = createHash('sha1').update(file).digest('hex');

/** A config whose fetch serves `body` in chunks of 50 bytes and records the request. */
function config(body: Uint8Array, seen: Request[] = []) {
  return {
    id: 'wechatpay',
    mchId: '1601959334',
    merchantSerialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
    privateKey,
    timeoutMs: 10_000,
    maxBillBytes: 1024 * 1024,
    now: () => new Date('2021-01-29T02:00:00Z'),
    fetch: servingFetch(body, 50, seen),
  };
}

const bill = (hashValue = sha1) => ({
  downloadUrl: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=abc',
  hashType: 'SHA1' as const,
  hashValue,
});

describe('openWechatpayBill: the published bill served plain and gzipped', () => {
  it.each([
    ['plain', file],
    ['gzip', gzipSync(file)],
  ])('%s: the three records, the SHA1 of the original bill checked, the GET signed', async (_, body) => {
    const seen: Request[] = [];
    const lines = await collect(parseWechatpayBill(openWechatpayBill(config(body, seen), bill()), { kind: 'trade' }));
    expect(lines.map((l) => l.orderId)).toEqual([
      'S20210128170702357723',
      'S20210128153505214586',
      'S20210128165824499930',
    ]);
    expect(seen[0]?.headers.get('authorization')).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="1601959334",/);
  });

  it('another hash (the mock hash of the test the sample comes from) fails the check', async () => {
    const error = await thrown(() =>
      drain(openWechatpayBill(config(gzipSync(file)), bill('dcd7ceb3d382a1181798368bb15d8437de46c00f'))),
    );
    expect(WechatpayBillError.isBillError(error) && [error.field, error.line]).toEqual(['bill', undefined]);
  });

  it('a gzip file cut short is a WechatpayBillError, not a zlib error', async () => {
    const zipped = gzipSync(file);
    const error = await thrown(() => drain(openWechatpayBill(config(zipped.subarray(0, zipped.length - 20)), bill())));
    expect(WechatpayBillError.isBillError(error) && error.message).toContain('gzip');
  });
});
