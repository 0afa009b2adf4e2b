/**
 * The money movement conformance suite: splits, split returns and transfers of an adapter, driven
 * through the payments facade against the adapter's sandbox. Every report must be verified and
 * bound to the split or transfer it is about; a wallet that does not know a split or transfer
 * answers `not_found`, so the reconciler can send it again; payee and receiver names (personal
 * data) never reach a hook, an error, an event or the stored order.
 *
 * @packageDocumentation
 */
import type {
  NextAction,
  NotificationInput,
  Order,
  PosAction,
  SplitInput,
  SplitReceiverRequest,
  TransferPayee,
} from '@hutong/core';
import {
  type CreatePaymentInput,
  createPayments,
  createReconciler,
  MemoryOrderStore,
  type Payments,
  ProviderApiError,
  SplitExceedsAvailableError,
  UnsupportedOperationError,
} from '@hutong/core';
import type { PaymentProvider } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import type { MovementSandbox } from '../testing/movement-sandbox.js';
import type { ConformanceCase } from './provider-conformance-harness.js';

/**
 * A provider wired to its sandbox, with the sandbox's movement side and the buyer's payment.
 *
 * @example
 * ```ts
 * const under: MovementUnderTest = { provider: fake, movements: fake.movements, pay: (orderId) => fake.sandbox.pay(orderId) };
 * ```
 */
export interface MovementUnderTest {
  provider: PaymentProvider;
  movements: MovementSandbox;
  /**
   * The buyer opens `action` and pays order `orderId`; returns the wallet's signed payment
   * notification (`sandbox.open(action); return sandbox.pay(orderId)` for a `WalletSandbox`).
   */
  pay(orderId: string, action: NextAction | PosAction): NotificationInput;
  /**
   * Everything the provider's hooks (`onRequest`, `onResponse`, `onError`) were given so far, as
   * text (`JSON.stringify` of each call's arguments). With it, the suite checks that no payee or
   * receiver name ever reaches a hook.
   */
  hooked?: (() => readonly string[]) | undefined;
}

/**
 * How {@link runMovementConformance} drives an adapter.
 *
 * @example
 * ```ts
 * runMovementConformance({
 *   name: 'wechatpay',
 *   setup: () => {
 *     const sandbox = createWechatpaySandbox();
 *     const provider = wechatpay({ ...sandbox.keys, fetch: sandbox.fetch });
 *     return { provider, movements: sandbox.movements, pay: (id, action) => (sandbox.open(action), sandbox.pay(id)) };
 *   },
 *   receivers: [{ type: 'merchant', account: '1900000109', amount: 300, description: '平台佣金', name: '示例商户' }],
 *   payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX' },
 * });
 * ```
 */
export interface MovementConformanceSuite {
  /** Suite name, e.g. `wechatpay movements`. */
  name: string;
  /** A fresh provider, sandbox and payer per case. */
  setup(): MovementUnderTest | Promise<MovementUnderTest>;
  /** One or two receivers the sandbox accepts (bound), together at most 900 fen. */
  receivers: readonly SplitReceiverRequest[];
  /** A payee the sandbox pays. */
  payee: TransferPayee;
  /**
   * Extra input of the payment to split (a `method`, a buyer id). Default `{ method: 'qr' }`. With
   * `capabilities.splitReturnsInRefund`, a method whose refunds take split returns (Alipay: `page`).
   */
  createInput?: Partial<CreatePaymentInput> | undefined;
  /** Notification URL given to the provider. Default `https://merchant.example/notify`. */
  notifyUrl?: string | undefined;
  /**
   * Receivers with their names, for the case that checks names never leak (default
   * {@link MovementConformanceSuite.receivers}): one or two the sandbox accepts, at most 900 fen.
   */
  namedReceivers?: readonly SplitReceiverRequest[] | undefined;
  /** Options of every transfer only this provider understands (WeChat Pay's scene id and reports). */
  transferOptions?: Record<string, unknown> | undefined;
}

interface MovementContext extends MovementUnderTest {
  payments: Payments;
  store: MemoryOrderStore;
}

async function context(suite: MovementConformanceSuite): Promise<MovementContext> {
  const under = await suite.setup();
  const store = new MemoryOrderStore();
  const payments = createPayments({
    providers: [under.provider],
    store,
    notifyUrl: suite.notifyUrl ?? 'https://merchant.example/notify',
    movementNotifyUrl: `${suite.notifyUrl ?? 'https://merchant.example/notify'}/movements`,
  });
  return { ...under, payments, store };
}

