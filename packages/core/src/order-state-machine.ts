/**
 * The order lifecycle, in one place: which event each status takes, and what it does.
 *
 * `transition(order, event, now)` is pure: it returns the next order (a new object with `version`
 * one higher) or the same order object when the event changes nothing (a duplicate, or a stale
 * event that arrived after a later one). Illegal events throw {@link InvalidTransitionError}.
 *
 * ```text
 *            payment.initiated / payment.pending
 *  created ───────────────────────────────────▶ pending
 *     │  ╲                                        │ │ │
 *     │   ╲ payment.succeeded                     │ │ │ payment.closed / payment.failed
 *     │    ╲──────────────────────▶ paid ◀────────┘ │ ▼
 *     │                             │  ▲            │ closed / failed ──payment.succeeded──▶ paid (+ anomaly)
 *     │                 refund.succeeded             │
 *     │                             ▼               │
 *     │                 partially_refunded ──▶ refunded
 * ```
 *
 * Splits of a paid order (`split.*` events: profit sharing and its returns) are kept on the order
 * by `split-transitions.ts` under the same compare-and-set; they never change its status, and what
 * is split plus what is refunded never exceeds what was paid.
 *
 * @packageDocumentation
 */
import {
  AmountMismatchError,
  InvalidTransitionError,
  RefundExceedsPaidError,
  RefundExceedsUnsplitError,
  ValidationError,
} from './errors.js';
import type { Split, SplitReturn } from './money-movement.js';
import type { Order, OrderAnomaly, OrderAnomalyCode, OrderStatus, Refund } from './order.js';
import {
  checkRefundReturns,
  type RefundSplitReturnInput,
  recordedWithin,
  recordRefundReturns,
  reopenRefundReturns,
  returnedWithin,
  sameRefundReturns,
  settleRefundReturns,
} from './refund-split-returns.js';
import { splitAmount, unsplitAmount } from './split-amounts.js';
import { type SplitOrderEvent, splitTransition } from './split-transitions.js';

export type {
  SplitOrderEvent,
  SplitReceiverInput,
  SplitRequestedCommand,
  SplitReturnRequestedCommand,
} from './split-transitions.js';

/** The provider says the buyer has not paid yet. */
export interface PaymentPendingEvent {
  type: 'payment.pending';
  orderId: string;
  providerTransactionId?: string | undefined;
}

/** The provider verifiably reports a payment. */
export interface PaymentSucceededEvent {
  type: 'payment.succeeded';
  orderId: string;
  /** The paid amount in fen, as the provider reported it. */
  amount: number;
  /**
   * The ISO 4217 code of the paid amount when the provider reports one (`CNY`; UnionPay's numeric
   * `156` mapped to `CNY`). A payment in another currency than the order's is not a payment of it:
   * it is recorded as a `currency_mismatch` anomaly and the order stays unpaid.
   */
  currency?: string | undefined;
  providerTransactionId: string;
  /** ISO-8601 payment time, when the provider reports one. */
  paidAt?: string | undefined;
  /** The buyer's id at the provider, when reported. */
  buyerId?: string | undefined;
}

/** The provider closed the payment unpaid (timeout, merchant close, cancellation). */
export interface PaymentClosedEvent {
  type: 'payment.closed';
  orderId: string;
}

/** The provider refused the payment. */
export interface PaymentFailedEvent {
  type: 'payment.failed';
  orderId: string;
  reason?: string | undefined;
}

/** The provider accepted a refund that has not settled yet. */
export interface RefundPendingEvent {
  type: 'refund.pending';
  orderId: string;
  refundId: string;
  amount: number;
  providerRefundId?: string | undefined;
}

