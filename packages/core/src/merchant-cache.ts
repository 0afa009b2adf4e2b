/**
 * A bounded, short-lived cache in front of a {@link MerchantDirectory}: every payment call and
 * every notification of a sub-merchant resolves its account, and a SQL round trip for each would
 * cost more than the rest of a notification. Entries live `ttlMs` (a suspension takes effect
 * within it, or at once when made through the cache's `put`) and at most `maxEntries` are kept,
 * the least recently used out first (approximately: a second chance for each used one).
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';
import type { MerchantAccount, MerchantDirectory } from './merchant.js';

/**
 * Options of {@link cacheMerchantDirectory} (and of `createPayments({ merchantCache })`).
 *
 * @example
 * ```ts
 * const options: MerchantCacheOptions = { maxEntries: 10_000, ttlMs: 60_000 };
 * ```
 */
export interface MerchantCacheOptions {
  /** Most accounts kept (the least recently used out first). Default 1000; 0 caches nothing. */
  readonly maxEntries?: number | undefined;
  /** How long a resolved account is used before it is resolved again, in milliseconds. Default 30 000. */
  readonly ttlMs?: number | undefined;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/**
 * A {@link MerchantDirectory} with a cache in front: `resolve` answers from the cache while an
 * account is fresh, `put` writes through and forgets the cached account.
 *
 * @example
 * ```ts
 * const cached = cacheMerchantDirectory(directory);
 * cached.peek('shop-42', 'wechatpay'); // the account, once resolved, without awaiting
 * ```
 */
export interface CachedMerchantDirectory extends MerchantDirectory {
  /** The cached account if it is fresh, synchronously; `undefined` otherwise (then `resolve`). */
  peek(merchant: string, provider: string): MerchantAccount | undefined;
  /** Forgets the cached accounts of `merchant` (every merchant's when absent). */
  invalidate(merchant?: string): void;
  /** How many accounts are cached (resolved or being resolved). */
  readonly size: number;
}

interface Entry {
  readonly merchant: string;
  readonly expiresAt: number;
  readonly pending: Promise<MerchantAccount>;
  account?: MerchantAccount;
  /** Used since it last came up for eviction (a second chance, instead of reordering on each hit). */
  used: boolean;
}

function nonNegativeInteger(value: number | undefined, fallback: number, field: string): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < 0) throw new ValidationError(field, 'must be a non-negative integer');
  return result;
}

/**
 * Puts a bounded cache in front of `directory`. Only resolved accounts are cached, never a refusal:
 * a merchant onboarded a moment ago resolves at once. Concurrent resolves of one account share one
 * lookup.
 *
 * @example
 * ```ts
 * const merchants = cacheMerchantDirectory(createSqlMerchantDirectory({ pool }), { ttlMs: 10_000 });
 * const account = await merchants.resolve('shop-42', 'wechatpay');
 * ```
 */
export function cacheMerchantDirectory(
  directory: MerchantDirectory,
  options: MerchantCacheOptions = {},
): CachedMerchantDirectory {
  const maxEntries = nonNegativeInteger(options.maxEntries, 1000, 'merchantCache.maxEntries');
  const ttlMs = nonNegativeInteger(options.ttlMs, 30_000, 'merchantCache.ttlMs');
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const keyOf = (merchant: string, provider: string) => `${provider}\u0000${merchant}`;

  /** The fresh entry of `key`, marked used; a stale one is dropped. */
  function fresh(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry;
  }

  /**
   * Evicts down to `maxEntries`, oldest first, giving an entry used since its last turn a second
   * chance at the back (CLOCK): a hit costs one flag, not a reordering of the map.
   */
  function evict(): void {
    while (entries.size > maxEntries) {
      const [key, entry] = entries.entries().next().value as [string, Entry];
      entries.delete(key);
      if (entry.used) {
        entry.used = false;
        entries.set(key, entry);
      }
    }
  }

  return {
    peek(merchant, provider) {
      return fresh(keyOf(merchant, provider))?.account;
    },
    resolve(merchant, provider) {
      if (maxEntries === 0 || ttlMs === 0) return directory.resolve(merchant, provider);
      const key = keyOf(merchant, provider);
      const cached = fresh(key);
      if (cached) return cached.account ? Promise.resolve(cached.account) : cached.pending;
      const pending = directory.resolve(merchant, provider);
      const entry: Entry = { merchant, expiresAt: now() + ttlMs, pending, used: false };
      entries.set(key, entry);
      evict();
      pending.then(
        (account) => {
          entry.account = account;
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return pending;
    },
    async put(account) {
      await directory.put(account);
      entries.delete(keyOf(account.merchant, account.provider));
    },
    list: (merchant) => directory.list(merchant),
    invalidate(merchant) {
      if (merchant === undefined) {
        entries.clear();
        return;
      }
      for (const [key, entry] of entries) if (entry.merchant === merchant) entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
