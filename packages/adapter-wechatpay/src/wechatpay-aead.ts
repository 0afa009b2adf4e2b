/**
 * AEAD_AES_256_GCM, as WeChat Pay uses it for notification resources and platform certificates:
 * a 12-byte nonce, `associated_data` as AAD (possibly empty), and base64 ciphertext that is the
 * encrypted data followed by the 16-byte tag. The tag is always checked: a tampered or forged
 * resource fails, it is never returned.
 *
 * @packageDocumentation
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SignatureVerificationError } from '@hutong/core';

const TAG_LENGTH = 16;

/**
 * An encrypted resource as WeChat Pay sends it.
 *
 * @group Protocol
 * @example
 * ```ts
 * const resource: WechatpayEncryptedResource = body.resource; // { algorithm, nonce, associated_data, ciphertext }
 * ```
 */
export interface WechatpayEncryptedResource {
  algorithm?: string | undefined;
  /** 12 ASCII characters. */
  nonce: string;
  associated_data?: string | undefined;
  /** base64 of ciphertext ‖ tag. */
  ciphertext: string;
}

function cipherFor(key: Buffer, provider = 'wechatpay'): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  // APIv3 keys are 32 bytes (AES-256). Shorter keys only appear in official SDK test vectors.
  if (key.length === 32) return 'aes-256-gcm';
  if (key.length === 16) return 'aes-128-gcm';
  if (key.length === 24) return 'aes-192-gcm';
  throw new SignatureVerificationError(
    provider,
    'decryption_failed',
    `an AES key must be 16, 24 or 32 bytes, not ${key.length}`,
  );
}

/**
 * Decrypts and authenticates a resource. Any failure (wrong key, tampered data, AAD or nonce,
 * truncated tag) is a `SignatureVerificationError` with reason `decryption_failed`, naming
 * `provider` (the provider id, default `wechatpay`).
 *
 * @group Protocol
 * @example
 * ```ts
 * const json = decryptWechatpayResource(body.resource, apiV3Key);
 * ```
 */
export function decryptWechatpayResource(
  resource: WechatpayEncryptedResource,
  key: Buffer,
  provider = 'wechatpay',
): string {
  if (resource.algorithm !== undefined && resource.algorithm !== 'AEAD_AES_256_GCM') {
    throw new SignatureVerificationError(
      provider,
      'decryption_failed',
      `algorithm ${resource.algorithm} is not supported`,
    );
  }
  const data = Buffer.from(resource.ciphertext ?? '', 'base64');
  if (data.length < TAG_LENGTH || typeof resource.nonce !== 'string') {
    throw new SignatureVerificationError(provider, 'decryption_failed', 'the resource is too short or has no nonce');
  }
  try {
    const decipher = createDecipheriv(cipherFor(key, provider), key, Buffer.from(resource.nonce, 'utf8'), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_LENGTH)), decipher.final()]).toString(
      'utf8',
    );
  } catch (cause) {
    if (SignatureVerificationError.isInstance(cause)) throw cause;
    throw new SignatureVerificationError(provider, 'decryption_failed', 'the resource does not authenticate', {
      cause,
    });
  }
}

/**
 * Encrypts a resource (what WeChat Pay, or a sandbox, does). `nonce` defaults to 12 random
 * alphanumerics.
 *
 * @group Protocol
 * @example
 * ```ts
 * const resource = encryptWechatpayResource('{"trade_state":"SUCCESS"}', apiV3Key, 'transaction');
 * ```
 */
export function encryptWechatpayResource(
  plaintext: string,
  key: Buffer,
  associatedData: string,
  nonce = randomBytes(9).toString('base64').replace(/[+/]/g, 'x'),
): Required<WechatpayEncryptedResource> {
  const cipher = createCipheriv(cipherFor(key), key, Buffer.from(nonce, 'utf8'), { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    nonce,
    associated_data: associatedData,
    ciphertext: encrypted.toString('base64'),
  };
}
