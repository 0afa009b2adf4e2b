/**
 * The outbox of `@hutong/store-sql`: the events a store writes with its orders, their claims by
 * consumer groups, acknowledgements and pruning.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import {
  type ClaimEventsOptions,
  type ClaimedOutboxEvent,
  checkClaimEventsOptions,
  checkOutboxName,
  checkPruneEventsOptions,
  checkReleaseEventsOptions,
  type OrderOutbox,
  type OutboxEvent,
  type PruneEventsOptions,
  type ReleaseEventsOptions,
} from '@hutong/core/store-kit';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { OutboxClaimsTable, OutboxCursorsTable, OutboxTable, SqlSchema, StoreDatabase } from './sql-schema.js';
import type { TransactionMode } from './sql-transaction.js';

/**
 * The outbox of a {@link SqlOrderStore}: claims (with `FOR UPDATE SKIP LOCKED` on PostgreSQL and
 * MySQL/MariaDB, in a `BEGIN IMMEDIATE` transaction on SQLite), acknowledgements and releases in
 * batches, and pruning in small batches (the relay prunes by itself, see its `retentionMs`).
 *
 * @example
 * ```ts
 * // Forget the oldest events older than a week that the default group acknowledged.
 * await store.outbox.pruneEvents(new Date(Date.now() - 7 * 86_400_000), { group: 'default' });
 * ```
 */
export type SqlOrderOutbox = OrderOutbox;

/** What the outbox needs from its store: the connection, the tables, and the store's policies. */
export interface SqlOutboxContext {
  readonly db: Kysely<StoreDatabase>;
  readonly schema: SqlSchema;
  /** Resolves once the tables are migrated. */
  readonly ready: () => Promise<void>;
  /**
   * Runs `run` in a transaction with the store's lock and statement timeouts (a lock held by another
   * session fails it in about the lock timeout instead of waiting for ever), again while it fails
   * with a transient error (a deadlock, SQLITE_BUSY). Every outbox statement runs through it.
   */
  readonly transaction: <T>(mode: TransactionMode, run: (trx: Kysely<StoreDatabase>) => Promise<T>) => Promise<T>;
}

type Db<T> = Kysely<Record<string, T>>;

function as<T>(on: Kysely<StoreDatabase> | Transaction<StoreDatabase>): Db<T> {
  return on as unknown as Db<T>;
}

/** At most this many ids in one `in (...)` list. */
const ID_CHUNK = 500;

function outboxRow(event: OutboxEvent): Omit<OutboxTable, 'seq'> {
  const createdAt = Date.parse(event.createdAt);
  if (Number.isNaN(createdAt)) throw new ValidationError('createdAt', 'is not an ISO-8601 time');
  return {
    id: event.id,
    order_id: event.orderId,
    type: event.type,
    payload: JSON.stringify(event.payload),
    created_at: createdAt,
  };
}

/**
 * Writes `events` to the outbox inside the store's transaction `trx`, so they commit with the order.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   await trx.insertInto(schema.orders).values(row).execute();
 *   await insertOutboxEvents(trx, schema, events);
 * });
 * ```
 */
export async function insertOutboxEvents(
  trx: Transaction<StoreDatabase>,
  schema: SqlSchema,
  events: readonly OutboxEvent[],
): Promise<void> {
  await as<Omit<OutboxTable, 'seq'>>(trx).insertInto(schema.outbox).values(events.map(outboxRow)).execute();
}

/** The distinct `ids`, in chunks for `in (...)` lists. */
function idChunks(ids: readonly string[]): string[][] {
  const unique = [...new Set(ids)];
  const out: string[][] = [];
  for (let start = 0; start < unique.length; start += ID_CHUNK) out.push(unique.slice(start, start + ID_CHUNK));
  return out;
}

/** The seqs of the events `ids` (a plain read by the unique id). */
async function seqsOf(trx: Kysely<StoreDatabase>, schema: SqlSchema, ids: readonly string[]): Promise<number[]> {
  const rows = await as<OutboxTable>(trx).selectFrom(schema.outbox).select('seq').where('id', 'in', ids).execute();
  return rows.map((row) => Number(row.seq));
}

