/**
 * The crash test: a process commits a payment and is SIGKILLed inside the `order.paid` listener,
 * before the fulfilment finished. A new process on the same database must then deliver every event,
 * `order.paid` included, exactly once per event id. Without the outbox the event dies with the
 * process and this test fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processExists, spawnChild } from './child-process.js';
import { connect } from './processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

/** The child: Node itself with the tsx loader, so the pid the test kills runs the listener. */
const child = (args: string[]) => spawnChild('test/processes/crash-child.ts', args);

async function crashAndRestart(target: string, tablePrefix: string): Promise<void> {
  const orderId = `crash${Date.now().toString(36)}`;
  const first = child(['pay', target, tablePrefix, orderId]);
  const inListener = await first.waitFor('LISTENER ');
  const paidEventId = inListener.split(' ')[1] as string;
  expect(paidEventId).toBe(`${orderId}:3:0`);
  // The process that printed LISTENER is the one killed: it says its own pid.
  const pid = Number(inListener.split(' ')[2]);
  expect(pid).toBe(first.process.pid);
  first.process.kill('SIGKILL');
  expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });
  expect(processExists(pid)).toBe(false);

  // The payment was committed before the listener ran.
  const db = connect(target, 1);
  try {
    const row = await (db as unknown as import('kysely').Kysely<Record<string, { id: string; status: string }>>)
      .selectFrom(`${tablePrefix}orders`)
      .select('status')
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('paid');
  } finally {
    await db.destroy();
  }

  const second = child(['deliver', target, tablePrefix, orderId]);
  await second.waitFor('DRAINED');
  expect(await second.exit).toEqual({ code: 0, signal: null });
  const completed = [...first.lines, ...second.lines].filter((line) => line.startsWith('DELIVERED '));
  // Every event of the order completed exactly once over both lives: order.created and
  // order.pending by the first process, order.paid (whose listener it died in) by the second.
  expect(completed.sort()).toEqual([
    `DELIVERED order.created ${orderId}:1:0`,
    `DELIVERED order.paid ${paidEventId}`,
    `DELIVERED order.pending ${orderId}:2:0`,
  ]);
  expect(second.lines.filter((line) => line.startsWith('DELIVERED '))).toEqual([`DELIVERED order.paid ${paidEventId}`]);
}

describe('crash between the commit and the listener (SQLite file)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'hutong-crash-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('delivers order.paid after a restart, once per event id', { timeout: 60_000 }, async () => {
    await crashAndRestart(`sqlite:${join(directory, 'orders.db')}`, 'crash_');
  });
});

describeServerSuite('PostgreSQL (crash)', 'postgres', (url) => {
  const prefix = testPrefix('pgcrash');
  afterAll(async () => {
    const db = connect(url, 1);
    await dropStoreTables(db, prefix);
    await db.destroy();
  });
  it('delivers order.paid after a restart, once per event id', { timeout: 60_000 }, async () => {
    await crashAndRestart(url, prefix);
  });
});
