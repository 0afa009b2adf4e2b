/**
 * Refund accounting against a wallet that reports only the order's cumulative refunded total
 * (Alipay's `refund_fee`), with refunds made through hutong and in the merchant portal, lost
 * replies, and duplicated and reordered notifications.
 *
 * The property test runs a simulated wallet beside the state machine. Longer nightly run:
 * `HUTONG_PROPERTY_RUNS=20000 pnpm vitest run packages/core/test/refund-accounting.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Order, RefundExceedsPaidError, refundableAmount } from '../src/index.js';
import { type OrderEvent, transition } from '../src/provider-utils/index.js';
import { sampleOrder } from '../src/testing/index.js';

const NOW = new Date('2024-05-01T08:00:00.000Z');
const ID = 'order0000001';
const RUNS = Number(process.env.HUTONG_PROPERTY_RUNS ?? 400);

function paidOrder(amount = 1000): Order {
  const created = sampleOrder({ id: ID, amount });
  return apply(
    created,
    { type: 'payment.initiated', orderId: ID },
    { type: 'payment.succeeded', orderId: ID, amount, providerTransactionId: 'txn1' },
  );
}

function apply(order: Order, ...events: OrderEvent[]): Order {
  return events.reduce((current, event) => transition(current, event, NOW).order, order);
}

const requested = (refundId: string, amount: number): OrderEvent => ({
  type: 'refund.requested',
  orderId: ID,
  refundId,
  amount,
});
/** A notification: the refund's id and the order's cumulative refunded total after it. */
const notified = (refundId: string, refundedTotal: number): OrderEvent => ({
  type: 'refund.succeeded',
  orderId: ID,
  refundId,
  refundedTotal,
});

const amountsOf = (order: Order) => Object.fromEntries(order.refunds.map((r) => [r.id, [r.status, r.amount]]));

describe('cumulative refund totals (Alipay refund_fee)', () => {
  it('does not count a pending refund of ours again inside a portal refund reported first', () => {
    // At the wallet: ours r1 (300, total 300), then portal p1 (200, total 500). r1's reply is lost.
    let order = apply(paidOrder(), requested('r1', 300), notified('p1', 500));
    expect(order.refundedAmount + refundableAmount(order)).toBeLessThanOrEqual(1000);
    const committed = order.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
    expect(committed).toBeLessThanOrEqual(500);
    order = apply(order, notified('r1', 300));
    expect(amountsOf(order)).toEqual({ r1: ['succeeded', 300], p1: ['succeeded', 200] });
    expect(order.refundedAmount).toBe(500);
  });

  it('gives portal refunds notified out of order their own amounts', () => {
    // At the wallet: p1 (100, total 100), then p2 (200, total 300); p2 is notified first.
    const order = apply(paidOrder(), notified('p2', 300), notified('p1', 100));
    expect(amountsOf(order)).toEqual({ p1: ['succeeded', 100], p2: ['succeeded', 200] });
    expect(order.refundedAmount).toBe(300);
    expect(order.status).toBe('partially_refunded');
  });

  it('treats a repeated notification as a duplicate', () => {
    const once = apply(paidOrder(), notified('p1', 400));
    const again = transition(once, notified('p1', 400), NOW);
    expect(again.outcome).toBe('duplicate');
    expect(again.order).toBe(once);
  });
});

describe('retrying a refund id that failed', () => {
  it('re-checks what is refundable before the refund is sent again', () => {
    const failed = apply(paidOrder(), requested('r1', 600), {
      type: 'refund.failed',
      orderId: ID,
      refundId: 'r1',
    });
    const full = apply(failed, requested('r2', 1000), { type: 'refund.succeeded', orderId: ID, refundId: 'r2' });
    expect(full.status).toBe('refunded');
    let error: unknown;
    try {
      transition(full, requested('r1', 600), NOW);
    } catch (caught) {
      error = caught;
    }
    expect(RefundExceedsPaidError.isInstance(error)).toBe(true);
  });

  it('makes a failed refund pending again when it still fits', () => {
    const failed = apply(paidOrder(), requested('r1', 600), { type: 'refund.failed', orderId: ID, refundId: 'r1' });
    const retried = transition(failed, requested('r1', 600), NOW);
    expect(retried.outcome).toBe('applied');
    expect(retried.order.refunds).toEqual([expect.objectContaining({ id: 'r1', status: 'pending', amount: 600 })]);
    expect(refundableAmount(retried.order)).toBe(400);
  });
});

