/**
 * The crash test: a process commits a payment and is SIGKILLed inside the `order.paid` listener,
 * before the fulfilment finished. A new process on the same database must then deliver every event,
 * `order.paid` included, exactly once per event id. Without the outbox the event dies with the
 * process and this test fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

function child(args: string[]): {
  process: ChildProcess;
  lines: string[];
  waitFor(prefix: string): Promise<string>;
  exit: Promise<number | null>;
} {
  const proc = spawn(tsx, ['test/processes/crash-child.ts', ...args], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  let buffer = '';
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      lines.push(line);
      for (const waiter of waiters.filter((w) => line.startsWith(w.prefix))) waiter.resolve(line);
    }
  });
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    process: proc,
    lines,
    exit,
    waitFor: (prefix) =>
      new Promise((resolve, reject) => {
        const found = lines.find((line) => line.startsWith(prefix));
        if (found) return resolve(found);
        waiters.push({ prefix, resolve });
        void exit.then((code) => reject(new Error(`child exited (${code}) before "${prefix}": ${stderr}`)));
      }),
  };
}

async function crashAndRestart(target: string, tablePrefix: string): Promise<void> {
  const orderId = `crash${Date.now().toString(36)}`;
  const first = child(['pay', target, tablePrefix, orderId]);
  const inListener = await first.waitFor('LISTENER ');
  const paidEventId = inListener.split(' ')[1] as string;
  expect(paidEventId).toBe(`${orderId}:3:0`);
  first.process.kill('SIGKILL');
  expect(await first.exit).toBeNull();

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
  expect(await second.exit).toBe(0);
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
