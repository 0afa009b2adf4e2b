/**
 * Sealing of a merchant account's `fields` (its credentials: Alipay `app_auth_token` and refresh
 * token, and whatever else an adapter keeps there) with AES-256-GCM under the platform's keys, a
 * key id per row so the keys can rotate.
 *
 * @packageDocumentation
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StoreError, ValidationError } from '@hutong/core';

/**
 * The keys that seal merchant credentials at rest: `keys` by id, and the id of the one new rows
 * are sealed with (`current`). Keep every key some row may still be sealed with until `rotate()`
 * has moved them all to the current one.
 *
 * A key is 32 random bytes: a `Uint8Array`, or a string of base64 (`openssl rand -base64 32`) or
 * of 64 hex digits (`openssl rand -hex 32`). A key id is 1 to 32 letters, digits, `_`, `-` or `.`;
 * it is stored beside each row (never the key).
 *
 * @example
 * ```ts
 * const encryptionKeys: MerchantEncryptionKeys = {
 *   current: 'k2',
 *   keys: { k1: process.env.MERCHANT_KEY_1!, k2: process.env.MERCHANT_KEY_2! },
 * };
 * ```
 */
export interface MerchantEncryptionKeys {
  readonly current: string;
  readonly keys: Readonly<Record<string, string | Uint8Array>>;
}

/** Why a row's credentials could not be read. */
export type MerchantSecretFailure = 'unknown_key' | 'decryption_failed';

const MARKER = Symbol.for('hutong.error.MerchantSecretError');

/**
 * A merchant row whose sealed credentials cannot be opened: sealed under a key id the directory
 * was not given (`unknown_key`), or not opened by that key (`decryption_failed`: a wrong key under
 * that id, or a row altered in the database). A `StoreError` with code `store_error` (not
 * retryable); its message names the merchant, the provider and the key id, never key material or
 * a credential.
 *
 * @example
 * ```ts
 * try {
 *   await directory.resolve('shop-42', 'alipay');
 * } catch (error) {
 *   if (MerchantSecretError.isInstance(error)) alertOps(error.reason, error.keyId);
 * }
 * ```
 */
export class MerchantSecretError extends StoreError {
  /** Why the row could not be opened. */
  readonly reason: MerchantSecretFailure;
  /** The key id the row names. */
  readonly keyId: string;
  readonly merchant: string;
  readonly provider: string;

  constructor(reason: MerchantSecretFailure, keyId: string, merchant: string, provider: string) {
    super(
      'store_error',
      reason === 'unknown_key'
        ? `merchant ${merchant} at ${provider}: its credentials are sealed under key ${keyId}, which the directory was not given`
        : `merchant ${merchant} at ${provider}: its credentials do not open with key ${keyId} (a wrong key, or the row was altered)`,
    );
    this.name = 'MerchantSecretError';
    this.reason = reason;
    this.keyId = keyId;
    this.merchant = merchant;
    this.provider = provider;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for a {@link MerchantSecretError} from any copy of `@hutong/store-sql`. */
  static override isInstance(error: unknown): error is MerchantSecretError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyBytes(value: unknown, id: string): Buffer {
  const field = `encryptionKeys.keys.${id}`;
  let bytes: Buffer | undefined;
  if (value instanceof Uint8Array) bytes = Buffer.from(value);
  else if (typeof value === 'string' && HEX_KEY.test(value)) bytes = Buffer.from(value, 'hex');
  else if (typeof value === 'string' && BASE64_KEY.test(value)) bytes = Buffer.from(value, 'base64');
  // The message never quotes the value: it is a key.
  if (!bytes || bytes.length !== 32) {
    throw new ValidationError(field, 'must be 32 bytes: a Uint8Array, base64 (44 characters) or 64 hex digits');
  }
  return bytes;
}

/** The checked keys of a directory. */
export class MerchantKeyring {
  readonly current: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(options: MerchantEncryptionKeys) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('encryptionKeys', 'must be { current, keys }: merchant credentials are stored encrypted');
    }
    const { current, keys } = options;
    if (typeof keys !== 'object' || keys === null) throw new ValidationError('encryptionKeys.keys', 'must be an object of keys by id');
    const map = new Map<string, Buffer>();
    for (const [id, value] of Object.entries(keys)) {
      if (!KEY_ID.test(id)) {
        throw new ValidationError('encryptionKeys.keys', 'key ids are 1 to 32 letters, digits, "_", "-" or "."');
      }
      map.set(id, keyBytes(value, id));
    }
    if (typeof current !== 'string' || !map.has(current)) {
      throw new ValidationError('encryptionKeys.current', 'must be the id of one of encryptionKeys.keys');
    }
    this.current = current;
    this.#keys = map;
  }

  /** Seals `fields` under the current key, bound to the merchant, the provider and the key id. */
  seal(fields: Readonly<Record<string, string>>, merchant: string, provider: string): { keyId: string; sealed: string } {
    const keyId = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(keyId) as Buffer, iv);
    cipher.setAAD(associatedData(merchant, provider, keyId));
    const body = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return { keyId, sealed: `${FORMAT}.${iv.toString('base64url')}.${body.toString('base64url')}` };
  }

  /** Opens what {@link MerchantKeyring.seal} sealed; `MerchantSecretError` when it cannot. */
  open(sealed: string, keyId: string, merchant: string, provider: string): Record<string, string> {
    const key = this.#keys.get(keyId);
    if (!key) throw new MerchantSecretError('unknown_key', keyId, merchant, provider);
    const [format, ivText, bodyText, ...rest] = String(sealed).split('.');
    const iv = Buffer.from(ivText ?? '', 'base64url');
    const body = Buffer.from(bodyText ?? '', 'base64url');
    if (format !== FORMAT || rest.length > 0 || iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw new MerchantSecretError('decryption_failed', keyId, merchant, provider);
    }
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(merchant, provider, keyId));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // The tag did not verify: never return what a wrong key produced.
      throw new MerchantSecretError('decryption_failed', keyId, merchant, provider);
    }
    return JSON.parse(plain) as Record<string, string>;
  }
}

/** Binds a sealed row to its merchant, provider and key id: a row copied onto another does not open. */
function associatedData(merchant: string, provider: string, keyId: string): Buffer {
  return Buffer.from(JSON.stringify(['hutong.merchant.fields.v1', merchant, provider, keyId]), 'utf8');
}