/** The provider verifiably reports a settled refund. */
export interface RefundSucceededEvent {
  type: 'refund.succeeded';
  orderId: string;
  refundId: string;
  /**
   * This refund's amount in fen. Providers that only report the order's cumulative refunded amount
   * (Alipay's `refund_fee`) leave it out and set {@link RefundSucceededEvent.refundedTotal}: a known
   * refund then settles for its requested amount, an unknown one for the difference.
   */
  amount?: number | undefined;
  /** The order's total refunded amount in fen after this refund, as the provider reports it. */
  refundedTotal?: number | undefined;
  providerRefundId?: string | undefined;
  /**
   * `true`: this report says what became of the refund's split returns (`splitReturns`): each
   * succeeded, except those in `failedSplitReturns` (given, it says so too). Absent where the report does not say (Alipay's
   * refund notification carries no royalty results): the refund settles, its returns stay
   * `pending`, and `payments.sync` (the reconciler) asks the refund query, whose report does.
   */
  splitReturnsSettled?: boolean | undefined;
  /**
   * With `splitReturnsSettled`: the returns the wallet reports it did not take from their receivers
   * although the refund succeeded (Alipay: a `refund_royaltys` line whose `result_code` is not
   * `SUCCESS`). They fail, the merchant paid their part, and the order records a
   * `split_return_not_taken` anomaly.
   */
  failedSplitReturns?: readonly { returnId: string; reason?: string | undefined }[] | undefined;
}

/** The provider reports that a refund failed (the amount becomes refundable again). */
export interface RefundFailedEvent {
  type: 'refund.failed';
  orderId: string;
  refundId: string;
  reason?: string | undefined;
}

/**
 * A normalised provider event: what adapters produce from notifications and queries.
 *
 * @example
 * ```ts
 * const event: PaymentEvent = { type: 'payment.succeeded', orderId, amount: 100, providerTransactionId: 't1' };
 * ```
 */
export type PaymentEvent =
  | PaymentPendingEvent
  | PaymentSucceededEvent
  | PaymentClosedEvent
  | PaymentFailedEvent
  | RefundPendingEvent
  | RefundSucceededEvent
  | RefundFailedEvent;

/** The facade handed the payment to the provider. */
export interface PaymentInitiatedCommand {
  type: 'payment.initiated';
  orderId: string;
}

/** The merchant asks for a refund; checked against what is still refundable. */
export interface RefundRequestedCommand {
  type: 'refund.requested';
  orderId: string;
  refundId: string;
  amount: number;
  reason?: string | undefined;
  /** Parts of `amount` receivers of the order's splits give back within this refund (see `refund-split-returns.ts`). */
  splitReturns?: readonly RefundSplitReturnInput[] | undefined;
}

/**
 * Everything the state machine takes: provider events and the facade's own commands.
 *
 * @example
 * ```ts
 * transition(order, { type: 'refund.requested', orderId: order.id, refundId: 'r1', amount: 100 }, new Date());
 * ```
 */
export type OrderEvent = PaymentEvent | PaymentInitiatedCommand | RefundRequestedCommand | SplitOrderEvent;

/** The type names of every {@link OrderEvent}. */
export type OrderEventType = OrderEvent['type'];

/**
 * What a transition means for the outside world; the facade turns these into typed events once the
 * new order is stored.
 */
export type OrderEffect =
  | { type: 'order.pending' }
  | { type: 'order.paid' }
  | { type: 'order.closed' }
  | { type: 'order.failed' }
  | { type: 'order.refunded'; refund: Refund; fully: boolean }
  | { type: 'refund.failed'; refund: Refund }
  | { type: 'order.anomaly'; anomaly: OrderAnomaly; error?: AmountMismatchError | undefined }
  | { type: 'split.succeeded' | 'split.failed' | 'split.closed'; split: Split }
  | { type: 'split.returned' | 'split.return_failed'; split: Split; splitReturn: SplitReturn };

/**
 * The result of {@link transition}:
 * - `applied`: `order` is new, `version` one higher;
 * - `duplicate`: the event was already applied, `order` is the same object;
 * - `stale`: the event is older than the order's state (pending after paid), `order` is the same object.
 */
export interface TransitionResult {
  order: Order;
  outcome: 'applied' | 'duplicate' | 'stale';
  effects: OrderEffect[];
}

