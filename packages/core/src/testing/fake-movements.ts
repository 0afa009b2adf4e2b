/**
 * The fake provider with money movement: profit sharing (splits and their returns) and payouts
 * (transfers) on the same in-memory gateway, with the wallets' failure modes (a receiver not
 * bound, an insufficient balance, a payee who never confirms, a request lost on the way, a reply
 * lost on the way back). Its movement notifications are signed like its payment notifications.
 *
 * This file is the factory and the types; the parts are in their own files: the shared state
 * (`fake-movement-context.ts`), the statuses (`-statuses`), the splits (`-split`), their returns
 * (`-return`), the transfers (`-transfer`), the events reported (`-events`), the notifications
 * (`-notifications`) and the test's controls (`-controls`).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { NotificationInput, NotificationRequest } from '@hutong/core';
import type {
  RefundReference,
  RefundRequest,
  SplitReturnReference,
  SplitReturnRequest,
  VerifiedMovementNotification,
} from '@hutong/core/provider-utils';
import { createFakeMovementContext } from './fake-movement-context.js';
import { createFakeMovementSandbox } from './fake-movement-controls.js';
import { verifyFakeMovementNotification } from './fake-movement-notifications.js';
import { fakeRefundWithReturns } from './fake-movement-refund-returns.js';
import { fakeQueryReturn, fakeReturnSplit } from './fake-movement-return.js';
import { fakeQuerySplit, fakeSplit } from './fake-movement-split.js';
import type {
  FakeReceiverStatus,
  FakeReturnStatus,
  FakeSplitStatus,
  FakeTransferStatus,
} from './fake-movement-statuses.js';
import { fakeCancelTransfer, fakeQueryTransfer, fakeTransfer } from './fake-movement-transfer.js';
import { createFakeProvider, type FakeProvider, type FakeProviderOptions } from './fake-provider.js';
import type { MovementSandbox } from './movement-sandbox.js';

export {
  FAKE_RECEIVER_STATUS_MAP,
  FAKE_RETURN_STATUS_MAP,
  FAKE_SPLIT_STATUS_MAP,
  FAKE_TRANSFER_STATUS_MAP,
  type FakeReceiverStatus,
  type FakeReturnStatus,
  type FakeSplitStatus,
  type FakeTransferStatus,
} from './fake-movement-statuses.js';

/**
 * A split as the fake gateway keeps it.
 *
 * @example
 * ```ts
 * fake.movements.split('split0001')?.names; // the names the gateway received
 * ```
 */
export interface FakeSplit {
  orderId: string;
  id: string;
  providerSplitId: string;
  status: FakeSplitStatus;
  receivers: { account: string; amount: number; status: FakeReceiverStatus }[];
  /** The receivers' names the gateway received, by account (what the wallet checks). */
  names: Record<string, string>;
  returns: Map<string, { account: string; amount: number; status: FakeReturnStatus }>;
}

/**
 * A transfer as the fake gateway keeps it.
 *
 * @example
 * ```ts
 * fake.movements.transfer('payout0001')?.status; // 'ACCEPTED'
 * ```
 */
export interface FakeTransfer {
  id: string;
  amount: number;
  providerTransferId: string;
  status: FakeTransferStatus;
  /** The payee's name the gateway received, if any. */
  payeeName: string | undefined;
  failReason: string | undefined;
}

/**
 * The movement operations whose next call can be made to fail.
 *
 * @example
 * ```ts
 * fake.movements.failNext('transfer' satisfies FakeMovementOperation, new NetworkError('reset'));
 * ```
 */
export type FakeMovementOperation =
  | 'split'
  | 'querySplit'
  | 'returnSplit'
  | 'queryReturn'
  | 'transfer'
  | 'queryTransfer'
  | 'cancelTransfer';

/**
 * Options of {@link createFakeMovementProvider}.
 *
 * @example
 * ```ts
 * createFakeMovementProvider({ boundReceivers: ['1900000109'], transferConfirmation: true, balance: 10_000 });
 * ```
 */
export interface FakeMovementProviderOptions extends FakeProviderOptions {
  /** Accounts that may receive splits; a split naming another is refused (`RECEIVER_NOT_BOUND`). Default: any. */
  boundReceivers?: readonly string[] | undefined;
  /** Settle splits at once instead of `PROCESSING` until `movements.settleSplit`. Default false. */
  instantSplits?: boolean | undefined;
  /** Returns stay `PROCESSING` until `movements.settleReturn`, instead of settling at once. Default false. */
  pendingReturns?: boolean | undefined;
  /**
   * Alipay style: receivers give back only within a refund (`capabilities.splitReturnsInRefund`;
   * the refund's `splitReturns`), and there is no `returnSplit`. Default false.
   */
  returnsInRefund?: boolean | undefined;
  /** Transfers wait for the payee (`WAIT_USER_CONFIRM`) instead of being accepted. Default false. */
  transferConfirmation?: boolean | undefined;
  /** The merchant's balance for transfers, in fen. Default 1 000 000. */
  balance?: number | undefined;
}

