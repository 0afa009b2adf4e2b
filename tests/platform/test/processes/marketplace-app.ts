// One life of the marketplace app of the crash test (tests/platform/test/movement-crash.test.ts).
// Usage, from the repository's root (so tsx maps @hutong/* to the sources):
//   node --import tsx tests/platform/test/processes/marketplace-app.ts TARGET PREFIX CONTROL_URL ORDER_ID
// with HUTONG_CRASH_AT=<step>:<before|after> (step: split, refund, return, transfer) in the
// environment to stop at that wallet call: `before` once the record is committed and the request
// not yet sent, `after` once the wallet has answered and before the answer is applied. There the
// app prints `CRASH <step>:<when> <pid>` and waits to be SIGKILLed.
//
// Each life first runs the reconciler once (every threshold 0), printing `RECONCILED <json>`, then
// runs the marketplace flow, each step idempotent (same ids), so a restarted app picks the flow up
// where its predecessor died: pay → split → partial refund → return → payout. What only the wallet
// can do (the buyer pays, the wallet settles a split or a refund, the payee confirms) it asks the
// test for over stdio (`ASK <n> <verb> <json>`, answered `ANSWER <n> <json>`). Every event a
// listener completes prints `DELIVERED <type> <eventId>`; the relay is drained before each wallet
// call, so no event is in flight when the app is killed. It ends with `FLOW <json>` and exits 0.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { wechatpay } from '@hutong/adapter-wechatpay';
import { createPayments, createReconciler, type NotificationInput } from '@hutong/core';
import { createSqlStore } from '@hutong/store-sql';
import { connect, countOpenEvents } from '../../../../packages/store-sql/test/processes/connect.js';

const [target, tablePrefix, controlUrl, orderId] = process.argv.slice(2);
if (!target || !tablePrefix || !controlUrl || !orderId) {
  throw new Error('usage: marketplace-app.ts TARGET PREFIX CONTROL_URL ORDER_ID');
}
const crashAt = process.env.HUTONG_CRASH_AT;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** The wallet calls the app can die around, by the request that makes them. */
const STEPS: Record<string, RegExp> = {
  split: /^POST \/v3\/profitsharing\/orders$/,
  refund: /^POST \/v3\/refund\/domestic\/refunds$/,
  return: /^POST \/v3\/profitsharing\/return-orders$/,
  transfer: /^POST \/v3\/fund-app\/mch-transfer\/transfer-bills$/,
};

/** Prints where the app stops and never settles: the test kills the process here. */
function crash(): Promise<never> {
  say(`CRASH ${crashAt} ${process.pid}`);
  return new Promise<never>(() => undefined);
}

/** The network as the adapter sees it, with the crash point of HUTONG_CRASH_AT in it. */
const crashingFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const [step, when] = (crashAt ?? '').split(':');
  const here = step !== undefined && STEPS[step]?.test(`${request.method} ${new URL(request.url).pathname}`);
  if (here && when === 'before') return crash();
  const response = await fetch(request);
  if (here && when === 'after') {
    await response.arrayBuffer(); // the wallet has answered in full
    return crash();
  }
  return response;
};

// The sandbox's description (base URL, ids, key files), as `hutong-sandbox start` serves it.
const sandbox = (await (await fetch(controlUrl)).json()) as {
  baseUrls: { wechatpay: string };
  wechatpay: {
    mchId: string;
    appId: string;
    apiV3Key: string;
    merchantSerialNo: string;
    wechatpayPublicKeyId: string;
    keys: { privateKey: string; wechatpayPublicKey: string };
  };
};
const provider = wechatpay({
  mchId: sandbox.wechatpay.mchId,
  appId: sandbox.wechatpay.appId,
  apiV3Key: sandbox.wechatpay.apiV3Key,
  merchantSerialNo: sandbox.wechatpay.merchantSerialNo,
  privateKey: readFileSync(sandbox.wechatpay.keys.privateKey, 'utf8'),
  wechatpayPublicKey: readFileSync(sandbox.wechatpay.keys.wechatpayPublicKey, 'utf8'),
  wechatpayPublicKeyId: sandbox.wechatpay.wechatpayPublicKeyId,
  endpoint: sandbox.baseUrls.wechatpay,
  fetch: crashingFetch,
});
const db = connect(target);
const store = createSqlStore({ db, tablePrefix });
const payments = createPayments({
  providers: [provider],
  store,
  notifyUrl: 'http://127.0.0.1:9/webhooks/wechatpay',
  movementNotifyUrl: 'http://127.0.0.1:9/webhooks/wechatpay/movements',
  relay: { autoStart: false, leaseMs: 500, pollIntervalMs: 20 },
});
for (const type of [
  'order.created',
  'order.pending',
  'order.paid',
  'order.refunded',
  'refund.failed',
  'split.succeeded',
  'split.failed',
  'split.closed',
  'split.returned',
  'split.return_failed',
  'transfer.pending_confirmation',
  'transfer.succeeded',
  'transfer.failed',
] as const) {
  payments.on(type, ({ eventId }) => void say(`DELIVERED ${type} ${eventId}`));
}
const reconciler = createReconciler({
  payments,
  store,
  pendingAfterMs: 0,
  refundPendingAfterMs: 0,
  refundResendAfterMs: 0,
  splitPendingAfterMs: 0,
  splitResendAfterMs: 0,
  transferPendingAfterMs: 0,
  transferResendAfterMs: 0,
  concurrency: 1,
});