/**
 * How each status handles each event:
 * - a status name: move there;
 * - `duplicate` / `stale`: no change;
 * - `illegal`: {@link InvalidTransitionError};
 * - `pay`, `pay_again`, `pay_late`, `refund`: the rules below, which need the event's data.
 */
type Rule = OrderStatus | 'duplicate' | 'stale' | 'illegal' | 'pay' | 'pay_again' | 'pay_late' | 'refund' | 'split';

const PAID_STATE = {
  'payment.initiated': 'illegal',
  'payment.pending': 'stale',
  'payment.succeeded': 'pay_again',
  'payment.closed': 'stale',
  'payment.failed': 'stale',
  'refund.requested': 'refund',
  'refund.pending': 'refund',
  'refund.succeeded': 'refund',
  'refund.failed': 'refund',
  'split.requested': 'split',
  'split.status': 'split',
  'split.return.requested': 'split',
  'split.return.status': 'split',
} as const satisfies Record<OrderEventType, Rule>;

const UNPAID_REFUNDS = {
  'refund.requested': 'illegal',
  'refund.pending': 'illegal',
  'refund.succeeded': 'illegal',
  'refund.failed': 'illegal',
  'split.requested': 'illegal',
  'split.status': 'illegal',
  'split.return.requested': 'illegal',
  'split.return.status': 'illegal',
} as const satisfies Partial<Record<OrderEventType, Rule>>;

/**
 * The transition table: every status against every event, with no defaults. A refund event for an
 * unpaid order is illegal (so a webhook carrying one is refused and redelivered after the payment
 * notification); a payment after close or failure is applied, because a verified payment is never
 * dropped.
 */
export const TRANSITIONS = {
  created: {
    'payment.initiated': 'pending',
    'payment.pending': 'pending',
    'payment.succeeded': 'pay',
    'payment.closed': 'closed',
    'payment.failed': 'failed',
    ...UNPAID_REFUNDS,
  },
  pending: {
    'payment.initiated': 'duplicate',
    'payment.pending': 'duplicate',
    'payment.succeeded': 'pay',
    'payment.closed': 'closed',
    'payment.failed': 'failed',
    ...UNPAID_REFUNDS,
  },
  paid: PAID_STATE,
  partially_refunded: PAID_STATE,
  refunded: PAID_STATE,
  closed: {
    'payment.initiated': 'illegal',
    'payment.pending': 'stale',
    'payment.succeeded': 'pay_late',
    'payment.closed': 'duplicate',
    'payment.failed': 'stale',
    ...UNPAID_REFUNDS,
  },
  failed: {
    'payment.initiated': 'illegal',
    'payment.pending': 'stale',
    'payment.succeeded': 'pay_late',
    'payment.closed': 'stale',
    'payment.failed': 'duplicate',
    ...UNPAID_REFUNDS,
  },
} as const satisfies Record<OrderStatus, Record<OrderEventType, Rule>>;

const PAID_EFFECT: OrderEffect = Object.freeze({ type: 'order.paid' });

const STATUS_EFFECTS: Partial<Record<OrderStatus, OrderEffect>> = {
  pending: { type: 'order.pending' },
  closed: { type: 'order.closed' },
  failed: { type: 'order.failed' },
};

const CLOSABLE: ReadonlySet<OrderStatus> = new Set(['created', 'pending']);

/**
 * Throws {@link InvalidTransitionError} unless the order may be closed (only unpaid orders can).
 *
 * @example
 * ```ts
 * assertCanClose(order); // before asking the provider to close it
 * ```
 */
export function assertCanClose(order: Order): void {
  if (!CLOSABLE.has(order.status)) throw new InvalidTransitionError(order.id, order.status, 'close');
}

/**
 * What can still be refunded, in fen: paid minus succeeded and pending refunds.
 *
 * @example
 * ```ts
 * refundableAmount(order); // 1999 for a fresh paid order of 19.99 yuan
 * ```
 */
