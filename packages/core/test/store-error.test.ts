/**
 * `StoreError` is core's: a merchant catches it from `@hutong/core` whatever the store
 * (`@hutong/store-sql` re-exports the same class; its own tests import it from there).
 */
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';

const { HutongError, StoreError } = core;

describe('StoreError', () => {
  it('is exported from the main entry with its four codes and their retryability', () => {
    const cases = [
      ['store_unavailable', true],
      ['store_timeout', true],
      ['store_conflict', true],
      ['store_error', false],
    ] as const;
    for (const [code, retryable] of cases) {
      const error = new StoreError(code, 'reading an order: the database failed', { cause: new Error('driver') });
      expect([error.code, error.storeCode, error.retryable, error.name]).toEqual([code, code, retryable, 'StoreError']);
      expect(HutongError.isInstance(error)).toBe(true);
      expect(StoreError.isInstance(error)).toBe(true);
      expect(error.cause).toBeInstanceOf(Error);
    }
  });

  it('is recognised across two copies of the package, and told apart from other hutong errors', async () => {
    const secondCopy = '../src/errors.js?store-error-copy';
    const copy = (await import(/* @vite-ignore */ secondCopy)) as typeof import('../src/errors.js');
    const foreign = new copy.StoreError('store_timeout', 'lock wait');
    expect(foreign instanceof StoreError).toBe(false);
    expect(StoreError.isInstance(foreign)).toBe(true);
    expect(StoreError.isInstance(new core.ValidationError('x', 'bad'))).toBe(false);
    expect(StoreError.isInstance(null)).toBe(false);
  });

  it('recognises the StoreError of @hutong/store-sql 0.x, which carried the same mark', () => {
    // The marker is the one `@hutong/store-sql` put on its own StoreError before it moved here.
    const legacy = Object.defineProperty(new Error('old copy'), Symbol.for('hutong.error.StoreError'), { value: true });
    expect(StoreError.isInstance(legacy)).toBe(true);
  });
});
