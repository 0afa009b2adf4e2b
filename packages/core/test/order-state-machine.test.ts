import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AmountMismatchError,
  InvalidTransitionError,
  ORDER_STATUSES,
  type Order,
  type OrderStatus,
  RefundExceedsPaidError,
  refundableAmount,
  ValidationError,
} from '../src/index.js';
import { assertCanClose, type OrderEvent, TRANSITIONS, transition } from '../src/provider-utils/index.js';
import { sampleOrder } from '../src/testing/index.js';

const NOW = new Date('2024-05-01T08:00:00.000Z');
const ID = 'order0000001';

function apply(order: Order, ...events: OrderEvent[]): Order {
  return events.reduce((current, event) => transition(current, event, NOW).order, order);
}

const paid = (txn = 'txn1', amount = 1999): OrderEvent => ({
  type: 'payment.succeeded',
  orderId: ID,
  amount,
  providerTransactionId: txn,
});
const refundRequested = (refundId: string, amount: number): OrderEvent => ({
  type: 'refund.requested',
  orderId: ID,
  refundId,
  amount,
});
const refundSucceeded = (refundId: string, amount: number): OrderEvent => ({
  type: 'refund.succeeded',
  orderId: ID,
  refundId,
  amount,
});

const created = sampleOrder({ id: ID });
const pending = apply(created, { type: 'payment.initiated', orderId: ID });
const paidOrder = apply(pending, paid());

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('transition table', () => {
  it('covers every status against every event, with no defaults', () => {
    const events = Object.keys(TRANSITIONS.created).sort();
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
    for (const status of ORDER_STATUSES) expect(Object.keys(TRANSITIONS[status]).sort()).toEqual(events);
  });

  it('reaches every status from created', () => {
    const reached = new Set<OrderStatus>(['created']);
    const targets: Record<string, OrderStatus[]> = {
      pay: ['paid'],
      pay_late: ['paid'],
      pay_again: [],
      refund: ['partially_refunded', 'refunded'],
    };
    let grew = true;
    while (grew) {
      grew = false;
      for (const status of [...reached]) {
        for (const rule of Object.values(TRANSITIONS[status])) {
          const next = (ORDER_STATUSES as readonly string[]).includes(rule)
            ? [rule as OrderStatus]
            : (targets[rule] ?? []);
          for (const target of next) {
            if (!reached.has(target)) {
              reached.add(target);
              grew = true;
            }
          }
        }
      }
    }
    expect([...reached].sort()).toEqual([...ORDER_STATUSES].sort());
  });
});

