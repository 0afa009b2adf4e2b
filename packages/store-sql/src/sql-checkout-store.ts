/**
 * `createSqlCheckoutStore`: `@hutong/checkout`'s session store on PostgreSQL, MySQL/MariaDB or
 * SQLite, so checkout links, pay-for-me links and printed static codes survive a restart.
 *
 * @packageDocumentation
 */
import { ConflictError, ValidationError } from '@hutong/core';
import type { Kysely } from 'kysely';
import type { CheckoutAttemptsTable, CheckoutSessionsTable, CheckoutTokensTable } from './sql-checkout-schema.js';
import { checkStorableText, isStorableText } from './sql-errors.js';
import { isUniqueViolation, type SqlConnectionOptions, SqlStoreContext } from './sql-store-context.js';

/**
 * What the store reads of a checkout session (the rest is kept as JSON): `@hutong/checkout`'s
 * `CheckoutSession` has these fields.
 *
 * @example
 * ```ts
 * const shape: SqlCheckoutSessionShape = { id: 'sess0001', version: 1, status: 'open', expiresAt: '2024-01-01T00:30:00Z' };
 * ```
 */
export interface SqlCheckoutSessionShape {
  readonly id: string;
  readonly version: number;
  readonly status: string;
  readonly expiresAt: string;
}

/**
 * What the store reads of a checkout attempt (the rest is kept as JSON): `@hutong/checkout`'s
 * `CheckoutAttempt` has these fields.
 *
 * @example
 * ```ts
 * const shape: SqlCheckoutAttemptShape = { orderId: 'order0001', sessionId: 'sess0001' };
 * ```
 */
export interface SqlCheckoutAttemptShape {
  readonly orderId: string;
  readonly sessionId: string;
}

/**
 * `@hutong/checkout`'s `CheckoutStore` kept in SQL (its methods, with the session and attempt
 * types as parameters so this package does not depend on the checkout), plus `ready` and `close`.
 *
 * @example
 * ```ts
 * const sessions: SqlCheckoutStore = createSqlCheckoutStore({ pool });
 * await sessions.ready();
 * ```
 */
export interface SqlCheckoutStore<
  S extends SqlCheckoutSessionShape = SqlCheckoutSessionShape,
  A extends SqlCheckoutAttemptShape = SqlCheckoutAttemptShape,
> {
  /** Inserts a session; `ConflictError` (`duplicate_order`) when the id exists. */
  createSession(session: S): Promise<void>;
  /** The session with this id, or `undefined`. */
  getSession(id: string): Promise<S | undefined>;
  /** Replaces the session if, and only if, the stored version is `expectedVersion`; whether it wrote. */
  updateSession(session: S, expectedVersion: number): Promise<boolean>;
  /** Open sessions whose `expiresAt` is before `before`, soonest first, at most `limit`. */
  listExpiredSessions(before: Date, limit: number): Promise<S[]>;
  /** Inserts an attempt; `ConflictError` (`duplicate_order`) when its order id exists. */
  addAttempt(attempt: A): Promise<void>;
  /** The attempt made as this order, or `undefined`. */
  getAttempt(orderId: string): Promise<A | undefined>;
  /** A session's attempts, in the order they were added. */
  listAttempts(sessionId: string): Promise<A[]>;
  /** Records a one-time token (an OAuth `state`): true the first time, false ever after (until `expiresAt`). */
  useOnce(token: string, expiresAt: Date): Promise<boolean>;
  /** Resolves once the tables are migrated (when `migrate` is on). */
  ready(): Promise<void>;
  /** Ends the pool the store built from `url`; a `db` or `pool` you gave is left open. */
  close(): Promise<void>;
}

/**
 * Options of {@link createSqlCheckoutStore}: the same as `createSqlStore`'s (`db`, `pool` or `url`;
 * `tablePrefix`, `schema`, `migrate`, timeouts). With the same `tablePrefix` and `schema` as the
 * order store the tables sit beside the orders and share their migrations.
 *
 * @example
 * ```ts
 * const options: SqlCheckoutStoreOptions = { pool, tablePrefix: 'shop_' };
 * ```
 */
