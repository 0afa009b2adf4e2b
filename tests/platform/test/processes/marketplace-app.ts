// One life of the marketplace app of the crash test (tests/platform/test/movement-crash.test.ts).
// Usage, from the repository's root (so tsx maps @hutong/* to the sources):
//   node --import tsx tests/platform/test/processes/marketplace-app.ts TARGET PREFIX CONTROL_URL ORDER_ID [WALLET]
// WALLET is `wechatpay` (the default) or `alipay`, served by `hutong-sandbox start` at CONTROL_URL;
// with HUTONG_CRASH_AT=<step>:<before|after> (step: split, refund, return, transfer) in the
// environment to stop at that wallet call: `before` once the record is committed and the request
// not yet sent, `after` once the wallet has answered and before the answer is applied. There the
// app prints `CRASH <step>:<when> <pid>` and waits to be SIGKILLed.
//
// Each life first runs the reconciler once (every threshold 0), printing `RECONCILED <json>`, then
// runs the marketplace flow, each step idempotent (same ids), so a restarted app picks the flow up
// where its predecessor died: pay → split → partial refund → return → payout. The return is
// WeChat Pay's split return (分账回退, `returnSplit`); Alipay has none, so there it is a second
// refund that takes part of the platform's share back (退分账, `refund` with `splitReturns`), on a
// web (`page`) payment, the kind whose refunds take royalty returns. What only the wallet can do
// (the buyer pays, the wallet settles a split or a refund, the payee confirms or the wallet
// finishes a payout) it asks the test for over stdio (`ASK <n> <verb> <json>`, answered
// `ANSWER <n> <json>`). Every event a listener completes prints `DELIVERED <type> <eventId>`; the
// relay is drained before each wallet call, so no event is in flight when the app is killed. It
// ends with `FLOW <json>` and exits 0.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type AlipayProvider, alipay } from '@hutong/adapter-alipay';
import { type WechatpayProvider, wechatpay } from '@hutong/adapter-wechatpay';
import { createPayments, createReconciler, type NotificationInput, type Payments } from '@hutong/core';
import { createSqlStore } from '@hutong/store-sql';
import { connect, countOpenEvents } from '../../../../packages/store-sql/test/processes/connect.js';

const [target, tablePrefix, controlUrl, orderId, walletArg = 'wechatpay'] = process.argv.slice(2);
if (!target || !tablePrefix || !controlUrl || !orderId || (walletArg !== 'wechatpay' && walletArg !== 'alipay')) {
  throw new Error('usage: marketplace-app.ts TARGET PREFIX CONTROL_URL ORDER_ID [wechatpay|alipay]');
}
const wallet: 'wechatpay' | 'alipay' = walletArg;
const crashAt = process.env.HUTONG_CRASH_AT;
const say = (line: string) => process.stdout.write(`${line}\n`);

type Step = 'split' | 'refund' | 'return' | 'transfer';

/** WeChat Pay's wallet calls the app can die around, by the request that makes them. */
const WECHATPAY_STEPS: Record<Step, RegExp> = {
  split: /^POST \/v3\/profitsharing\/orders$/,
  refund: /^POST \/v3\/refund\/domestic\/refunds$/,
  return: /^POST \/v3\/profitsharing\/return-orders$/,
  transfer: /^POST \/v3\/fund-app\/mch-transfer\/transfer-bills$/,
};

/**
 * Alipay's wallet calls the app can die around: every call is a POST to the gateway named by its
 * `method` (a system parameter, in the URL); the return is a refund whose `biz_content` names
 * royalty returns (`refund_royalty_parameters`), the plain refund one that names none.
 */
async function alipayStep(request: Request): Promise<Step | undefined> {
  switch (new URL(request.url).searchParams.get('method')) {
    case 'alipay.trade.order.settle':
      return 'split';
    case 'alipay.fund.trans.uni.transfer':
      return 'transfer';
    case 'alipay.trade.refund': {
      const biz = new URLSearchParams(await request.clone().text()).get('biz_content') ?? '{}';
      return (JSON.parse(biz) as Record<string, unknown>).refund_royalty_parameters === undefined ? 'refund' : 'return';
    }
    default:
      return undefined;
  }
}

