/**
 * `createSqlStore`: an {@link OrderStore} on PostgreSQL, MySQL/MariaDB or SQLite through Kysely.
 *
 * @packageDocumentation
 */
import { ConflictError, type ListOrdersQuery, type Order, ValidationError } from '@hutong/core';
import {
  type ClaimOrdersOptions,
  checkLease,
  checkOutboxName,
  encodeOrderCursor,
  normalizeListOrdersQuery,
  type OrderClaims,
  type OrderPage,
  type OrderStore,
  type OutboxEvent,
  orderListPosition,
  type StatementResultStore,
  type TransferStore,
} from '@hutong/core/store-kit';
import type { Kysely, Transaction } from 'kysely';
import { checkStorableText, isStorableText, toStoreError } from './sql-errors.js';
import { afterListPosition } from './sql-list-page.js';
import { createSqlOutbox, insertOutboxEvents, type SqlOrderOutbox } from './sql-outbox.js';
import { pendingSplitCount } from './sql-platform-schema.js';
import type { OrderClaimsTable, OrdersTable, SqlSchema, StoreDatabase } from './sql-schema.js';
import { indexSplits, ordersWithSplit } from './sql-split-index.js';
import { SqlStatementResultStore } from './sql-statement-store.js';
import { isUniqueViolation, retryTransient, type SqlConnectionOptions, SqlStoreContext } from './sql-store-context.js';
import { SqlTransferStore } from './sql-transfer-store.js';
import { checkKey, chunks, epochMs, fromJson } from './sql-values.js';

/**
 * Options of {@link createSqlStore}: where the database is (`db`, `pool` or `url`), its tables
 * (`tablePrefix`, `schema`), migrations on first use, and the timeouts of each transaction.
 *
 * @example
 * ```ts
 * const options: SqlStoreOptions<Database> = { db, pool, migrate: false, tablePrefix: 'shop_', lockTimeoutMs: 2_000 };
 * ```
 */
export interface SqlStoreOptions<DB = unknown> extends SqlConnectionOptions<DB> {}

/**
 * An {@link OrderStore} kept in SQL, plus what a durable store adds.
 *
 * @example
 * ```ts
 * const store: SqlOrderStore = createSqlStore({ db });
 * await store.ready();
 * ```
 */
export interface SqlOrderStore extends OrderStore {
  /** Resolves once the tables are migrated (when `migrate` is on); rejects with the migration's error. */
  ready(): Promise<void>;
  /** The orders table's name, e.g. `hutong_orders`. */
  readonly tableName: string;
  /** The transactional outbox: `create` and `update` store their events with the order. */
  readonly outbox: SqlOrderOutbox;
  /** Leases on orders, for reconcilers on several instances. */
  readonly claims: OrderClaims;
  /** The orders with these ids, absent ones left out: one statement per 1000 ids. */
  getMany(ids: readonly string[]): Promise<Order[]>;
  /**
   * The orders of `provider` with a split `splitId` (and, given `trade`, whose
   * `providerTransactionId` is `trade`), through the split index (`order_splits`).
   */
  findOrdersBySplit(provider: string, splitId: string, trade?: string): Promise<Order[]>;
  /** Transfers (payouts), in the `transfers` table, their events in the same outbox. */
  readonly transfers: TransferStore;
  /** Statement reconciliation results, in the `statement_results` table. */
  readonly statements: StatementResultStore;
  /** Ends the pool the store built from `url`; a `db` or `pool` you gave is left open. */
  close(): Promise<void>;
}

/** The indexed columns and the JSON of an order. */
function toRow(order: Order): OrdersTable {
  return {
    id: checkStorableText(order.id, 'order.id'),
    provider: checkStorableText(order.provider, 'order.provider'),
    status: order.status,
    version: order.version,
    pending_refunds: order.refunds.filter((refund) => refund.status === 'pending').length,
    merchant: order.merchant === undefined ? null : checkKey(order.merchant, 'order.merchant'),
    pending_splits: pendingSplitCount(order.splits),
    expires_at: order.expiresAt === null ? null : epochMs(order.expiresAt, 'expiresAt'),
    updated_at: orderListPosition(order).updatedAt,
    created_at: epochMs(order.createdAt, 'createdAt'),
    data: JSON.stringify(order),
  };
}

