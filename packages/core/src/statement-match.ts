/**
 * `matchStatement`: pairs each line of a wallet's statement with the order, refund, split or
 * transfer it belongs to, looking them up a batch at a time, and reports what differs. Lines are
 * never collected: memory holds one batch being matched, one being read, the differences, and what
 * the store's listing of the day and the statement have not both shown yet (`statement-expected.ts`).
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';
import type { Transfer } from './money-movement.js';
import type { Order, RefundStatus } from './order.js';
import { MAX_LIST_LIMIT, type OrderStore } from './order-store.js';
import type {
  StatementDifference,
  StatementDifferenceCode,
  StatementLine,
  StatementLineStatus,
  StatementTotals,
} from './statement.js';
import type { StatementWindow } from './statement-day.js';
import { PAID_STATUSES, refundKey, StatementExpectations } from './statement-expected.js';

/**
 * Options of {@link matchStatement}.
 *
 * @example
 * ```ts
 * const options: StatementMatchOptions = {
 *   provider: 'wechatpay',
 *   window: statementDayWindow('2026-12-01'),
 * };
 * ```
 */
export interface StatementMatchOptions {
  /** The statement's provider: an order of another provider does not match a line. */
  readonly provider?: string | undefined;
  /**
   * The statement's day. Given, every order of the store paid in it and every refund settled in
   * it must be on the statement (`missing_at_wallet`, `refund_mismatch`); absent, that is not
   * checked (a fund-flow bill, or lines of no particular day).
   */
  readonly window?: StatementWindow | undefined;
  /**
   * The merchant (platform mode) whose statement this is: with a `window`, only that merchant's
   * orders are expected on it; `null` or absent, only the orders of the provider's own account.
   */
  readonly merchant?: string | null | undefined;
  /** Lines looked up per store round trip, 1 to 1000. Default 1000. */
  readonly batchSize?: number | undefined;
}

/**
 * What {@link matchStatement} found.
 *
 * @example
 * ```ts
 * const { matched, differences, totals } = await matchStatement(lines, store);
 * ```
 */
export interface StatementMatch {
  /** Lines paired with a record that agrees with them. */
  readonly matched: number;
  /** What differs, statement lines first (in line order), then what the statement lacks. */
  readonly differences: StatementDifference[];
  /** The statement's sums, every line counted. */
  readonly totals: StatementTotals;
}

/** The store's side of one batch: its orders and transfers by id. */
interface BatchRecords {
  readonly orders: ReadonlyMap<string, Order>;
  readonly transfers: ReadonlyMap<string, Transfer>;
}

/** What a line's record says about it: `null` when they agree. */
type Verdict = { readonly code: StatementDifferenceCode; readonly storeAmount: number | null } | null;

function differs(code: StatementDifferenceCode, storeAmount: number | null): Verdict {
  return { code, storeAmount };
}

/**
 * Whether a refund's status here agrees with the statement's: a line that states none is a settled
 * refund; one still processing at the wallet when it wrote the bill may have succeeded since.
 *
 * @example
 * ```ts
 * refundAgrees(undefined, 'succeeded'); // true
 * refundAgrees('pending', 'succeeded'); // true
 * refundAgrees('failed', 'pending'); // false
 * ```
 */
export function refundAgrees(stated: StatementLineStatus | undefined, status: RefundStatus): boolean {
  if (stated === 'pending') return status === 'pending' || status === 'succeeded';
  return status === (stated ?? 'succeeded');
}

