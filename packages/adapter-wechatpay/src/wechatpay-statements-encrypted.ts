/**
 * WeChat Pay's encrypted bills (the sub-merchant fund-flow bill, `/v3/bill/sub-merchant-fundflowbill`),
 * decrypted as they stream. As WeChat Pay documents them (申请单个子商户资金账单, 文件解密): each file
 * is AEAD_AES_256_GCM ciphertext, binary (not base64), its 16-byte tag last; the key is the reply's
 * `encrypt_key` decrypted with the merchant's private key (RSA-OAEP, SHA-1, as every field WeChat
 * Pay encrypts to the merchant); the nonce is the reply's `nonce` as text; the associated data is
 * empty. The plaintext is the bill, gzipped when `tar_type=GZIP` was asked, and the reply's
 * `hash_value` is the SHA1 of the bill itself (decompressed), as for every bill. A bill of more
 * than one file joins the files' plaintexts in `bill_sequence` order.
 *
 * @packageDocumentation
 */
import { constants, createCipheriv, createDecipheriv, type KeyObject, privateDecrypt } from 'node:crypto';
import type { WechatpayEncryptedBill } from './wechatpay-replies.js';
import {
  checkedWechatpayBill,
  fetchWechatpayBillFile,
  type WechatpayBillDownloadConfig,
} from './wechatpay-statements-download.js';
import { WechatpayBillError } from './wechatpay-statements-parser.js';

const TAG_LENGTH = 16;
const KEY_LENGTH = 32;

/**
 * The AES-256 key of an encrypted bill file: `encrypt_key` (base64) decrypted with the merchant's
 * private key, RSA-OAEP with SHA-1 and MGF1-SHA-1. A key that does not decrypt, or is not 32
 * bytes, is a `WechatpayBillError` (`field: 'bill'`); the key itself is never in the message.
 *
 * @group Bills
 * @example
 * ```ts
 * const key = decryptWechatpayBillKey(part.encryptKey, config.privateKey, 'wechatpay');
 * ```
 */
export function decryptWechatpayBillKey(encryptKey: string, privateKey: KeyObject, provider = 'wechatpay'): Buffer {
  let key: Buffer;
  try {
    key = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(encryptKey, 'base64'),
    );
  } catch (cause) {
    throw new WechatpayBillError(
      provider,
      `the encrypt_key does not decrypt with the merchant private key (${(cause as Error).message})`,
      undefined,
    );
  }
  if (key.length !== KEY_LENGTH)
    throw new WechatpayBillError(provider, `the encrypt_key is ${key.length} bytes, not an AES-256 key`, undefined);
  return key;
}

/**
 * Decrypts an AEAD_AES_256_GCM bill file as its bytes arrive: everything but the last 16 bytes (the
 * tag, held back as the file streams) is deciphered and yielded; when the file ends its tag is
 * checked, and a file that does not authenticate (another key or nonce, a byte changed, cut short)
 * throws `WechatpayBillError` (`field: 'bill'`). Bytes yielded before the end are provisional until
 * the iteration completes.
 *
 * @group Bills
 * @example
 * ```ts
 * for await (const plain of decryptWechatpayBillStream(cipherChunks, key, part.nonce)) gunzip.write(plain);
 * ```
 */
export async function* decryptWechatpayBillStream(
  source: AsyncIterable<Uint8Array>,
  key: Buffer,
  nonce: string,
  provider = 'wechatpay',
): AsyncGenerator<Uint8Array> {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'), { authTagLength: TAG_LENGTH });
  decipher.setAAD(Buffer.alloc(0));
  // The last TAG_LENGTH bytes seen so far: the tag, if the file ends here.
  let held = Buffer.alloc(0);
  for await (const chunk of source) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let out: Buffer;
    if (bytes.length >= TAG_LENGTH) {
      const body = bytes.subarray(0, bytes.length - TAG_LENGTH);
      out = held.length === 0 ? decipher.update(body) : Buffer.concat([decipher.update(held), decipher.update(body)]);
      held = Buffer.from(bytes.subarray(bytes.length - TAG_LENGTH));
    } else {
      const all = Buffer.concat([held, bytes]);
      out = decipher.update(all.subarray(0, Math.max(0, all.length - TAG_LENGTH)));
      held = all.subarray(Math.max(0, all.length - TAG_LENGTH));
    }
    if (out.length > 0) yield out;
  }
  if (held.length < TAG_LENGTH)
    throw new WechatpayBillError(provider, 'the encrypted bill is shorter than its GCM tag', undefined);
  decipher.setAuthTag(held);
  let last: Buffer;
  try {
    last = decipher.final();
  } catch {
    throw new WechatpayBillError(
      provider,
      'the encrypted bill does not authenticate (AEAD_AES_256_GCM tag): another key or nonce, or a file altered in transit',
      undefined,
    );
  }
  if (last.length > 0) yield last;
}

/**
 * Encrypts a bill file as WeChat Pay does (what a sandbox serves): AEAD_AES_256_GCM under `key`
 * (32 bytes) and `nonce` (its UTF-8 bytes), no associated data, the ciphertext followed by the
 * 16-byte tag, binary.
 *
 * @group Bills
 * @example
 * ```ts
 * const file = encryptWechatpayBillFile(gzipSync(billText), key, 'a8607ef79034c49c');
 * ```
 */
export function encryptWechatpayBillFile(plaintext: Uint8Array, key: Buffer, nonce: string): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'), { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.alloc(0));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/**
 * The plaintext of an encrypted bill, streamed: each file of the reply in `bill_sequence` order
 * downloaded (a signed GET), decrypted with its own key and nonce, gunzipped when gzip, bounded by
 * `maxBillBytes` in all, and checked against its SHA1 when it ends; the files' bytes follow each
 * other, so the bill reads as one. A reader that stops early has not had the bill authenticated.
 *
 * @group Bills
 * @example
 * ```ts
 * const bill = await bills.subMerchantFundflowBill({ date: '2024-05-01', subMchId: '1900000109' });
 * const lines = parseWechatpayBill(openWechatpayEncryptedBill(config, bill), { kind: 'fundflow' });
 * ```
 */
export async function* openWechatpayEncryptedBill(
  config: WechatpayBillDownloadConfig,
  bill: WechatpayEncryptedBill,
): AsyncGenerator<Uint8Array> {
  const provider = config.id;
  let size = 0;
  for (const part of bill.parts) {
    const key = decryptWechatpayBillKey(part.encryptKey, config.privateKey, provider);
    const plain = decryptWechatpayBillStream(
      fetchWechatpayBillFile(config, part.downloadUrl),
      key,
      part.nonce,
      provider,
    );
    for await (const chunk of checkedWechatpayBill(plain, {
      provider,
      limit: config.maxBillBytes - size,
      hashValue: part.hashValue,
    })) {
      size += chunk.byteLength;
      yield chunk;
    }
  }
}
