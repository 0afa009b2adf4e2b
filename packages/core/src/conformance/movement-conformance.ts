/**
 * The money movement conformance suite: splits, split returns and transfers of an adapter, driven
 * through the payments facade against the adapter's sandbox. Every report must be verified and
 * bound to the split or transfer it is about; a wallet that does not know a split or transfer
 * answers `not_found`, so the reconciler can send it again.
 *
 * @packageDocumentation
 */
import type {
  NextAction,
  NotificationInput,
  Order,
  PosAction,
  SplitReceiverRequest,
  TransferPayee,
} from '@hutong/core';
import {
  type CreatePaymentInput,
  createPayments,
  MemoryOrderStore,
  type Payments,
  ProviderApiError,
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
  /** Extra input of the payment to split (a `method`, a buyer id). Default `{ method: 'qr' }`. */
  createInput?: Partial<CreatePaymentInput> | undefined;
  /** Notification URL given to the provider. Default `https://merchant.example/notify`. */
  notifyUrl?: string | undefined;
}

interface MovementContext extends MovementUnderTest {
  payments: Payments;
}

async function context(suite: MovementConformanceSuite): Promise<MovementContext> {
  const under = await suite.setup();
  const payments = createPayments({
    providers: [under.provider],
    store: new MemoryOrderStore(),
    notifyUrl: suite.notifyUrl ?? 'https://merchant.example/notify',
    movementNotifyUrl: `${suite.notifyUrl ?? 'https://merchant.example/notify'}/movements`,
  });
  return { ...under, payments };
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
      name: 'returns part of a settled split and reports the return, bound to it',
      async run() {
        const c = await context(suite);
        const order = await paidSplitOrder(suite, c);
        await c.payments.split(order.id, input);
        await c.payments.handleMovementNotification(c.provider.id, c.movements.settleSplit(order.id, input.splitId));
        const receiver = suite.receivers[0] as SplitReceiverRequest;
        const returned = await c.payments.returnSplit(order.id, {
          splitId: input.splitId,
          returnId: 'confReturn001',
          account: receiver.account,
          amount: 1,
          description: 'conformance return',
        });
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
        expect([has('split'), has('querySplit'), has('returnSplit'), has('queryReturn')]).toEqual([
          split,
          split,
          split,
          split,
        ]);
        expect([has('transfer'), has('queryTransfer')]).toEqual([transfer, transfer]);
        expect(has('verifyMovementNotification')).toBe(split || transfer);
      },
    },
  ];
  if (provider.capabilities.split) cases.push(...splitCases(suite));
  if (provider.capabilities.transfer) cases.push(...transferCases(suite));
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
