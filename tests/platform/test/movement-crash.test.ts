/**
 * The marketplace survives a crash at every wallet call of its money movement, on WeChat Pay and on
 * Alipay. The app (processes/marketplace-app.ts) runs in its own process on a durable store
 * (store-sql: a SQLite file, and PostgreSQL when the server suite runs) against the wallet's
 * sandbox served over HTTP by this test. It is SIGKILLed at a split, a refund, a split return and a
 * payout: once right after the record is committed and before the wallet is asked, once after the
 * wallet has answered and before the answer is applied. On Alipay the return is a refund that
 * takes part of the platform's share back (退分账, `refund` with `splitReturns`), on a web
 * (`page`) payment; its settlements and payouts wait for the test, as the served sandbox holds
 * them. Each restarted app runs the reconciler first, which finishes what its predecessor left
 * (sending it under the same id, or reading the wallet's answer), then picks the flow up where it
 * stood. At the end every split, return, refund and transfer is complete, once, at the wallet
 * (read from the sandbox, or through Alipay's own query methods where the sandbox keeps its
 * records to itself) and in the store, and every event was delivered exactly once over all the
 * lives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AlipayClient, createAlipayClient, resolveAlipayOptions } from '@hutong/adapter-alipay/protocol';
import type { AlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import type { WechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import { type NextAction, type Order, ProviderApiError, type Transfer } from '@hutong/core';
import { type RunningSandboxes, startSandboxes } from '@hutong/sandbox-cli';
import { createSqlStore } from '@hutong/store-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../packages/store-sql/test/processes/connect.js';
import { describeServerSuite, dropStoreTables, testPrefix } from '../../../packages/store-sql/test/sql-store-suite.js';
import { type AppLife, processExists, startApp } from './marketplace-process.js';

type Step = 'split' | 'refund' | 'return' | 'transfer';
type CrashPoint = `${Step}:${'before' | 'after'}`;
type Args = { orderId: string; action: NextAction; splitId: string; refundId: string; transferId: string };

const STEPS: readonly Step[] = ['split', 'refund', 'return', 'transfer'];
const COURIER_NAME = '张三';
const ALIPAY_PLATFORM = '2088101126765726';
const ALIPAY_COURIER = '2088101126708402';

let running: RunningSandboxes;
const keys = mkdtempSync(join(tmpdir(), 'hutong-movement-crash-'));

beforeAll(async () => {
  running = await startSandboxes({ port: 0, keysDir: keys });
});
afterAll(async () => {
  await running?.close();
  rmSync(keys, { recursive: true, force: true });
});

/** What differs between the wallets: how the test plays the wallet, reads it, and what it expects. */
interface MarketWallet {
  /** Answers what only the wallet can do (the app's `ASK`s). */
  answer(verb: string, args: Args): unknown;
  /** What the wallet holds of the step's request: `undefined` when it never received it. */
  atWallet(step: Step, orderId: string): Promise<unknown>;
  /** Checks that the wallet holds each movement once, complete. */
  holdsOnce(orderId: string): Promise<void>;
  /** What the app's flow ends with, beyond the split and the payout (which end the same on both). */
  flow(orderId: string): { order: string; refunded: number; returns: string[] };
  /** Every event the app's listeners complete over the lives, sorted. */
  events: readonly string[];
}

const wechatpay: MarketWallet = {
  answer(verb, a) {
    const sandbox: WechatpaySandbox = running.kit.sandboxes.wechatpay;
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
      case 'finishTransfer':
        // The payee confirms the payout in WeChat.
        return sandbox.confirmTransfer(a.transferId);
      default:
        throw new Error(`the app asked for ${verb}`);
    }
  },
  async atWallet(step, orderId) {
    const sandbox = running.kit.sandboxes.wechatpay;
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
  },
  async holdsOnce(orderId) {
    // One split of 18.00 and one return, one refund, one payout (with the payee's name the app
    // kept to send it again after the crash).
    const sandbox = running.kit.sandboxes.wechatpay;
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
    expect(sandbox.transferBill(`${orderId}t`)).toMatchObject({
      amount: 500,
      state: 'SUCCESS',
      userName: COURIER_NAME,
    });
  },
  flow: (orderId) => ({ order: 'partially_refunded', refunded: 3000, returns: [`${orderId}b:succeeded`] }),
  events: [
    'order.created',
    'order.paid',
    'order.pending',
    'order.refunded',
    'split.returned',
    'split.succeeded',
    'transfer.pending_confirmation',
    'transfer.succeeded',
  ],
};

/**
 * The served Alipay sandbox shows its trades (and their refunds and royalty returns), not its
 * settlements or transfers: those the test reads as the merchant would, through Alipay's query
 * methods, with the app's own keys, in process.
 */