async function paidSplitOrder(suite: MovementConformanceSuite, c: MovementContext): Promise<Order> {
  const { order, action } = await c.payments.createPayment({
    provider: c.provider.id,
    method: 'qr',
    amount: 1000,
    subject: 'hutong movement conformance',
    split: true,
    returnUrl: 'https://merchant.example/return',
    ...suite.createInput,
  } as CreatePaymentInput);
  const result = await c.payments.handleNotification(c.provider.id, c.pay(order.id, action));
  if (!result.ok) throw new Error(`the genuine payment notification was refused: ${String(result.error)}`);
  return result.order;
}

/** A paid order split by `input`, the split settled by the wallet's message. */
async function settledSplitOrder(
  suite: MovementConformanceSuite,
  c: MovementContext,
  input: SplitInput,
): Promise<Order> {
  const order = await paidSplitOrder(suite, c);
  await c.payments.split(order.id, input);
  await c.payments.handleMovementNotification(c.provider.id, c.movements.settleSplit(order.id, input.splitId));
  return order;
}

async function notFound(run: () => Promise<unknown>): Promise<void> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('not_found');
}

function splitCases(suite: MovementConformanceSuite): ConformanceCase[] {
  const input = { splitId: 'confSplit0001', receivers: suite.receivers };
  const total = suite.receivers.reduce((sum, r) => sum + r.amount, 0);
  return [
    {
      name: 'splits a paid order, bound to its receivers, settled by a verified notification and by a query',
      async run() {
        const c = await context(suite);
        const order = await paidSplitOrder(suite, c);
        const split = await c.payments.split(order.id, input);
        expect(split).toMatchObject({ id: input.splitId, amount: total });
        expect(['pending', 'succeeded']).toContain(split.status);
        const result = await c.payments.handleMovementNotification(
          c.provider.id,
          c.movements.settleSplit(order.id, input.splitId),
        );
        expect(result.ok).toBe(true);
        expect((await c.payments.getSplit(order.id, input.splitId)).status).toBe('succeeded');
        const queried = await c.provider.querySplit?.({ orderId: order.id, order: result.order as Order, split });
        expect(queried).toMatchObject({ orderId: order.id, splitId: input.splitId, status: 'succeeded' });
      },
    },
    {
      name: 'takes the same split id twice as one split',
      async run() {
        const c = await context(suite);
        const order = await paidSplitOrder(suite, c);
        const split = await c.payments.split(order.id, input);
        const latest = await c.payments.getOrder(order.id);
        const again = await c.provider.split?.({ orderId: order.id, order: latest, split, notifyUrl: null });
        expect(again).toMatchObject({ splitId: input.splitId });
        expect(again?.receivers.map((r) => r.amount).sort()).toEqual(suite.receivers.map((r) => r.amount).sort());
      },
    },
    {
      name: 'answers a query for a split it does not know with not_found',
      async run() {
        const c = await context(suite);
        const order = await paidSplitOrder(suite, c);
        const split = await c.payments.split(order.id, input);
        await notFound(async () =>
          c.provider.querySplit?.({ orderId: order.id, order, split: { ...split, id: 'confSplit9999' } }),
        );
      },
    },
    {
      name: 'returns part of a settled split and reports the return, bound to it (or, without returns, refuses before recording)',
      async run() {
        const c = await context(suite);
        const order = await settledSplitOrder(suite, c, input);
        const receiver = suite.receivers[0] as SplitReceiverRequest;
        const asked = {
          splitId: input.splitId,
          returnId: 'confReturn001',
          account: receiver.account,
          amount: 1,
          description: 'conformance return',
        };
        if (typeof c.provider.returnSplit !== 'function') {
          const refused = await rejection(() => c.payments.returnSplit(order.id, asked));
          expect(UnsupportedOperationError.isInstance(refused)).toBe(true);
          expect((await c.payments.getSplit(order.id, input.splitId)).returns).toEqual([]);
          return;
        }
        const returned = await c.payments.returnSplit(order.id, asked);
        expect(returned).toMatchObject({ id: 'confReturn001', amount: 1 });
        if (returned.status === 'pending') {
          const result = await c.payments.handleMovementNotification(
            c.provider.id,
            c.movements.settleReturn(order.id, input.splitId, 'confReturn001'),
          );
          expect(result.ok).toBe(true);
        }
        const split = await c.payments.getSplit(order.id, input.splitId);
        expect(split.returns.find((r) => r.id === 'confReturn001')?.status).toBe('succeeded');
      },
    },
    {
      name: 'gives back part of a settled split within a refund, settled with it (or, without that, refuses before recording)',
      async run() {
        const c = await context(suite);
        const order = await settledSplitOrder(suite, c, input);
        const receiver = suite.receivers[0] as SplitReceiverRequest;
        const back = {
          splitId: input.splitId,
          returnId: 'confReturnR01',
          account: receiver.account,
          amount: 2,
          description: 'conformance return',
        };
        const asked = { refundId: 'confRefund0R1', amount: 3, splitReturns: [back] };
        if (!c.provider.capabilities.splitReturnsInRefund) {
          const refused = await rejection(() => c.payments.refund(order.id, asked));
          expect(UnsupportedOperationError.isInstance(refused)).toBe(true);
          const after = await c.payments.getOrder(order.id);
          expect([after.refunds, (await c.payments.getSplit(order.id, input.splitId)).returns]).toEqual([[], []]);
          return;
        }
        const { refund } = await c.payments.refund(order.id, asked);
        expect(refund).toMatchObject({ id: 'confRefund0R1', amount: 3 });
        if (refund.status === 'pending') await c.payments.sync(order.id);
        const after = await c.payments.getOrder(order.id);
        expect(after.refunds.find((r) => r.id === 'confRefund0R1')?.status).toBe('succeeded');
        const returned = (await c.payments.getSplit(order.id, input.splitId)).returns;
        expect(returned).toEqual([
          expect.objectContaining({ id: 'confReturnR01', amount: 2, status: 'succeeded', refundId: 'confRefund0R1' }),
        ]);
        // Beyond what the receiver holds: refused before anything is recorded or sent.
        const beyond = await rejection(() =>
          c.payments.refund(order.id, {
            refundId: 'confRefund0R2',
            amount: receiver.amount,
            splitReturns: [{ ...back, returnId: 'confReturnR02', amount: receiver.amount - 1 }],
          }),
        );
        expect(SplitExceedsAvailableError.isInstance(beyond)).toBe(true);
        expect((await c.payments.getOrder(order.id)).refunds.map((r) => r.id)).toEqual(['confRefund0R1']);
      },
    },
    {
      name: 'refuses a forged split notification (status changed, signature kept), and changes nothing',
      async run() {
        const c = await context(suite);
        const order = await paidSplitOrder(suite, c);
        const split = await c.payments.split(order.id, input);
        const result = await c.payments.handleMovementNotification(
          c.provider.id,
          c.movements.forge(c.movements.settleSplit(order.id, input.splitId)),
        );
        expect(result.ok).toBe(false);
        expect(result.response.status).toBeGreaterThanOrEqual(400);
        expect((await c.payments.getSplit(order.id, input.splitId)).status).toBe(split.status);
      },
    },
  ];
}