/**
 * Test controls of the fake gateway's money movement.
 *
 * @example
 * ```ts
 * await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));
 * ```
 */
export interface FakeMovementSandbox extends MovementSandbox {
  /** Settles a processing split (every receiver paid, or with `close` every receiver closed); returns the signed notification. */
  settleSplit(orderId: string, splitId: string, options?: { close?: boolean | undefined }): NotificationInput;
  /** Settles a processing return; returns the signed notification. */
  settleReturn(
    orderId: string,
    splitId: string,
    returnId: string,
    options?: { fail?: boolean | undefined },
  ): NotificationInput;
  /** The payee confirms (or the transfer settles); returns the signed notification. */
  completeTransfer(transferId: string): NotificationInput;
  /** The transfer fails later (a closed account); returns the signed notification. */
  failTransfer(transferId: string, reason?: string): NotificationInput;
  /** Signs any movement notification body, for tests that forge or tamper. */
  notification(body: string, options?: { timestamp?: number | undefined }): NotificationInput;
  /** Makes the next call of `operation` throw `error` before the gateway sees it (a request lost on the way). */
  failNext(operation: FakeMovementOperation, error: Error): void;
  /** The next call of `operation` reaches the gateway, but its reply is lost (a `NetworkError`). */
  loseReplyNext(operation: FakeMovementOperation): void;
  /** The gateway's record of a split. */
  split(splitId: string): FakeSplit | undefined;
  /** The gateway's record of a transfer. */
  transfer(transferId: string): FakeTransfer | undefined;
  /** How many calls each movement operation received. */
  readonly calls: Readonly<Record<FakeMovementOperation, number>>;
}

/**
 * A fake provider with `capabilities.split` and `capabilities.transfer`, and its movement controls.
 *
 * @example
 * ```ts
 * const fake: FakeMovementProvider = createFakeMovementProvider();
 * ```
 */
export interface FakeMovementProvider<Id extends string = 'fake'> extends FakeProvider<Id> {
  readonly movements: FakeMovementSandbox;
}

/**
 * Creates a fake provider whose gateway also splits payments and pays out.
 *
 * @example
 * ```ts
 * const fake = createFakeMovementProvider({ instantSplits: true });
 * const payments = createPayments({ providers: [fake] });
 * const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1000, subject: 'Tea', split: true });
 * await payments.handleNotification('fake', fake.sandbox.pay(order.id));
 * const split = await payments.split(order.id, {
 *   splitId: 'split0001', receivers: [{ type: 'merchant', account: 'shop0001', amount: 300, description: '佣金' }],
 * });
 * split.status; // 'succeeded'
 * ```
 */
export function createFakeMovementProvider<const Id extends string = 'fake'>(
  options: FakeMovementProviderOptions & { id?: Id | undefined } = {},
): FakeMovementProvider<Id> {
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const base = createFakeProvider<Id>({ ...options, secret });
  const context = createFakeMovementContext(options, base, secret);
  const refund = base.refund?.bind(base) as NonNullable<FakeProvider<Id>['refund']>;
  const queryRefund = base.queryRefund?.bind(base) as NonNullable<FakeProvider<Id>['queryRefund']>;
  const verifyNotification = base.verifyNotification.bind(base);
  // The fake gateway takes a refund and its returns as one: every report of a refund says so.
  const settles = <E extends { type: string }>(event: E): E =>
    event.type === 'refund.succeeded' ? { ...event, splitReturnsSettled: true } : event;
  const returns = options.returnsInRefund
    ? {
        refund: async (request: RefundRequest) => settles(await fakeRefundWithReturns(context, request, refund)),
        queryRefund: async (reference: RefundReference) => settles(await queryRefund(reference)),
        verifyNotification: async (request: NotificationRequest) => {
          const verified = await verifyNotification(request);
          return { ...verified, event: settles(verified.event) };
        },
      }
    : {
        returnSplit: (request: SplitReturnRequest) => fakeReturnSplit(context, request),
        queryReturn: (reference: SplitReturnReference) => fakeQueryReturn(context, reference),
      };
  return Object.assign(base, {
    capabilities: {
      ...base.capabilities,
      split: true,
      transfer: true,
      ...(options.returnsInRefund ? { splitReturnsInRefund: true } : {}),
    },
    movements: createFakeMovementSandbox(context),
    split: (request) => fakeSplit(context, request),
    querySplit: (reference) => fakeQuerySplit(context, reference),
    ...returns,
    transfer: (request) => fakeTransfer(context, request),
    queryTransfer: (request) => fakeQueryTransfer(context, request),
    cancelTransfer: (request) => fakeCancelTransfer(context, request),
    verifyMovementNotification: (request: NotificationRequest): Promise<VerifiedMovementNotification> =>
      verifyFakeMovementNotification(context, request),
  } satisfies Partial<FakeMovementProvider<Id>>) as FakeMovementProvider<Id>;
}
