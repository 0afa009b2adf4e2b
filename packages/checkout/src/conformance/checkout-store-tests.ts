/**
 * The executable contract of a checkout's {@link CheckoutStore}: run it against any implementation
 * (memory, SQL, your own).
 *
 * @packageDocumentation
 */
import { ConflictError } from '@hutong/core';
import { describe, expect, it } from 'vitest';
import type { CheckoutAttempt, CheckoutSession } from '../checkout-session.js';
import type { CheckoutStore } from '../checkout-store.js';

/**
 * Options of {@link runCheckoutStoreTests}.
 *
 * @example
 * ```ts
 * const options: CheckoutStoreTestOptions = { name: 'memory', createStore: () => new MemoryCheckoutStore() };
 * ```
 */
export interface CheckoutStoreTestOptions {
  /** Suite name, e.g. `createSqlCheckoutStore on PostgreSQL`. */
  readonly name: string;
  /** A fresh, empty store for each test. */
  createStore(): CheckoutStore | Promise<CheckoutStore>;
  /**
   * A second instance on the same data as the last store `createStore` returned, as a restarted
   * process would open it. Durable stores give it; the restart tests run only then.
   */
  reopenStore?(): CheckoutStore | Promise<CheckoutStore>;
}

let serial = 0;
/** A unique id of 8 to 32 letters and digits. */
function uniqueId(label: string): string {
  serial += 1;
  return `${label}${Date.now().toString(36)}${serial.toString(36)}`.slice(0, 32);
}

/**
 * A valid open session, with `overrides`.
 *
 * @example
 * ```ts
 * const session = sampleCheckoutSession({ amount: 4200 });
 * ```
 */
export function sampleCheckoutSession(overrides: Partial<CheckoutSession> = {}): CheckoutSession {
  const now = new Date('2024-01-01T00:00:00.000Z').toISOString();
  return {
    id: uniqueId('sess'),
    amount: 4200,
    payerAmount: null,
    subject: '晚饭 AA',
    status: 'open',
    reusable: false,
    maxCompletions: 1,
    completedBy: [],
    anomalies: [],
    returnUrl: null,
    metadata: { table: '7' },
    expiresAt: '2024-01-01T00:30:00.000Z',
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...overrides,
  };
}

/**
 * A valid attempt of `sessionId`, with `overrides`.
 *
 * @example
 * ```ts
 * const attempt = sampleCheckoutAttempt(session.id, { wallet: 'wechatpay' });
 * ```
 */
