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
  readonly provider: string;
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
  // Looked up by provider, then merchant (no key string built per call); evicted in insertion order.
  const index = new Map<string, Map<string, Entry>>();
  const order = new Set<Entry>();

  const lookup = (merchant: string, provider: string) => index.get(provider)?.get(merchant);

  function remove(entry: Entry): void {
    order.delete(entry);
    const byMerchant = index.get(entry.provider);
    if (byMerchant?.get(entry.merchant) !== entry) return;
    byMerchant.delete(entry.merchant);
    if (byMerchant.size === 0) index.delete(entry.provider);
  }

  /** The fresh entry of `merchant` at `provider`, marked used; a stale one is dropped. */
  function fresh(merchant: string, provider: string): Entry | undefined {
    const entry = lookup(merchant, provider);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      remove(entry);
      return undefined;
    }
    entry.used = true;
    return entry;
  }

  /**
   * Evicts down to `maxEntries`, oldest first, giving an entry used since its last turn a second
   * chance at the back (CLOCK): a hit costs one flag, not a reordering.
   */
  function evict(): void {
    while (order.size > maxEntries) {
      const entry = order.values().next().value as Entry;
      order.delete(entry);
      if (entry.used) {
        entry.used = false;
        order.add(entry);
      } else {
        remove(entry);
      }
    }
  }

  return {
    peek(merchant, provider) {
      return fresh(merchant, provider)?.account;
    },
    resolve(merchant, provider) {
      if (maxEntries === 0 || ttlMs === 0) return directory.resolve(merchant, provider);
      const cached = fresh(merchant, provider);
      if (cached) return cached.account ? Promise.resolve(cached.account) : cached.pending;
      const pending = directory.resolve(merchant, provider);
      const entry: Entry = { merchant, provider, expiresAt: now() + ttlMs, pending, used: false };
      // `fresh` found none, or dropped a stale one: this is the only entry of the account.
      let byMerchant = index.get(provider);
      if (!byMerchant) {
        byMerchant = new Map();
        index.set(provider, byMerchant);
      }
      byMerchant.set(merchant, entry);
      order.add(entry);
      evict();
      pending.then(
        (account) => {
          entry.account = account;
        },
        () => remove(entry),
      );
      return pending;
    },
    async put(account) {
      await directory.put(account);
      const entry = lookup(account.merchant, account.provider);
      if (entry) remove(entry);
    },
    list: (merchant) => directory.list(merchant),
    invalidate(merchant) {
      for (const entry of [...order]) if (merchant === undefined || entry.merchant === merchant) remove(entry);
    },
    get size() {
      return order.size;
    },
  };
}
