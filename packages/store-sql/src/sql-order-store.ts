/**
 * `createSqlStore`: an {@link OrderStore} on PostgreSQL, MySQL/MariaDB or SQLite through Kysely.
 *
 * @packageDocumentation
 */
import {
  type ClaimOrdersOptions,
  ConflictError,
  checkLease,
  checkOutboxName,
  encodeOrderCursor,
  type ListOrdersQuery,
  normalizeListOrdersQuery,
  type Order,
  type OrderClaims,
  type OrderPage,
  type OrderStore,
  type OutboxEvent,
  orderListPosition,
  ValidationError,
} from '@hutong/core';
import type { Kysely, Transaction } from 'kysely';
import { createSqlOutbox, insertOutboxEvents, type SqlOrderOutbox } from './sql-outbox.js';
import {
  type OrderClaimsTable,
  type OrdersTable,
  resolveSchema,
  runMigrations,
  type SqlSchema,
  type SqlSchemaOptions,
  type StoreDatabase,
} from './sql-schema.js';

/**
 * Options of {@link createSqlStore}.
 *
 * @example
 * ```ts
 * const options: SqlStoreOptions<Database> = { db, migrate: false, tablePrefix: 'shop_' };
 * ```
 */
export interface SqlStoreOptions<DB = unknown> extends SqlSchemaOptions {
  /**
   * A Kysely instance on PostgreSQL (`PostgresDialect`), MySQL/MariaDB (`MysqlDialect`) or SQLite
   * (`SqliteDialect`). The store never closes it: `db.destroy()` is the caller's.
   */
  readonly db: Kysely<DB>;
  /**
   * Run the migrations on first use (default `true`). Set `false` when the deploy step runs
   * {@link migrateToLatest}.
   */
  readonly migrate?: boolean | undefined;
}

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
}

/** Whether a driver error is a unique-key violation (PostgreSQL, MySQL/MariaDB, SQLite). */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return (
    e.code === '23505' ||
    e.code === 'ER_DUP_ENTRY' ||
    e.errno === 1062 ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

function epochMs(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(field, 'is not an ISO-8601 time');
  return ms;
}

/** The indexed columns and the JSON of an order. */
function toRow(order: Order): OrdersTable {
  return {
    id: order.id,
    provider: order.provider,
    status: order.status,
    version: order.version,
    pending_refunds: order.refunds.filter((refund) => refund.status === 'pending').length,
    expires_at: order.expiresAt === null ? null : epochMs(order.expiresAt, 'expiresAt'),
    updated_at: orderListPosition(order).updatedAt,
    created_at: epochMs(order.createdAt, 'createdAt'),
    data: JSON.stringify(order),
  };
}

/** Whether a driver error says the transaction lost a deadlock or a lock wait, and may be retried. */
function isTransient(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return (
    e.code === '40001' ||
    e.code === '40P01' ||
    e.errno === 1213 ||
    e.errno === 1205 ||
    (typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY'))
  );
}

const CLAIM_ATTEMPTS = 8;

async function retryTransient<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isTransient(error) || attempt >= CLAIM_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20 * attempt));
    }
  }
}

/** Splits a list into chunks, so `in (...)` lists stay short. */
function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function fromData(data: unknown): Order {
  // Drivers hand text columns back as strings; a JSON column (MySQL's own) may come parsed.
  return (typeof data === 'string' ? JSON.parse(data) : data) as Order;
}

type Db<T> = Kysely<Record<string, T>>;

class KyselyOrderStore implements SqlOrderStore {
  readonly #db: Kysely<StoreDatabase>;
  readonly #schema: SqlSchema;
  readonly #migrate: boolean;
  #migrated: Promise<void> | undefined;
  readonly outbox: SqlOrderOutbox;
  readonly claims: OrderClaims;

  constructor(db: Kysely<StoreDatabase>, schema: SqlSchema, migrate: boolean) {
    this.#db = db;
    this.#schema = schema;
    this.#migrate = migrate;
    this.outbox = createSqlOutbox({ db, schema, ready: () => this.ready(), retryTransient });
    this.claims = {
      claimOrders: (ids, options) => this.#claimOrders(ids, options),
      releaseOrders: (ids, owner) => this.#releaseOrders(ids, owner),
    };
  }