export function sampleCheckoutAttempt(sessionId: string, overrides: Partial<CheckoutAttempt> = {}): CheckoutAttempt {
  return {
    orderId: uniqueId('ord'),
    sessionId,
    wallet: 'alipay',
    provider: 'alipay',
    method: 'qr',
    amount: 4200,
    createdAt: '2024-01-01T00:01:00.000Z',
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/**
 * Registers vitest tests that every {@link CheckoutStore} must pass: sessions (create, read,
 * compare-and-set update, expired listing), attempts, one-time tokens, concurrency (of concurrent
 * writers from one version exactly one wins; a token is used once however many race for it) and,
 * when the store is durable (`reopenStore`), a restart.
 *
 * @example
 * ```ts
 * import { runCheckoutStoreTests } from '@hutong/checkout/conformance';
 * runCheckoutStoreTests({ name: 'MyCheckoutStore', createStore: () => new MyCheckoutStore(pool) });
 * ```
 */
export function runCheckoutStoreTests(options: CheckoutStoreTestOptions): void {
  describe(`CheckoutStore conformance: ${options.name}`, () => {
    it('returns a created session unchanged, and undefined for an unknown id', async () => {
      const store = await options.createStore();
      const session = sampleCheckoutSession({ payerAmount: { min: 1, max: 100_000 }, amount: null, reusable: true });
      await store.createSession(session);
      expect(await store.getSession(session.id)).toEqual(session);
      expect(await store.getSession('sessMissing01')).toBeUndefined();
      expect(await store.getSession('sess\u0000nul1')).toBeUndefined();
    });

    it('hands out copies: changing what it returned changes nothing stored', async () => {
      const store = await options.createStore();
      const session = sampleCheckoutSession();
      await store.createSession(session);
      const read = (await store.getSession(session.id)) as {
        -readonly [K in keyof CheckoutSession]: CheckoutSession[K];
      };
      read.subject = 'changed';
      expect((await store.getSession(session.id))?.subject).toBe(session.subject);
    });

    it('refuses a duplicate session id with ConflictError and keeps the first', async () => {
      const store = await options.createStore();
      const session = sampleCheckoutSession({ amount: 100 });
      await store.createSession(session);
      const error = await rejection(store.createSession({ ...session, amount: 999 }));
      expect(ConflictError.isInstance(error)).toBe(true);
      expect((await store.getSession(session.id))?.amount).toBe(100);
    });

    it('updates a session only from the version stored', async () => {
      const store = await options.createStore();
      const session = sampleCheckoutSession();
      await store.createSession(session);
      const completed = { ...session, status: 'completed' as const, completedBy: ['ord1'], version: 2 };
      expect(await store.updateSession(completed, 2)).toBe(false);
      expect(await store.updateSession(completed, 1)).toBe(true);
      expect(await store.getSession(session.id)).toEqual(completed);
      expect(await store.updateSession({ ...completed, version: 3 }, 1)).toBe(false);
      expect(await store.updateSession(sampleCheckoutSession({ version: 2 }), 1)).toBe(false);
    });

    it('lets exactly one of many concurrent updates from the same version win', async () => {
      const store = await options.createStore();
      const session = sampleCheckoutSession();
      await store.createSession(session);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.updateSession({ ...session, completedBy: [`ord${i}`], status: 'completed', version: 2 }, 1),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store.getSession(session.id))?.completedBy).toEqual([`ord${winner}`]);
    });

    it('lists open sessions that expired before a time, at most limit of them', async () => {
      const store = await options.createStore();
      const expired = [1, 2, 3].map((minute) =>
        sampleCheckoutSession({ expiresAt: `2024-01-01T00:0${minute}:00.000Z` }),
      );
      const later = sampleCheckoutSession({ expiresAt: '2024-01-01T01:00:00.000Z' });
      const done = sampleCheckoutSession({ expiresAt: '2024-01-01T00:01:00.000Z', status: 'completed' });
      for (const session of [...expired, later, done]) await store.createSession(session);
      const before = new Date('2024-01-01T00:30:00.000Z');
      const listed = await store.listExpiredSessions(before, 10);
      expect(listed.map((s) => s.id).sort()).toEqual(expired.map((s) => s.id).sort());
      expect(listed.find((s) => s.id === expired[0]?.id)).toEqual(expired[0]);
      expect(await store.listExpiredSessions(before, 2)).toHaveLength(2);
      expect(await store.listExpiredSessions(new Date('2024-01-01T00:00:30.000Z'), 10)).toEqual([]);
    });

    it('stores attempts, lists a session’s oldest first, and refuses a duplicate order id', async () => {
      const store = await options.createStore();
      const session = sampleCheckoutSession({ reusable: true, maxCompletions: null });
      const other = sampleCheckoutSession();
      await store.createSession(session);
      await store.createSession(other);
      const attempts = [
        sampleCheckoutAttempt(session.id, { createdAt: '2024-01-01T00:01:00.000Z' }),
        sampleCheckoutAttempt(session.id, {
          createdAt: '2024-01-01T00:02:00.000Z',
          wallet: 'wechatpay',
          provider: 'wechatpay',
        }),
        sampleCheckoutAttempt(session.id, {
          createdAt: '2024-01-01T00:03:00.000Z',
          wallet: 'unionpay',
          method: 'page',
        }),
      ];
      for (const attempt of attempts) await store.addAttempt(attempt);
      await store.addAttempt(sampleCheckoutAttempt(other.id));
      expect(await store.getAttempt(attempts[1]?.orderId as string)).toEqual(attempts[1]);
      expect(await store.getAttempt('ordMissing001')).toBeUndefined();
      expect(await store.getAttempt('ord\u0000nul01')).toBeUndefined();
      expect(await store.listAttempts(session.id)).toEqual(attempts);
      expect(await store.listAttempts('sessNoAttempts')).toEqual([]);
      const error = await rejection(store.addAttempt({ ...(attempts[0] as CheckoutAttempt), amount: 1 }));
      expect(ConflictError.isInstance(error)).toBe(true);
      expect((await store.getAttempt(attempts[0]?.orderId as string))?.amount).toBe(4200);
    });

    it('uses a one-time token once, however many race for it', async () => {
      const store = await options.createStore();
      const expiresAt = new Date(Date.now() + 600_000);
      const token = uniqueId('state');
      expect(await store.useOnce(token, expiresAt)).toBe(true);
      expect(await store.useOnce(token, expiresAt)).toBe(false);
      const raced = uniqueId('state');
      const results = await Promise.all(Array.from({ length: 8 }, () => store.useOnce(raced, expiresAt)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    const { reopenStore } = options;
    if (reopenStore) {
      it('keeps sessions, attempts and used tokens across a restart', async () => {
        const store = await options.createStore();
        const session = sampleCheckoutSession({ reusable: true, maxCompletions: null });
        const attempt = sampleCheckoutAttempt(session.id);
        const token = uniqueId('state');
        await store.createSession(session);
        await store.addAttempt(attempt);
        expect(await store.useOnce(token, new Date(Date.now() + 600_000))).toBe(true);
        const reopened = await reopenStore();
        expect(await reopened.getSession(session.id)).toEqual(session);
        expect(await reopened.listAttempts(session.id)).toEqual([attempt]);
        expect(await reopened.useOnce(token, new Date(Date.now() + 600_000))).toBe(false);
      });
    }
  });
}