function checkBatchSize(size: unknown): number {
  if (size === undefined) return MAX_LIST_LIMIT;
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_LIST_LIMIT) {
    throw new ValidationError('batchSize', `must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  return size as number;
}

/** The orders with these ids, by one `getMany` (or a `get` each on a store without it). */
async function ordersById(store: OrderStore, ids: readonly string[]): Promise<Map<string, Order>> {
  const byId = new Map<string, Order>();
  if (ids.length === 0) return byId;
  const found = store.getMany
    ? await store.getMany(ids)
    : (await Promise.all(ids.map((id) => store.get(id)))).filter((order): order is Order => order !== undefined);
  for (const order of found) byId.set(order.id, order);
  return byId;
}

/**
 * The records of a batch's lines: the orders the day's listing kept, the others by one `getMany`,
 * and the transfers by one `transfers.getMany`.
 */
async function lookUp(
  store: OrderStore,
  batch: readonly StatementLine[],
  expected: StatementExpectations | undefined,
): Promise<BatchRecords> {
  const kept = new Map<string, Order>();
  const orderIds = new Set<string>();
  const transferIds = new Set<string>();
  for (const line of batch) {
    if (line.kind === 'transfer') {
      if (line.movementId) transferIds.add(line.movementId);
    } else if (line.orderId && (line.kind === 'payment' || line.kind === 'refund' || line.kind === 'split')) {
      const order = expected?.kept(line.orderId);
      if (order) kept.set(order.id, order);
      else orderIds.add(line.orderId);
    }
  }
  const transfers = new Map<string, Transfer>();
  const transferStore = store.transfers;
  const [orders, found] = await Promise.all([
    ordersById(store, [...orderIds]),
    transferStore && transferIds.size > 0 ? transferStore.getMany([...transferIds]) : [],
  ]);
  for (const transfer of found) transfers.set(transfer.id, transfer);
  for (const [id, order] of kept) orders.set(id, order);
  return { orders, transfers };
}

/**
 * The latest time of a batch's lines (epoch ms; `NaN` when none reads as a time): the greatest as
 * text, read once (a statement writes every time with the same offset; were it not so, only how far
 * the listing reads ahead would differ).
 */
function latestTime(batch: readonly StatementLine[]): number {
  let latest = '';
  for (const line of batch) if (line.time > latest) latest = line.time;
  return Date.parse(latest);
}

/** Matches lines against a batch's records, keeping the totals and crossing off what was expected. */
class StatementMatcher {
  matched = 0;
  readonly differences: StatementDifference[] = [];
  #lines = 0;
  #payments = 0;
  #refunds = 0;
  #fees = 0;
  #out = 0;
  #in = 0;

  constructor(
    readonly provider: string | undefined,
    readonly expected: StatementExpectations | undefined,
  ) {}

  count(line: StatementLine): void {
    this.#lines++;
    switch (line.kind) {
      case 'payment':
        this.#payments += line.amount;
        break;
      case 'refund':
        this.#refunds += line.amount;
        break;
      case 'fee':
        this.#fees += line.amount;
        return;
      case 'split':
      case 'transfer':
        this.#out += line.amount;
        break;
      case 'adjustment':
        this.#in += line.amount;
        break;
    }
    this.#fees += line.fee;
  }

  totals(): StatementTotals {
    const fees = this.#fees;
    return {
      lines: this.#lines,
      payments: this.#payments,
      refunds: this.#refunds,
      fees,
      net: this.#payments - this.#refunds - fees - this.#out + this.#in,
    };
  }

  match(batch: readonly StatementLine[], records: BatchRecords): void {
    for (const line of batch) {
      switch (line.kind) {
        case 'payment':
          this.#differ(line, this.#payment(line, this.#order(line, records)));
          break;
        case 'refund':
          this.#differ(line, this.#refund(line, this.#order(line, records)));
          break;
        case 'split':
          this.#differ(line, this.#split(line, this.#order(line, records)));
          break;
        case 'transfer':
          this.#differ(
            line,
            this.#transfer(line, line.movementId ? records.transfers.get(line.movementId) : undefined),
          );
          break;
        default:
          // Fees and adjustments belong to no record: they count in the totals only.
          break;
      }
    }
  }

  #order(line: StatementLine, records: BatchRecords): Order | undefined {
    const order = line.orderId ? records.orders.get(line.orderId) : undefined;
    if (order && this.provider !== undefined && order.provider !== this.provider) return undefined;
    return order;
  }

  #differ(line: StatementLine, verdict: Verdict): void {
    if (verdict === null) {
      this.matched++;
      return;
    }
    const difference: StatementDifference = {
      code: verdict.code,
      kind: line.kind,
      orderId: line.orderId,
      providerTradeId: line.providerTradeId,
      statementAmount: line.amount,
      storeAmount: verdict.storeAmount,
      line: line.line,
      ...(line.refundId == null ? {} : { refundId: line.refundId }),
      ...(line.movementId == null ? {} : { movementId: line.movementId }),
      ...(line.status === undefined ? {} : { status: line.status }),
    };
    this.differences.push(difference);
  }

  #payment(line: StatementLine, order: Order | undefined): Verdict {
    if (!order) return differs('missing_locally', null);
    this.expected?.showPayment(order.id);
    if (order.amount !== line.amount) return differs('amount_mismatch', order.amount);
    if (!PAID_STATUSES.includes(order.status)) return differs('status_mismatch', order.amount);
    return null;
  }

  #refund(line: StatementLine, order: Order | undefined): Verdict {
    if (!order) return differs('missing_locally', null);
    const refund = line.refundId ? order.refunds.find((candidate) => candidate.id === line.refundId) : undefined;
    if (!refund) return differs('refund_mismatch', null);
    this.expected?.showRefund(order.id, refund.id);
    if (refund.amount !== line.amount || !refundAgrees(line.status, refund.status))
      return differs('refund_mismatch', refund.amount);
    return null;
  }

  #split(line: StatementLine, order: Order | undefined): Verdict {
    const split = line.movementId ? order?.splits?.find((candidate) => candidate.id === line.movementId) : undefined;
    if (!split) return differs('missing_locally', null);
    if (split.amount !== line.amount) return differs('amount_mismatch', split.amount);
    if (split.status !== 'succeeded') return differs('status_mismatch', split.amount);
    return null;
  }

  #transfer(line: StatementLine, transfer: Transfer | undefined): Verdict {
    if (!transfer || (this.provider !== undefined && transfer.provider !== this.provider)) {
      return differs('missing_locally', null);
    }
    if (transfer.amount !== line.amount) return differs('amount_mismatch', transfer.amount);
    if (transfer.status !== 'succeeded') return differs('status_mismatch', transfer.amount);
    return null;
  }

  /** The orders and refunds expected that no line showed. */
  async missing(store: OrderStore): Promise<void> {
    if (!this.expected) return;
    const { payments, refunds } = await this.expected.finish();
    const orderIds = [...new Set([...payments, ...[...refunds].map((key) => key.slice(0, key.indexOf('\u0000')))])];
    orderIds.sort();
    for (let start = 0; start < orderIds.length; start += MAX_LIST_LIMIT) {
      const part = orderIds.slice(start, start + MAX_LIST_LIMIT);
      const kept = part.flatMap((id) => this.expected?.kept(id) ?? []);
      const orders = await ordersById(
        store,
        part.filter((id) => !this.expected?.kept(id)),
      );
      for (const order of kept) orders.set(order.id, order);
      for (const id of part) {
        const order = orders.get(id);
        if (!order) continue;
        if (payments.has(id)) {
          this.differences.push({
            code: 'missing_at_wallet',
            kind: 'payment',
            orderId: id,
            providerTradeId: order.providerTransactionId,
            statementAmount: null,
            storeAmount: order.amount,
            line: null,
          });
        }
        for (const refund of order.refunds) {
          if (!refunds.has(refundKey(id, refund.id))) continue;
          this.differences.push({
            code: 'refund_mismatch',
            kind: 'refund',
            orderId: id,
            refundId: refund.id,
            providerTradeId: order.providerTransactionId,
            statementAmount: null,
            storeAmount: refund.amount,
            line: null,
          });
        }
      }
    }
  }
}

/**
 * Pairs each line of a statement with the record it belongs to, looking records up a batch at a
 * time (`store.getMany`, up to 1000 ids per round trip; `store.get` for each on a store without
 * it; `store.transfers.getMany` for transfers), and reports what differs:
 * - a payment, split or transfer line without its record: `missing_locally` (a refund line too,
 *   when its order is missing); for another amount: `amount_mismatch`; settled at the wallet, not
 *   here: `status_mismatch`;
 * - a refund line whose order lacks the refund, or has it for another amount or in another status
 *   (not succeeded; or, where the line states its status, not that one: a `pending` line agrees
 *   with a refund pending or succeeded here, a `failed` one with a failed refund): `refund_mismatch`;
 * - with `options.window`, an order paid in it that no payment line showed: `missing_at_wallet`;
 *   a refund settled in it that no refund line showed: `refund_mismatch` (no statement amount).
 *
 * Fee and adjustment lines count in the totals only. `totals.fees` adds every line's `fee` and the
 * amounts of `fee` lines; `totals.net` is payments − refunds − fees − splits − transfers +
 * adjustments. The lines are read once and never collected, so a statement of millions of lines
 * matches in flat memory. With a `window`, the store's orders of the day are listed a page at a time
 * just ahead of the lines' times and crossed off as lines show them: a statement in time order (as
 * the wallets write theirs) holds about a page of them, and its lines find their orders in the
 * listing without a second read; one in another order holds the ids the other side has not shown
 * yet. The next batch is read while the store looks up the last.
 *
 * @example
 * ```ts
 * import { matchStatement, statementDayWindow } from '@hutong/core';
 *
 * const lines = provider.statement({ date: '2026-12-01' });
 * const { matched, differences, totals } = await matchStatement(lines, store, {
 *   provider: 'wechatpay',
 *   window: statementDayWindow('2026-12-01'),
 * });
 * ```
 */
export async function matchStatement(
  lines: AsyncIterable<StatementLine> | Iterable<StatementLine>,
  store: OrderStore,
  options: StatementMatchOptions = {},
): Promise<StatementMatch> {
  const batchSize = checkBatchSize(options.batchSize);
  const merchant = options.merchant ?? null;
  const expected = options.window
    ? new StatementExpectations(store, options.window, options.provider, merchant)
    : undefined;
  const matcher = new StatementMatcher(options.provider, expected);
  let inFlight: Promise<void> | undefined;
  const flush = async (batch: StatementLine[]): Promise<void> => {
    if (inFlight) await inFlight;
    const step = (async () => {
      // The day's listing first reads up to the batch's time, so the lines find their orders kept.
      await expected?.advance(latestTime(batch));
      matcher.match(batch, await lookUp(store, batch, expected));
    })();
    // Awaited before the next batch or at the end; until then its failure must not go unhandled.
    step.catch(() => undefined);
    inFlight = step;
  };
  let batch: StatementLine[] = [];
  for await (const line of lines) {
    matcher.count(line);
    batch.push(line);
    if (batch.length >= batchSize) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await flush(batch);
  if (inFlight) await inFlight;
  await matcher.missing(store);
  return { matched: matcher.matched, differences: matcher.differences, totals: matcher.totals() };
}