/** The filters of platform mode and money movement in a {@link ListOrdersQuery}. */
interface PlatformFilters {
  readonly merchant: string | undefined;
  readonly hasPendingSplits: boolean | undefined;
}

function platformFilters(query: ListOrdersQuery | undefined): PlatformFilters {
  const merchant = query?.merchant;
  const hasPendingSplits = query?.hasPendingSplits;
  if (hasPendingSplits !== undefined && typeof hasPendingSplits !== 'boolean') {
    throw new ValidationError('hasPendingSplits', 'must be a boolean');
  }
  return { merchant: merchant === undefined ? undefined : checkKey(merchant, 'merchant'), hasPendingSplits };
}

type Db<T> = Kysely<Record<string, T>>;

/** The same object, each method's failures as hutong errors (see {@link guarded}). */
function guardedMethods<T extends object>(target: T, name: string): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => guarded(`${name}: ${String(key)}`, () => value.apply(object, args));
    },
  });
}

/** Runs `body`, with any driver failure as a hutong error (`StoreError`, or `ValidationError` for bad text). */
async function guarded<T>(operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toStoreError(error, operation);
  }
}

class KyselyOrderStore implements SqlOrderStore {
  readonly #context: SqlStoreContext;
  readonly #db: Kysely<StoreDatabase>;
  readonly #schema: SqlSchema;
  readonly outbox: SqlOrderOutbox;
  readonly claims: OrderClaims;
  readonly transfers: TransferStore;
  readonly statements: StatementResultStore;

  constructor(context: SqlStoreContext) {
    this.#context = context;
    this.#db = context.db;
    this.#schema = context.schema;
    this.transfers = new SqlTransferStore(context);
    this.statements = new SqlStatementResultStore(context);
    // Any driver failure of the outbox reaches the relay as a StoreError, as the store's own do.
    const outbox = createSqlOutbox({
      db: context.db,
      schema: context.schema,
      ready: () => this.ready(),
      transaction: (mode, run) => context.transaction(mode, run),
    });
    this.outbox = guardedMethods(outbox, 'the outbox');
    this.claims = {
      claimOrders: (ids, options) => guarded('claiming orders', () => this.#claimOrders(ids, options)),
      releaseOrders: (ids, owner) => guarded('releasing orders', () => this.#releaseOrders(ids, owner)),
    };
  }

  #as<T>(on: Kysely<StoreDatabase> | Transaction<StoreDatabase> = this.#db): Db<T> {
    return on as unknown as Db<T>;
  }

  async #claimOrders(ids: readonly string[], options: ClaimOrdersOptions): Promise<string[]> {
    const owner = checkOutboxName(options?.owner, 'owner');
    const leaseMs = checkLease(options.leaseMs);
    if (!Array.isArray(ids)) throw new ValidationError('ids', 'must be a list of order ids');
    for (const id of ids)
      if (typeof id !== 'string' || !isStorableText(id))
        throw new ValidationError('ids', 'must be a list of order ids');
    if (ids.length === 0) return [];
    await this.ready();
    const table = this.#schema.orderClaims;
    const db = this.#as<OrderClaimsTable>();
    const claimed: string[] = [];
    for (const part of chunks([...new Set(ids)], 500)) {
      const at = Date.now();
      const until = at + leaseMs;
      // Take the ids nobody holds; then those whose lease ran out, or that are already ours. Each
      // statement is atomic, and the update re-checks its condition on the row it locks, so of
      // two claimers of an expired lease one wins.
      let insert = db.insertInto(table).values(part.map((order_id) => ({ order_id, owner, lease_until: until })));
      insert =
        this.#schema.engine === 'mysql'
          ? insert.ignore()
          : insert.onConflict((oc) => oc.column('order_id').doNothing());
      await retryTransient(() => insert.execute());
      await retryTransient(() =>
        db
          .updateTable(table)
          .set({ owner, lease_until: until })
          .where('order_id', 'in', part)
          .where((eb) => eb.or([eb('lease_until', '<=', at), eb('owner', '=', owner)]))
          .execute(),
      );
      const mine = await db
        .selectFrom(table)
        .select('order_id')
        .where('order_id', 'in', part)
        .where('owner', '=', owner)
        .where('lease_until', '=', until)
        .execute();
      claimed.push(...mine.map((row) => row.order_id));
    }
    return claimed;
  }

