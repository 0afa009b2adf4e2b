/**
 * Sensitive fields (敏感信息: a receiver's or payee's real name): RSA-OAEP with SHA-1 and
 * MGF1-SHA-1, as WeChat Pay specifies (Java's `RSA/ECB/OAEPWithSHA-1AndMGF1Padding`), under WeChat
 * Pay's public key or a platform certificate, base64. The request names the key in its
 * `Wechatpay-Serial` header: the public-key id (`PUB_KEY_ID_...`) or the certificate's serial.
 * OAEP is randomized: the same name encrypts differently each time.
 *
 * @packageDocumentation
 */
import { constants, type KeyObject, privateDecrypt, publicEncrypt } from 'node:crypto';

/**
 * The key a sensitive field is encrypted under, and the `Wechatpay-Serial` that names it.
 *
 * @group Protocol
 * @example
 * ```ts
 * const key: WechatpayEncryptionKey = { serial: 'PUB_KEY_ID_0112...', key: publicKey };
 * ```
 */
export interface WechatpayEncryptionKey {
  /** `PUB_KEY_ID_...` (public-key mode) or the platform certificate's serial. */
  serial: string;
  key: KeyObject;
}

/**
 * Encrypts a sensitive field (UTF-8) with RSA-OAEP (SHA-1, MGF1-SHA-1), base64.
 *
 * @group Protocol
 * @example
 * ```ts
 * body.name = encryptWechatpaySensitive('张三', key.key);
 * headers['wechatpay-serial'] = key.serial;
 * ```
 */
export function encryptWechatpaySensitive(plaintext: string, publicKey: KeyObject): string {
  return publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(plaintext, 'utf8'),
  ).toString('base64');
}

/**
 * Decrypts a sensitive field: what WeChat Pay does with a request's, and what a merchant does with
 * one WeChat Pay encrypted under the merchant's key.
 *
 * @group Protocol
 * @example
 * ```ts
 * decryptWechatpaySensitive(body.name, platformPrivateKey); // '张三'
 * ```
 */
export function decryptWechatpaySensitive(ciphertext: string, privateKey: KeyObject): string {
  return privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(ciphertext, 'base64'),
  ).toString('utf8');
}
