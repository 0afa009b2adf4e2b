/**
 * The sub-merchant fund-flow bill's encryption (issue 25): the vector made with Python's
 * `cryptography` (fixtures/bills/encrypted, README) decrypted byte for byte, streamed in chunks of
 * every size, authenticated by its GCM tag and its SHA1, and a bill of two files joined in sequence.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UnexpectedResponseError } from '@hutong/core';
import { describe, expect, it } from 'vitest';
import { parseWechatpayBill, WechatpayBillError } from '../src/index.js';
import {
  decryptWechatpayBillKey,
  decryptWechatpayBillStream,
  encryptWechatpayBillFile,
  encryptWechatpaySensitive,
  readWechatpayEncryptedBill,
} from '../src/protocol/index.js';
import { openWechatpayEncryptedBill } from '../src/wechatpay-statements-encrypted.js';
import { chunked, collect, servingFetch, thrown } from './bill-helpers.js';
import { fixture } from './helpers.js';

const vector = (name: string) => readFileSync(new URL(`./fixtures/bills/encrypted/${name}`, import.meta.url));
const reply = JSON.parse(vector('reply.json').toString('utf8'));
const part = reply.download_bill_list[0];
const csv = vector('fundflow-sub-merchant-2025-03-01.csv');
const gz = vector('fundflow-sub-merchant-2025-03-01.csv.gz');
const gzEnc = vector('fundflow-sub-merchant-2025-03-01.csv.gz.enc');
const plainEnc = vector('fundflow-sub-merchant-2025-03-01.csv.enc');
/** The key the vector was encrypted with (32 ASCII characters). */
const KEY = Buffer.from('d2d4a8a2c8d24e57b1f0c4e3a9b6e7f1', 'utf8');
const merchantPrivateKey = createPrivateKey(fixture('wechatpay-java/merchant_private_key.pem'));
const merchantPublicKey = createPublicKey(fixture('wechatpay-java/merchant_certificate.pem'));
const context = { provider: 'wechatpay', mchId: '1234567891', appIds: [] };

async function bytesOf(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const chunk of source) all.push(Buffer.from(chunk));
  return Buffer.concat(all);
}

/** A download config whose fetch serves each URL's bytes in chunks of 37, recording the requests. */
function config(files: Record<string, Uint8Array>, seen: Request[] = []) {
  return {
    id: 'wechatpay',
    mchId: '1234567891',
    merchantSerialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
    privateKey: merchantPrivateKey,
    timeoutMs: 10_000,
    maxBillBytes: 1024 * 1024,
    now: () => new Date('2025-03-02T02:00:00Z'),
    fetch: servingFetch(files, 37, seen),
  };
}

describe('the encrypted bill vector (made with Python cryptography)', () => {
  it('encrypt_key decrypts with the merchant private key (RSA-OAEP, SHA-1) to the 32-byte AES key', () => {
    expect(decryptWechatpayBillKey(part.encrypt_key, merchantPrivateKey)).toEqual(KEY);
  });

  it('our encryption is byte for byte the vector: AES-256-GCM, the nonce as text, no associated data, the tag last', () => {
    expect(encryptWechatpayBillFile(gz, KEY, part.nonce)).toEqual(gzEnc);
    expect(encryptWechatpayBillFile(csv, KEY, part.nonce)).toEqual(plainEnc);
    expect(gunzipSync(gz)).toEqual(csv);
    expect(createHash('sha1').update(csv).digest('hex')).toBe(part.hash_value); // the hash is of the bill itself
  });

  it.each([1, 7, 16, 17, 100, 10_000])(
    'streamed in chunks of %i bytes, the ciphertext decrypts to the gzip file exactly',
    async (size) => {
      expect(await bytesOf(decryptWechatpayBillStream(chunked(gzEnc, size), KEY, part.nonce))).toEqual(gz);
    },
  );

  it('openWechatpayEncryptedBill: the signed GET, decrypted, gunzipped, SHA1-checked, parsed into the three flows', async () => {
    const seen: Request[] = [];
    const bill = readWechatpayEncryptedBill(context, reply);
    const lines = await collect(
      parseWechatpayBill(openWechatpayEncryptedBill(config({ [part.download_url]: gzEnc }, seen), bill), {
        kind: 'fundflow',
        merchant: 'shop-a',
      }),
    );
    expect(lines.map((l) => [l.kind, l.amount, l.orderId, l.refundId, l.merchant, l.time])).toEqual([
      ['payment', 1999, 'order0001', undefined, 'shop-a', '2025-03-01T10:00:00+08:00'],
      ['fee', 12, 'order0001', undefined, 'shop-a', '2025-03-01T10:00:00+08:00'],
      ['refund', 497, null, 'refund0001', 'shop-a', '2025-03-01T10:01:00+08:00'],
    ]);
    expect(seen[0]?.headers.get('authorization')).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="1234567891",/);
    // Without gzip the same bill, the plain file encrypted.
    const plain = await bytesOf(openWechatpayEncryptedBill(config({ [part.download_url]: plainEnc }), bill));
    expect(plain).toEqual(csv);
  });
});

