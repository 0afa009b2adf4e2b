import { describe, expect, it } from 'vitest';
import { runOrderClaimsTests, runOrderStoreTests } from '../src/conformance/index.js';
import { MemoryOrderStore } from '../src/index.js';
import { sampleOrder } from '../src/testing/index.js';

runOrderStoreTests({ name: 'MemoryOrderStore', createStore: () => new MemoryOrderStore() });
runOrderClaimsTests({ name: 'MemoryOrderStore', createStore: () => new MemoryOrderStore() });

describe('MemoryOrderStore', () => {
  it('hands out frozen orders that no caller can change behind its back', async () => {
    const store = new MemoryOrderStore();
    const input = sampleOrder({ metadata: { sku: 'a' } });
    await store.create(input);
    (input.metadata as Record<string, string>).sku = 'changed after create';
    const stored = await store.get(input.id);
    expect(stored?.metadata.sku).toBe('a');
    expect(Object.isFrozen(stored)).toBe(true);
    expect(() => {
      (stored as { status: string }).status = 'paid';
    }).toThrow(TypeError);
  });
});
