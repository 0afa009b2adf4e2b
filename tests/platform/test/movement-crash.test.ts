/**
 * The marketplace survives a crash at every wallet call of its money movement. The app
 * (processes/marketplace-app.ts) runs in its own process on a durable store (store-sql: a SQLite
 * file, and PostgreSQL when the server suite runs) against the WeChat Pay sandbox served over HTTP
 * by this test. It is SIGKILLed at a split, a refund, a split return and a payout: once right after
 * the record is committed and before the wallet is asked, once after the wallet has answered and
 * before the answer is applied. Each restarted app runs the reconciler first, which finishes what
 * its predecessor left (sending it under the same id, or reading the wallet's answer), then picks
 * the flow up where it stood. At the end every split, return and transfer is complete, once, at the
 * wallet and in the store, and every event was delivered exactly once over all the lives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import type { NextAction, Order, Transfer } from '@hutong/core';
import { type RunningSandboxes, startSandboxes } from '@hutong/sandbox-cli';
import { createSqlStore } from '@hutong/store-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../packages/store-sql/test/processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from '../../../packages/store-sql/test/sql-store-suite.js';
import { type AppLife, processExists, startApp } from './marketplace-process.js';

type Step = 'split' | 'refund' | 'return' | 'transfer';
type CrashPoint = `${Step}:${'before' | 'after'}`;

const STEPS: readonly Step[] = ['split', 'refund', 'return', 'transfer'];

let running: RunningSandboxes;
let sandbox: WechatpaySandbox;
const keys = mkdtempSync(join(tmpdir(), 'hutong-movement-crash-'));

beforeAll(async () => {
  running = await startSandboxes({ port: 0, keysDir: keys });
  sandbox = running.kit.sandboxes.wechatpay;
});
afterAll(async () => {
  await running?.close();
  rmSync(keys, { recursive: true, force: true });
});

/** Answers what only the wallet can do, for one life of the app. */
function wallet(life: AppLife): void {
  life.onAsk(async (verb, args) => {
    const a = args as { orderId: string; action: NextAction; splitId: string; refundId: string; transferId: string };
    switch (verb) {
      case 'openid':
        return sandbox.openid();
      case 'pay':
        sandbox.open(a.action);
        return sandbox.pay(a.orderId);
      case 'settleSplit':
        // Settled once: a restarted app may ask again for a split already settled.
        if (sandbox.splitOrder(a.splitId)?.state === 'PROCESSING') sandbox.settleSplit(a.splitId);
        return null;
      case 'settleRefund':
        return sandbox.settleRefund(a.orderId, a.refundId);
      case 'confirmTransfer':
        return sandbox.confirmTransfer(a.transferId);
      default:
        throw new Error(`the app asked for ${verb}`);
    }
  });
}

/** What the wallet holds of the step's request: `undefined` when it never received it. */
function atWallet(step: Step, orderId: string): unknown {
  switch (step) {
    case 'split':
      return sandbox.splitOrder(`${orderId}s`);
    case 'refund':
      return sandbox.trade(orderId)?.refunds.get(`${orderId}r`);
    case 'return':
      return sandbox.splitOrder(`${orderId}s`)?.returns.get(`${orderId}b`);
    case 'transfer':
      return sandbox.transferBill(`${orderId}t`);
  }
}

/** The step's record as the dead app committed it. */
async function committed(target: string, prefix: string, step: Step, orderId: string) {
  const db = connect(target, 1);
  try {
    const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
    const order = (await store.get(orderId)) as Order;
    const split = order.splits?.find((s) => s.id === `${orderId}s`);
    switch (step) {
      case 'split':
        return split?.status;
      case 'refund':
        return order.refunds.find((r) => r.id === `${orderId}r`)?.status;
      case 'return':
        return split?.returns.find((r) => r.id === `${orderId}b`)?.status;
      case 'transfer':
        return ((await store.transfers?.get(`${orderId}t`)) as Transfer | undefined)?.status;
    }
  } finally {
    await db.destroy();
  }
}

/**
 * Runs the app once per crash point, killing it there, then once more to the end; checks what was
 * committed and what the wallet saw at each crash, and what the restarted app's reconciler did.
 */