function transferCases(suite: MovementConformanceSuite): ConformanceCase[] {
  const input = (c: MovementContext, transferId = 'confXfer0001') => ({
    provider: c.provider.id,
    transferId,
    amount: 733,
    payee: suite.payee,
    remark: 'conformance',
    ...(suite.transferOptions === undefined ? {} : { providerOptions: suite.transferOptions }),
  });
  return [
    {
      name: 'pays out, bound to its transfer and amount, settled by a verified notification and by a query',
      async run() {
        const c = await context(suite);
        const transfer = await c.payments.transfer(input(c));
        expect(transfer).toMatchObject({ id: 'confXfer0001', amount: 733 });
        expect(['processing', 'pending_confirmation', 'succeeded']).toContain(transfer.status);
        const result = await c.payments.handleMovementNotification(
          c.provider.id,
          c.movements.completeTransfer('confXfer0001'),
        );
        expect(result.ok).toBe(true);
        expect((await c.payments.getTransfer('confXfer0001')).status).toBe('succeeded');
        const stored = await c.payments.getTransfer('confXfer0001');
        expect(await c.provider.queryTransfer?.({ transfer: stored, notifyUrl: null })).toMatchObject({
          transferId: 'confXfer0001',
          amount: 733,
          status: 'succeeded',
        });
      },
    },
    {
      name: 'records a transfer that fails later as failed, from its notification',
      async run() {
        const c = await context(suite);
        await c.payments.transfer(input(c));
        const result = await c.payments.handleMovementNotification(
          c.provider.id,
          c.movements.failTransfer('confXfer0001'),
        );
        expect(result.ok).toBe(true);
        expect((await c.payments.getTransfer('confXfer0001')).status).toBe('failed');
      },
    },
    {
      name: 'answers a query for a transfer it does not know with not_found',
      async run() {
        const c = await context(suite);
        const transfer = await c.payments.transfer(input(c));
        await notFound(async () =>
          c.provider.queryTransfer?.({ transfer: { ...transfer, id: 'confXfer9999' }, notifyUrl: null }),
        );
      },
    },
    {
      name: 'refuses a forged transfer notification (status changed, signature kept), and changes nothing',
      async run() {
        const c = await context(suite);
        const transfer = await c.payments.transfer(input(c));
        const result = await c.payments.handleMovementNotification(
          c.provider.id,
          c.movements.forge(c.movements.completeTransfer('confXfer0001')),
        );
        expect(result.ok).toBe(false);
        expect((await c.payments.getTransfer('confXfer0001')).status).toBe(transfer.status);
      },
    },
  ];
}