describe('what does not authenticate is refused (WechatpayBillError, field bill)', () => {
  const bill = readWechatpayEncryptedBill(context, reply);
  const failure = async (files: Record<string, Uint8Array>, which = bill) => {
    const error = await thrown(() => bytesOf(openWechatpayEncryptedBill(config(files), which)));
    expect(WechatpayBillError.isBillError(error) && error.field).toBe('bill');
    return (error as Error).message;
  };

  it('a byte of the ciphertext changed, the file cut short, or shorter than a tag: the GCM tag', async () => {
    const flipped = Buffer.from(gzEnc);
    flipped[40] = (flipped[40] as number) ^ 1;
    expect(await failure({ [part.download_url]: flipped })).toContain('does not authenticate');
    expect(await failure({ [part.download_url]: gzEnc.subarray(0, -1) })).toContain('does not authenticate');
    expect(await failure({ [part.download_url]: gzEnc.subarray(0, 10) })).toContain('shorter than its GCM tag');
  });

  it('another nonce, or a key that is not the merchant’s', async () => {
    const otherNonce = { parts: [{ ...bill.parts[0], nonce: 'a8607ef79034c49d' }] } as typeof bill;
    expect(await failure({ [part.download_url]: gzEnc }, otherNonce)).toContain('does not authenticate');
    const { publicKey } = await import('node:crypto').then((c) =>
      c.generateKeyPairSync('rsa', { modulusLength: 2048 }),
    );
    const otherKey = {
      parts: [{ ...bill.parts[0], encryptKey: encryptWechatpaySensitive(KEY.toString(), publicKey) }],
    };
    expect(await failure({ [part.download_url]: gzEnc }, otherKey as typeof bill)).toContain(
      'does not decrypt with the merchant private key',
    );
    const shortKey = {
      parts: [{ ...bill.parts[0], encryptKey: encryptWechatpaySensitive('0123456789abcdef', merchantPublicKey) }],
    };
    expect(await failure({ [part.download_url]: gzEnc }, shortKey as typeof bill)).toContain(
      '16 bytes, not an AES-256 key',
    );
  });

  it('a file that authenticates but is not the bill the reply hashed: the SHA1', async () => {
    const otherHash = { parts: [{ ...bill.parts[0], hashValue: '0'.repeat(40) }] } as typeof bill;
    expect(await failure({ [part.download_url]: gzEnc }, otherHash)).toContain('SHA1');
  });

  it('a file larger than maxBillBytes is too_large while it streams', async () => {
    const small = { ...config({ [part.download_url]: gzEnc }), maxBillBytes: 400 };
    const error = await thrown(() => bytesOf(openWechatpayEncryptedBill(small, bill)));
    expect(UnexpectedResponseError.isInstance(error) && [error.reason, error.field]).toEqual(['too_large', 'bill']);
  });
});

describe('a bill of two files (bill_sequence)', () => {
  // The bill cut inside a three-byte character, each half encrypted under its own key and nonce.
  const cut = csv.indexOf(Buffer.from('交易')) + 1;
  const halves = [csv.subarray(0, cut), csv.subarray(cut)];
  const keys = [Buffer.from('0123456789abcdef0123456789abcdef'), Buffer.from('fedcba9876543210fedcba9876543210')];
  const list = halves.map((half, index) => ({
    bill_sequence: index + 1,
    download_url: `https://api.mch.weixin.qq.com/v3/billdownload/file?token=part${index + 1}`,
    encrypt_key: encryptWechatpaySensitive((keys[index] as Buffer).toString(), merchantPublicKey),
    hash_type: 'SHA1',
    hash_value: createHash('sha1').update(half).digest('hex'),
    nonce: `nonce000000000${index + 1}`,
  }));
  const files = Object.fromEntries(
    halves.map((half, index) => [
      list[index]?.download_url,
      encryptWechatpayBillFile(half, keys[index] as Buffer, list[index]?.nonce as string),
    ]),
  );

  it('listed in any order, the files are decrypted each with its own key and joined in sequence', async () => {
    const bill = readWechatpayEncryptedBill(context, {
      download_bill_count: 2,
      download_bill_list: [list[1], list[0]],
    });
    expect(bill.parts.map((p) => p.sequence)).toEqual([1, 2]);
    expect(await bytesOf(openWechatpayEncryptedBill(config(files), bill))).toEqual(csv);
    const lines = await collect(
      parseWechatpayBill(openWechatpayEncryptedBill(config(files), bill), { kind: 'fundflow' }),
    );
    expect(lines.map((l) => l.kind)).toEqual(['payment', 'fee', 'refund']);
  });

  it('a reply whose files are not numbered 1..count, or not as many as it says, is malformed', () => {
    const malformed = (body: unknown) => {
      try {
        readWechatpayEncryptedBill(context, body);
      } catch (error) {
        return UnexpectedResponseError.isInstance(error) && [error.reason, error.field];
      }
      return 'read';
    };
    const expected = ['malformed', 'response.download_bill_list'];
    expect(malformed({ download_bill_count: 2, download_bill_list: [list[0], list[0]] })).toEqual(expected);
    expect(malformed({ download_bill_count: 2, download_bill_list: [list[1]] })).toEqual(expected);
    expect(malformed({ download_bill_count: 1, download_bill_list: [list[1]] })).toEqual(expected);
    expect(malformed({ download_bill_count: 1, download_bill_list: [{ ...list[0], hash_type: 'SHA256' }] })).toEqual([
      'malformed',
      'response.download_bill_list.0.hash_type',
    ]);
    expect(malformed({ download_bill_count: 0 })).toBe('read');
  });
});
