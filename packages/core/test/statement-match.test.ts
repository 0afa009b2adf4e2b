import { describe, expect, it } from 'vitest';
import {
  MemoryOrderStore,
  matchStatement,
  type Order,
  type OrderStore,
  type StatementLine,
  statementDayWindow,
  ValidationError,
} from '../src/index.js';
import type { Transfer } from '../src/money-movement.js';
import { sampleOrder } from '../src/testing/index.js';
import type { MemoryTransferStore } from '../src/transfer-store.js';

const DAY = '2026-12-01';
const window = statementDayWindow(DAY);

function line(n: number, patch: Partial<StatementLine> = {}): StatementLine {
  return {
    provider: 'fake',
    merchant: null,
    kind: 'payment',
    orderId: `order${String(n).padStart(7, '0')}`,
    providerTradeId: `txn${n}`,
    amount: 100,
    fee: 1,
    currency: 'CNY',
    time: `${DAY}T12:00:00+08:00`,
    line: n + 2,
    raw: '',
    ...patch,
  };
}

function paid(n: number, patch: Partial<Order> = {}): Order {
  const at = '2026-12-01T04:00:00.000Z';
  return sampleOrder({
    id: `order${String(n).padStart(7, '0')}`,
    provider: 'fake',
    amount: 100,
    status: 'paid',
    paidAmount: 100,
    paidAt: at,
    providerTransactionId: `txn${n}`,
    createdAt: at,
    updatedAt: at,
    ...patch,
  });
}

/** A store that records each batched lookup. */
class CountingStore extends MemoryOrderStore {
  batches: number[] = [];
  gets = 0;
  override async getMany(ids: readonly string[]): Promise<Order[]> {
    this.batches.push(ids.length);
    return super.getMany(ids);
  }
  override async get(id: string): Promise<Order | undefined> {
    this.gets++;
    return super.get(id);
  }
}