export function refundableAmount(order: Order): number {
  let committed = 0;
  for (const refund of order.refunds) if (refund.status !== 'failed') committed += refund.amount;
  return order.paidAmount - committed;
}

/**
 * Applies one event to an order. Pure: the input order is never modified.
 *
 * @param now - the time of the change, recorded in `updatedAt`.
 * @throws `InvalidTransitionError` when the status does not take the event.
 * @throws `RefundExceedsPaidError` when a refund request exceeds what is refundable.
 * @throws `ValidationError` when a refund id is reused for another amount, or the event is
 *   for another order.
 *
 * @example
 * ```ts
 * const { order: next, outcome } = transition(order, { type: 'payment.succeeded', orderId: order.id,
 *   amount: order.amount, providerTransactionId: '2024...' }, new Date());
 * ```
 */
export function transition(order: Order, event: OrderEvent, now: Date): TransitionResult {
  if (event.orderId !== order.id) {
    throw new ValidationError('event.orderId', `event for order ${event.orderId} applied to order ${order.id}`);
  }
  const rule: Rule = TRANSITIONS[order.status][event.type];
  const at = isoTime(now);
  switch (rule) {
    case 'duplicate':
      return unchanged(order, 'duplicate');
    case 'stale':
      return unchanged(order, 'stale');
    case 'illegal':
      throw new InvalidTransitionError(order.id, order.status, event.type);
    case 'pay':
    case 'pay_late':
      return pay(order, event as PaymentSucceededEvent, at);
    case 'pay_again':
      return payAgain(order, event as PaymentSucceededEvent, at);
    case 'refund':
      return refund(order, event as RefundEvent, at);
    case 'split':
      return splitTransition(order, event as SplitOrderEvent, at);
    default: {
      const next = change(order, at, {
        status: rule,
        providerTransactionId:
          order.providerTransactionId ?? (event as PaymentPendingEvent).providerTransactionId ?? null,
      });
      const effect = STATUS_EFFECTS[rule];
      return { order: next, outcome: 'applied', effects: effect ? [effect] : [] };
    }
  }
}

type RefundEvent = RefundRequestedCommand | RefundPendingEvent | RefundSucceededEvent | RefundFailedEvent;

let lastTime = Number.NaN;
let lastIso = '';

/** `date.toISOString()`, remembered for the last millisecond seen (notifications come many per ms). */
function isoTime(date: Date): string {
  const time = date.getTime();
  if (time !== lastTime) {
    lastIso = date.toISOString();
    lastTime = time;
  }
  return lastIso;
}

function unchanged(order: Order, outcome: 'duplicate' | 'stale'): TransitionResult {
  return { order, outcome, effects: [] };
}

/** Whether a refund's report says what became of its split returns (`failedSplitReturns` says so too). */
function reportsReturns(event: RefundSucceededEvent): boolean {
  return event.splitReturnsSettled === true || event.failedSplitReturns !== undefined;
}

/** The anomaly of a refund that succeeded while the wallet did not take `notTaken` fen of its returns. */
function notTakenAnomaly(order: Order, refundId: string, notTaken: number, at: string): OrderAnomaly | undefined {
  if (notTaken <= 0) return undefined;
  return anomaly(
    order,
    at,
    'split_return_not_taken',
    `split_return_not_taken:${refundId}`,
    `refund ${refundId} of order ${order.id} succeeded, but the wallet took ${notTaken} fen of it from the merchant instead of the receivers named`,
    { amount: notTaken },
  );
}

/** The patch that gives `order` new splits, or none when they are the same. */
function splitsPatch(order: Order, splits: readonly Split[] | undefined): Partial<Order> {
  return splits === order.splits || splits === undefined ? {} : { splits };
}

function change(order: Order, at: string, patch: Partial<Order>): Order {
  return { ...order, ...patch, version: order.version + 1, updatedAt: at };
}

