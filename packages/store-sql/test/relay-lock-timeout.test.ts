/**
 * The relay against a SQL outbox whose claim rows another session holds locked (PostgreSQL): the
 * acknowledgement runs under the store's lock timeout, so it fails with a retryable `StoreError`
 * `store_timeout` in about `lockTimeoutMs` and the relay reports it to `onError`, instead of waiting
 * for the lock with every later acknowledgement queued behind it; an unrelated order's event is
 * delivered once and acknowledged while the lock is still held; and the blocked event is
 * acknowledged once the lock is gone (the other session holds it for 8 s).
 */
import { createOutboxRelay } from '@hutong/core';
import type { ClaimedOutboxEvent } from '@hutong/core/store-kit';
import { createSqlStore, StoreError } from '@hutong/store-sql';
import { type Kysely, sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { connect } from './processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

const HOLD_MS = 8_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

type Tables = Kysely<Record<string, Record<string, unknown>>>;

async function writeEvent(db: Kysely<unknown>, prefix: string, orderId: string): Promise<void> {
  await (db as unknown as Tables)
    .insertInto(`${prefix}outbox`)
    .values({ id: `${orderId}:1:0`, order_id: orderId, type: 'order.created', payload: '{}', created_at: Date.now() })
    .execute();
}

async function acked(db: Kysely<unknown>, prefix: string, orderId: string): Promise<boolean> {
  const { rows } = await sql<{ acked_at: unknown }>`
    select c.acked_at from ${sql.table(`${prefix}outbox_claims`)} c
    join ${sql.table(`${prefix}outbox`)} e on e.seq = c.event_seq
    where e.id = ${`${orderId}:1:0`}`.execute(db);
  return rows.length === 1 && rows[0]?.acked_at !== null;
}

describeServerSuite('PostgreSQL (relay under a held claims lock)', 'postgres', (url) => {
  const prefix = testPrefix('rlock');
  const db = connect(url, 2);
  afterAll(async () => {
    await dropStoreTables(db, prefix);
    await db.destroy();
  });

  it('reports a blocked acknowledgement as store_timeout in about the lock timeout and keeps acknowledging other orders', {
    timeout: 40_000,
  }, async () => {
    await dropStoreTables(db, prefix);
    const store = createSqlStore({ db: connect(url, 4), tablePrefix: prefix, lockTimeoutMs: 2_000 });
    await store.ready();
    const holder = connect(url, 1);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const delivered: string[] = [];
    const errors: { error: unknown; at: number }[] = [];
    const relay = createOutboxRelay({
      outbox: store.outbox,
      leaseMs: 4_000,
      deliveryTimeoutMs: 3_000,
      pollIntervalMs: 50,
      retentionMs: false,
      onError: (error) => errors.push({ error, at: Date.now() }),
      deliver: async (event: ClaimedOutboxEvent) => {
        delivered.push(event.id);
        // The first event is acknowledged only once the other session holds the claim rows.
        if (event.orderId === 'ordera') await held;
      },
    });
    let holderDone: Promise<void> = Promise.resolve();
    try {
      await writeEvent(db, prefix, 'ordera');
      relay.start();
      await eventually(() => delivered.includes('ordera:1:0'), 5_000);
      holderDone = holder.transaction().execute(async (trx) => {
        await sql`select * from ${sql.table(`${prefix}outbox_claims`)} for update`.execute(trx);
        holding();
        await Promise.race([released, sleep(HOLD_MS)]);
      });
      await held;
      const heldAt = Date.now();
      await writeEvent(db, prefix, 'orderb');

      // The blocked acknowledgement fails with store_timeout in about lockTimeoutMs.
      await eventually(() => errors.length > 0, 4_000);
      const first = errors[0] as { error: unknown; at: number };
      expect(StoreError.isInstance(first.error) && [first.error.code, first.error.retryable]).toEqual([
        'store_timeout',
        true,
      ]);
      expect(first.at - heldAt).toBeGreaterThan(1_500);
      expect(first.at - heldAt).toBeLessThan(3_500);

      // The unrelated order's event is delivered and acknowledged while the lock is still held.
      await eventually(() => acked(db, prefix, 'orderb'), 3_000);
      expect(Date.now() - heldAt).toBeLessThan(HOLD_MS);
      expect(await acked(db, prefix, 'ordera')).toBe(false);

      // The other session keeps the rows for its whole 8 s; once the lock is gone the blocked event
      // is acknowledged too.
      await holderDone;
      await eventually(() => acked(db, prefix, 'ordera'), 8_000);
      await sleep(500);
      // The unrelated order's event went out exactly once; the blocked one at most once more (its
      // 4 s lease ran out while the lock was held, so a claim may take it again before the retried
      // acknowledgement lands).
      expect(delivered.filter((id) => id === 'orderb:1:0')).toHaveLength(1);
      expect(delivered.filter((id) => id === 'ordera:1:0').length).toBeLessThanOrEqual(2);
      for (const { error } of errors) {
        expect(StoreError.isInstance(error) || (error as Error).name === 'TimeoutError').toBe(true);
      }
    } finally {
      release();
      await relay.stop();
      await holderDone.catch(() => undefined);
      await holder.destroy();
      await store.close();
    }
  });
});
