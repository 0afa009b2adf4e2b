/**
 * What the sandbox-driven provider conformance suite needs from an adapter package, and the small
 * context every case builds from it.
 *
 * @packageDocumentation
 */
import type { NextAction, NotificationInput, Order, PosAction } from '@hutong/core';
import {
  type CreatePaymentInput,
  createPayments,
  MemoryOrderStore,
  type PaymentMethod,
  type Payments,
} from '@hutong/core';
import type { PaymentProvider } from '@hutong/core/provider-utils';
import type { WalletSandbox } from '../testing/wallet-sandbox.js';

/** A provider wired to the sandbox it talks to. */
export interface ProviderUnderTest {
  /** The adapter's provider, its `fetch`/`endpoint` pointed at `sandbox`. */
  provider: PaymentProvider;
  /** The wallet sandbox the provider talks to, with its hostile hooks. */
  sandbox: WalletSandbox;
}

/**
 * How {@link runProviderConformance} drives an adapter: a fresh provider and sandbox per case, and
 * the few facts about the wallet the suite cannot read from the capabilities.
 *
 * @example
 * ```ts
 * const harness: ProviderConformanceSuite = {
 *   name: 'fake',
 *   setup: () => {
 *     const sandbox = createMySandbox();
 *     return { sandbox, provider: mywallet({ ...sandbox.keys, fetch: sandbox.fetch }) };
 *   },
 * };
 * ```
 */
export interface ProviderConformanceSuite {
  /** Suite name, e.g. `alipay (public-key mode)`. */
  name: string;
  /** A fresh provider wired to a fresh sandbox, for each case. */
  setup(): ProviderUnderTest | Promise<ProviderUnderTest>;
  /** Extra create input per method (a WeChat openid for jsapi, a payment code for pos, ...). */
  createInput?: ((method: PaymentMethod) => Partial<CreatePaymentInput>) | undefined;
  /** Methods to exercise; default: every declared method but `pos`. */
  methods?: readonly PaymentMethod[] | undefined;
  /**
   * The buyer opens the action before paying; default `sandbox.open(action)` for every action but
   * `none`.
   */
  open?: ((sandbox: WalletSandbox, action: NextAction | PosAction) => void) | undefined;
  /**
   * The order status a payment that failed at the wallet ends in: `failed` (default), or `closed`
   * for a wallet whose failed payment is a closed trade (Alipay `TRADE_CLOSED`).
   */
  failedPaymentStatus?: 'failed' | 'closed' | undefined;
  /**
   * The wallet answers a refund request with its final outcome (Alipay): the suite then does not
   * expect a refund to stay pending until the sandbox settles it, and skips the failed-refund cases.
   */
  refundsSettleAtOnce?: boolean | undefined;
  /** Notification URL given to the provider. Default `https://merchant.example/notify`. */
  notifyUrl?: string | undefined;
}

/** One case of the suite, runnable outside vitest's `describe` (it throws when the adapter fails it). */
export interface ConformanceCase {
  /** What the case checks, as the test is named. */
  readonly name: string;
  /** Runs the case; rejects with an assertion error when the provider does not conform. */
  run(): Promise<void>;
}

/** What a case works with: a fresh provider, its sandbox and a facade over them. */
export interface CaseContext extends ProviderUnderTest {
  payments: Payments;
}

/**
 * The amounts the cases use, one per case, so no adapter passes by echoing a constant: all odd fen
 * amounts over 1,000, none the same as another case's.
 */
const AMOUNTS = [
  1999, 2357, 1283, 3141, 2719, 1611, 4243, 1733, 2903, 3307, 1451, 2011, 3793, 1877, 2221, 3559, 2467, 1093, 3671,
  2549, 1327, 4019, 2833, 1559,
];

/** The amount of case number `index`. @internal */
export function caseAmount(index: number): number {
  return AMOUNTS[index % AMOUNTS.length] as number;
}

/** Builds a fresh context. @internal */
export async function caseContext(suite: ProviderConformanceSuite): Promise<CaseContext> {
  const { provider, sandbox } = await suite.setup();
  const payments = createPayments({
    providers: [provider],
    store: new MemoryOrderStore(),
    notifyUrl: suite.notifyUrl ?? 'https://merchant.example/notify',
  });
  return { provider, sandbox, payments };
}

/** The first method the suite exercises. @internal */
export function firstMethod(suite: ProviderConformanceSuite, provider: PaymentProvider): PaymentMethod {
  return (suite.methods ?? provider.capabilities.methods).find((m) => m !== 'pos') ?? 'qr';
}

/** Creates a payment of `amount` with `method` and has the buyer open its action. @internal */
export async function createOpened(
  suite: ProviderConformanceSuite,
  context: CaseContext,
  amount: number,
  method: PaymentMethod = firstMethod(suite, context.provider),
): Promise<Order> {
  const { order, action } = await context.payments.createPayment({
    provider: context.provider.id,
    method,
    amount,
    subject: 'hutong conformance 测试',
    returnUrl: 'https://merchant.example/return',
    ...suite.createInput?.(method),
  });
  if (suite.open) suite.open(context.sandbox, action);
  else if (action.type !== 'none') context.sandbox.open(action);
  return order;
}

/** Creates, opens, pays and delivers: a paid order. @internal */
export async function paidOrder(
  suite: ProviderConformanceSuite,
  context: CaseContext,
  amount: number,
): Promise<{ order: Order; notification: NotificationInput }> {
  const created = await createOpened(suite, context, amount);
  const notification = context.sandbox.pay(created.id);
  const result = await context.payments.handleNotification(context.provider.id, notification);
  if (!result.ok) throw new Error(`the genuine payment notification was refused: ${String(result.error)}`);
  return { order: result.order as Order, notification };
}