function anomaly(
  order: Order,
  at: string,
  code: OrderAnomalyCode,
  key: string,
  message: string,
  details: { providerTransactionId?: string | null; amount?: number | null } = {},
): OrderAnomaly | undefined {
  if (order.anomalies.some((existing) => existing.key === key)) return undefined;
  return {
    code,
    key,
    message,
    detectedAt: at,
    providerTransactionId: details.providerTransactionId ?? null,
    amount: details.amount ?? null,
  };
}

function recordAnomaly(order: Order, at: string, found: OrderAnomaly | undefined, error?: AmountMismatchError) {
  if (!found) return unchanged(order, 'duplicate');
  const next = change(order, at, { anomalies: [...order.anomalies, found] });
  const effect: OrderEffect = error
    ? { type: 'order.anomaly', anomaly: found, error }
    : { type: 'order.anomaly', anomaly: found };
  return { order: next, outcome: 'applied' as const, effects: [effect] };
}

function pay(order: Order, event: PaymentSucceededEvent, at: string): TransitionResult {
  const txn = event.providerTransactionId;
  if (event.currency !== undefined && event.currency !== order.currency) {
    const found = anomaly(
      order,
      at,
      'currency_mismatch',
      `currency_mismatch:${txn}`,
      `order ${order.id} is in ${order.currency}; the provider reports a payment of ${event.amount} in ${event.currency}: refund it`,
      { providerTransactionId: txn, amount: event.amount },
    );
    return recordAnomaly(order, at, found);
  }
  if (event.amount !== order.amount) {
    const error = new AmountMismatchError(order.id, order.amount, event.amount);
    const found = anomaly(order, at, 'amount_mismatch', `amount_mismatch:${txn}`, error.message, {
      providerTransactionId: txn,
      amount: event.amount,
    });
    return recordAnomaly(order, at, found, error);
  }
  let anomalies = order.anomalies;
  const effects: OrderEffect[] = [PAID_EFFECT];
  if (order.status === 'closed' || order.status === 'failed') {
    const code = order.status === 'closed' ? 'paid_after_closed' : 'paid_after_failed';
    const message = `order ${order.id} was paid after it was ${order.status}: refund or fulfil it`;
    const late = anomaly(order, at, code, `${code}:${txn}`, message, {
      providerTransactionId: txn,
      amount: event.amount,
    });
    if (late) {
      anomalies = [...anomalies, late];
      effects.push({ type: 'order.anomaly', anomaly: late });
    }
  }
  const next = change(order, at, {
    status: 'paid',
    paidAmount: event.amount,
    providerTransactionId: txn,
    paidAt: event.paidAt ?? at,
    buyerId: order.buyerId ?? event.buyerId ?? null,
    anomalies,
  });
  return { order: next, outcome: 'applied', effects };
}

function payAgain(order: Order, event: PaymentSucceededEvent, at: string): TransitionResult {
  if (event.providerTransactionId === order.providerTransactionId) return unchanged(order, 'duplicate');
  const txn = event.providerTransactionId;
  const found = anomaly(
    order,
    at,
    'duplicate_payment',
    `duplicate_payment:${txn}`,
    `order ${order.id} is already paid by ${order.providerTransactionId}; ${txn} paid it again: refund one`,
    { providerTransactionId: txn, amount: event.amount },
  );
  return recordAnomaly(order, at, found);
}

function statusForRefunds(order: Order, refundedAmount: number): OrderStatus {
  if (refundedAmount === 0) return 'paid';
  return refundedAmount < order.paidAmount ? 'partially_refunded' : 'refunded';
}

function withRefund(order: Order, at: string, refund: Refund, extra: Partial<Order> = {}): Order {
  const exists = order.refunds.some((r) => r.id === refund.id);
  const listed = exists ? order.refunds.map((r) => (r.id === refund.id ? refund : r)) : [...order.refunds, refund];
  const refunds = deriveAmounts(order.paidAmount, listed, at);
  let refundedAmount = 0;
  for (const r of refunds) if (r.status === 'succeeded') refundedAmount += r.amount;
  return change(order, at, { ...extra, refunds, refundedAmount, status: statusForRefunds(order, refundedAmount) });
}

