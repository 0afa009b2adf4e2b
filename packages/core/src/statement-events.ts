/**
 * The events of statement reconciliation: one `statement.difference` per difference and one
 * `statement.reconciled` per run, written through the outbox with the stored result (or emitted
 * inline by a store without one).
 *
 * @packageDocumentation
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OutboxEvent } from './outbox-events.js';
import type { StatementDifference, StatementDifferenceCode, StatementResult, StatementTotals } from './statement.js';

/** How many differences of each code a result has. */
export type StatementDifferenceCounts = Record<StatementDifferenceCode, number>;

/**
 * The statement events and their listener payloads (part of `PaymentsEventMap`).
 *
 * @example
 * ```ts
 * payments.on('statement.difference', ({ provider, date, difference }) => openTicket(provider, date, difference));
 * payments.on('statement.reconciled', ({ counts }) => { if (counts.missing_locally > 0) alertFinance(); });
 * ```
 */
export interface StatementEventMap {
  /** One difference found reconciling a day (after the wallet was queried for status differences). */
  'statement.difference': {
    provider: string;
    date: string;
    merchant: string | null;
    difference: StatementDifference;
    eventId: string;
  };
  /** A day was reconciled and its result stored: the counts and totals (the differences come one by one). */
  'statement.reconciled': {
    provider: string;
    date: string;
    merchant: string | null;
    matched: number;
    counts: StatementDifferenceCounts;
    totals: StatementTotals;
    reconciledAt: string;
    eventId: string;
  };
}

/**
 * Counts a result's differences by code (every code present, zero when none).
 *
 * @example
 * ```ts
 * countStatementDifferences(result.differences).amount_mismatch; // 1
 * ```
 */
export function countStatementDifferences(differences: readonly StatementDifference[]): StatementDifferenceCounts {
  const counts: StatementDifferenceCounts = {
    missing_locally: 0,
    missing_at_wallet: 0,
    amount_mismatch: 0,
    status_mismatch: 0,
    refund_mismatch: 0,
  };
  for (const difference of differences) counts[difference.code]++;
  return counts;
}

/** The longest `orderId` of an outbox event (the SQL store's column). */
const MAX_KEY_LENGTH = 64;

/**
 * The key that stands for the statement in its outbox events' `orderId` (so the relay delivers one
 * day's events in order): `statement:<provider>:<date>[:<merchant>]`, or `statement:` and a digest
 * of it when that is longer than 64 characters.
 *
 * @example
 * ```ts
 * statementEventKey('wechatpay', '2026-12-01', null); // 'statement:wechatpay:2026-12-01'
 * ```
 */
export function statementEventKey(provider: string, date: string, merchant: string | null): string {
  const key = `statement:${provider}:${date}${merchant === null ? '' : `:${merchant}`}`;
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `statement:${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/**
 * The outbox events of one run: a `statement.difference` per difference, then `statement.reconciled`.
 * Ids are `<key>:<run>:<index>`, the run unique to this run: a day reconciled again replaces its
 * result and reports its differences again, under new ids.
 *
 * @example
 * ```ts
 * await store.statements.put(result, statementOutboxEvents(result));
 * ```
 */
export function statementOutboxEvents(result: StatementResult): OutboxEvent[] {
  const { provider, date, merchant, reconciledAt } = result;
  const key = statementEventKey(provider, date, merchant);
  const run = `${Date.parse(reconciledAt).toString(36)}${randomBytes(3).toString('hex')}`;
  const base = (index: number) => ({ id: `${key}:${run}:${index}`, orderId: key, createdAt: reconciledAt });
  const events: OutboxEvent[] = result.differences.map((difference, index) => ({
    ...base(index),
    type: 'statement.difference' as const,
    payload: { provider, date, merchant, difference },
  }));
  events.push({
    ...base(events.length),
    type: 'statement.reconciled',
    payload: {
      provider,
      date,
      merchant,
      matched: result.matched,
      counts: countStatementDifferences(result.differences),
      totals: result.totals,
      reconciledAt,
    },
  });
  return events;
}
