/**
 * The SQL outbox's claim on the real servers: its cost does not grow with the events already
 * claimed (counted in tuples PostgreSQL reads), and an event committed after a later one was
 * claimed (a transaction that took its seq first and committed last) is still delivered.
 */
import { sampleOrder } from '@hutong/core/testing';
import { createSqlStore } from '@hutong/store-sql';
import { type Kysely, sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { connect } from './processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

const claim = { group: 'default', consumer: 'claimer1', limit: 200, leaseMs: 60_000 };

const paidEvent = (orderId: string, createdAt: string) => ({
  id: `${orderId}:1:0`,
  type: 'order.created' as const,
  orderId,
  payload: { order: sampleOrder({ id: orderId }) },
  createdAt,
});

/** Writes `count` orders, each with its event, straight into the tables (fast), from `start`. */
async function seed(db: Kysely<unknown>, prefix: string, start: number, count: number): Promise<void> {
  const at = Date.now();
  const rows = Array.from({ length: count }, (_, i) => {
    const id = `seed${String(start + i).padStart(8, '0')}`;
    return { id: `${id}:1:0`, order_id: id, type: 'order.created', payload: '{}', created_at: at };
  });
  const tables = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  for (let i = 0; i < rows.length; i += 1000)
    await tables
      .insertInto(`${prefix}outbox`)
      .values(rows.slice(i, i + 1000))
      .execute();
}

for (const engine of ['postgres', 'mysql'] as const) {
  describeServerSuite(`${engine === 'postgres' ? 'PostgreSQL' : 'MariaDB/MySQL'} (relay claims)`, engine, (url) => {
    const prefix = testPrefix(`rclaim${engine.slice(0, 2)}`);
    const db = connect(url, 1);
    afterAll(async () => {
      await dropStoreTables(db, prefix);
      await db.destroy();
    });

    it('delivers an event committed after a later event was claimed', { timeout: 30_000 }, async () => {
      await dropStoreTables(db, prefix);
      const store = createSqlStore({ db: connect(url, 2), tablePrefix: prefix });
      await store.ready();
      const early = sampleOrder({ id: 'lateCommit01' });
      let commit = () => {};
      const held = new Promise<void>((resolve) => {
        commit = resolve;
      });
      let inserted = () => {};
      const insertedNow = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      // The first transaction takes its seq, then waits while a later one commits and is claimed.
      const slow = store.create(early, [paidEvent(early.id, early.createdAt)]).then(() => undefined);
      const other = connect(url, 1);
      const lateWriter = (other as Kysely<Record<string, Record<string, unknown>>>)
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto(`${prefix}outbox`)
            .values({
              id: 'lateCommit02:1:0',
              order_id: 'lateCommit02',
              type: 'order.created',
              payload: '{}',
              created_at: Date.now(),
            })
            .execute();
          inserted();
          await held;
        });
      await slow;
      await insertedNow;
      const later = sampleOrder({ id: 'lateCommit03' });
      await store.create(later, [paidEvent(later.id, later.createdAt)]);
      const first = await store.outbox.claimEvents(claim);
      expect(first.map((e) => e.id)).toEqual(['lateCommit01:1:0', 'lateCommit03:1:0']);
      await store.outbox.ackEvents(
        first.map((e) => e.id),
        'default',
      );
      commit();
      await lateWriter;
      await other.destroy();
      const seen: string[] = [];
      const end = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < end) {
        seen.push(...(await store.outbox.claimEvents(claim)).map((e) => e.id));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(seen).toEqual(['lateCommit02:1:0']);
    });

    if (engine === 'postgres') {
      it('reads about as many tuples to claim new events after 10,000 acknowledged ones as on an empty outbox', {
        timeout: 180_000,
      }, async () => {
        await dropStoreTables(db, prefix);
        const store = createSqlStore({ db, tablePrefix: prefix });
        await store.ready();
        /** Tuples PostgreSQL read from the outbox and its claims while `run` ran (same backend). */
        const tuplesRead = async (run: () => Promise<unknown>) => {
          const read = async () => {
            await sql`select pg_stat_force_next_flush()`.execute(db);
            await sql`select pg_stat_clear_snapshot()`.execute(db);
            const { rows } = await sql<{
              n: string;
            }>`select coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) as n
              from pg_stat_user_tables where relname in (${`${prefix}outbox`}, ${`${prefix}outbox_claims`})`.execute(
              db,
            );
            return Number(rows[0]?.n);
          };
          const before = await read();
          await run();
          return (await read()) - before;
        };
        const claimAndAck = async () => {
          const events = await store.outbox.claimEvents(claim);
          await store.outbox.ackEvents(
            events.map((e) => e.id),
            'default',
          );
          return events.length;
        };
        await seed(db, prefix, 0, 100);
        const small = await tuplesRead(claimAndAck);
        for (let i = 0; i < 10_000; i += 5000) {
          await seed(db, prefix, 100 + i, 5000);
          for (let n = await claimAndAck(); n > 0; n = await claimAndAck()) {}
        }
        // Claims look for late commits back to the group's floor, which trails the newest claims by
        // the late-commit horizon (30 s). Let it pass: age the cursor, twice, as a minute would.
        for (let step = 0; step < 2; step++) {
          await sql`update ${sql.table(`${prefix}outbox_cursors`)} set pending_at = 0`.execute(db);
          const later = createSqlStore({ db, tablePrefix: prefix });
          await later.outbox.claimEvents(claim);
        }
        // Statistics as autovacuum keeps them, so the planner knows the tables' sizes.
        await sql`analyze ${sql.table(`${prefix}outbox`)}`.execute(db);
        await sql`analyze ${sql.table(`${prefix}outbox_claims`)}`.execute(db);
        await seed(db, prefix, 50_000, 100);
        const fresh = createSqlStore({ db, tablePrefix: prefix });
        const large = await tuplesRead(async () => {
          const events = await fresh.outbox.claimEvents(claim);
          expect(events).toHaveLength(100);
          await fresh.outbox.ackEvents(
            events.map((e) => e.id),
            'default',
          );
        });
        // The old claim scanned every claimed event from the oldest: 10,000 more tuples.
        expect(large).toBeLessThan(small + 2000);
      });
    }
  });
}