/**
 * Gives each refund known only by the provider's cumulative total (a portal refund Alipay reported
 * as `refund_fee`) the difference to the refund reported just before it.
 *
 * A refund of ours whose place in the provider's sequence is not known yet (no total reported: its
 * reply was lost, or only a query settled it) is taken to lie in the earliest such gap it fits, so it
 * is never counted a second time inside a portal refund's share; and a derived amount never makes the
 * refunds exceed what was paid. Both guesses are replaced by the exact differences as soon as the
 * missing totals are reported, so once every refund has been reported each amount is exact.
 */
function deriveAmounts(paid: number, refunds: readonly Refund[], at: string): readonly Refund[] {
  if (!refunds.some((r) => r.derivedAmount)) return refunds;
  let budget = paid;
  const totals: number[] = [];
  const unplaced: number[] = [];
  for (const r of refunds) {
    if (r.status === 'failed') continue;
    if (!r.derivedAmount) budget -= r.amount;
    if (r.refundedTotal !== undefined) totals.push(r.refundedTotal);
    else if (!r.derivedAmount) unplaced.push(r.amount);
  }
  totals.sort((a, b) => a - b);
  const derived = refunds
    .filter((r) => r.derivedAmount && r.status !== 'failed')
    .sort((a, b) => (a.refundedTotal as number) - (b.refundedTotal as number));
  const amounts = new Map<string, number>();
  for (const r of derived) {
    const total = r.refundedTotal as number;
    let previous = 0;
    for (const t of totals) if (t < total) previous = t;
    let room = total - previous;
    for (let i = 0; i < unplaced.length; i++) {
      const amount = unplaced[i] as number;
      if (amount > 0 && amount <= room) {
        room -= amount;
        unplaced[i] = 0;
      }
    }
    const amount = Math.max(0, Math.min(room, budget));
    budget -= amount;
    amounts.set(r.id, amount);
  }
  return refunds.map((r) => {
    const amount = amounts.get(r.id);
    return amount === undefined || amount === r.amount ? r : { ...r, amount, updatedAt: at };
  });
}

