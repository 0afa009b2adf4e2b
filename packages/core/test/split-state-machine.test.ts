import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  InvalidTransitionError,
  MovementNotFoundError,
  type Order,
  RefundExceedsPaidError,
  RefundExceedsUnsplitError,
  SplitExceedsAvailableError,
  splitAmount,
  unsplitAmount,
  ValidationError,
} from '../src/index.js';
import type { OrderEvent, SplitStatusEvent } from '../src/provider-utils/index.js';
import { transition } from '../src/provider-utils/index.js';
import { sampleOrder } from '../src/testing/index.js';

const NOW = new Date('2024-05-01T08:00:00.000Z');
const paid = sampleOrder({ status: 'paid', amount: 1000, paidAmount: 1000, providerTransactionId: 'txn1' });

const receivers = [
  { type: 'merchant' as const, account: 'shop0001', amount: 300, description: '平台佣金' },
  { type: 'personal' as const, account: 'guide0001', amount: 200, description: '导游分成' },
];

function split(order: Order, splitId = 'split0001', list = receivers, finish = false): Order {
  return transition(order, { type: 'split.requested', orderId: order.id, splitId, receivers: list, finish }, NOW).order;
}

function settled(order: Order, splitId = 'split0001', status: SplitStatusEvent['status'] = 'succeeded'): Order {
  const receiverStatus = status === 'succeeded' ? 'succeeded' : status === 'pending' ? 'pending' : status;
  const found = order.splits?.find((s) => s.id === splitId);
  const event: SplitStatusEvent = {
    type: 'split.status',
    orderId: order.id,
    splitId,
    status,
    receivers: (found?.receivers ?? []).map((r) => ({ account: r.account, amount: r.amount, status: receiverStatus })),
  };
  return transition(order, event, NOW).order;
}

describe('split.requested', () => {
  it('records a pending split of a paid order, its amount the sum of its receivers', () => {
    const result = transition(
      paid,
      { type: 'split.requested', orderId: paid.id, splitId: 'split0001', receivers, finish: false },
      NOW,
    );
    expect(result.outcome).toBe('applied');
    expect(result.order.version).toBe(paid.version + 1);
    expect(result.order.splits).toEqual([
      expect.objectContaining({ id: 'split0001', amount: 500, status: 'pending', finish: false, returns: [] }),
    ]);
    expect(result.order.splits?.[0]?.receivers.map((r) => r.status)).toEqual(['pending', 'pending']);
    expect(splitAmount(result.order)).toBe(500);
    expect(unsplitAmount(result.order)).toBe(500);
  });

  it('refuses unpaid and fully refunded orders', () => {
    for (const order of [
      sampleOrder({ status: 'pending' }),
      { ...paid, status: 'refunded' as const, refundedAmount: 1000 },
    ]) {
      expect(() => split(order)).toThrow(InvalidTransitionError);
    }
  });

  it('is idempotent by split id: the same receivers change nothing, other receivers are a ConflictError', () => {
    const once = split(paid);
    const again = transition(
      once,
      { type: 'split.requested', orderId: paid.id, splitId: 'split0001', receivers, finish: false },
      NOW,
    );
    expect(again.outcome).toBe('duplicate');
    expect(again.order).toBe(once);
    const other = [{ ...receivers[0], amount: 301 } as (typeof receivers)[0]];
    let error: unknown;
    try {
      split(once, 'split0001', other);
    } catch (e) {
      error = e;
    }
    expect(ConflictError.isInstance(error) && error.code).toBe('duplicate_split');
  });

  it('never lets what is split plus what is refunded (pending included) exceed what was paid', () => {
    const refunding = transition(
      paid,
      { type: 'refund.requested', orderId: paid.id, refundId: 'refund0001', amount: 600 },
      NOW,
    ).order;
    expect(() => split(refunding)).toThrow(SplitExceedsAvailableError);
    const fits = split(refunding, 'split0001', [receivers[0] as (typeof receivers)[0]]);
    expect(unsplitAmount(fits)).toBe(100);
    expect(() => split(fits, 'split0002', [{ ...receivers[1], amount: 101 } as (typeof receivers)[1]])).toThrow(
      SplitExceedsAvailableError,
    );
  });

  it('refuses a refund that would take what is split (RefundExceedsUnsplitError), but not one that fits', () => {
    const withSplit = split(paid);
    let error: unknown;
    try {
      transition(withSplit, { type: 'refund.requested', orderId: paid.id, refundId: 'refund0001', amount: 501 }, NOW);
    } catch (e) {
      error = e;
    }
    expect(RefundExceedsUnsplitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'refund_exceeds_unsplit', refundable: 500, split: 500 });
    const refunded = transition(
      withSplit,
      { type: 'refund.requested', orderId: paid.id, refundId: 'refund0001', amount: 500 },
      NOW,
    );
    expect(refunded.outcome).toBe('applied');
  });

  it('refuses a receiver named twice and any split after a split that finished the order', () => {
    expect(() => split(paid, 'split0001', [receivers[0], receivers[0]] as typeof receivers)).toThrow(ValidationError);
    const finished = split(paid, 'split0001', receivers, true);
    expect(() => split(finished, 'split0002', [{ ...receivers[0], amount: 1 } as (typeof receivers)[0]])).toThrow(
      ValidationError,
    );
  });
});

