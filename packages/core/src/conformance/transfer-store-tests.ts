/**
 * The executable contract of `TransferStore`: run it against any implementation (the memory
 * store's `transfers`, `@hutong/store-sql`'s).
 *
 * @packageDocumentation
 */
import type { Transfer } from '@hutong/core';
import { ConflictError, ValidationError } from '@hutong/core';
import type { TransferStore } from '@hutong/core/store-kit';
import { sampleTransfer } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';

/** Options of {@link runTransferStoreTests}. */
export interface TransferStoreTestOptions {
  /** Suite name, e.g. `PostgresTransferStore`. */
  name: string;
  /** A fresh, empty transfer store for each test (`store.transfers` of a fresh order store). */
  createStore(): TransferStore | Promise<TransferStore>;
}

const at = (second: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString();

/**
 * Registers vitest tests that every `TransferStore` must pass: create (insert-if-absent), get,
 * getMany, compare-and-set update, and `list` (filters, the `(updatedAt, id)` order, cursors,
 * limits).
 *
 * @example
 * ```ts
 * import { runTransferStoreTests } from '@hutong/core/conformance';
 * runTransferStoreTests({ name: 'PostgresTransferStore', createStore: async () => (await openStore()).transfers });
 * ```
 */
// Longer than 150 lines on purpose: a suite's body is its list of test cases, read one after another.
export function runTransferStoreTests(options: TransferStoreTestOptions): void {
  describe(`TransferStore conformance: ${options.name}`, () => {
    const bump = (transfer: Transfer, patch: Partial<Transfer> = {}): Transfer => ({
      ...transfer,
      ...patch,
      version: transfer.version + 1,
    });

    it('returns a created transfer unchanged, payee name and provider options included', async () => {
      const store = await options.createStore();
      const transfer = sampleTransfer({
        id: 'xferTest0001',
        remark: '佣金 ✓',
        providerOptions: { sceneId: '1005', reports: [{ info_type: '岗位类型', info_content: '外卖员' }] },
      });
      await store.create(transfer);
      expect(await store.get(transfer.id)).toEqual(transfer);
    });

    it('returns undefined for an unknown id', async () => {
      const store = await options.createStore();
      expect(await store.get('xferMissing01')).toBeUndefined();
    });

    it('rejects a duplicate id with ConflictError duplicate_transfer and keeps the first', async () => {
      const store = await options.createStore();
      await store.create(sampleTransfer({ id: 'xferTest0002', amount: 100 }));
      const error = await store.create(sampleTransfer({ id: 'xferTest0002', amount: 999 })).catch((e: unknown) => e);
      expect(ConflictError.isInstance(error)).toBe(true);
      expect((error as ConflictError).code).toBe('duplicate_transfer');
      expect((await store.get('xferTest0002'))?.amount).toBe(100);
    });

    it('updates when the expected version matches, and refuses a stale version', async () => {
      const store = await options.createStore();
      const transfer = sampleTransfer({ id: 'xferTest0003' });
      await store.create(transfer);
      const next = bump(transfer, { status: 'processing', providerTransferId: 'pt1', updatedAt: at(5) });
      expect(await store.update(next, 1)).toBe(true);
      expect(await store.get(transfer.id)).toEqual(next);
      expect(await store.update(bump(transfer, { status: 'failed' }), 1)).toBe(false);
      expect(await store.get(transfer.id)).toEqual(next);
      expect(await store.update(sampleTransfer({ id: 'xferMissing02', version: 2 }), 1)).toBe(false);
      expect(await store.get('xferMissing02')).toBeUndefined();
    });

    it('lets exactly one of two concurrent updates from the same version win', async () => {
      const store = await options.createStore();
      const transfer = sampleTransfer({ id: 'xferTest0004' });
      await store.create(transfer);
      const results = await Promise.all([
        store.update(bump(transfer, { status: 'succeeded' }), 1),
        store.update(bump(transfer, { status: 'cancelled' }), 1),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.get(transfer.id))?.version).toBe(2);
    });

    it('getMany returns those that exist, each once', async () => {
      const store = await options.createStore();
      await store.create(sampleTransfer({ id: 'xferTest0005' }));
      await store.create(sampleTransfer({ id: 'xferTest0006' }));
      const found = await store.getMany(['xferTest0006', 'xferMissing03', 'xferTest0005', 'xferTest0006']);
      expect(found.map((t) => t.id).sort()).toEqual(['xferTest0005', 'xferTest0006']);
      expect(await store.getMany([])).toEqual([]);
    });

    it('lists oldest updatedAt first, ties by id, with every filter combined by AND', async () => {
      const store = await options.createStore();
      const rows: Transfer[] = [
        sampleTransfer({ id: 'xferList0003', status: 'processing', updatedAt: at(1) }),
        sampleTransfer({ id: 'xferList0001', status: 'processing', updatedAt: at(2) }),
        sampleTransfer({ id: 'xferList0002', status: 'created', updatedAt: at(2) }),
        sampleTransfer({ id: 'xferList0004', status: 'succeeded', updatedAt: at(3), provider: 'other' }),
        sampleTransfer({ id: 'xferList0005', status: 'created', updatedAt: at(4), merchant: 'shop-1' }),
      ];
      for (const row of rows) await store.create(row);
      const ids = async (query: Parameters<TransferStore['list']>[0]) =>
        (await store.list(query)).transfers.map((t) => t.id);
      expect(await ids({})).toEqual(['xferList0003', 'xferList0001', 'xferList0002', 'xferList0004', 'xferList0005']);
      expect(await ids({ status: 'processing' })).toEqual(['xferList0003', 'xferList0001']);
      expect(await ids({ status: ['created', 'succeeded'] })).toEqual(['xferList0002', 'xferList0004', 'xferList0005']);
      expect(await ids({ provider: 'other' })).toEqual(['xferList0004']);
      expect(await ids({ merchant: 'shop-1' })).toEqual(['xferList0005']);
      expect(await ids({ updatedBefore: new Date(at(2)) })).toEqual(['xferList0003']);
      expect(await ids({ status: 'created', updatedBefore: new Date(at(4)) })).toEqual(['xferList0002']);
    });

    it('pages with cursors: every transfer once, cursor null after the last page', async () => {
      const store = await options.createStore();
      for (let i = 0; i < 7; i++) {
        await store.create(sampleTransfer({ id: `xferPage000${i}`, updatedAt: at(i % 3) }));
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.list({ limit: 3, cursor });
        seen.push(...page.transfers.map((t) => t.id));
        cursor = page.cursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      const exact = await store.list({ limit: 7 });
      expect(exact.cursor).toBeNull();
    });

    it('refuses a bad limit, an empty status list, an unknown status and a cursor it did not hand out', async () => {
      const store = await options.createStore();
      for (const query of [
        { limit: 0 },
        { limit: 1001 },
        { limit: 1.5 },
        { status: [] },
        { status: 'paid' },
        { cursor: 'not-a-cursor' },
      ]) {
        const error = await store.list(query as Parameters<TransferStore['list']>[0]).catch((e: unknown) => e);
        expect(ValidationError.isInstance(error)).toBe(true);
      }
    });
  });
}