  async #releaseOrders(ids: readonly string[], owner: string): Promise<void> {
    checkOutboxName(owner, 'owner');
    if (!Array.isArray(ids)) throw new ValidationError('ids', 'must be a list of order ids');
    if (ids.length === 0) return;
    await this.ready();
    const storable = ids.filter((id) => typeof id === 'string' && isStorableText(id));
    for (const part of chunks([...new Set(storable)], 500)) {
      await this.#as<OrderClaimsTable>()
        .deleteFrom(this.#schema.orderClaims)
        .where('order_id', 'in', part)
        .where('owner', '=', owner)
        .execute();
    }
  }

  get tableName(): string {
    return this.#schema.orders;
  }

  ready(): Promise<void> {
    return this.#context.ready();
  }

  close(): Promise<void> {
    return this.#context.close();
  }

  async create(order: Order, events?: readonly OutboxEvent[]): Promise<void> {
    const row = toRow(order);
    return this.#context.run('creating an order', async () => {
      try {
        await this.#context.transaction({}, async (trx) => {
          await trx.insertInto(this.#schema.orders).values(row).execute();
          await indexSplits(trx as Transaction<StoreDatabase>, this.#schema, order);
          if (events && events.length > 0)
            await insertOutboxEvents(trx as Transaction<StoreDatabase>, this.#schema, events);
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError('duplicate_order', order.id, `order ${order.id} already exists`);
        }
        throw error;
      }
    });
  }