/** The step a request to the wallet makes, if it is one the app can die around. */
async function stepOf(request: Request): Promise<Step | undefined> {
  if (wallet === 'alipay') return alipayStep(request);
  const line = `${request.method} ${new URL(request.url).pathname}`;
  return (Object.keys(WECHATPAY_STEPS) as Step[]).find((step) => WECHATPAY_STEPS[step].test(line));
}

/** Prints where the app stops and never settles: the test kills the process here. */
function crash(): Promise<never> {
  say(`CRASH ${crashAt} ${process.pid}`);
  return new Promise<never>(() => undefined);
}

/** The network as the adapter sees it, with the crash point of HUTONG_CRASH_AT in it. */
const crashingFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const [step, when] = (crashAt ?? '').split(':');
  const here = crashAt !== undefined && (await stepOf(request)) === step;
  if (here && when === 'before') return crash();
  const response = await fetch(request);
  if (here && when === 'after') {
    await response.arrayBuffer(); // the wallet has answered in full
    return crash();
  }
  return response;
};

// The sandbox's description (base URLs, ids, key files), as `hutong-sandbox start` serves it.
const sandbox = (await (await fetch(controlUrl)).json()) as {
  baseUrls: { wechatpay: string; alipay: string };
  wechatpay: {
    mchId: string;
    appId: string;
    apiV3Key: string;
    merchantSerialNo: string;
    wechatpayPublicKeyId: string;
    keys: { privateKey: string; wechatpayPublicKey: string };
  };
  alipay: {
    appId: string;
    sellerId: string;
    keys: { privateKey: string; appCert: string; alipayPublicCert: string; alipayRootCert: string };
  };
};
const read = (path: string) => readFileSync(path, 'utf8');
const provider: WechatpayProvider | AlipayProvider =
  wallet === 'alipay'
    ? // Certificate mode: Alipay takes transfers only from apps that sign with a certificate.
      alipay({
        appId: sandbox.alipay.appId,
        sellerId: sandbox.alipay.sellerId,
        privateKey: read(sandbox.alipay.keys.privateKey),
        appCert: read(sandbox.alipay.keys.appCert),
        alipayPublicCert: read(sandbox.alipay.keys.alipayPublicCert),
        alipayRootCert: read(sandbox.alipay.keys.alipayRootCert),
        endpoint: sandbox.baseUrls.alipay,
        fetch: crashingFetch,
      })
    : wechatpay({
        mchId: sandbox.wechatpay.mchId,
        appId: sandbox.wechatpay.appId,
        apiV3Key: sandbox.wechatpay.apiV3Key,
        merchantSerialNo: sandbox.wechatpay.merchantSerialNo,
        privateKey: read(sandbox.wechatpay.keys.privateKey),
        wechatpayPublicKey: read(sandbox.wechatpay.keys.wechatpayPublicKey),
        wechatpayPublicKeyId: sandbox.wechatpay.wechatpayPublicKeyId,
        endpoint: sandbox.baseUrls.wechatpay,
        fetch: crashingFetch,
      });
