/**
 * Statements for the fake provider: {@link withFakeStatement} gives a fake provider a `statement()`
 * that yields the lines a test planted for each day, and {@link fakeStatementLines} writes the
 * lines of the fake gateway's own trades, as a wallet's bill would list them.
 *
 * @packageDocumentation
 */
import type { StatementLine, StatementLineKind, StatementLineStatus } from '@hutong/core';
import type { PaymentProvider, ProviderStatementRequest } from '@hutong/core/provider-utils';
import type { FakeProvider } from './fake-provider.js';

/** One line to plant: what a {@link StatementLine} needs, with defaults for the rest. */
export interface FakeStatementEntry {
  /** Default `payment`. */
  readonly kind?: StatementLineKind | undefined;
  /** The merchant's order id. Default `null`. */
  readonly orderId?: string | null | undefined;
  /** The wallet's transaction id. Default `null`. */
  readonly providerTradeId?: string | null | undefined;
  /** The merchant's refund id, for a refund line. */
  readonly refundId?: string | null | undefined;
  /** The split or transfer id, for a split or transfer line. */
  readonly movementId?: string | null | undefined;
  /** The status the statement states for the record (`StatementLine.status`). Default: none stated. */
  readonly status?: StatementLineStatus | undefined;
  /** In fen. */
  readonly amount: number;
  /** The wallet's fee in fen. Default 0. */
  readonly fee?: number | undefined;
  /** The sub-merchant key the line belongs to (platform mode). Default `null`. */
  readonly merchant?: string | null | undefined;
  /** Default: noon of the day, China time. */
  readonly time?: string | undefined;
}

/** The planted lines of each day (`YYYY-MM-DD`), or a function of the request that yields them. */
export type FakeStatementSource =
  | Readonly<Record<string, readonly FakeStatementEntry[]>>
  | ((request: ProviderStatementRequest) => Iterable<FakeStatementEntry> | AsyncIterable<FakeStatementEntry>);

/** A fake provider with statements. */
export type FakeStatementProvider<P extends PaymentProvider<string>> = P & {
  /** Yields the lines planted for the requested day (and merchant). */
  statement(request: ProviderStatementRequest): AsyncIterable<StatementLine>;
};

function toLine(provider: string, date: string, entry: FakeStatementEntry, line: number): StatementLine {
  const kind = entry.kind ?? 'payment';
  return {
    provider,
    merchant: entry.merchant ?? null,
    kind,
    orderId: entry.orderId ?? null,
    providerTradeId: entry.providerTradeId ?? null,
    ...(entry.refundId == null ? {} : { refundId: entry.refundId }),
    ...(entry.movementId == null ? {} : { movementId: entry.movementId }),
    ...(entry.status === undefined ? {} : { status: entry.status }),
    amount: entry.amount,
    fee: entry.fee ?? 0,
    currency: 'CNY',
    time: entry.time ?? `${date}T12:00:00+08:00`,
    line,
    raw: `${kind},${entry.orderId ?? ''},${entry.refundId ?? entry.movementId ?? ''},${entry.amount},${entry.fee ?? 0}`,
  };
}

/**
 * Gives a (fake) provider a `statement()` yielding the lines planted for the requested day, as
 * `StatementLine`s numbered from 2 (line 1 is a bill's header), and `capabilities.statements`.
 * With `merchant` in the request, only the lines of that merchant key; without, those of none.
 *
 * @example
 * ```ts
 * const fake = withFakeStatement(createFakeProvider(), {
 *   '2026-12-01': [{ orderId: 'order0001', providerTradeId: 'txn1', amount: 100, fee: 1 }],
 * });
 * const payments = createPayments({ providers: [fake] });
 * await payments.reconcileStatement({ provider: 'fake', date: '2026-12-01' });
 * ```
 */
export function withFakeStatement<P extends PaymentProvider<string>>(
  provider: P,
  source: FakeStatementSource,
): FakeStatementProvider<P> {
  async function* statement(request: ProviderStatementRequest): AsyncIterable<StatementLine> {
    const entries = typeof source === 'function' ? source(request) : (source[request.date] ?? []);
    const merchant = request.merchant?.merchant ?? null;
    let line = 1;
    for await (const entry of entries) {
      line++;
      if ((entry.merchant ?? null) !== merchant) continue;
      yield toLine(provider.id, request.date, entry, line);
    }
  }
  return Object.assign(Object.create(Object.getPrototypeOf(provider)) as P, provider, {
    capabilities: { ...provider.capabilities, statements: true },
    statement,
  });
}

/**
 * The lines a wallet's bill has for these orders of the fake gateway: a payment line for each
 * paid one (its amount, transaction id, and `fee(amount)`), a refund line for each settled refund.
 *
 * @example
 * ```ts
 * const lines = fakeStatementLines(fake, [order.id], { fee: (amount) => Math.round(amount * 0.006) });
 * ```
 */
export function fakeStatementLines(
  fake: FakeProvider<string>,
  orderIds: readonly string[],
  options: { fee?: ((amount: number) => number) | undefined } = {},
): FakeStatementEntry[] {
  const fee = options.fee ?? (() => 0);
  const entries: FakeStatementEntry[] = [];
  for (const orderId of orderIds) {
    const payment = fake.sandbox.payment(orderId);
    if (!payment || payment.transactionId === null) continue;
    if (payment.status === 'PAID') {
      entries.push({
        orderId,
        providerTradeId: payment.transactionId,
        amount: payment.amount,
        fee: fee(payment.amount),
      });
    }
    for (const [refundId, refund] of payment.refunds) {
      if (refund.status !== 'DONE') continue;
      entries.push({
        kind: 'refund',
        orderId,
        refundId,
        providerTradeId: payment.transactionId,
        amount: refund.amount,
        fee: -fee(refund.amount),
      });
    }
  }
  return entries;
}