describe('matchStatement', () => {
  it('looks orders up in batches of at most 1000 ids, never one by one', async () => {
    const store = new CountingStore();
    for (let n = 0; n < 2500; n++) await store.create(paid(n));
    const lines = Array.from({ length: 2500 }, (_, n) => line(n));
    const result = await matchStatement(lines, store, { provider: 'fake' });
    expect(store.batches).toEqual([1000, 1000, 500]);
    expect(store.gets).toBe(0);
    expect(result.matched).toBe(2500);
    expect(result.differences).toEqual([]);
    expect(result.totals).toEqual({ lines: 2500, payments: 250_000, refunds: 0, fees: 2500, net: 247_500 });
  });

  it('falls back to get for a store without getMany', async () => {
    const memory = new MemoryOrderStore();
    await memory.create(paid(1));
    let gets = 0;
    const store: OrderStore = {
      create: (order) => memory.create(order),
      update: (order, version) => memory.update(order, version),
      listOrders: (query) => memory.listOrders(query),
      get: (id) => {
        gets++;
        return memory.get(id);
      },
    };
    const result = await matchStatement([line(1), line(2)], store);
    expect(gets).toBe(2);
    expect(result.matched).toBe(1);
    expect(result.differences.map((d) => [d.code, d.orderId])).toEqual([['missing_locally', 'order0000002']]);
  });

  it('reads the statement a batch ahead, never collecting it', async () => {
    const store = new MemoryOrderStore();
    let read = 0;
    let maxAhead = 0;
    let looked = 0;
    const spy: OrderStore = Object.assign(Object.create(store) as MemoryOrderStore, {
      getMany: async (ids: readonly string[]) => {
        looked += ids.length;
        return store.getMany(ids);
      },
    });
    async function* lines() {
      for (let n = 0; n < 10_000; n++) {
        read++;
        maxAhead = Math.max(maxAhead, read - looked);
        yield line(n);
      }
    }
    const result = await matchStatement(lines(), spy, { batchSize: 100 });
    expect(result.totals.lines).toBe(10_000);
    // At most one batch being looked up and one being read.
    expect(maxAhead).toBeLessThanOrEqual(200);
  });

  it('reports only the orders paid within the window, of the provider and merchant, as missing at the wallet', async () => {
    const store = new MemoryOrderStore();
    await store.create(paid(1)); // on the statement
    await store.create(paid(2)); // missing
    await store.create(paid(3, { paidAt: '2026-11-30T15:59:59.999Z', updatedAt: '2026-11-30T15:59:59.999Z' })); // the day before
    await store.create(paid(4, { paidAt: '2026-12-01T16:00:00.000Z', updatedAt: '2026-12-01T16:00:00.000Z' })); // the day after
    await store.create(paid(5, { provider: 'other' }));
    await store.create(paid(6, { merchant: 'shop-42' }));
    await store.create(paid(7, { status: 'pending', paidAt: null, paidAmount: 0 }));
    // Paid in the window, refunded later: still expected.
    await store.create(paid(8, { status: 'refunded', refundedAmount: 100, updatedAt: '2026-12-05T00:00:00.000Z' }));
    const result = await matchStatement([line(1)], store, { provider: 'fake', window });
    expect(result.differences.map((d) => [d.code, d.orderId, d.storeAmount])).toEqual([
      ['missing_at_wallet', 'order0000002', 100],
      ['missing_at_wallet', 'order0000008', 100],
    ]);
    const merchant = await matchStatement([], store, { provider: 'fake', window, merchant: 'shop-42' });
    expect(merchant.differences.map((d) => d.orderId)).toEqual(['order0000006']);
  });

  describe('with a window: the day listed alongside the statement', () => {
    /** Order n of a day of `count`, paid (and last updated) at its own second of the day, in China time. */
    const timed = (n: number, count: number) => {
      const at = new Date(window.from.getTime() + Math.floor((n * 86_000) / count) * 1000);
      return {
        order: paid(n, { paidAt: at.toISOString(), updatedAt: at.toISOString(), createdAt: at.toISOString() }),
        line: line(n, { time: `${at.toISOString().slice(0, 19)}Z` }),
      };
    };

    it('a statement in time order finds its orders in the listing: no second read, and each missing one reported', async () => {
      const store = new CountingStore();
      const day = Array.from({ length: 5000 }, (_, n) => timed(n, 5000));
      for (const { order } of day) await store.create(order);
      const lines = day.filter((_, n) => n % 1000 !== 7).map((entry) => entry.line);
      const result = await matchStatement(lines, store, { provider: 'fake', window, batchSize: 500 });
      expect(result.matched).toBe(4995);
      expect(result.differences.map((d) => [d.code, d.orderId])).toEqual(
        [7, 1007, 2007, 3007, 4007].map((n) => ['missing_at_wallet', `order${String(n).padStart(7, '0')}`]),
      );
      // No lookup at all: every line's order, and each missing one, came from the listing.
      expect(store.batches).toEqual([]);
    });

    it('a statement in any other order is matched the same, reading what the listing has not reached', async () => {
      const store = new MemoryOrderStore();
      const day = Array.from({ length: 3000 }, (_, n) => timed(n, 3000));
      for (const { order } of day) await store.create(order);
      const lines = day
        .filter((_, n) => n !== 1500)
        .map((entry) => entry.line)
        .reverse();
      const result = await matchStatement(lines, store, { provider: 'fake', window, batchSize: 100 });
      expect(result.matched).toBe(2999);
      expect(result.differences.map((d) => [d.code, d.orderId])).toEqual([['missing_at_wallet', 'order0001500']]);
    });

    it('an order changed during the run, listed again at its new place, is not expected twice', async () => {
      const store = new MemoryOrderStore();
      const count = 6000; // six pages of the listing
      const day = Array.from({ length: count }, (_, n) => timed(n, count));
      // Order 2000 was updated six hours after its payment: its line comes before the listing reaches it.
      const first = day[2000]?.order as Order;
      const later = new Date(Date.parse(first.updatedAt) + 6 * 3600_000).toISOString();
      day[2000] = { ...(day[2000] as (typeof day)[number]), order: { ...first, updatedAt: later } };
      for (const { order } of day) await store.create(order);
      const late = new Date(window.from.getTime() + 86_300_000).toISOString();
      const move = async (id: string) => {
        const order = (await store.get(id)) as Order;
        await store.update({ ...order, version: order.version + 1, updatedAt: late }, order.version);
      };
      async function* lines() {
        for (const [n, entry] of day.entries()) {
          // Once listed and shown, each order changes and moves to the end of the day's listing:
          // order 10 listed before its line, order 2000 after.
          if (n === 2500) await move('order0000010');
          if (n === 4000) await move('order0002000');
          if (n !== 20) yield entry.line;
        }
      }
      const result = await matchStatement(lines(), store, { provider: 'fake', window, batchSize: 100 });
      expect(result.differences.map((d) => [d.code, d.orderId])).toEqual([['missing_at_wallet', 'order0000020']]);
      expect(result.matched).toBe(count - 1);
    });
  });

  it('does not match an order of another provider', async () => {
    const store = new MemoryOrderStore();
    await store.create(paid(1, { provider: 'other' }));
    const result = await matchStatement([line(1)], store, { provider: 'fake' });
    expect(result.differences.map((d) => d.code)).toEqual(['missing_locally']);
  });

  it('matches split and transfer lines against order.splits and store.transfers', async () => {
    const at = '2026-12-01T04:00:00.000Z';
    const transfers = { getMany: async (ids: readonly string[]) => (ids.includes('payout0001') ? [transfer] : []) };
    const store = new (class extends MemoryOrderStore {
      override readonly transfers = transfers as unknown as MemoryTransferStore;
    })();
    await store.create(
      paid(1, {
        splits: [
          {
            id: 'split0001',
            amount: 30,
            status: 'succeeded',
            receivers: [],
            finish: true,
            providerSplitId: null,
            returns: [],
            createdAt: at,
            updatedAt: at,
          },
          {
            id: 'split0002',
            amount: 20,
            status: 'pending',
            receivers: [],
            finish: false,
            providerSplitId: null,
            returns: [],
            createdAt: at,
            updatedAt: at,
          },
        ],
      }),
    );
    const transfer: Transfer = {
      id: 'payout0001',
      provider: 'fake',
      merchant: null,
      amount: 500,
      currency: 'CNY',
      payee: { type: 'openid', account: 'o1' },
      remark: 'r',
      status: 'succeeded',
      providerTransferId: 't',
      confirmation: null,
      failReason: null,
      providerOptions: {},
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    const split = (id: string, amount: number, n: number) =>
      line(1, { kind: 'split', movementId: id, amount, fee: 0, line: n });
    const payout = (id: string, amount: number, n: number) =>
      line(0, { kind: 'transfer', orderId: null, movementId: id, amount, fee: 0, line: n });
    const result = await matchStatement(
      [
        split('split0001', 30, 2),
        split('split0002', 20, 3),
        split('split0009', 5, 4),
        payout('payout0001', 500, 5),
        payout('payout0001', 501, 6),
        payout('payout0009', 7, 7),
      ],
      store,
    );
    expect(result.matched).toBe(2);
    expect(result.differences.map((d) => [d.code, d.kind, d.movementId, d.line])).toEqual([
      ['status_mismatch', 'split', 'split0002', 3],
      ['missing_locally', 'split', 'split0009', 4],
      ['amount_mismatch', 'transfer', 'payout0001', 6],
      ['missing_locally', 'transfer', 'payout0009', 7],
    ]);
    expect(result.totals.net).toBe(-(30 + 20 + 5 + 500 + 501 + 7));
  });

  it('holds a refund to the status its line states; a line that states none is a settled refund', async () => {
    const store = new MemoryOrderStore();
    const statuses = ['pending', 'succeeded', 'failed'] as const;
    for (const [n, status] of statuses.entries()) {
      const refund = {
        id: `r${n}`,
        amount: 10,
        status,
        reason: null,
        providerRefundId: null,
        createdAt: '2026-12-01T04:00:00.000Z',
        updatedAt: '2026-12-01T04:00:00.000Z',
      };
      await store.create(paid(n, { status: 'partially_refunded', refundedAmount: 10, refunds: [refund] }));
    }
    const lines: StatementLine[] = [];
    for (const stated of [undefined, 'pending', 'failed'] as const) {
      for (const n of [0, 1, 2]) {
        lines.push(line(n, { kind: 'refund', refundId: `r${n}`, amount: 10, ...(stated ? { status: stated } : {}) }));
      }
    }
    const result = await matchStatement(lines, store, { provider: 'fake' });
    // Agreeing: none stated ↔ succeeded; pending ↔ pending or succeeded; failed ↔ failed.
    expect(result.matched).toBe(4);
    expect(result.differences.map((d) => [d.status, d.refundId, d.code])).toEqual([
      [undefined, 'r0', 'refund_mismatch'],
      [undefined, 'r2', 'refund_mismatch'],
      ['pending', 'r2', 'refund_mismatch'],
      ['failed', 'r0', 'refund_mismatch'],
      ['failed', 'r1', 'refund_mismatch'],
    ]);
  });

  it('refuses a batch size outside 1 to 1000', async () => {
    for (const batchSize of [0, 1001, 1.5]) {
      const error = await matchStatement([], new MemoryOrderStore(), { batchSize }).catch((e: unknown) => e);
      expect(ValidationError.isInstance(error) && error.field).toBe('batchSize');
    }
  });

  it('passes a failure of the store on, and stops reading the statement', async () => {
    const store = new MemoryOrderStore();
    store.getMany = async () => {
      throw new Error('database down');
    };
    let closed = false;
    async function* lines() {
      try {
        for (let n = 0; ; n++) yield line(n);
      } finally {
        closed = true;
      }
    }
    await expect(matchStatement(lines(), store, { batchSize: 10 })).rejects.toThrow('database down');
    expect(closed).toBe(true);
  });
});

describe('statementDayWindow', () => {
  it('covers the civil day in China time', () => {
    expect(statementDayWindow('2026-12-01')).toEqual({
      from: new Date('2026-11-30T16:00:00.000Z'),
      to: new Date('2026-12-01T16:00:00.000Z'),
    });
    expect(statementDayWindow('2024-02-29').from.toISOString()).toBe('2024-02-28T16:00:00.000Z');
  });
});
