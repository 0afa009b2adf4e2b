import { describe, expect, it } from 'vitest';
import {
  cacheMerchantDirectory,
  createMemoryMerchantDirectory,
  type MerchantAccount,
  type MerchantDirectory,
  MerchantError,
  ValidationError,
} from '../src/index.js';

const account = (overrides: Partial<MerchantAccount> = {}): MerchantAccount => ({
  merchant: 'shop-a',
  provider: 'fake',
  accountId: 'sub-a',
  name: '老王煎饼',
  enabled: true,
  fields: {},
  ...overrides,
});

async function refusal(promise: Promise<unknown>): Promise<MerchantError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(MerchantError.isInstance(error)).toBe(true);
  return error as MerchantError;
}

/** A directory that counts its lookups and can be changed behind the cache's back. */
function countingDirectory(accounts: MerchantAccount[]) {
  const inner = createMemoryMerchantDirectory(accounts);
  const counts = { resolve: 0 };
  const directory: MerchantDirectory = {
    resolve: (merchant, provider) => {
      counts.resolve++;
      return inner.resolve(merchant, provider);
    },
    put: (a) => inner.put(a),
    list: (merchant) => inner.list(merchant),
  };
  return { directory, inner, counts };
}

describe('createMemoryMerchantDirectory', () => {
  it('resolves a merchant at a provider, and lists its accounts', async () => {
    const directory = createMemoryMerchantDirectory([account(), account({ provider: 'other', accountId: 'sub-a2' })]);
    expect(await directory.resolve('shop-a', 'fake')).toEqual(account());
    expect((await directory.list('shop-a')).map((a) => a.provider).sort()).toEqual(['fake', 'other']);
    expect(await directory.list('shop-z')).toEqual([]);
  });

  it('refuses an unknown merchant, one without an account there, and a disabled one, with stable codes', async () => {
    const directory = createMemoryMerchantDirectory([account(), account({ merchant: 'shop-b', enabled: false })]);
    const unknown = await refusal(directory.resolve('shop-z', 'fake'));
    expect(unknown.code).toBe('unknown_merchant');
    expect(unknown.merchant).toBe('shop-z');
    expect(unknown.provider).toBe('fake');
    expect((await refusal(directory.resolve('shop-a', 'other'))).code).toBe('merchant_not_enabled');
    expect((await refusal(directory.resolve('shop-b', 'fake'))).code).toBe('merchant_disabled');
  });

  it('replaces an account on put, and refuses a malformed one', async () => {
    const directory = createMemoryMerchantDirectory([account()]);
    await directory.put(account({ enabled: false }));
    expect((await refusal(directory.resolve('shop-a', 'fake'))).code).toBe('merchant_disabled');
    const bad = await directory.put(account({ merchant: 'shop a' })).catch((e: unknown) => e);
    expect(ValidationError.isInstance(bad) && bad.field).toBe('account.merchant');
    const noId = await directory.put(account({ accountId: '' })).catch((e: unknown) => e);
    expect(ValidationError.isInstance(noId) && noId.field).toBe('account.accountId');
  });

  it('keeps its accounts out of the caller’s reach', async () => {
    const fields = { subAppId: 'wx1' };
    const directory = createMemoryMerchantDirectory([account({ fields })]);
    fields.subAppId = 'changed';
    const resolved = await directory.resolve('shop-a', 'fake');
    expect(resolved.fields.subAppId).toBe('wx1');
    expect(Object.isFrozen(resolved)).toBe(true);
  });
});