function refund(order: Order, event: RefundEvent, at: string): TransitionResult {
  const existing = order.refunds.find((r) => r.id === event.refundId);
  switch (event.type) {
    case 'refund.requested': {
      const returns = event.splitReturns ?? [];
      if (existing) {
        if (existing.amount !== event.amount) {
          throw new ValidationError(
            'refundId',
            `refund ${event.refundId} of order ${order.id} was already requested for ${existing.amount} fen`,
          );
        }
        if (!sameRefundReturns(order, event.refundId, returns)) {
          throw new ValidationError(
            'splitReturns',
            `refund ${event.refundId} of order ${order.id} was already requested with other split returns`,
          );
        }
        if (existing.status !== 'failed') return unchanged(order, 'duplicate');
        // A refund that failed is being retried: it must still fit in what is refundable now, and
        // its receivers must still hold what they give back.
        const splits = reopenRefundReturns(order, event.refundId, at);
        // Checked against the returns recorded (the ones sent), not the ones asked.
        assertRefundable(order, event.amount, recordedWithin(order, event.refundId));
        const retried: Refund = { ...existing, status: 'pending', updatedAt: at };
        return { order: withRefund(order, at, retried, splitsPatch(order, splits)), outcome: 'applied', effects: [] };
      }
      checkRefundReturns(order, event.amount, returns);
      assertRefundable(order, event.amount, returnedWithin(returns));
      const created = newRefund(event.refundId, event.amount, 'pending', at, null, event.reason ?? null);
      const splits = recordRefundReturns(order, event.refundId, returns, at);
      return { order: withRefund(order, at, created, splitsPatch(order, splits)), outcome: 'applied', effects: [] };
    }
    case 'refund.pending': {
      if (existing) {
        if (existing.status !== 'pending') return unchanged(order, 'stale');
        if (!event.providerRefundId || existing.providerRefundId === event.providerRefundId) {
          return unchanged(order, 'duplicate');
        }
        const updated = { ...existing, providerRefundId: event.providerRefundId, updatedAt: at };
        return { order: withRefund(order, at, updated), outcome: 'applied', effects: [] };
      }
      return externalRefund(order, event, 'pending', at);
    }
    case 'refund.succeeded': {
      const total = event.refundedTotal;
      if (existing?.status === 'succeeded') {
        // A report that settles its split returns, after one that did not (Alipay's notification,
        // then its refund query).
        const late = reportsReturns(event)
          ? settleRefundReturns(order, event.refundId, 'succeeded', at, event.failedSplitReturns)
          : undefined;
        const placedTotal = total !== undefined && existing.refundedTotal !== total;
        if (!late && !placedTotal) return unchanged(order, 'duplicate');
        // A settled refund's place in the provider's sequence: later derived amounts may change.
        const placed: Refund = placedTotal ? { ...existing, refundedTotal: total, updatedAt: at } : existing;
        let next = withRefund(order, at, placed, late ? { splits: late.splits } : {});
        const effects: OrderEffect[] = [];
        if (late) {
          effects.push(...late.effects);
          const found = notTakenAnomaly(order, event.refundId, late.notTaken, at);
          if (found) {
            next = { ...next, anomalies: [...next.anomalies, found] };
            effects.push({ type: 'order.anomaly', anomaly: found });
          }
        }
        return { order: next, outcome: 'applied', effects };
      }
      if (!existing && event.amount === undefined) return refundFromTotal(order, event, at);
      const amount = (event.amount ?? existing?.amount) as number;
      const settledEvent = { ...event, amount };
      if (!existing) return externalRefund(order, settledEvent, 'succeeded', at);
      const others = refundableAmount(order) + (existing.status === 'failed' ? 0 : existing.amount);
      if (amount > others) return refundBeyondPaid(order, settledEvent, at);
      const settled: Refund = {
        ...existing,
        amount,
        status: 'succeeded',
        providerRefundId: event.providerRefundId ?? existing.providerRefundId,
        ...(total === undefined ? {} : { refundedTotal: total }),
        updatedAt: at,
      };
      // Receivers' returns within this refund settle with it, when the report says what became of
      // them; otherwise they wait for one that does.
      const returned = reportsReturns(event)
        ? settleRefundReturns(order, event.refundId, 'succeeded', at, event.failedSplitReturns)
        : undefined;
      let next = withRefund(order, at, settled, returned ? { splits: returned.splits } : {});
      const effects: OrderEffect[] = [{ type: 'order.refunded', refund: settled, fully: next.status === 'refunded' }];
      if (returned) effects.push(...returned.effects);
      const notTaken = notTakenAnomaly(order, event.refundId, returned ? returned.notTaken : 0, at);
      if (notTaken) {
        next = { ...next, anomalies: [...next.anomalies, notTaken] };
        effects.push({ type: 'order.anomaly', anomaly: notTaken });
      }
      if (amount !== existing.amount) {
        const found = anomaly(
          order,
          at,
          'refund_amount_mismatch',
          `refund_amount_mismatch:${event.refundId}`,
          `refund ${event.refundId} of order ${order.id} settled for ${amount} fen, not ${existing.amount}`,
          { amount },
        );
        if (found) {
          next = { ...next, anomalies: [...next.anomalies, found] };
          effects.push({ type: 'order.anomaly', anomaly: found });
        }
      }
      return { order: next, outcome: 'applied', effects };
    }
    case 'refund.failed': {
      if (!existing || existing.status === 'succeeded') return unchanged(order, 'stale');
      if (existing.status === 'failed') return unchanged(order, 'duplicate');
      const failed: Refund = { ...existing, status: 'failed', updatedAt: at };
      // The receivers keep what they would have given back within this refund.
      const kept = settleRefundReturns(order, event.refundId, 'failed', at, undefined, event.reason);
      return {
        order: withRefund(order, at, failed, kept ? { splits: kept.splits } : {}),
        outcome: 'applied',
        effects: [{ type: 'refund.failed', refund: failed }, ...(kept?.effects ?? [])],
      };
    }
  }
}

