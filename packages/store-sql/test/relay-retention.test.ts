/**
 * Retention on the SQL store: over ten simulated days, with the relay's default retention of 7
 * days, the outbox and its claims stay bounded; with `retentionMs: false` every event stays.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutboxRelay } from '@hutong/core';
import type { OutboxEvent } from '@hutong/core/store-kit';
import { sampleOrder } from '@hutong/core/testing';
import { createSqlStore } from '@hutong/store-sql';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'libsql';
import { afterAll, describe, expect, it } from 'vitest';

const directory = mkdtempSync(join(tmpdir(), 'hutong-relay-retention-'));
const databases: Kysely<unknown>[] = [];
afterAll(async () => {
  for (const db of databases) await db.destroy();
  rmSync(directory, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const STEP = 6 * HOUR;
const PER_STEP = 20;

async function tenDays(retentionMs: number | false | undefined) {
  const database = new Database(join(directory, `retention${databases.length}.db`));
  database.pragma('journal_mode = WAL');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
  databases.push(db);
  const store = createSqlStore({ db });
  let clock = Date.parse('2024-01-01T00:00:00Z');
  const relay = createOutboxRelay({
    outbox: store.outbox,
    now: () => clock,
    deliver: () => {},
    ...(retentionMs === undefined ? {} : { retentionMs }),
  });
  const count = async (table: string) =>
    Number(
      (
        await (db as Kysely<Record<string, { n: number }>>)
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  let largest = 0;
  let n = 0;
  for (let step = 0; step < (10 * 24 * HOUR) / STEP; step++) {
    clock += STEP;
    const at = new Date(clock).toISOString();
    for (let i = 0; i < PER_STEP; i++) {
      const order = sampleOrder({ id: `retain${String(n++).padStart(6, '0')}`, createdAt: at, updatedAt: at });
      const event: OutboxEvent = {
        id: `${order.id}:1:0`,
        type: 'order.created',
        orderId: order.id,
        payload: { order },
        createdAt: at,
      };
      await store.create(order, [event]);
    }
    while ((await relay.runOnce()) > 0) {}
    await relay.prune();
    largest = Math.max(largest, await count('hutong_outbox'));
  }
  return { largest, events: await count('hutong_outbox'), claims: await count('hutong_outbox_claims') };
}

describe('outbox retention on SQLite', () => {
  it('keeps the outbox and its claims bounded over ten simulated days with the default retention (7 days)', async () => {
    const { largest, events, claims } = await tenDays(undefined);
    const week = ((7 * 24 * HOUR) / STEP + 1) * PER_STEP;
    expect(largest).toBeLessThanOrEqual(week);
    expect(events).toBeGreaterThanOrEqual(week - 2 * PER_STEP);
    expect(claims).toBe(events);
  });

  it('keeps every event with retentionMs: false (control)', async () => {
    const { events } = await tenDays(false);
    expect(events).toBe(((10 * 24 * HOUR) / STEP) * PER_STEP);
  });
});