/** Every event of the facade a listener can take, payments' and money movement's. */
const EVENT_TYPES = [
  'order.created',
  'order.pending',
  'order.paid',
  'order.refunded',
  'order.closed',
  'order.failed',
  'order.anomaly',
  'refund.failed',
  'split.succeeded',
  'split.failed',
  'split.closed',
  'split.returned',
  'split.return_failed',
  'transfer.pending_confirmation',
  'transfer.succeeded',
  'transfer.failed',
  'transfer.cancelled',
] as const;

/** An error as a log would show it: its text, its fields, its stack and its causes. */
function asLogged(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 4) return `${String(error)} ${JSON.stringify(error) ?? ''}`;
  return [String(error), JSON.stringify(error), error.stack ?? '', asLogged(error.cause, depth + 1)].join('\n');
}

/**
 * The ways a name shows in logged text: as it is, percent-encoded (a form body, Alipay's
 * `biz_content`) in either case of hex, and as JSON `\\u` escapes.
 */
function spellings(name: string): string[] {
  const percent = encodeURIComponent(name);
  const escaped = [...name].map((ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`).join('');
  return [...new Set([name, percent, percent.toLowerCase(), escaped, escaped.toUpperCase().replaceAll('\\U', '\\u')])];
}

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The payee and receiver names the privacy case sends: the suite's, or made-up ones. */
const PAYEE_NAME = '隐私测试';
const OTHER_NAME = '别的名字';

function privacyCase(suite: MovementConformanceSuite, provider: PaymentProvider): ConformanceCase {
  return {
    name: 'keeps payee and receiver names out of hooks, errors, events and the order; a transfer keeps its payee name only to send it again',
    async run() {
      const c = await context(suite);
      const seen: string[] = [];
      for (const type of EVENT_TYPES) c.payments.on(type, (payload) => void seen.push(JSON.stringify(payload)));
      c.payments.on('notification.rejected', ({ error }) => void seen.push(asLogged(error)));
      const errors: unknown[] = [];
      const receivers = suite.namedReceivers ?? suite.receivers;
      const names = receivers.flatMap((r) => (r.name === undefined ? [] : [r.name]));
      if (provider.capabilities.split) {
        const order = await paidSplitOrder(suite, c);
        const input = { splitId: 'confPrivSplit', receivers };
        await c.payments.split(order.id, input);
        seen.push(JSON.stringify(await c.payments.getOrder(order.id)));
        const settled = await c.payments.handleMovementNotification(
          c.provider.id,
          c.movements.settleSplit(order.id, input.splitId),
        );
        seen.push(JSON.stringify(settled));
        // The same split id with other receivers, a name among them: refused without naming anyone.
        const [first, ...rest] = receivers as [SplitReceiverRequest, ...SplitReceiverRequest[]];
        const other = { ...first, amount: first.amount + 1, name: OTHER_NAME };
        errors.push(await rejection(() => c.payments.split(order.id, { ...input, receivers: [other, ...rest] })));
        // The order as stored holds no receiver's name.
        seen.push(JSON.stringify(await c.store.get(order.id)));
      }
      if (provider.capabilities.transfer) {
        const payee = { ...suite.payee, name: suite.payee.name ?? PAYEE_NAME };
        names.push(payee.name);
        const input = {
          provider: c.provider.id,
          transferId: 'confPrivXfer1',
          amount: 733,
          payee,
          remark: 'conformance',
          ...(suite.transferOptions === undefined ? {} : { providerOptions: suite.transferOptions }),
        };
        await c.payments.transfer(input);
        // The same id for another payee name: refused without naming either.
        errors.push(await rejection(() => c.payments.transfer({ ...input, payee: { ...payee, name: OTHER_NAME } })));
        const genuine = c.movements.completeTransfer('confPrivXfer1');
        const forged = await c.payments.handleMovementNotification(c.provider.id, c.movements.forge(genuine));
        errors.push(forged.ok ? undefined : forged.error);
        seen.push(JSON.stringify(await c.payments.handleMovementNotification(c.provider.id, genuine)));
        // A second payout the wallet fails, read by the reconciler: its events show no name either.
        await c.payments.transfer({ ...input, transferId: 'confPrivXfer2' });
        c.movements.failTransfer('confPrivXfer2');
        const later = new Date(Date.now() + 3_600_000);
        await createReconciler({
          payments: c.payments,
          store: c.store,
          now: () => later,
          onEvent: (event) => void seen.push(JSON.stringify(event)),
        }).runOnce();
        expect((await c.payments.getTransfer('confPrivXfer2')).status).toBe('failed');
        // Kept on the stored transfer, so that a request lost in a crash is sent again as it was.
        expect((await c.store.transfers.get('confPrivXfer1'))?.payee.name).toBe(payee.name);
      }
      expect(seen.length).toBeGreaterThan(0);
      expect(errors.filter((error) => error !== undefined).length).toBeGreaterThan(0);
      const shown = [...seen, ...errors.map((error) => asLogged(error)), ...(c.hooked?.() ?? [])].join('\n');
      if (c.hooked) expect(c.hooked().length).toBeGreaterThan(0);
      for (const name of [...names, OTHER_NAME])
        expect(spellings(name).filter((form) => shown.includes(form))).toEqual([]);
    },
  };
}

/**
 * Every case of the suite for one adapter, as plain functions (each rejects when the adapter
 * breaks the rule it names): the declaration case always, the split cases with
 * `capabilities.split`, the transfer cases with `capabilities.transfer`.
 *
 * @example
 * ```ts
 * for (const check of await movementConformanceCases(suite)) await check.run();
 * ```
 */
export async function movementConformanceCases(suite: MovementConformanceSuite): Promise<ConformanceCase[]> {
  const { provider } = await suite.setup();
  const cases: ConformanceCase[] = [
    {
      name: 'declares split and transfer operations exactly as its capabilities say',
      async run() {
        const has = (name: keyof PaymentProvider) => typeof provider[name] === 'function';
        const split = provider.capabilities.split === true;
        const transfer = provider.capabilities.transfer === true;
        expect([has('split'), has('querySplit')]).toEqual([split, split]);
        // Returns are a wallet's own (WeChat Pay has them, Alipay not): both or neither, with splits only.
        expect(has('queryReturn')).toBe(has('returnSplit'));
        if (!split) expect(has('returnSplit')).toBe(false);
        // Returns within a refund are the other way a wallet takes split money back (Alipay's).
        if (provider.capabilities.splitReturnsInRefund) expect([split, has('refund')]).toEqual([true, true]);
        expect([has('transfer'), has('queryTransfer')]).toEqual([transfer, transfer]);
        expect(has('verifyMovementNotification')).toBe(split || transfer);
      },
    },
  ];
  if (provider.capabilities.split) cases.push(...splitCases(suite));
  if (provider.capabilities.transfer) cases.push(...transferCases(suite));
  if (provider.capabilities.split || provider.capabilities.transfer) cases.push(privacyCase(suite, provider));
  return cases;
}

/**
 * Registers the money movement conformance suite for one adapter and its sandbox: one vitest test
 * per case of {@link movementConformanceCases}.
 *
 * @example
 * ```ts
 * import { runMovementConformance } from '@hutong/core/conformance';
 * runMovementConformance({ name: 'fake', setup, receivers, payee });
 * ```
 */
export function runMovementConformance(suite: MovementConformanceSuite): void {
  describe(`movement conformance: ${suite.name}`, async () => {
    for (const check of await movementConformanceCases(suite)) it(check.name, () => check.run());
  });
}