describe('split.status', () => {
  it('settles the split with one split.succeeded effect; the same report again is a duplicate', () => {
    const pendingSplit = split(paid);
    const event: SplitStatusEvent = {
      type: 'split.status',
      orderId: paid.id,
      splitId: 'split0001',
      status: 'succeeded',
      receivers: receivers.map((r) => ({ account: r.account, amount: r.amount, status: 'succeeded' as const })),
      providerSplitId: 'ps1',
    };
    const result = transition(pendingSplit, event, NOW);
    expect(result.effects).toEqual([{ type: 'split.succeeded', split: result.order.splits?.[0] }]);
    expect(result.order.splits?.[0]).toMatchObject({ status: 'succeeded', providerSplitId: 'ps1' });
    expect(transition(result.order, event, NOW).outcome).toBe('duplicate');
    // A receiver's report again (each of its receivers as settled) is a duplicate; a report older
    // than the settlement (a receiver still pending) is stale. Neither changes anything.
    expect(transition(result.order, { ...event, status: 'pending' }, NOW).outcome).toBe('duplicate');
    const older = {
      ...event,
      status: 'pending' as const,
      receivers: event.receivers.map((r) => ({ ...r, status: 'pending' as const })),
    };
    expect(transition(result.order, older, NOW)).toMatchObject({ outcome: 'stale', order: result.order });
  });

  it('is bound to its split: another amount, a receiver too many or too few, another split id change nothing', () => {
    const pendingSplit = split(paid);
    const good = receivers.map((r) => ({ account: r.account, amount: r.amount, status: 'succeeded' as const }));
    const base = {
      type: 'split.status' as const,
      orderId: paid.id,
      splitId: 'split0001',
      status: 'succeeded' as const,
    };
    const tampered = [
      { ...base, receivers: [{ ...good[0], amount: 3000 }, good[1]] },
      { ...base, receivers: [...good, { account: 'thief0001', amount: 1, status: 'succeeded' as const }] },
      { ...base, receivers: [good[0]] },
      { ...base, receivers: [good[0], { ...good[1], account: 'thief0001' }] },
    ];
    for (const event of tampered) {
      expect(() => transition(pendingSplit, event as SplitStatusEvent, NOW)).toThrow(ValidationError);
    }
    expect(() => transition(pendingSplit, { ...base, splitId: 'split9999', receivers: good }, NOW)).toThrow(
      MovementNotFoundError,
    );
  });

  it('a failed split holds nothing: its amount is available to split or refund again', () => {
    const failed = settled(split(paid), 'split0001', 'failed');
    expect(failed.splits?.[0]?.status).toBe('failed');
    expect(unsplitAmount(failed)).toBe(1000);
  });

  it('records receivers that settle while the split is still pending, without an effect', () => {
    const pendingSplit = split(paid);
    const result = transition(
      pendingSplit,
      {
        type: 'split.status',
        orderId: paid.id,
        splitId: 'split0001',
        status: 'pending',
        receivers: [
          { account: 'shop0001', amount: 300, status: 'succeeded' },
          { account: 'guide0001', amount: 200, status: 'pending' },
        ],
      },
      NOW,
    );
    expect(result.outcome).toBe('applied');
    expect(result.effects).toEqual([]);
    expect(result.order.splits?.[0]?.receivers.map((r) => r.status)).toEqual(['succeeded', 'pending']);
  });
});