  async get(id: string): Promise<Order | undefined> {
    // No stored order has an id the database cannot hold as text (a NUL byte, a lone surrogate).
    if (typeof id !== 'string' || !isStorableText(id)) return undefined;
    return this.#context.run('reading an order', async () => {
      const row = await this.#db.selectFrom(this.#schema.orders).select('data').where('id', '=', id).executeTakeFirst();
      return row ? fromJson<Order>(row.data) : undefined;
    });
  }

  async getMany(ids: readonly string[]): Promise<Order[]> {
    if (!Array.isArray(ids)) throw new ValidationError('ids', 'must be a list of order ids');
    // No stored order has an id the database cannot hold as text: such an id is absent.
    const wanted = [...new Set(ids.filter((id) => typeof id === 'string' && isStorableText(id)))];
    if (wanted.length === 0) return [];
    return this.#context.run('reading orders', async () => {
      const out: Order[] = [];
      for (const part of chunks(wanted)) {
        const rows = await this.#db.selectFrom(this.#schema.orders).select('data').where('id', 'in', part).execute();
        for (const row of rows) out.push(fromJson<Order>(row.data));
      }
      return out;
    });
  }

  async update(order: Order, expectedVersion: number, events?: readonly OutboxEvent[]): Promise<boolean> {
    const { id, ...columns } = toRow(order);
    // One statement: the row is replaced only while its version is still the one read, so of
    // concurrent writers from the same version exactly one matches. With events, the order and
    // its events commit together, or neither does; a writer that lost the compare-and-set writes
    // no event. A deadlock rolls the whole transaction back, so running it again is safe.
    return this.#context.run('updating an order', () =>
      this.#context.transaction({}, async (trx) => {
        const written = await trx
          .updateTable(this.#schema.orders)
          .set(columns)
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(written.numUpdatedRows) !== 1) return false;
        await indexSplits(trx as Transaction<StoreDatabase>, this.#schema, order);
        if (events && events.length > 0)
          await insertOutboxEvents(trx as Transaction<StoreDatabase>, this.#schema, events);
        return true;
      }),
    );
  }

  async findOrdersBySplit(provider: string, splitId: string, trade?: string): Promise<Order[]> {
    // No split has an id the database cannot hold as text: nothing has it.
    if (typeof provider !== 'string' || typeof splitId !== 'string') return [];
    if (trade !== undefined && typeof trade !== 'string') return [];
    if (!isStorableText(provider) || !isStorableText(splitId)) return [];
    return this.#context.run('finding a split', async () => {
      const orders = await this.getMany(await ordersWithSplit(this.#db, this.#schema, provider, splitId, trade));
      // Exact, as the memory store: MySQL's collations ignore trailing spaces, and an index row
      // whose trade is unknown (written by an older process) is checked against its order here.
      return orders.filter(
        (order) =>
          order.provider === provider &&
          order.splits?.some((split) => split.id === splitId) === true &&
          (trade === undefined || order.providerTransactionId === trade),
      );
    });
  }

  async listOrders(query?: ListOrdersQuery): Promise<OrderPage> {
    const q = normalizeListOrdersQuery(query);
    if (q.provider !== undefined) checkStorableText(q.provider, 'provider');
    if (q.after) checkStorableText(q.after.id, 'cursor');
    const platform = platformFilters(query);
    return this.#context.run('listing orders', () => this.#list(q, platform));
  }

  async #list(q: ReturnType<typeof normalizeListOrdersQuery>, platform: PlatformFilters): Promise<OrderPage> {
    let select = this.#db.selectFrom(this.#schema.orders).select('data');
    if (q.statuses) select = select.where('status', 'in', q.statuses);
    if (q.provider !== undefined) select = select.where('provider', '=', q.provider);
    if (platform.merchant !== undefined) select = select.where('merchant', '=', platform.merchant);
    if (platform.hasPendingSplits !== undefined) {
      select = select.where('pending_splits', platform.hasPendingSplits ? '>' : '=', 0);
    }
    if (q.updatedBefore !== undefined) select = select.where('updated_at', '<', q.updatedBefore);
    if (q.expiresBefore !== undefined) {
      select = select.where('expires_at', 'is not', null).where('expires_at', '<', q.expiresBefore);
    }
    if (q.hasPendingRefunds !== undefined) {
      select = select.where('pending_refunds', q.hasPendingRefunds ? '>' : '=', 0);
    }
    if (q.after) select = select.where(afterListPosition(q.after));
    const rows = await select
      .orderBy('updated_at')
      .orderBy('id')
      .limit(q.limit + 1)
      .execute();
    const orders = rows.slice(0, q.limit).map((row) => fromJson<Order>(row.data));
    const last = orders.at(-1);
    return {
      orders,
      cursor: rows.length > q.limit && last ? encodeOrderCursor(orderListPosition(last)) : null,
    };
  }
}

/**
 * An {@link OrderStore} on PostgreSQL, MySQL/MariaDB or SQLite, through the Kysely instance you
 * already have. Each order is one row: the fields `listOrders` filters on as indexed columns, and
 * the whole order as JSON. `update` is one compare-and-set statement on `version`; a duplicate id
 * is `ConflictError('duplicate_order')`. Unless `migrate: false`, the first call migrates the
 * tables (see {@link migrateToLatest}).
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { Kysely, SqliteDialect } from 'kysely';
 * import { createPayments } from '@hutong/core';
 * import { createSqlStore } from '@hutong/store-sql';
 *
 * const db = new Kysely({ dialect: new SqliteDialect({ database: new Database('orders.db') }) });
 * const payments = createPayments({ providers: [alipay({ ... })], store: createSqlStore({ db }) });
 * ```
 */
export function createSqlStore<DB>(options: SqlStoreOptions<DB>): SqlOrderStore {
  return new KyselyOrderStore(new SqlStoreContext(options as SqlConnectionOptions));
}