export interface SqlCheckoutStoreOptions<DB = unknown> extends SqlConnectionOptions<DB> {}

/** Longest one-time token kept (an OAuth state is far shorter). */
const MAX_TOKEN_LENGTH = 255;
/** Expired tokens are swept once every this many `useOnce` calls. */
const SWEEP_EVERY = 256;

type Db<T> = Kysely<Record<string, T>>;

function parse<T>(data: unknown): T {
  return (typeof data === 'string' ? JSON.parse(data) : data) as T;
}

function epochMs(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(field, 'is not an ISO-8601 time');
  return ms;
}

class KyselyCheckoutStore<S extends SqlCheckoutSessionShape, A extends SqlCheckoutAttemptShape>
  implements SqlCheckoutStore<S, A>
{
  readonly #context: SqlStoreContext;
  #calls = 0;

  constructor(context: SqlStoreContext) {
    this.#context = context;
  }

  #db<T>(): Db<T> {
    return this.#context.db as unknown as Db<T>;
  }

  ready(): Promise<void> {
    return this.#context.ready();
  }

  close(): Promise<void> {
    return this.#context.close();
  }

  async createSession(session: S): Promise<void> {
    const row: CheckoutSessionsTable = {
      id: checkStorableText(session.id, 'session.id'),
      status: session.status,
      version: session.version,
      expires_at: epochMs(session.expiresAt, 'session.expiresAt'),
      data: JSON.stringify(session),
    };
    await this.#context.run('creating a checkout session', async () => {
      try {
        await this.#db<CheckoutSessionsTable>().insertInto(this.#context.schema.checkoutSessions).values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError('duplicate_order', session.id, `checkout session ${session.id} already exists`);
        }
        throw error;
      }
    });
  }

  async getSession(id: string): Promise<S | undefined> {
    if (typeof id !== 'string' || !isStorableText(id)) return undefined;
    return this.#context.run('reading a checkout session', async () => {
      const row = await this.#db<CheckoutSessionsTable>()
        .selectFrom(this.#context.schema.checkoutSessions)
        .select('data')
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? parse<S>(row.data) : undefined;
    });
  }

  async updateSession(session: S, expectedVersion: number): Promise<boolean> {
    const id = checkStorableText(session.id, 'session.id');
    const columns = {
      status: session.status,
      version: session.version,
      expires_at: epochMs(session.expiresAt, 'session.expiresAt'),
      data: JSON.stringify(session),
    };
    // One compare-and-set statement, in a transaction with the store's lock timeout: of concurrent
    // writers from the same version exactly one matches.
    return this.#context.run('updating a checkout session', () =>
      this.#context.transaction({}, async (trx) => {
        const result = await (trx as unknown as Db<CheckoutSessionsTable>)
          .updateTable(this.#context.schema.checkoutSessions)
          .set(columns)
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }),
    );
  }

  async listExpiredSessions(before: Date, limit: number): Promise<S[]> {
    const ms = before instanceof Date ? before.getTime() : Number.NaN;
    if (Number.isNaN(ms)) throw new ValidationError('before', 'must be a valid Date');
    if (!Number.isInteger(limit) || limit < 1) throw new ValidationError('limit', 'must be a positive integer');
    return this.#context.run('listing expired checkout sessions', async () => {
      const rows = await this.#db<CheckoutSessionsTable>()
        .selectFrom(this.#context.schema.checkoutSessions)
        .select('data')
        .where('status', '=', 'open')
        .where('expires_at', '<', ms)
        .orderBy('expires_at')
        .orderBy('id')
        .limit(Math.min(limit, 10_000))
        .execute();
      return rows.map((row) => parse<S>(row.data));
    });
  }

  async addAttempt(attempt: A): Promise<void> {
    const row = {
      order_id: checkStorableText(attempt.orderId, 'attempt.orderId'),
      session_id: checkStorableText(attempt.sessionId, 'attempt.sessionId'),
      data: JSON.stringify(attempt),
    };
    await this.#context.run('adding a checkout attempt', async () => {
      try {
        await this.#db<Omit<CheckoutAttemptsTable, 'seq'>>()
          .insertInto(this.#context.schema.checkoutAttempts)
          .values(row)
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError('duplicate_order', attempt.orderId, `attempt ${attempt.orderId} already exists`);
        }
        throw error;
      }
    });
  }

  async getAttempt(orderId: string): Promise<A | undefined> {
    if (typeof orderId !== 'string' || !isStorableText(orderId)) return undefined;
    return this.#context.run('reading a checkout attempt', async () => {
      const row = await this.#db<CheckoutAttemptsTable>()
        .selectFrom(this.#context.schema.checkoutAttempts)
        .select('data')
        .where('order_id', '=', orderId)
        .executeTakeFirst();
      return row ? parse<A>(row.data) : undefined;
    });
  }

  async listAttempts(sessionId: string): Promise<A[]> {
    if (typeof sessionId !== 'string' || !isStorableText(sessionId)) return [];
    return this.#context.run('listing checkout attempts', async () => {
      const rows = await this.#db<CheckoutAttemptsTable>()
        .selectFrom(this.#context.schema.checkoutAttempts)
        .select('data')
        .where('session_id', '=', sessionId)
        .orderBy('seq')
        .execute();
      return rows.map((row) => parse<A>(row.data));
    });
  }

  async useOnce(token: string, expiresAt: Date): Promise<boolean> {
    const until = expiresAt instanceof Date ? expiresAt.getTime() : Number.NaN;
    if (Number.isNaN(until)) throw new ValidationError('expiresAt', 'must be a valid Date');
    // A token no store could hold was never issued: refused, as a used one is.
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH || !isStorableText(token)) {
      return false;
    }
    const { engine, checkoutTokens } = this.#context.schema;
    const sweep = ++this.#calls % SWEEP_EVERY === 0;
    return this.#context.run('using a one-time token', async () => {
      const db = this.#db<CheckoutTokensTable>();
      const now = Date.now();
      // A token past its expiry may be forgotten (it is refused anyway by whoever issued it).
      await db.deleteFrom(checkoutTokens).where('token', '=', token).where('expires_at', '<', now).execute();
      let insert = db.insertInto(checkoutTokens).values({ token, expires_at: until });
      insert = engine === 'mysql' ? insert.ignore() : insert.onConflict((oc) => oc.column('token').doNothing());
      const result = await insert.executeTakeFirst();
      if (sweep) await db.deleteFrom(checkoutTokens).where('expires_at', '<', now).execute();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    });
  }
}