async function crashThrough(target: string, prefix: string, orderId: string, points: readonly CrashPoint[]) {
  const lives: AppLife[] = [];
  for (const point of [...points, undefined]) {
    const life = startApp([target, prefix, running.controlUrl, orderId], point);
    lives.push(life);
    wallet(life);
    if (lives.length > 1) {
      // The restarted app's reconciler found its predecessor's work and finished it.
      const reconciled = JSON.parse((await life.waitFor('RECONCILED ')).slice('RECONCILED '.length));
      expect(reconciled.changed).toBeGreaterThan(0);
      expect(reconciled.failed).toBe(0);
    }
    if (point === undefined) {
      const flow = JSON.parse((await life.waitFor('FLOW ')).slice('FLOW '.length));
      expect(await life.exit).toEqual({ code: 0, signal: null });
      return { flow, lives };
    }
    const [step, when] = point.split(':') as [Step, 'before' | 'after'];
    const line = await life.waitFor('CRASH ');
    // The process that printed CRASH is the one killed: it says its own pid.
    const pid = Number(line.split(' ')[2]);
    expect(line).toBe(`CRASH ${point} ${life.process.pid}`);
    life.process.kill('SIGKILL');
    expect(await life.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(processExists(pid)).toBe(false);
    // Committed before the wallet call; the wallet has it only if it answered before the crash.
    expect(await committed(target, prefix, step, orderId)).toBe(step === 'transfer' ? 'created' : 'pending');
    if (when === 'before') expect(atWallet(step, orderId)).toBeUndefined();
    else expect(atWallet(step, orderId)).toBeDefined();
  }
  throw new Error('unreachable');
}

async function marketplaceSurvives(target: string, prefix: string, orderId: string, when: 'before' | 'after') {
  const { flow, lives } = await crashThrough(
    target,
    prefix,
    orderId,
    STEPS.map((step) => `${step}:${when}` as const),
  );
  expect(lives).toHaveLength(5);
  // Everything completed, in the store ...
  expect(flow).toEqual({
    order: 'partially_refunded',
    refunded: 3000,
    split: 'succeeded',
    splitAmount: 1800,
    returns: [`${orderId}b:succeeded`],
    transfer: 'succeeded',
  });
  // ... and once at the wallet: one split of 18.00 and one return, one refund, one payout (with the
  // payee's name the app kept to send it again after the crash).
  const split = sandbox.splitOrder(`${orderId}s`);
  expect(split?.state).toBe('FINISHED');
  expect(split?.receivers.map((r) => [r.amount, r.result])).toEqual([
    [1000, 'SUCCESS'],
    [800, 'SUCCESS'],
  ]);
  expect([...(split?.returns.values() ?? [])].map((r) => [r.amount, r.result])).toEqual([[300, 'SUCCESS']]);
  expect([...(sandbox.trade(orderId)?.refunds.values() ?? [])].map((r) => [r.amount, r.status])).toEqual([
    [3000, 'SUCCESS'],
  ]);
  expect(sandbox.transferBill(`${orderId}t`)).toMatchObject({ amount: 500, state: 'SUCCESS', userName: '张三' });

  // Every event delivered exactly once over the five lives.
  const delivered = lives.flatMap((life) => life.lines.filter((line) => line.startsWith('DELIVERED ')));
  const ids = delivered.map((line) => line.split(' ')[2]);
  expect(new Set(ids).size).toBe(ids.length);
  expect(delivered.map((line) => line.split(' ')[1]).sort()).toEqual([
    'order.created',
    'order.paid',
    'order.pending',
    'order.refunded',
    'split.returned',
    'split.succeeded',
    'transfer.pending_confirmation',
    'transfer.succeeded',
  ]);
}

describe('a crash at each money movement (SQLite file)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'hutong-movement-crash-db-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it.each(['before', 'after'] as const)(
    'killed %s each wallet call, the reconciler completes every split, return, refund and transfer once',
    { timeout: 180_000 },
    async (when) => {
      await marketplaceSurvives(`sqlite:${join(directory, `market-${when}.db`)}`, 'market_', `mkt${when}0001`, when);
    },
  );
});

describeServerSuite('PostgreSQL (movement crash)', 'postgres', (url) => {
  const prefix = testPrefix('mvcrash');
  afterAll(async () => {
    const db = connect(url, 1);
    await dropStoreTables(db, prefix);
    await db.destroy();
  });
  it('killed before each wallet call, the reconciler completes every split, return, refund and transfer once', {
    timeout: 180_000,
  }, async () => {
    await marketplaceSurvives(url, prefix, `mktpg${Date.now().toString(36)}`, 'before');
  });
});