describe('cacheMerchantDirectory', () => {
  it('answers from the cache within ttlMs, then asks the directory again', async () => {
    let now = 0;
    const { directory, counts } = countingDirectory([account()]);
    const cached = cacheMerchantDirectory(directory, { ttlMs: 1000, now: () => now });
    await cached.resolve('shop-a', 'fake');
    await cached.resolve('shop-a', 'fake');
    expect(counts.resolve).toBe(1);
    expect(cached.peek('shop-a', 'fake')).toEqual(account());
    now = 999;
    await cached.resolve('shop-a', 'fake');
    expect(counts.resolve).toBe(1);
    now = 1000;
    expect(cached.peek('shop-a', 'fake')).toBeUndefined();
    await cached.resolve('shop-a', 'fake');
    expect(counts.resolve).toBe(2);
  });

  it('sees a change made behind its back only after ttlMs, and one made through put at once', async () => {
    let now = 0;
    const { directory, inner } = countingDirectory([account()]);
    const cached = cacheMerchantDirectory(directory, { ttlMs: 1000, now: () => now });
    await cached.resolve('shop-a', 'fake');
    await inner.put(account({ enabled: false }));
    expect((await cached.resolve('shop-a', 'fake')).enabled).toBe(true);
    now = 1000;
    expect((await refusal(cached.resolve('shop-a', 'fake'))).code).toBe('merchant_disabled');
    await cached.put(account({ accountId: 'sub-a-new' }));
    expect((await cached.resolve('shop-a', 'fake')).accountId).toBe('sub-a-new');
    await cached.put(account({ enabled: false }));
    expect((await refusal(cached.resolve('shop-a', 'fake'))).code).toBe('merchant_disabled');
  });

  it('keeps at most maxEntries accounts, the least recently used out first', async () => {
    const accounts = ['a', 'b', 'c'].map((key) => account({ merchant: `shop-${key}`, accountId: `sub-${key}` }));
    const { directory, counts } = countingDirectory(accounts);
    const cached = cacheMerchantDirectory(directory, { maxEntries: 2 });
    await cached.resolve('shop-a', 'fake');
    await cached.resolve('shop-b', 'fake');
    await cached.resolve('shop-a', 'fake'); // a is now the most recently used
    await cached.resolve('shop-c', 'fake'); // b goes
    expect(cached.size).toBe(2);
    expect(counts.resolve).toBe(3);
    expect(cached.peek('shop-b', 'fake')).toBeUndefined();
    expect(cached.peek('shop-a', 'fake')?.accountId).toBe('sub-a');
    expect(cached.peek('shop-c', 'fake')?.accountId).toBe('sub-c');
  });

  it('never caches a refusal, and shares one lookup among concurrent resolves', async () => {
    const { directory, counts } = countingDirectory([account()]);
    const cached = cacheMerchantDirectory(directory);
    await refusal(cached.resolve('shop-b', 'fake'));
    await directory.put(account({ merchant: 'shop-b', accountId: 'sub-b' }));
    expect((await cached.resolve('shop-b', 'fake')).accountId).toBe('sub-b');
    counts.resolve = 0;
    await Promise.all([cached.resolve('shop-a', 'fake'), cached.resolve('shop-a', 'fake')]);
    expect(counts.resolve).toBe(1);
  });

  it('caches nothing with maxEntries 0, and forgets a merchant on invalidate', async () => {
    const { directory, counts } = countingDirectory([account(), account({ provider: 'other' })]);
    const none = cacheMerchantDirectory(directory, { maxEntries: 0 });
    await none.resolve('shop-a', 'fake');
    await none.resolve('shop-a', 'fake');
    expect(counts.resolve).toBe(2);
    const cached = cacheMerchantDirectory(directory);
    await cached.resolve('shop-a', 'fake');
    await cached.resolve('shop-a', 'other');
    cached.invalidate('shop-a');
    expect(cached.size).toBe(0);
  });

  it('refuses a negative or fractional bound', () => {
    const { directory } = countingDirectory([]);
    expect(() => cacheMerchantDirectory(directory, { ttlMs: -1 })).toThrow(ValidationError);
    expect(() => cacheMerchantDirectory(directory, { maxEntries: 1.5 })).toThrow(ValidationError);
  });
});
