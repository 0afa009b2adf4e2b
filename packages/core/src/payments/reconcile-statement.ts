/**
 * `payments.reconcileStatement`: downloads a provider's statement of one day, matches it against
 * the store, asks the wallet about every status difference (through `sync`, verified, applied by
 * the state machine: never by trusting the file alone), stores the day's result (replacing an
 * earlier one) and reports its events.
 *
 * @packageDocumentation
 */
import { UnsupportedOperationError, ValidationError } from '../errors.js';
import type { Order } from '../order.js';
import type { OutboxEvent } from '../outbox-events.js';
import type { StatementDifference, StatementResult } from '../statement.js';
import { statementDayWindow } from '../statement-day.js';
import { statementOutboxEvents } from '../statement-events.js';
import { matchStatement, refundAgrees } from '../statement-match.js';
import { merchantAccount } from './merchant-accounts.js';
import type { PaymentsContext } from './payments-context.js';
import { providerById } from './payments-context.js';
import type { AnyProvider, ReconcileStatementInput } from './payments-types.js';
import { syncOrder } from './sync-order.js';

/** How many wallet queries run at once for the status differences of a day. */
const QUERIES_IN_FLIGHT = 4;

/** Whether a difference is one the wallet can settle by a query: a payment or refund unsettled here. */
function needsQuery(difference: StatementDifference): boolean {
  if (difference.orderId === null) return false;
  if (difference.code === 'status_mismatch') return difference.kind === 'payment';
  // A refund the store has for the statement's amount, in another status than the statement's.
  return (
    difference.code === 'refund_mismatch' &&
    difference.line !== null &&
    difference.storeAmount !== null &&
    difference.storeAmount === difference.statementAmount
  );
}

/** Whether the order, as the wallet's verified answer left it, agrees with the statement. */
function settled(order: Order, difference: StatementDifference): boolean {
  if (difference.kind === 'refund') {
    const refund = order.refunds.find((candidate) => candidate.id === difference.refundId);
    return refund !== undefined && refundAgrees(difference.status, refund.status);
  }
  return order.status === 'paid' || order.status === 'partially_refunded' || order.status === 'refunded';
}

/** Queries the wallet for one difference; its resolution. */
async function resolve(context: PaymentsContext, difference: StatementDifference): Promise<StatementDifference> {
  try {
    const order = await syncOrder(context, difference.orderId as string);
    return { ...difference, resolution: settled(order, difference) ? 'applied' : 'still_differs' };
  } catch {
    return { ...difference, resolution: 'query_failed' };
  }
}

/** Every status difference with the resolution of its wallet query, a few queries at a time. */
async function resolveAll(
  context: PaymentsContext,
  differences: readonly StatementDifference[],
): Promise<StatementDifference[]> {
  const out = [...differences];
  const queue = out.flatMap((difference, index) => (needsQuery(difference) ? [index] : []));
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      out[next] = await resolve(context, out[next] as StatementDifference);
    }
  };
  await Promise.all(Array.from({ length: Math.min(QUERIES_IN_FLIGHT, queue.length) }, worker));
  return out;
}

/** Stores the result with its events (in the store's outbox when it has one), or emits them inline. */
async function record(context: PaymentsContext, result: StatementResult, events: OutboxEvent[]): Promise<void> {
  const { store, outbox, relay, emitter } = context;
  if (store.statements) {
    await store.statements.put(result, outbox ? events : undefined);
    if (outbox) {
      relay?.wake();
      return;
    }
  }
  for (const event of events) {
    if (emitter.has(event.type)) await emitter.emit(event.type, { ...event.payload, eventId: event.id } as never);
  }
}

/** Reconciles one provider's statement of one day; see `Payments.reconcileStatement`. */
export async function reconcileStatement(
  context: PaymentsContext,
  input: ReconcileStatementInput,
): Promise<StatementResult> {
  const provider: AnyProvider = providerById(context, input?.provider);
  const window = statementDayWindow(input.date);
  const merchant = input.merchant ?? null;
  if (merchant !== null && (typeof merchant !== 'string' || merchant.length === 0)) {
    throw new ValidationError('merchant', 'must be a merchant key');
  }
  if (!provider.capabilities.statements || !provider.statement) {
    throw new UnsupportedOperationError(provider.id, 'statements');
  }
  // A sub-merchant's statement: its account through the facade's directory (MerchantError otherwise).
  const account = merchant === null ? null : await merchantAccount(context, provider, merchant);
  const statement = provider.statement.bind(provider);
  const lines = statement({
    date: input.date,
    merchant: account,
    ...(input.kind === undefined ? {} : { kind: input.kind }),
    ...(input.malformed === undefined ? {} : { malformed: input.malformed }),
    ...(input.onSkipped === undefined ? {} : { onSkipped: input.onSkipped }),
  });
  const match = await matchStatement(lines, context.store, {
    provider: provider.id,
    merchant,
    ...(input.missingAtWallet === false ? {} : { window }),
  });
  const differences = await resolveAll(context, match.differences);
  const result: StatementResult = {
    provider: provider.id,
    date: input.date,
    merchant,
    matched: match.matched,
    differences,
    totals: match.totals,
    reconciledAt: context.now().toISOString(),
  };
  await record(context, result, statementOutboxEvents(result));
  return result;
}
