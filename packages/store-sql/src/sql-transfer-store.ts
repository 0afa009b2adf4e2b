/**
 * The transfers (payouts) of a SQL store: `store.transfers`, a {@link TransferStore} on the
 * store's `transfers` table, with the orders' contract: insert-if-absent, compare-and-set on
 * `version`, events in the same transaction, and paged listing by `(updatedAt, id)`.
 *
 * @packageDocumentation
 */
import { ConflictError, type Transfer, ValidationError } from '@hutong/core';
import {
  encodeOrderCursor,
  type ListTransfersQuery,
  type NormalizedListTransfersQuery,
  normalizeListTransfersQuery,
  type OutboxEvent,
  type TransferPage,
  type TransferStore,
  transferListPosition,
} from '@hutong/core/store-kit';
import type { Kysely, Transaction } from 'kysely';
import { checkStorableText, isStorableText } from './sql-errors.js';
import { afterListPosition } from './sql-list-page.js';
import { insertOutboxEvents } from './sql-outbox.js';
import type { TransfersTable } from './sql-platform-schema.js';
import type { StoreDatabase } from './sql-schema.js';
import { isUniqueViolation, type SqlStoreContext } from './sql-store-context.js';
import { checkKey, chunks, epochMs, fromJson } from './sql-values.js';

/**
 * A {@link ListTransfersQuery} checked by core's `normalizeListTransfersQuery` (so every transfer
 * store refuses the same queries), then against what the columns hold.
 */
function normalizeTransfersQuery(query: ListTransfersQuery | undefined): NormalizedListTransfersQuery {
  const q = normalizeListTransfersQuery(query);
  if (q.provider !== undefined) checkKey(q.provider, 'provider');
  if (q.merchant !== undefined) checkKey(q.merchant, 'merchant');
  if (q.after) checkStorableText(q.after.id, 'cursor');
  return q;
}

/** The indexed columns and the JSON of a transfer. */
function toRow(transfer: Transfer): TransfersTable {
  return {
    id: checkKey(transfer.id, 'transfer.id'),
    provider: checkKey(transfer.provider, 'transfer.provider'),
    merchant: transfer.merchant === null ? null : checkKey(transfer.merchant, 'transfer.merchant'),
    status: transfer.status,
    version: transfer.version,
    updated_at: epochMs(transfer.updatedAt, 'transfer.updatedAt'),
    created_at: epochMs(transfer.createdAt, 'transfer.createdAt'),
    data: JSON.stringify(transfer),
  };
}

type Db = Kysely<Record<string, TransfersTable>>;

/** The transfers of a SQL store, on the store's connection and transactions. */
export class SqlTransferStore implements TransferStore {
  readonly #context: SqlStoreContext;

  constructor(context: SqlStoreContext) {
    this.#context = context;
  }

  get #db(): Db {
    return this.#context.db as unknown as Db;
  }

  get #table(): string {
    return this.#context.schema.transfers;
  }

  /** {@inheritDoc @hutong/core!TransferStore.create} */
  async create(transfer: Transfer, events?: readonly OutboxEvent[]): Promise<void> {
    const row = toRow(transfer);
    return this.#context.run('creating a transfer', async () => {
      try {
        await this.#context.transaction({}, async (trx) => {
          await (trx as unknown as Db).insertInto(this.#table).values(row).execute();
          if (events && events.length > 0)
            await insertOutboxEvents(trx as Transaction<StoreDatabase>, this.#context.schema, events);
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError('duplicate_transfer', transfer.id, `transfer ${transfer.id} already exists`);
        }
        throw error;
      }
    });
  }

  /** {@inheritDoc @hutong/core!TransferStore.get} */
  async get(id: string): Promise<Transfer | undefined> {
    if (typeof id !== 'string' || !isStorableText(id)) return undefined;
    return this.#context.run('reading a transfer', async () => {
      const row = await this.#db.selectFrom(this.#table).select('data').where('id', '=', id).executeTakeFirst();
      return row ? fromJson<Transfer>(row.data) : undefined;
    });
  }

  /** {@inheritDoc @hutong/core!TransferStore.getMany} */
  async getMany(ids: readonly string[]): Promise<Transfer[]> {
    if (!Array.isArray(ids)) throw new ValidationError('ids', 'must be a list of transfer ids');
    const wanted = [...new Set(ids.filter((id) => typeof id === 'string' && isStorableText(id)))];
    if (wanted.length === 0) return [];
    return this.#context.run('reading transfers', async () => {
      const out: Transfer[] = [];
      for (const part of chunks(wanted)) {
        const rows = await this.#db.selectFrom(this.#table).select('data').where('id', 'in', part).execute();
        for (const row of rows) out.push(fromJson<Transfer>(row.data));
      }
      return out;
    });
  }

  /** {@inheritDoc @hutong/core!TransferStore.update} */
  async update(transfer: Transfer, expectedVersion: number, events?: readonly OutboxEvent[]): Promise<boolean> {
    const { id, ...columns } = toRow(transfer);
    return this.#context.run('updating a transfer', () =>
      this.#context.transaction({}, async (trx) => {
        const written = await (trx as unknown as Db)
          .updateTable(this.#table)
          .set(columns)
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(written.numUpdatedRows) !== 1) return false;
        if (events && events.length > 0)
          await insertOutboxEvents(trx as Transaction<StoreDatabase>, this.#context.schema, events);
        return true;
      }),
    );
  }

  /** {@inheritDoc @hutong/core!TransferStore.list} */
  async list(query?: ListTransfersQuery): Promise<TransferPage> {
    const q = normalizeTransfersQuery(query);
    return this.#context.run('listing transfers', async () => {
      let select = this.#db.selectFrom(this.#table).select('data');
      if (q.statuses) select = select.where('status', 'in', q.statuses);
      if (q.provider !== undefined) select = select.where('provider', '=', q.provider);
      if (q.merchant !== undefined) select = select.where('merchant', '=', q.merchant);
      if (q.updatedBefore !== undefined) select = select.where('updated_at', '<', q.updatedBefore);
      if (q.after) select = select.where(afterListPosition(q.after));
      const rows = await select
        .orderBy('updated_at')
        .orderBy('id')
        .limit(q.limit + 1)
        .execute();
      const transfers = rows.slice(0, q.limit).map((row) => fromJson<Transfer>(row.data));
      const last = transfers.at(-1);
      return {
        transfers,
        cursor: rows.length > q.limit && last ? encodeOrderCursor(transferListPosition(last)) : null,
      };
    });
  }
}