/**
 * A refund the merchant asks for fits in what is refundable, and takes from what the merchant
 * still holds only what receivers do not give back within it (`fromReceivers`): a split order is
 * otherwise refunded from the unsplit part (see `RefundExceedsUnsplitError`). A refund the wallet
 * reports is a verified fact and is recorded whatever the splits.
 */
function assertRefundable(order: Order, amount: number, fromReceivers = 0): void {
  const refundable = refundableAmount(order);
  if (amount > refundable) throw new RefundExceedsPaidError(order.id, amount, refundable);
  const unsplit = unsplitAmount(order);
  if (amount - fromReceivers > unsplit) {
    throw new RefundExceedsUnsplitError(order.id, amount - fromReceivers, unsplit, splitAmount(order));
  }
}

function newRefund(
  id: string,
  amount: number,
  status: Refund['status'],
  at: string,
  providerRefundId: string | null,
  reason: string | null,
): Refund {
  return { id, amount, status, providerRefundId, reason, createdAt: at, updatedAt: at };
}

/**
 * A refund the provider reports only by the order's cumulative total (Alipay's `refund_fee` for a
 * refund made in the merchant portal): its amount is derived from the totals (see `deriveAmounts`).
 */
function refundFromTotal(order: Order, event: RefundSucceededEvent, at: string): TransitionResult {
  const total = event.refundedTotal;
  // Nothing to go on, or a total some refund already stands at: an older report of refunds we have.
  if (total === undefined || total <= 0 || order.refunds.some((r) => r.refundedTotal === total)) {
    return unchanged(order, 'stale');
  }
  if (total > order.paidAmount) {
    return refundBeyondPaid(order, { ...event, amount: total - order.refundedAmount }, at);
  }
  const created: Refund = {
    ...newRefund(event.refundId, 0, 'succeeded', at, event.providerRefundId ?? null, null),
    refundedTotal: total,
    derivedAmount: true,
  };
  const next = withRefund(order, at, created);
  const settled = next.refunds.find((r) => r.id === event.refundId) as Refund;
  return {
    order: next,
    outcome: 'applied',
    effects: [{ type: 'order.refunded', refund: settled, fully: next.status === 'refunded' }],
  };
}

/** A refund the provider reports that was not requested through hutong (e.g. from the merchant portal). */
type SettledRefundEvent = RefundPendingEvent | (RefundSucceededEvent & { amount: number });

function externalRefund(
  order: Order,
  event: SettledRefundEvent,
  status: 'pending' | 'succeeded',
  at: string,
): TransitionResult {
  if (event.amount > refundableAmount(order)) return refundBeyondPaid(order, event, at);
  const reported = newRefund(event.refundId, event.amount, status, at, event.providerRefundId ?? null, null);
  const total = event.type === 'refund.succeeded' ? event.refundedTotal : undefined;
  const created: Refund = total === undefined ? reported : { ...reported, refundedTotal: total };
  const next = withRefund(order, at, created);
  const effects: OrderEffect[] =
    status === 'succeeded' ? [{ type: 'order.refunded', refund: created, fully: next.status === 'refunded' }] : [];
  return { order: next, outcome: 'applied', effects };
}

function refundBeyondPaid(order: Order, event: SettledRefundEvent, at: string) {
  const found = anomaly(
    order,
    at,
    'refund_exceeds_paid',
    `refund_exceeds_paid:${event.refundId}:${event.type}`,
    `the provider reports refund ${event.refundId} of ${event.amount} fen for order ${order.id}, beyond what was paid and refunded`,
    { amount: event.amount },
  );
  return recordAnomaly(order, at, found);
}