describe('transition', () => {
  it('moves created → pending → paid, raising version by one per change', () => {
    expect(pending.status).toBe('pending');
    expect(pending.version).toBe(2);
    expect(paidOrder.status).toBe('paid');
    expect(paidOrder.version).toBe(3);
    expect(paidOrder.paidAmount).toBe(1999);
    expect(paidOrder.providerTransactionId).toBe('txn1');
    expect(paidOrder.updatedAt).toBe(NOW.toISOString());
  });

  it('never modifies the order it is given', () => {
    const before = structuredClone(pending);
    transition(pending, paid(), NOW);
    expect(pending).toEqual(before);
  });

  it('treats a duplicate event as a no-op: same object, version unchanged', () => {
    const result = transition(paidOrder, paid(), NOW);
    expect(result.outcome).toBe('duplicate');
    expect(result.order).toBe(paidOrder);
    expect(result.effects).toEqual([]);
  });

  it('ignores an out-of-date event (pending after paid, closed after paid)', () => {
    for (const event of [
      { type: 'payment.pending', orderId: ID },
      { type: 'payment.closed', orderId: ID },
      { type: 'payment.failed', orderId: ID },
    ] as OrderEvent[]) {
      const result = transition(paidOrder, event, NOW);
      expect(result.outcome).toBe('stale');
      expect(result.order).toBe(paidOrder);
    }
  });

  it.each(['closed', 'failed'] as const)(
    'never loses a verified payment: paid after %s moves to paid with an anomaly',
    (status) => {
      const ended = apply(
        pending,
        status === 'closed' ? { type: 'payment.closed', orderId: ID } : { type: 'payment.failed', orderId: ID },
      );
      expect(ended.status).toBe(status);
      const result = transition(ended, paid(), NOW);
      expect(result.order.status).toBe('paid');
      expect(result.order.paidAmount).toBe(1999);
      expect(result.order.anomalies.map((a) => a.code)).toEqual([`paid_after_${status}`]);
      expect(result.effects.map((e) => e.type)).toEqual(['order.paid', 'order.anomaly']);
    },
  );

  it('never marks an order paid for a different amount: AmountMismatchError recorded as an anomaly', () => {
    const result = transition(pending, paid('txn9', 1), NOW);
    expect(result.order.status).toBe('pending');
    expect(result.order.paidAmount).toBe(0);
    expect(result.order.anomalies).toHaveLength(1);
    expect(result.order.anomalies[0]).toMatchObject({
      code: 'amount_mismatch',
      amount: 1,
      providerTransactionId: 'txn9',
    });
    const effect = result.effects[0];
    expect(effect?.type === 'order.anomaly' && AmountMismatchError.isInstance(effect.error)).toBe(true);
    const again = transition(result.order, paid('txn9', 1), NOW);
    expect(again.outcome).toBe('duplicate');
  });

  it('records a second, different payment of a paid order as duplicate_payment without changing amounts', () => {
    const result = transition(paidOrder, paid('txn2'), NOW);
    expect(result.order.status).toBe('paid');
    expect(result.order.paidAmount).toBe(1999);
    expect(result.order.providerTransactionId).toBe('txn1');
    expect(result.order.anomalies.map((a) => a.code)).toEqual(['duplicate_payment']);
  });

  it('refunds partially, then fully, tracking amounts and statuses', () => {
    const partly = apply(paidOrder, refundRequested('r1', 500), refundSucceeded('r1', 500));
    expect(partly.status).toBe('partially_refunded');
    expect(partly.refundedAmount).toBe(500);
    const fully = apply(partly, refundRequested('r2', 1499), refundSucceeded('r2', 1499));
    expect(fully.status).toBe('refunded');
    expect(fully.refundedAmount).toBe(1999);
    expect(fully.refunds.map((r) => [r.id, r.status])).toEqual([
      ['r1', 'succeeded'],
      ['r2', 'succeeded'],
    ]);
  });

  it('counts pending refunds against the refundable amount', () => {
    const withPending = apply(paidOrder, refundRequested('r1', 1500));
    expect(refundableAmount(withPending)).toBe(499);
    const error = errorOf(() => transition(withPending, refundRequested('r2', 500), NOW));
    expect(RefundExceedsPaidError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ requested: 500, refundable: 499 });
  });

  it('frees a failed refund amount for a new refund', () => {
    const failed = apply(paidOrder, refundRequested('r1', 1999), {
      type: 'refund.failed',
      orderId: ID,
      refundId: 'r1',
    });
    expect(failed.status).toBe('paid');
    expect(refundableAmount(failed)).toBe(1999);
    expect(apply(failed, refundRequested('r2', 1999)).refunds).toHaveLength(2);
  });

  it('refuses to reuse a refund id for another amount', () => {
    const requested = apply(paidOrder, refundRequested('r1', 100));
    expect(transition(requested, refundRequested('r1', 100), NOW).outcome).toBe('duplicate');
    const error = errorOf(() => transition(requested, refundRequested('r1', 200), NOW));
    expect(ValidationError.isInstance(error) && error.field).toBe('refundId');
  });

  it('applies a refund made outside hutong when it fits, and records one that does not as an anomaly', () => {
    const external = transition(paidOrder, refundSucceeded('portal1', 300), NOW);
    expect(external.order.refundedAmount).toBe(300);
    const tooMuch = transition(external.order, refundSucceeded('portal2', 1999), NOW);
    expect(tooMuch.order.refundedAmount).toBe(300);
    expect(tooMuch.order.anomalies.map((a) => a.code)).toEqual(['refund_exceeds_paid']);
  });

  it('settles refunds reported only as a cumulative total (Alipay refund_fee)', () => {
    const requested = apply(paidOrder, refundRequested('r1', 500));
    const known = transition(
      requested,
      { type: 'refund.succeeded', orderId: ID, refundId: 'r1', refundedTotal: 500 },
      NOW,
    );
    expect(known.order.refunds[0]).toMatchObject({ id: 'r1', amount: 500, status: 'succeeded' });
    const portal = transition(
      known.order,
      { type: 'refund.succeeded', orderId: ID, refundId: 'portal1', refundedTotal: 1999 },
      NOW,
    );
    expect(portal.order.refunds[1]).toMatchObject({ id: 'portal1', amount: 1499, status: 'succeeded' });
    expect(portal.order.status).toBe('refunded');
    const older = transition(
      portal.order,
      { type: 'refund.succeeded', orderId: ID, refundId: 'old1', refundedTotal: 500 },
      NOW,
    );
    expect(older.outcome).toBe('stale');
  });

  it('raises InvalidTransitionError with the from-status and event for illegal moves', () => {
    const error = errorOf(() => transition(pending, refundRequested('r1', 100), NOW));
    expect(InvalidTransitionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ from: 'pending', event: 'refund.requested', orderId: ID });
    expect(InvalidTransitionError.isInstance(errorOf(() => transition(pending, refundSucceeded('r1', 1), NOW)))).toBe(
      true,
    );
    expect(
      InvalidTransitionError.isInstance(
        errorOf(() => transition(paidOrder, { type: 'payment.initiated', orderId: ID }, NOW)),
      ),
    ).toBe(true);
  });

  it('refuses an event addressed to another order', () => {
    const error = errorOf(() => transition(pending, { ...paid(), orderId: 'otherOrder01' }, NOW));
    expect(ValidationError.isInstance(error)).toBe(true);
  });

  it('allows close only before payment', () => {
    expect(() => assertCanClose(pending)).not.toThrow();
    expect(InvalidTransitionError.isInstance(errorOf(() => assertCanClose(paidOrder)))).toBe(true);
  });
});