  #as<T>(on: Kysely<StoreDatabase> | Transaction<StoreDatabase> = this.#db): Db<T> {
    return on as unknown as Db<T>;
  }

  async #claimOrders(ids: readonly string[], options: ClaimOrdersOptions): Promise<string[]> {
    const owner = checkOutboxName(options?.owner, 'owner');
    const leaseMs = checkLease(options.leaseMs);
    if (!Array.isArray(ids)) throw new ValidationError('ids', 'must be a list of order ids');
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
    for (const part of chunks([...new Set(ids)], 500)) {
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
    if (!this.#migrate) return Promise.resolve();
    this.#migrated ??= runMigrations(this.#db as unknown as Kysely<unknown>, this.#schema).then(
      () => undefined,
      (error: unknown) => {
        // The next call tries again (the database may have been briefly down).
        this.#migrated = undefined;
        throw error;
      },
    );
    return this.#migrated;
  }

  async create(order: Order, events?: readonly OutboxEvent[]): Promise<void> {
    await this.ready();
    const row = toRow(order);
    try {
      if (events && events.length > 0) {
        await retryTransient(() =>
          this.#db.transaction().execute(async (trx) => {
            await trx.insertInto(this.#schema.orders).values(row).execute();
            await insertOutboxEvents(trx, this.#schema, events);
          }),
        );
      } else {
        await this.#db.insertInto(this.#schema.orders).values(row).execute();
      }
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('duplicate_order', order.id, `order ${order.id} already exists`);
      }
      throw error;
    }
  }

  async get(id: string): Promise<Order | undefined> {
    await this.ready();
    const row = await this.#db.selectFrom(this.#schema.orders).select('data').where('id', '=', id).executeTakeFirst();
    return row ? fromData(row.data) : undefined;
  }

  async update(order: Order, expectedVersion: number, events?: readonly OutboxEvent[]): Promise<boolean> {
    await this.ready();
    const { id, ...columns } = toRow(order);
    // One statement: the row is replaced only while its version is still the one read, so of
    // concurrent writers from the same version exactly one matches.
    const write = (on: Kysely<StoreDatabase>) =>
      on
        .updateTable(this.#schema.orders)
        .set(columns)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
    if (!events || events.length === 0) return Number((await write(this.#db)).numUpdatedRows) === 1;
    // With events: the order and its events commit together, or neither does. A writer that lost
    // the compare-and-set writes no event.
    // A deadlock rolls the whole transaction back, so running it again is safe.
    return retryTransient(() =>
      this.#db.transaction().execute(async (trx) => {
        if (Number((await write(trx)).numUpdatedRows) !== 1) return false;
        await insertOutboxEvents(trx, this.#schema, events);
        return true;
      }),
    );
  }

  async listOrders(query?: ListOrdersQuery): Promise<OrderPage> {
    const q = normalizeListOrdersQuery(query);
    await this.ready();
    let select = this.#db.selectFrom(this.#schema.orders).select('data');
    if (q.statuses) select = select.where('status', 'in', q.statuses);
    if (q.provider !== undefined) select = select.where('provider', '=', q.provider);
    if (q.updatedBefore !== undefined) select = select.where('updated_at', '<', q.updatedBefore);
    if (q.expiresBefore !== undefined) {
      select = select.where('expires_at', 'is not', null).where('expires_at', '<', q.expiresBefore);
    }
    if (q.hasPendingRefunds !== undefined) {
      select = select.where('pending_refunds', q.hasPendingRefunds ? '>' : '=', 0);
    }
    const after = q.after;
    if (after) {
      select = select.where((eb) =>
        eb.or([
          eb('updated_at', '>', after.updatedAt),
          eb.and([eb('updated_at', '=', after.updatedAt), eb('id', '>', after.id)]),
        ]),
      );
    }
    const rows = await select
      .orderBy('updated_at')
      .orderBy('id')
      .limit(q.limit + 1)
      .execute();
    const orders = rows.slice(0, q.limit).map((row) => fromData(row.data));
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
  if (!options || typeof options.db?.selectFrom !== 'function') {
    throw new ValidationError('db', 'must be a Kysely instance');
  }
  const db = options.db as unknown as Kysely<StoreDatabase>;
  const schema = resolveSchema(db as unknown as Kysely<unknown>, options);
  return new KyselyOrderStore(db, schema, options.migrate ?? true);
}