function claimToken(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * The outbox of a SQL store on the tables of `context.schema`.
 *
 * @example
 * ```ts
 * const outbox = createSqlOutbox({ db, schema, ready: () => store.ready(), transaction: (mode, run) => context.transaction(mode, run) });
 * const events = await outbox.claimEvents({ group: 'default', consumer: 'web-1', limit: 100, leaseMs: 30_000 });
 * ```
 */
export function createSqlOutbox(context: SqlOutboxContext): SqlOrderOutbox {
  return new KyselyOutbox(context);
}

/** How often, per group, a claim looks for events committed late. */
const STRAGGLER_SCAN_MS = 2000;
/**
 * Longer than a seq stays uncommitted: it is taken by the outbox insert, the last statement of its
 * transaction before the commit, and a statement is cut off well before this.
 */
const STRAGGLER_HORIZON_MS = 30_000;

class KyselyOutbox implements SqlOrderOutbox {
  readonly #context: SqlOutboxContext;
  /** Per group, when this instance last looked for events committed late. */
  readonly #scannedAt = new Map<string, number>();

  constructor(context: SqlOutboxContext) {
    this.#context = context;
  }

  /**
   * A transaction that reads then writes, with the store's timeouts: READ COMMITTED on PostgreSQL
   * and MySQL (no gap locks, each statement sees the latest commits), BEGIN IMMEDIATE on SQLite (the
   * one writer from the start).
   */
  #claimTransaction<T>(run: (trx: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
    return this.#context.transaction({ readCommitted: true }, run);
  }

  /**
   * Events this group never claimed with a seq at or below `after`, the last seq it claimed: on
   * PostgreSQL and MySQL a transaction may take a seq, then commit after a later one was claimed.
   * Looked for at most every {@link STRAGGLER_SCAN_MS} per group, between the group's floor and
   * `after`, oldest first. The floor (every event at or below it is claimed) moves up only to what
   * was all claimed {@link STRAGGLER_HORIZON_MS} ago: a seq taken before then has committed (or
   * rolled back) since, as no store transaction lasts that long. So the scan covers the last
   * 30 to 60 s of events, never the whole table. SQLite commits in the order it numbers, so it
   * has none.
   */
  async #stragglers(trx: Kysely<StoreDatabase>, group: string, after: number, room: number, at: number) {
    const { schema } = this.#context;
    if (schema.engine === 'sqlite' || after === 0) return [];
    if ((this.#scannedAt.get(group) ?? 0) > at - STRAGGLER_SCAN_MS) return [];
    this.#scannedAt.set(group, at);
    const cursors = as<OutboxCursorsTable>(trx);
    const cursor = await cursors
      .selectFrom(schema.outboxCursors)
      .select(['floor_seq', 'pending_seq', 'pending_at'])
      .where('group_name', '=', group)
      .executeTakeFirst();
    const floor = Number(cursor?.floor_seq ?? 0);
    const late = (
      await as<OutboxTable & OutboxClaimsTable>(trx)
        .selectFrom(`${schema.outbox} as e`)
        .select('e.seq')
        .where('e.seq', '>', floor)
        .where('e.seq', '<=', after)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom(`${schema.outboxClaims} as c`)
                .select(sql.lit(1).as('one'))
                .where('c.group_name', '=', group)
                .whereRef('c.event_seq', '=', 'e.seq'),
            ),
          ),
        )
        .orderBy('e.seq')
        .limit(room)
        .forUpdate()
        .skipLocked()
        .execute()
    ).map((row) => Number(row.seq));
    // Every visible event up to here is claimed now (or by this claim).
    const claimedUpTo = late.length < room ? after : (late.at(-1) as number);
    if (!cursor) {
      let insert = cursors.insertInto(schema.outboxCursors).values({
        group_name: group,
        floor_seq: 0,
        pending_seq: claimedUpTo,
        pending_at: at,
      });
      insert =
        schema.engine === 'mysql' ? insert.ignore() : insert.onConflict((oc) => oc.column('group_name').doNothing());
      await insert.execute();
    } else if (Number(cursor.pending_at) <= at - STRAGGLER_HORIZON_MS) {
      // What was all claimed a horizon ago, unless an event below it turned up unclaimed since.
      const firstLate = late[0];
      const next = Math.min(Number(cursor.pending_seq), firstLate === undefined ? after : firstLate - 1);
      await cursors
        .updateTable(schema.outboxCursors)
        .set({ floor_seq: Math.max(floor, next), pending_seq: claimedUpTo, pending_at: at })
        .where('group_name', '=', group)
        .execute();
    }
    return late;
  }

  async claimEvents(options: ClaimEventsOptions): Promise<ClaimedOutboxEvent[]> {
    const { group, consumer, limit, leaseMs } = checkClaimEventsOptions(options);
    const { schema, ready } = this.#context;
    await ready();
    const { outbox, outboxClaims } = schema;
    const skipLocked = schema.engine !== 'sqlite';
    const token = claimToken();
    const rows = await this.#claimTransaction(async (trx) => {
      const at = Date.now();
      const claims = as<OutboxClaimsTable>(trx);
      // 1. Events of this group whose lease ran out unacknowledged.
      let expired = claims
        .selectFrom(outboxClaims)
        .select('event_seq')
        .where('group_name', '=', group)
        .where('acked_at', 'is', null)
        .where('lease_until', '<=', at)
        .orderBy('event_seq')
        .limit(limit);
      if (skipLocked) expired = expired.forUpdate().skipLocked();
      const stale = (await expired.execute()).map((row) => Number(row.event_seq));
      const candidates = [...stale];
      if (stale.length > 0) {
        await claims
          .updateTable(outboxClaims)
          .set((eb) => ({ consumer, token, lease_until: at + leaseMs, attempts: eb('attempts', '+', 1) }))
          .where('group_name', '=', group)
          .where('event_seq', 'in', stale)
          .where('acked_at', 'is', null)
          .where('lease_until', '<=', at)
          .execute();
      }
      // 2. Events this group never claimed: those after the last it claimed (a range of the
      // primary key, whatever the size of the table), and, every few seconds, those committed
      // late behind it (see #stragglers). Rows another claimer holds locked are skipped; the
      // primary key of the claims table settles any remaining race (the loser inserts nothing).
      const room = limit - stale.length;
      if (room > 0) {
        const last = await claims
          .selectFrom(outboxClaims)
          .select((eb) => eb.fn.max('event_seq').as('seq'))
          .where('group_name', '=', group)
          .executeTakeFirst();
        const after = Number(last?.seq ?? 0);
        const late = await this.#stragglers(trx, group, after, room, at);
        let fresh = as<OutboxTable>(trx)
          .selectFrom(outbox)
          .select('seq')
          .where('seq', '>', after)
          .orderBy('seq')
          .limit(room - late.length);
        if (skipLocked) fresh = fresh.forUpdate().skipLocked();
        const seqs = late.length < room ? [...late, ...(await fresh.execute()).map((row) => Number(row.seq))] : late;
        candidates.push(...seqs);
        if (seqs.length > 0) {
          let insert = claims.insertInto(outboxClaims).values(
            seqs.map((seq) => ({
              group_name: group,
              event_seq: seq,
              consumer,
              token,
              lease_until: at + leaseMs,
              attempts: 1,
              acked_at: null,
            })),
          );
          insert =
            schema.engine === 'mysql'
              ? insert.ignore()
              : insert.onConflict((oc) => oc.columns(['group_name', 'event_seq']).doNothing());
          await insert.execute();
        }
      }
      if (candidates.length === 0) return [];
      // What this claim won (a racing claimer may have taken some), by primary key on both tables.
      return as<OutboxTable & OutboxClaimsTable>(trx)
        .selectFrom(`${outbox} as e`)
        .innerJoin(`${outboxClaims} as c`, (join) =>
          join.onRef('c.event_seq', '=', 'e.seq').on('c.group_name', '=', group),
        )
        .select(['e.id', 'e.order_id', 'e.type', 'e.payload', 'e.created_at', 'c.attempts'])
        .where('e.seq', 'in', candidates)
        .where('c.token', '=', token)
        .orderBy('e.seq')
        .execute();
    });
    return rows.map(
      (row) =>
        ({
          id: row.id,
          type: row.type,
          orderId: row.order_id,
          payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
          createdAt: new Date(Number(row.created_at)).toISOString(),
          attempts: Number(row.attempts),
        }) as ClaimedOutboxEvent,
    );
  }

  async ackEvents(ids: readonly string[], group: string): Promise<number> {
    checkOutboxName(group, 'group');
    if (!Array.isArray(ids)) throw new ValidationError('ids', 'must be a list of event ids');
    if (ids.length === 0) return 0;
    const { schema, ready, transaction } = this.#context;
    await ready();
    let acked = 0;
    // One short transaction per chunk, under the store's lock timeout: a claim row another session
    // holds fails the call with store_timeout instead of blocking it (and the relay) for ever.
    for (const part of idChunks(ids)) {
      acked += await transaction({}, async (trx) => {
        const seqs = await seqsOf(trx, schema, part);
        if (seqs.length === 0) return 0;
        const result = await as<OutboxClaimsTable>(trx)
          .updateTable(schema.outboxClaims)
          .set({ acked_at: Date.now() })
          .where('group_name', '=', group)
          .where('event_seq', 'in', seqs)
          .where('acked_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows);
      });
    }
    return acked;
  }

  async releaseEvents(ids: readonly string[], options: ReleaseEventsOptions): Promise<number> {
    const { group, delayMs, attempted } = checkReleaseEventsOptions(ids, options);
    if (ids.length === 0) return 0;
    const { schema, ready, transaction } = this.#context;
    await ready();
    let released = 0;
    for (const part of idChunks(ids)) {
      released += await transaction({}, async (trx) => {
        const seqs = await seqsOf(trx, schema, part);
        if (seqs.length === 0) return 0;
        const result = await as<OutboxClaimsTable>(trx)
          .updateTable(schema.outboxClaims)
          .set((eb) => ({
            lease_until: Date.now() + delayMs,
            attempts: attempted === false ? eb('attempts', '-', 1) : eb.ref('attempts'),
          }))
          .where('group_name', '=', group)
          .where('event_seq', 'in', seqs)
          .where('acked_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows);
      });
    }
    return released;
  }

  async pruneEvents(before: Date, options: PruneEventsOptions = {}): Promise<number> {
    const ms = checkPruneEventsOptions(before, options);
    const { schema, ready, transaction } = this.#context;
    await ready();
    const { outbox, outboxClaims } = schema;
    // One short transaction under the store's timeouts, by primary key: only these rows are locked.
    return transaction({}, async (trx) => {
      const on = as<OutboxTable & OutboxClaimsTable>(trx);
      // The oldest `limit` events by primary key (never a scan of the table), then those of them
      // that are old enough and, with a group, acknowledged by it.
      const window = await on
        .selectFrom(outbox)
        .select(['seq', 'created_at'])
        .orderBy('seq')
        .limit(options.limit ?? 500)
        .execute();
      let seqs = window.filter((row) => Number(row.created_at) < ms).map((row) => Number(row.seq));
      if (seqs.length > 0 && options.group !== undefined) {
        const acked = await on
          .selectFrom(outboxClaims)
          .select('event_seq')
          .where('group_name', '=', options.group)
          .where('event_seq', 'in', seqs)
          .where('acked_at', 'is not', null)
          .execute();
        seqs = acked.map((row) => Number(row.event_seq));
      }
      if (seqs.length === 0) return 0;
      const result = await as<OutboxTable>(trx).deleteFrom(outbox).where('seq', 'in', seqs).executeTakeFirst();
      await as<OutboxClaimsTable>(trx).deleteFrom(outboxClaims).where('event_seq', 'in', seqs).execute();
      return Number(result.numDeletedRows);
    });
  }
}