const eventArbitrary: fc.Arbitrary<OrderEvent> = fc.oneof(
  fc.constant<OrderEvent>({ type: 'payment.initiated', orderId: ID }),
  fc.constant<OrderEvent>({ type: 'payment.pending', orderId: ID }),
  fc.constant<OrderEvent>({ type: 'payment.closed', orderId: ID }),
  fc.constant<OrderEvent>({ type: 'payment.failed', orderId: ID }),
  fc
    .record({ txn: fc.constantFrom('t1', 't2'), amount: fc.constantFrom(1999, 1999, 1999, 1000) })
    .map(({ txn, amount }) => paid(txn, amount)),
  fc
    .record({ id: fc.constantFrom('r1', 'r2', 'r3'), amount: fc.integer({ min: 1, max: 2500 }) })
    .map(({ id, amount }) => refundRequested(id, amount)),
  fc
    .record({ id: fc.constantFrom('r1', 'r2', 'r3', 'x1'), amount: fc.integer({ min: 1, max: 2500 }) })
    .map(({ id, amount }) => refundSucceeded(id, amount)),
  fc.constantFrom('r1', 'r2', 'r3').map((id): OrderEvent => ({ type: 'refund.failed', orderId: ID, refundId: id })),
  fc.record({ id: fc.constantFrom('r1', 'x2'), amount: fc.integer({ min: 1, max: 2500 }) }).map(
    ({ id, amount }): OrderEvent => ({
      type: 'refund.pending',
      orderId: ID,
      refundId: id,
      amount,
      providerRefundId: `p${id}`,
    }),
  ),
);

function checkInvariants(order: Order): void {
  const succeeded = order.refunds.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount, 0);
  const committed = order.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  expect(order.refundedAmount).toBe(succeeded);
  expect(committed).toBeLessThanOrEqual(order.paidAmount);
  expect([0, order.amount]).toContain(order.paidAmount);
  switch (order.status) {
    case 'created':
    case 'pending':
    case 'closed':
    case 'failed':
      expect(order.paidAmount).toBe(0);
      expect(order.refunds).toEqual([]);
      break;
    case 'paid':
      expect(order.paidAmount).toBe(order.amount);
      expect(order.refundedAmount).toBe(0);
      break;
    case 'partially_refunded':
      expect(order.refundedAmount).toBeGreaterThan(0);
      expect(order.refundedAmount).toBeLessThan(order.paidAmount);
      break;
    case 'refunded':
      expect(order.refundedAmount).toBe(order.paidAmount);
      break;
  }
  expect(new Set(order.anomalies.map((a) => a.key)).size).toBe(order.anomalies.length);
}

describe('state machine properties (random event sequences)', () => {
  it('keeps every invariant, raises version by exactly one per change, and never loses a payment', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 40 }), (events) => {
        let order = created;
        let everPaid = false;
        for (const event of events) {
          let result: ReturnType<typeof transition>;
          try {
            result = transition(order, event, NOW);
          } catch (error) {
            expect(
              InvalidTransitionError.isInstance(error) ||
                RefundExceedsPaidError.isInstance(error) ||
                ValidationError.isInstance(error),
            ).toBe(true);
            continue;
          }
          if (result.outcome === 'applied') expect(result.order.version).toBe(order.version + 1);
          else expect(result.order).toBe(order);
          order = result.order;
          checkInvariants(order);
          if (order.paidAmount > 0) everPaid = true;
          if (everPaid) expect(order.paidAmount).toBe(order.amount);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: applying any event twice equals applying it once', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 20 }), eventArbitrary, (prefix, event) => {
        let order = created;
        for (const e of prefix) {
          try {
            order = transition(order, e, NOW).order;
          } catch {
            // illegal events leave the order as it was
          }
        }
        let once: Order;
        try {
          once = transition(order, event, NOW).order;
        } catch {
          return;
        }
        const twice = transition(once, event, NOW);
        expect(twice.outcome).not.toBe('applied');
        expect(twice.order).toBe(once);
      }),
      { numRuns: 500 },
    );
  });
});