// The test's answers to what only the wallet can do.
const answers = new Map<number, (value: unknown) => void>();
createInterface({ input: process.stdin }).on('line', (line) => {
  const match = /^ANSWER (\d+) (.*)$/.exec(line);
  if (match) answers.get(Number(match[1]))?.(JSON.parse(match[2] as string));
});
let asked = 0;
function ask<T>(verb: string, args: unknown): Promise<T> {
  const n = ++asked;
  return new Promise<T>((resolve) => {
    answers.set(n, resolve as (value: unknown) => void);
    say(`ASK ${n} ${verb} ${JSON.stringify(args)}`);
  });
}

/** Relays until every event is acknowledged (waiting out a dead predecessor's leases). */
async function drain(): Promise<void> {
  for (;;) {
    const delivered = (await payments.relay?.runOnce()) ?? 0;
    if (delivered === 0) {
      if ((await countOpenEvents(db, tablePrefix as string)) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const COURIER_NAME = '张三';
const PLATFORM = '86693852';
const splitId = `${orderId}s`;
const refundId = `${orderId}r`;
const returnId = `${orderId}b`;
const transferId = `${orderId}t`;

// 1. Whatever a predecessor left half done, the reconciler finishes.
const run = await reconciler.runOnce();
say(`RECONCILED ${JSON.stringify(run)}`);
await drain();

// 2. The flow, from wherever it stands.
const courier = await ask<string>('openid', {});
await provider.profitSharing.addReceiver({
  type: 'MERCHANT_ID',
  account: PLATFORM,
  name: '平台有限公司',
  relationType: 'PARTNER',
});
await provider.profitSharing.addReceiver({
  type: 'PERSONAL_OPENID',
  account: courier,
  name: COURIER_NAME,
  relationType: 'STAFF',
});

if (!(await store.get(orderId))) {
  const { action } = await payments.createPayment({
    provider: 'wechatpay',
    method: 'qr',
    orderId,
    amount: 10_000,
    subject: '外卖订单',
    split: true,
  });
  await payments.handleNotification('wechatpay', await ask<NotificationInput>('pay', { orderId, action }));
}
await drain();

await payments
  .split(orderId, {
    splitId,
    receivers: [
      { type: 'merchant', account: PLATFORM, amount: 1000, description: '平台佣金' },
      { type: 'personal', account: courier, amount: 800, description: '配送费', name: COURIER_NAME },
    ],
  })
  .catch(() => undefined); // a failure leaves the split pending: the reconciler below settles it
if ((await payments.getSplit(orderId, splitId)).status === 'pending') {
  await ask('settleSplit', { splitId });
  await reconciler.runOnce();
}
await drain();

await payments.refund(orderId, { refundId, amount: 3000 }).catch(() => undefined);
const order = await payments.getOrder(orderId);
if (order.refunds.find((refund) => refund.id === refundId)?.status === 'pending') {
  await payments.handleNotification('wechatpay', await ask<NotificationInput>('settleRefund', { orderId, refundId }));
}
await drain();

await payments
  .returnSplit(orderId, { splitId, returnId, account: PLATFORM, amount: 300, description: '佣金退回' })
  .catch(() => undefined);
await drain();

await payments
  .transfer({
    provider: 'wechatpay',
    transferId,
    amount: 500,
    payee: { type: 'openid', account: courier, name: COURIER_NAME },
    remark: '奖励',
    providerOptions: {
      sceneId: '1005',
      sceneReports: [
        { type: '岗位类型', content: '外卖员' },
        { type: '报酬说明', content: '12月配送费' },
      ],
    },
  })
  .catch(() => undefined);
if ((await payments.getTransfer(transferId)).status === 'pending_confirmation') {
  await payments.handleMovementNotification(
    'wechatpay',
    await ask<NotificationInput>('confirmTransfer', { transferId }),
  );
}
await drain();

const final = await payments.getOrder(orderId);
const split = await payments.getSplit(orderId, splitId);
const transfer = await payments.getTransfer(transferId);
say(
  `FLOW ${JSON.stringify({
    order: final.status,
    refunded: final.refundedAmount,
    split: split.status,
    splitAmount: split.amount,
    returns: split.returns.map((r) => `${r.id}:${r.status}`),
    transfer: transfer.status,
  })}`,
);
await db.destroy();
process.exit(0);
