/**
 * The statement results of a SQL store: `store.statements`, a {@link StatementResultStore} on the
 * store's `statement_results` table, one row per provider, day and merchant.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import type { OutboxEvent, StatementResultStore } from '@hutong/core/store-kit';
import type { Kysely, Transaction } from 'kysely';
import { insertOutboxEvents } from './sql-outbox.js';
import type { StatementResultsTable } from './sql-platform-schema.js';
import type { StoreDatabase } from './sql-schema.js';
import type { SqlStoreContext } from './sql-store-context.js';
import { checkKey, epochMs, fromJson } from './sql-values.js';

/** A statement result, as the store contract takes it. */
type StatementResult = Parameters<StatementResultStore['put']>[0];

/** The column value of "no merchant" (the provider's own statement): merchant keys are never empty. */
const NO_MERCHANT = '';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(date: unknown): string {
  if (typeof date !== 'string' || !DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new ValidationError('date', 'must be a civil date YYYY-MM-DD');
  }
  return date;
}

function merchantColumn(merchant: string | null): string {
  return merchant === null ? NO_MERCHANT : checkKey(merchant, 'merchant');
}

type Db = Kysely<Record<string, StatementResultsTable>>;

/** The statement results of a SQL store, on the store's connection and transactions. */
export class SqlStatementResultStore implements StatementResultStore {
  readonly #context: SqlStoreContext;

  constructor(context: SqlStoreContext) {
    this.#context = context;
  }

  get #table(): string {
    return this.#context.schema.statementResults;
  }

  /** {@inheritDoc @hutong/core!StatementResultStore.put} */
  async put(result: StatementResult, events?: readonly OutboxEvent[]): Promise<void> {
    const row: StatementResultsTable = {
      provider: checkKey(result.provider, 'provider'),
      statement_date: checkDate(result.date),
      merchant: merchantColumn(result.merchant),
      reconciled_at: epochMs(result.reconciledAt, 'reconciledAt'),
      data: JSON.stringify(result),
    };
    return this.#context.run('storing a statement result', () =>
      this.#context.transaction({}, async (trx) => {
        const db = trx as unknown as Db;
        // Replace in one statement (an upsert), so two runs of the same day at once both succeed
        // and the last one stays; its events commit with it.
        const insert = db.insertInto(this.#table).values(row);
        const replace = { reconciled_at: row.reconciled_at, data: row.data };
        await (this.#context.schema.engine === 'mysql'
          ? insert.onDuplicateKeyUpdate(replace)
          : insert.onConflict((oc) => oc.columns(['provider', 'statement_date', 'merchant']).doUpdateSet(replace))
        ).execute();
        if (events && events.length > 0)
          await insertOutboxEvents(trx as Transaction<StoreDatabase>, this.#context.schema, events);
      }),
    );
  }

  /** {@inheritDoc @hutong/core!StatementResultStore.get} */
  async get(provider: string, date: string, merchant: string | null): Promise<StatementResult | undefined> {
    const key = {
      provider: checkKey(provider, 'provider'),
      date: checkDate(date),
      merchant: merchantColumn(merchant),
    };
    return this.#context.run('reading a statement result', async () => {
      const row = await (this.#context.db as unknown as Db)
        .selectFrom(this.#table)
        .select('data')
        .where('provider', '=', key.provider)
        .where('statement_date', '=', key.date)
        .where('merchant', '=', key.merchant)
        .executeTakeFirst();
      return row ? fromJson<StatementResult>(row.data) : undefined;
    });
  }
}