/** One step of the simulation. */
type Step =
  | { kind: 'ours'; amount: number; replyLost: boolean }
  | { kind: 'portal'; amount: number }
  | { kind: 'deliver'; pick: number; keep: boolean }
  | { kind: 'query'; pick: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('ours' as const), amount: fc.integer({ min: 1, max: 400 }), replyLost: fc.boolean() }),
  fc.record({ kind: fc.constant('portal' as const), amount: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), keep: fc.boolean() }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), keep: fc.boolean() }),
  fc.record({ kind: fc.constant('query' as const), pick: fc.nat() }),
);

/** The wallet's side: it refunds in order and reports each refund's cumulative total. */
class Wallet {
  total = 0;
  readonly executed = new Map<string, number>();
  readonly refused = new Set<string>();
  /** Notifications not yet delivered (a delivered one may stay, to be delivered again). */
  readonly outbox: OrderEvent[] = [];

  constructor(readonly paid: number) {}

  execute(refundId: string, amount: number): number | undefined {
    if (this.total + amount > this.paid) {
      this.refused.add(refundId);
      return undefined;
    }
    this.total += amount;
    this.executed.set(refundId, amount);
    this.outbox.push(notified(refundId, this.total));
    return this.total;
  }
}

function checkInvariants(order: Order): void {
  const succeeded = order.refunds.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount, 0);
  const committed = order.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  expect(order.refundedAmount).toBe(succeeded);
  expect(committed).toBeLessThanOrEqual(order.paidAmount);
  expect(new Set(order.refunds.map((r) => r.id)).size).toBe(order.refunds.length);
  for (const refund of order.refunds) expect(refund.amount).toBeGreaterThanOrEqual(0);
}

describe('refund accounting property (simulated wallet, any interleaving)', () => {
  it('ends with the wallet cumulative total, each refund at its own amount, none counted twice', () => {
    fc.assert(
      fc.property(
        fc.array(stepArbitrary, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (steps, order_) => {
          const wallet = new Wallet(1000);
          let order = paidOrder(1000);
          let next = 0;
          const step = (event: OrderEvent) => {
            order = transition(order, event, NOW).order;
            checkInvariants(order);
          };
          for (const s of steps) {
            switch (s.kind) {
              case 'ours': {
                const refundId = `r${next++}`;
                try {
                  step(requested(refundId, s.amount));
                } catch (error) {
                  expect(RefundExceedsPaidError.isInstance(error)).toBe(true);
                  break; // refused before anything was sent
                }
                const total = wallet.execute(refundId, s.amount);
                if (s.replyLost) break;
                if (total === undefined) step({ type: 'refund.failed', orderId: ID, refundId });
                else step({ type: 'refund.succeeded', orderId: ID, refundId, amount: s.amount, refundedTotal: total });
                break;
              }
              case 'portal':
                wallet.execute(`p${next++}`, s.amount);
                break;
              case 'deliver': {
                if (wallet.outbox.length === 0) break;
                const index = s.pick % wallet.outbox.length;
                const event = wallet.outbox[index] as OrderEvent;
                if (!s.keep) wallet.outbox.splice(index, 1);
                step(event);
                break;
              }
              case 'query': {
                // A refund query reports one refund of ours by its own amount (no total).
                const ours = order.refunds.filter((r) => r.status === 'pending');
                if (ours.length === 0) break;
                const refund = ours[s.pick % ours.length] as Order['refunds'][number];
                const amount = wallet.executed.get(refund.id);
                if (amount !== undefined) step({ type: 'refund.succeeded', orderId: ID, refundId: refund.id, amount });
                else if (wallet.refused.has(refund.id))
                  step({ type: 'refund.failed', orderId: ID, refundId: refund.id });
                break;
              }
            }
          }
          // Everything settles: every notification arrives (in a random order), and every refund of
          // ours whose reply was lost is settled by a query.
          const rest = [...wallet.outbox];
          for (const pick of order_) {
            if (rest.length < 2) break;
            const i = pick % rest.length;
            [rest[0], rest[i]] = [rest[i] as OrderEvent, rest[0] as OrderEvent];
          }
          for (const event of rest) step(event);
          for (const refund of order.refunds) {
            if (refund.status !== 'pending') continue;
            if (wallet.refused.has(refund.id)) step({ type: 'refund.failed', orderId: ID, refundId: refund.id });
          }
          expect(order.refundedAmount).toBe(wallet.total);
          const succeeded = Object.fromEntries(
            order.refunds.filter((r) => r.status === 'succeeded').map((r) => [r.id, r.amount]),
          );
          expect(succeeded).toEqual(Object.fromEntries(wallet.executed));
          expect(order.status).toBe(
            wallet.total === 0 ? 'paid' : wallet.total < 1000 ? 'partially_refunded' : 'refunded',
          );
        },
      ),
      { numRuns: RUNS, seed: 20261129 },
    );
  });
});