const db = connect(target);
const store = createSqlStore({ db, tablePrefix });
const payments: Payments<WechatpayProvider | AlipayProvider> = createPayments({
  providers: [provider],
  store,
  notifyUrl: `http://127.0.0.1:9/webhooks/${wallet}`,
  movementNotifyUrl: `http://127.0.0.1:9/webhooks/${wallet}/movements`,
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
const PLATFORM = wallet === 'alipay' ? '2088101126765726' : '86693852';
const splitId = `${orderId}s`;
const refundId = `${orderId}r`;
const returnId = `${orderId}b`;
/** Alipay's return is made within a refund of its own. */
const returnRefundId = `${orderId}rb`;
const transferId = `${orderId}t`;

// 1. Whatever a predecessor left half done, the reconciler finishes.
const run = await reconciler.runOnce();
say(`RECONCILED ${JSON.stringify(run)}`);
await drain();

// 2. The flow, from wherever it stands. The receivers are registered with the wallet first
//    (again in each life: the wallet keeps one of each).
let courier: Parameters<typeof payments.split>[1]['receivers'][number];
if (provider.id === 'alipay') {
  courier = { type: 'personal', account: '2088101126708402', amount: 800, description: '配送费' };
  await provider.bindRoyaltyRelation({
    requestId: `${orderId}bind`,
    receivers: [{ account: PLATFORM }, { account: courier.account }],
  });
} else {
  const openid = await ask<string>('openid', {});
  courier = { type: 'personal', account: openid, amount: 800, description: '配送费', name: COURIER_NAME };
  await provider.profitSharing.addReceiver({
    type: 'MERCHANT_ID',
    account: PLATFORM,
    name: '平台有限公司',
    relationType: 'PARTNER',
  });
  await provider.profitSharing.addReceiver({
    type: 'PERSONAL_OPENID',
    account: openid,
    name: COURIER_NAME,
    relationType: 'STAFF',
  });
}

if (!(await store.get(orderId))) {
  const order = { orderId, amount: 10_000, subject: '外卖订单', split: true } as const;
  const { action } =
    wallet === 'alipay'
      ? await payments.createPayment({
          ...order,
          provider: 'alipay',
          method: 'page',
          returnUrl: 'http://127.0.0.1:9/paid',
        })
      : await payments.createPayment({ ...order, provider: 'wechatpay', method: 'qr' });
  await payments.handleNotification(wallet, await ask<NotificationInput>('pay', { orderId, action }));
}
await drain();

await payments
  .split(orderId, {
    splitId,
    receivers: [{ type: 'merchant', account: PLATFORM, amount: 1000, description: '平台佣金' }, courier],
  })
  .catch(() => undefined); // a failure leaves the split pending: the reconciler below settles it
if ((await payments.getSplit(orderId, splitId)).status === 'pending') {
  await ask('settleSplit', { orderId, splitId });
  await reconciler.runOnce();
}
await drain();

/** Refunds, and asks the wallet to settle the refund if it has not yet (Alipay refunds at once). */
async function refund(id: string, request: Omit<Parameters<typeof payments.refund>[1], 'refundId'>): Promise<void> {
  await payments.refund(orderId as string, { ...request, refundId: id }).catch(() => undefined);
  const order = await payments.getOrder(orderId as string);
  if (order.refunds.find((r) => r.id === id)?.status === 'pending') {
    await payments.handleNotification(wallet, await ask<NotificationInput>('settleRefund', { orderId, refundId: id }));
  }
  await drain();
}

await refund(refundId, { amount: 3000 });

const back = { splitId, returnId, account: PLATFORM, amount: 300, description: '佣金退回' };
if (wallet === 'alipay') {
  // 5.00 back to the buyer, 3.00 of it from the platform's share.
  await refund(returnRefundId, { amount: 500, splitReturns: [back] });
} else {
  await payments.returnSplit(orderId, back).catch(() => undefined);
  await drain();
}

await payments
  .transfer(
    provider.id === 'alipay'
      ? {
          provider: 'alipay',
          transferId,
          amount: 500,
          payee: { type: 'loginId', account: 'courier@example.com', name: COURIER_NAME },
          remark: '奖励',
        }
      : {
          provider: 'wechatpay',
          transferId,
          amount: 500,
          payee: { type: 'openid', account: courier.account, name: COURIER_NAME },
          remark: '奖励',
          providerOptions: {
            sceneId: '1005',
            sceneReports: [
              { type: '岗位类型', content: '外卖员' },
              { type: '报酬说明', content: '12月配送费' },
            ],
          },
        },
  )
  .catch(() => undefined);
// WeChat Pay waits for the payee to confirm; Alipay finishes the payout later.
if (['pending_confirmation', 'processing'].includes((await payments.getTransfer(transferId)).status)) {
  await payments.handleMovementNotification(wallet, await ask<NotificationInput>('finishTransfer', { transferId }));
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
