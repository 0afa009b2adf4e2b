/**
 * Where a checkout keeps its sessions and attempts. Small on purpose, so that a SQL version is a
 * few statements: one table of sessions (id, version, JSON), one of attempts (order id, session id,
 * JSON) and one of used one-time tokens (token, expiry).
 *
 * @packageDocumentation
 */
import { ConflictError } from '@hutong/core';
import type { CheckoutAttempt, CheckoutSession } from './checkout-session.js';

/**
 * Persistence for a checkout. Completion is a compare-and-set on the session's `version`
 * ({@link CheckoutStore.updateSession}): of two payments arriving together, exactly one completes
 * the session.
 *
 * @example
 * ```ts
 * class SqlCheckoutStore implements CheckoutStore {
 *   async updateSession(session, expectedVersion) {
 *     const { rowCount } = await sql`update checkout_sessions set data = ${session}, version = ${session.version}
 *       where id = ${session.id} and version = ${expectedVersion}`;
 *     return rowCount === 1;
 *   }
 *   async useOnce(token, expiresAt) {
 *     const { rowCount } = await sql`insert into checkout_tokens values (${token}, ${expiresAt})
 *       on conflict do nothing`;
 *     return rowCount === 1;
 *   }
 *   // ...
 * }
 * ```
 */
export interface CheckoutStore {
  /** Inserts a session; throws `ConflictError` (`duplicate_order`) when the id exists. */
  createSession(session: CheckoutSession): Promise<void>;
  /** The session with this id, or `undefined`. */
  getSession(id: string): Promise<CheckoutSession | undefined>;
  /** Replaces the session if, and only if, the stored version is `expectedVersion`; returns whether it wrote. */
  updateSession(session: CheckoutSession, expectedVersion: number): Promise<boolean>;
  /** Open sessions whose `expiresAt` is before `before`, at most `limit` of them. */
  listExpiredSessions(before: Date, limit: number): Promise<CheckoutSession[]>;
  /** Inserts an attempt (its order id is unique). */
  addAttempt(attempt: CheckoutAttempt): Promise<void>;
  /** The attempt made as this order, or `undefined` (an order of no checkout). */
  getAttempt(orderId: string): Promise<CheckoutAttempt | undefined>;
  /** A session's attempts, oldest first. */
  listAttempts(sessionId: string): Promise<CheckoutAttempt[]>;
  /**
   * Records a one-time token (an OAuth `state`); true the first time, false ever after. The store
   * may forget it after `expiresAt`, when it is refused anyway.
   */
  useOnce(token: string, expiresAt: Date): Promise<boolean>;
}

/**
 * A {@link CheckoutStore} in memory: for tests, demos and single-process servers. Values are copied
 * in and out, so callers cannot change what is stored.
 *
 * @example
 * ```ts
 * const checkout = createCheckout({ payments, secret, baseUrl, wallets, store: new MemoryCheckoutStore() });
 * ```
 */
export class MemoryCheckoutStore implements CheckoutStore {
  readonly #sessions = new Map<string, CheckoutSession>();
  readonly #attempts = new Map<string, CheckoutAttempt>();
  readonly #attemptsBySession = new Map<string, string[]>();
  readonly #tokens = new Map<string, number>();

  async createSession(session: CheckoutSession): Promise<void> {
    if (this.#sessions.has(session.id)) {
      throw new ConflictError('duplicate_order', session.id, `checkout session ${session.id} already exists`);
    }
    this.#sessions.set(session.id, structuredClone(session));
  }

  async getSession(id: string): Promise<CheckoutSession | undefined> {
    const session = this.#sessions.get(id);
    return session && structuredClone(session);
  }

  async updateSession(session: CheckoutSession, expectedVersion: number): Promise<boolean> {
    const current = this.#sessions.get(session.id);
    if (!current || current.version !== expectedVersion) return false;
    this.#sessions.set(session.id, structuredClone(session));
    return true;
  }

  async listExpiredSessions(before: Date, limit: number): Promise<CheckoutSession[]> {
    const found: CheckoutSession[] = [];
    for (const session of this.#sessions.values()) {
      if (found.length >= limit) break;
      if (session.status === 'open' && Date.parse(session.expiresAt) < before.getTime()) {
        found.push(structuredClone(session));
      }
    }
    return found;
  }

  async addAttempt(attempt: CheckoutAttempt): Promise<void> {
    if (this.#attempts.has(attempt.orderId)) {
      throw new ConflictError('duplicate_order', attempt.orderId, `attempt ${attempt.orderId} already exists`);
    }
    this.#attempts.set(attempt.orderId, structuredClone(attempt));
    const list = this.#attemptsBySession.get(attempt.sessionId) ?? [];
    list.push(attempt.orderId);
    this.#attemptsBySession.set(attempt.sessionId, list);
  }

  async getAttempt(orderId: string): Promise<CheckoutAttempt | undefined> {
    const attempt = this.#attempts.get(orderId);
    return attempt && structuredClone(attempt);
  }

  async listAttempts(sessionId: string): Promise<CheckoutAttempt[]> {
    const ids = this.#attemptsBySession.get(sessionId) ?? [];
    return ids.map((id) => structuredClone(this.#attempts.get(id) as CheckoutAttempt));
  }

  async useOnce(token: string, expiresAt: Date): Promise<boolean> {
    const nowMs = Date.now();
    for (const [key, expiry] of this.#tokens) if (expiry < nowMs) this.#tokens.delete(key);
    if (this.#tokens.has(token)) return false;
    this.#tokens.set(token, expiresAt.getTime());
    return true;
  }
}