let alipayGateway: AlipayClient | undefined;
function alipayClient(): AlipayClient {
  const { appId, privateKey, appCert, alipayPublicCert, alipayRootCert } = running.kit.identities.alipay;
  const sandbox = running.kit.sandboxes.alipay;
  alipayGateway ??= createAlipayClient(
    resolveAlipayOptions({
      appId,
      privateKey,
      appCert,
      alipayPublicCert,
      alipayRootCert,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    }),
  );
  return alipayGateway;
}

/** A query's reply, or `undefined` when Alipay answers that it has no such record (`notFound`). */
async function alipayQuery(method: string, biz: object, notFound: string) {
  try {
    return await alipayClient().call(method, biz, { idempotent: true });
  } catch (error) {
    if (ProviderApiError.isInstance(error) && error.providerCode === notFound) return undefined;
    throw error;
  }
}

const settlementOf = (orderId: string) =>
  alipayQuery(
    'alipay.trade.order.settle.query',
    { out_request_no: `${orderId}s`, trade_no: running.kit.sandboxes.alipay.trade(orderId)?.tradeNo },
    'ACQ.TRADE_NOT_EXIST',
  );
const TRANSFER = { product_code: 'TRANS_ACCOUNT_NO_PWD', biz_scene: 'DIRECT_TRANSFER' };
const transferOf = (orderId: string) =>
  alipayQuery('alipay.fund.trans.common.query', { ...TRANSFER, out_biz_no: `${orderId}t` }, 'ORDER_NOT_EXIST');

const alipayWallet: MarketWallet = {
  answer(verb, a) {
    const sandbox: AlipaySandbox = running.kit.sandboxes.alipay;
    switch (verb) {
      case 'pay':
        sandbox.open(a.action);
        return sandbox.pay(a.orderId);
      case 'settleSplit':
        // The served sandbox holds settlements until the test finishes them; a settlement already
        // finished is only reported again. The app's reconciler reads the outcome.
        sandbox.finishSettlement(a.orderId, a.splitId);
        return null;
      case 'settleRefund':
        return sandbox.settleRefund(a.orderId, a.refundId);
      case 'finishTransfer':
        return sandbox.finishTransfer(a.transferId);
      default:
        throw new Error(`the app asked for ${verb}`);
    }
  },
  async atWallet(step, orderId) {
    const trade = running.kit.sandboxes.alipay.trade(orderId);
    switch (step) {
      case 'split':
        return settlementOf(orderId);
      case 'refund':
        return trade?.refunds.get(`${orderId}r`);
      case 'return':
        // The refund that gives the platform's 3.00 back, and the royalty return in it.
        expect(trade?.refunds.get(`${orderId}rb`)).toBe(trade?.royaltyReturns?.has(`${orderId}rb`) ? 500 : undefined);
        return trade?.royaltyReturns?.get(`${orderId}rb`);
      case 'transfer':
        return transferOf(orderId);
    }
  },
  async holdsOnce(orderId) {
    // One settlement of 18.00 to the two receivers ...
    const settlement = await settlementOf(orderId);
    expect(
      ((settlement?.royalty_detail_list ?? []) as { trans_in: string; amount: string; state: string }[]).map((d) => [
        d.trans_in,
        d.amount,
        d.state,
      ]),
    ).toEqual([
      [ALIPAY_PLATFORM, '10.00', 'SUCCESS'],
      [ALIPAY_COURIER, '8.00', 'SUCCESS'],
    ]);
    // ... and none besides: of the trade's 100.00, 18.00 settled and 32.00 refunded from the
    // merchant's part (30.00, and 2.00 of the 5.00 refund) leave 50.00 to settle.
    const left = await alipayClient().call('alipay.trade.order.onsettle.query', {
      trade_no: running.kit.sandboxes.alipay.trade(orderId)?.tradeNo,
      out_request_no: `${orderId}q`,
    });
    expect(left.unsettled_amount).toBe('50.00');
    // One plain refund, one refund with one royalty return of 3.00 from the platform.
    const trade = running.kit.sandboxes.alipay.trade(orderId);
    expect([...(trade?.refunds ?? [])]).toEqual([
      [`${orderId}r`, 3000],
      [`${orderId}rb`, 500],
    ]);
    expect([...(trade?.royaltyReturns ?? [])]).toEqual([
      [`${orderId}rb`, [{ transOut: ALIPAY_PLATFORM, transOutType: 'userId', amount: 300 }]],
    ]);
    // One payout of 5.00, made with the payee's name the app kept to send it again after the
    // crash: Alipay takes a repeat of a transfer with the same payee as that transfer, and refuses
    // one whose name differs (PAYMENT_INFO_INCONSISTENCY).
    const transfer = await transferOf(orderId);
    expect(transfer).toMatchObject({ status: 'SUCCESS', trans_amount: '5.00' });
    const repeat = (name: string) =>
      alipayClient().call('alipay.fund.trans.uni.transfer', {
        ...TRANSFER,
        out_biz_no: `${orderId}t`,
        trans_amount: '5.00',
        order_title: '奖励',
        payee_info: { identity: 'courier@example.com', identity_type: 'ALIPAY_LOGON_ID', name },
        remark: '奖励',
      });
    expect(await repeat(COURIER_NAME)).toMatchObject({ order_id: transfer?.order_id, status: 'SUCCESS' });
    await expect(repeat('李四')).rejects.toMatchObject({ providerCode: 'PAYMENT_INFO_INCONSISTENCY' });
  },
  // 30.00 refunded, then 5.00 more, 3.00 of it from the platform's share.
  flow: (orderId) => ({ order: 'partially_refunded', refunded: 3500, returns: [`${orderId}b:succeeded`] }),
  // No transfer.pending_confirmation: Alipay pays out without the payee's confirmation. Two refunds.
  events: [
    'order.created',
    'order.paid',
    'order.pending',
    'order.refunded',
    'order.refunded',
    'split.returned',
    'split.succeeded',
    'transfer.succeeded',
  ],
};