/**
 * `@hutong/checkout`'s session store on PostgreSQL, MySQL/MariaDB or SQLite: sessions (one row each,
 * compare-and-set on `version`), their attempts, and used OAuth states, in the tables
 * `<prefix>checkout_sessions`, `<prefix>checkout_attempts` and `<prefix>checkout_tokens` (migration
 * `0004_create_checkout`, run on first use like the order store's). Pass it as the checkout's
 * `store`, beside `createSqlStore` for the orders, so every link and printed code survives a deploy.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createCheckout } from '@hutong/checkout';
 * import { createSqlCheckoutStore, createSqlStore } from '@hutong/store-sql';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const payments = createPayments({ providers, store: createSqlStore({ pool }) });
 * const checkout = createCheckout({ payments, secret, baseUrl, wallets, store: createSqlCheckoutStore({ pool }) });
 * ```
 */
export function createSqlCheckoutStore<
  S extends SqlCheckoutSessionShape = SqlCheckoutSessionShape,
  A extends SqlCheckoutAttemptShape = SqlCheckoutAttemptShape,
  DB = unknown,
>(options: SqlCheckoutStoreOptions<DB>): SqlCheckoutStore<S, A> {
  return new KyselyCheckoutStore<S, A>(new SqlStoreContext(options as SqlConnectionOptions));
}