describe('split.status reporting some receivers (a WeChat Pay notification names one)', () => {
  const one = (account: string, amount: number, status: 'succeeded' | 'closed' = 'succeeded'): SplitStatusEvent => ({
    type: 'split.status',
    orderId: paid.id,
    splitId: 'split0001',
    status: 'pending',
    receivers: [{ account, amount, status }],
  });

  it('records each receiver as it is reported; the last one paid settles the split, with one split.succeeded', () => {
    const first = transition(split(paid), one('shop0001', 300), NOW);
    expect(first.outcome).toBe('applied');
    expect(first.effects).toEqual([]);
    expect(first.order.splits?.[0]).toMatchObject({ status: 'pending' });
    expect(first.order.splits?.[0]?.receivers.map((r) => r.status)).toEqual(['succeeded', 'pending']);
    expect(transition(first.order, one('shop0001', 300), NOW).outcome).toBe('duplicate');
    const last = transition(first.order, one('guide0001', 200), NOW);
    expect(last.order.splits?.[0]?.status).toBe('succeeded');
    expect(last.effects.map((effect) => effect.type)).toEqual(['split.succeeded']);
    expect(transition(last.order, one('guide0001', 200), NOW).outcome).toBe('duplicate');
  });

  it('leaves a split with a receiver closed pending: how it ends is the wallet’s to say (its query)', () => {
    const first = transition(split(paid), one('shop0001', 300), NOW).order;
    const closed = transition(first, one('guide0001', 200, 'closed'), NOW);
    expect(closed.order.splits?.[0]?.status).toBe('pending');
    expect(closed.order.splits?.[0]?.receivers.map((r) => r.status)).toEqual(['succeeded', 'closed']);
    expect(closed.effects).toEqual([]);
  });

  it('is bound like a full report: a receiver not in the split, another amount, or a final status on part of it', () => {
    const pendingSplit = split(paid);
    expect(() => transition(pendingSplit, one('thief0001', 300), NOW)).toThrow(ValidationError);
    expect(() => transition(pendingSplit, one('shop0001', 3000), NOW)).toThrow(ValidationError);
    expect(() => transition(pendingSplit, { ...one('shop0001', 300), status: 'succeeded' }, NOW)).toThrow(
      ValidationError,
    );
  });

  it('is bound to the order’s trade when it names one', () => {
    const event = { ...one('shop0001', 300), providerTransactionId: 'txn2' };
    expect(() => transition(split(paid), event, NOW)).toThrow(ValidationError);
    expect(transition(split(paid), { ...event, providerTransactionId: 'txn1' }, NOW).outcome).toBe('applied');
  });
});

describe('split returns', () => {
  const returnOf = (order: Order, amount: number, returnId = 'return0001', account = 'shop0001') =>
    transition(
      order,
      { type: 'split.return.requested', orderId: order.id, splitId: 'split0001', returnId, account, amount },
      NOW,
    );

  it('only from a receiver that was paid, and at most what it got', () => {
    expect(() => returnOf(split(paid), 100)).toThrow(SplitExceedsAvailableError);
    const done = settled(split(paid));
    expect(() => returnOf(done, 301)).toThrow(SplitExceedsAvailableError);
    expect(() => returnOf(done, 100, 'return0001', 'nobody001')).toThrow(ValidationError);
    const requested = returnOf(done, 300);
    expect(requested.order.splits?.[0]?.returns).toEqual([
      expect.objectContaining({ id: 'return0001', account: 'shop0001', amount: 300, status: 'pending' }),
    ]);
    expect(() => returnOf(requested.order, 1, 'return0002')).toThrow(SplitExceedsAvailableError);
  });

  it('is idempotent by return id, and a succeeded return makes its amount refundable again', () => {
    const done = settled(split(paid));
    const requested = returnOf(done, 100).order;
    expect(returnOf(requested, 100).outcome).toBe('duplicate');
    expect(() => returnOf(requested, 101)).toThrow(ConflictError);
    // Pending, the return still counts as split.
    expect(unsplitAmount(requested)).toBe(500);
    const result = transition(
      requested,
      {
        type: 'split.return.status',
        orderId: paid.id,
        splitId: 'split0001',
        returnId: 'return0001',
        amount: 100,
        status: 'succeeded',
      },
      NOW,
    );
    expect(result.effects.map((e) => e.type)).toEqual(['split.returned']);
    expect(unsplitAmount(result.order)).toBe(600);
    expect(() =>
      transition(
        requested,
        {
          type: 'split.return.status',
          orderId: paid.id,
          splitId: 'split0001',
          returnId: 'return0001',
          amount: 99,
          status: 'succeeded',
        },
        NOW,
      ),
    ).toThrow(ValidationError);
  });
});