const WALLETS = { wechatpay, alipay: alipayWallet } as const;
type WalletName = keyof typeof WALLETS;

/** The step's record as the dead app committed it (on Alipay the return's refund too, committed with it). */
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
      case 'return': {
        const back = split?.returns.find((r) => r.id === `${orderId}b`);
        if (back?.refundId === undefined) return back?.status;
        return `${back.status} in a ${order.refunds.find((r) => r.id === back.refundId)?.status} refund`;
      }
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
async function crashThrough(
  name: WalletName,
  target: string,
  prefix: string,
  orderId: string,
  points: readonly CrashPoint[],
) {
  const market = WALLETS[name];
  const lives: AppLife[] = [];
  for (const point of [...points, undefined]) {
    const life = startApp([target, prefix, running.controlUrl, orderId, name], point);
    lives.push(life);
    life.onAsk((verb, args) => market.answer(verb, args as Args));
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
    const record = step === 'transfer' ? 'created' : 'pending';
    expect(await committed(target, prefix, step, orderId)).toBe(
      name === 'alipay' && step === 'return' ? `${record} in a ${record} refund` : record,
    );
    if (when === 'before') expect(await market.atWallet(step, orderId)).toBeUndefined();
    else expect(await market.atWallet(step, orderId)).toBeDefined();
  }
  throw new Error('unreachable');
}

async function marketplaceSurvives(
  name: WalletName,
  target: string,
  prefix: string,
  orderId: string,
  when: 'before' | 'after',
) {
  const market = WALLETS[name];
  const { flow, lives } = await crashThrough(
    name,
    target,
    prefix,
    orderId,
    STEPS.map((step) => `${step}:${when}` as const),
  );
  expect(lives).toHaveLength(5);
  // Everything completed, in the store ...
  expect(flow).toEqual({ ...market.flow(orderId), split: 'succeeded', splitAmount: 1800, transfer: 'succeeded' });
  // ... and once at the wallet.
  await market.holdsOnce(orderId);

  // Every event delivered exactly once over the five lives.
  const delivered = lives.flatMap((life) => life.lines.filter((line) => line.startsWith('DELIVERED ')));
  const ids = delivered.map((line) => line.split(' ')[2]);
  expect(new Set(ids).size).toBe(ids.length);
  expect(delivered.map((line) => line.split(' ')[1]).sort()).toEqual(market.events);
}

/** The wallets, and the order-id prefix of each one's runs. */
const RUNS = [
  ['WeChat Pay', 'wechatpay', 'mkt'],
  ['Alipay', 'alipay', 'mka'],
] as const;

describe.each(RUNS)('a crash at each money movement on %s (SQLite file)', (_label, name, ids) => {
  const directory = mkdtempSync(join(tmpdir(), 'hutong-movement-crash-db-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it.each(['before', 'after'] as const)(
    'killed %s each wallet call, the reconciler completes every split, return, refund and transfer once',
    { timeout: 180_000 },
    async (when) => {
      await marketplaceSurvives(
        name,
        `sqlite:${join(directory, `market-${when}.db`)}`,
        'market_',
        `${ids}${when}0001`,
        when,
      );
    },
  );
});

for (const [label, name, ids] of RUNS) {
  describeServerSuite(`PostgreSQL (movement crash on ${label})`, 'postgres', (url) => {
    const prefix = testPrefix('mvcrash');
    afterAll(async () => {
      const db = connect(url, 1);
      await dropStoreTables(db, prefix);
      await db.destroy();
    });
    it('killed before each wallet call, the reconciler completes every split, return, refund and transfer once', {
      timeout: 180_000,
    }, async () => {
      await marketplaceSurvives(name, url, prefix, `${ids}pg${Date.now().toString(36)}`, 'before');
    });
  });
}