describe('split properties (random sequences of splits, refunds, returns and wallet reports)', () => {
  const ACCOUNTS = ['shop0001', 'guide0001'] as const;
  const splitIds = fc.constantFrom('split0001', 'split0002', 'split0003');
  const command = fc.oneof(
    fc
      .record({
        id: splitIds,
        a: fc.integer({ min: 1, max: 600 }),
        b: fc.integer({ min: 0, max: 400 }),
        finish: fc.boolean(),
      })
      .map(
        ({ id, a, b, finish }): OrderEvent => ({
          type: 'split.requested',
          orderId: paid.id,
          splitId: id,
          finish,
          receivers: [
            { type: 'merchant', account: ACCOUNTS[0], amount: a, description: 'a' },
            ...(b > 0 ? [{ type: 'personal' as const, account: ACCOUNTS[1], amount: b, description: 'b' }] : []),
          ],
        }),
      ),
    fc
      .record({ id: splitIds, status: fc.constantFrom('pending', 'succeeded', 'failed', 'closed') })
      .map(({ id, status }) => ({ kind: 'report' as const, id, status: status as SplitStatusEvent['status'] })),
    fc
      .record({ id: fc.constantFrom('refund0001', 'refund0002'), amount: fc.integer({ min: 1, max: 800 }) })
      .map(({ id, amount }): OrderEvent => ({ type: 'refund.requested', orderId: paid.id, refundId: id, amount })),
    fc
      .constantFrom('refund0001', 'refund0002')
      .map((id): OrderEvent => ({ type: 'refund.failed', orderId: paid.id, refundId: id })),
    fc
      .record({
        id: splitIds,
        returnId: fc.constantFrom('return0001', 'return0002'),
        amount: fc.integer({ min: 1, max: 300 }),
      })
      .map(
        ({ id, returnId, amount }): OrderEvent => ({
          type: 'split.return.requested',
          orderId: paid.id,
          splitId: id,
          returnId,
          account: ACCOUNTS[0],
          amount,
        }),
      ),
    fc
      .record({ returnId: fc.constantFrom('return0001', 'return0002'), ok: fc.boolean() })
      .map(({ returnId, ok }) => ({ kind: 'return' as const, returnId, ok })),
  );

  /** A wallet report bound to what the order holds (the binding tests cover the others). */
  function resolve(
    order: Order,
    step: OrderEvent | { kind: 'report' | 'return'; [key: string]: unknown },
  ): OrderEvent | undefined {
    if (!('kind' in step)) return step;
    if (step.kind === 'report') {
      const found = order.splits?.find((s) => s.id === step.id);
      if (!found) return undefined;
      const status = step.status as SplitStatusEvent['status'];
      const receiverStatus = status === 'pending' ? 'pending' : status;
      return {
        type: 'split.status',
        orderId: order.id,
        splitId: found.id,
        status,
        receivers: found.receivers.map((r) => ({ account: r.account, amount: r.amount, status: receiverStatus })),
      };
    }
    for (const s of order.splits ?? []) {
      const found = s.returns.find((r) => r.id === step.returnId);
      if (found) {
        return {
          type: 'split.return.status',
          orderId: order.id,
          splitId: s.id,
          returnId: found.id,
          amount: found.amount,
          status: step.ok ? 'succeeded' : 'failed',
        };
      }
    }
    return undefined;
  }

  it('what is split plus what is refunded (pending included) never exceeds what was paid; versions rise by one', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (steps) => {
        let order = paid;
        for (const step of steps) {
          const event = resolve(order, step as never);
          if (!event) continue;
          let result: ReturnType<typeof transition>;
          try {
            result = transition(order, event, NOW);
          } catch (error) {
            const known = [
              InvalidTransitionError,
              ValidationError,
              ConflictError,
              SplitExceedsAvailableError,
              RefundExceedsUnsplitError,
              RefundExceedsPaidError,
              MovementNotFoundError,
            ].some((type) => type.isInstance(error));
            expect(known).toBe(true);
            continue;
          }
          if (result.outcome === 'applied') expect(result.order.version).toBe(order.version + 1);
          else expect(result.order).toBe(order);
          order = result.order;
          expect(unsplitAmount(order)).toBeGreaterThanOrEqual(0);
          for (const s of order.splits ?? []) {
            expect(s.amount).toBe(s.receivers.reduce((sum, r) => sum + r.amount, 0));
            for (const account of ACCOUNTS) {
              const received = s.receivers.find((r) => r.account === account);
              const returned = s.returns
                .filter((r) => r.account === account && r.status !== 'failed')
                .reduce((sum, r) => sum + r.amount, 0);
              expect(returned).toBeLessThanOrEqual(received?.amount ?? 0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
