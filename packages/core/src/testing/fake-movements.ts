/**
 * The fake provider with money movement: profit sharing (splits and their returns) and payouts
 * (transfers) on the same in-memory gateway, with the wallets' failure modes (a receiver not
 * bound, an insufficient balance, a payee who never confirms, a request lost on the way, a reply
 * lost on the way back). Its movement notifications are signed like its payment notifications.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { NotificationInput, NotificationRequest } from '@hutong/core';
import { generateId, NetworkError, ProviderApiError, SignatureVerificationError, ValidationError } from '@hutong/core';
import type {
  MoneyMovementEvent,
  SplitReceiverStatus,
  SplitReturnStatusEvent,
  SplitStatus,
  SplitStatusEvent,
  TransferStatus,
  TransferStatusEvent,
  VerifiedMovementNotification,
} from '@hutong/core/provider-utils';
import { createFakeProvider, type FakeProvider, type FakeProviderOptions } from './fake-provider.js';
import {
  FAKE_SIGNATURE_HEADER,
  FAKE_TIMESTAMP_HEADER,
  isFakeSignatureValid,
  signFakeMessage,
} from './fake-signature.js';

/** The fake gateway's split statuses. */
export type FakeSplitStatus = 'PROCESSING' | 'FINISHED' | 'CLOSED' | 'REFUSED';
/** The fake gateway's receiver results. */
export type FakeReceiverStatus = 'PENDING' | 'SUCCESS' | 'CLOSED' | 'FAILED';
/** The fake gateway's return statuses. */
export type FakeReturnStatus = 'PROCESSING' | 'SUCCESS' | 'FAILED';
/** The fake gateway's transfer statuses (WeChat Pay's 2025 transfer bills, reduced). */
export type FakeTransferStatus = 'ACCEPTED' | 'WAIT_USER_CONFIRM' | 'SUCCESS' | 'FAIL' | 'CANCELLED';

/** Exhaustive map of fake split statuses to core split statuses. */
export const FAKE_SPLIT_STATUS_MAP = {
  PROCESSING: 'pending',
  FINISHED: 'succeeded',
  CLOSED: 'closed',
  REFUSED: 'failed',
} as const satisfies Record<FakeSplitStatus, SplitStatus>;

/** Exhaustive map of fake receiver results to core receiver statuses. */
export const FAKE_RECEIVER_STATUS_MAP = {
  PENDING: 'pending',
  SUCCESS: 'succeeded',
  CLOSED: 'closed',
  FAILED: 'failed',
} as const satisfies Record<FakeReceiverStatus, SplitReceiverStatus>;

/** Exhaustive map of fake return statuses to core return statuses. */
export const FAKE_RETURN_STATUS_MAP = {
  PROCESSING: 'pending',
  SUCCESS: 'succeeded',
  FAILED: 'failed',
} as const satisfies Record<FakeReturnStatus, SplitReturnStatusEvent['status']>;

/** Exhaustive map of fake transfer statuses to core transfer statuses. */
export const FAKE_TRANSFER_STATUS_MAP = {
  ACCEPTED: 'processing',
  WAIT_USER_CONFIRM: 'pending_confirmation',
  SUCCESS: 'succeeded',
  FAIL: 'failed',
  CANCELLED: 'cancelled',
} as const satisfies Record<FakeTransferStatus, Exclude<TransferStatus, 'created'>>;

/** A split as the fake gateway keeps it. */
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

/** A transfer as the fake gateway keeps it. */
export interface FakeTransfer {
  id: string;
  amount: number;
  providerTransferId: string;
  status: FakeTransferStatus;
  /** The payee's name the gateway received, if any. */
  payeeName: string | undefined;
  failReason: string | undefined;
}

/** The movement operations whose next call can be made to fail. */
export type FakeMovementOperation =
  | 'split'
  | 'querySplit'
  | 'returnSplit'
  | 'queryReturn'
  | 'transfer'
  | 'queryTransfer'
  | 'cancelTransfer';

/** Options of {@link createFakeMovementProvider}. */
export interface FakeMovementProviderOptions extends FakeProviderOptions {
  /** Accounts that may receive splits; a split naming another is refused (`RECEIVER_NOT_BOUND`). Default: any. */
  boundReceivers?: readonly string[] | undefined;
  /** Settle splits at once instead of `PROCESSING` until `movements.settleSplit`. Default false. */
  instantSplits?: boolean | undefined;
  /** Returns stay `PROCESSING` until `movements.settleReturn`, instead of settling at once. Default false. */
  pendingReturns?: boolean | undefined;
  /** Transfers wait for the payee (`WAIT_USER_CONFIRM`) instead of being accepted. Default false. */
  transferConfirmation?: boolean | undefined;
  /** The merchant's balance for transfers, in fen. Default 1 000 000. */
  balance?: number | undefined;
}

/** Test controls of the fake gateway's money movement. */
export interface FakeMovementSandbox {
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

/** A fake provider with `capabilities.split` and `capabilities.transfer`, and its movement controls. */
export interface FakeMovementProvider<Id extends string = 'fake'> extends FakeProvider<Id> {
  readonly movements: FakeMovementSandbox;
}

type FakeMovementBody =
  | { id: string; type: 'split.status'; order_id: string; split_id: string }
  | { id: string; type: 'split.return.status'; order_id: string; split_id: string; return_id: string }
  | { id: string; type: 'transfer.status'; transfer_id: string };

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
  const id = base.id;
  const now = options.now ?? (() => new Date());
  const tolerance = options.toleranceSeconds ?? 300;
  const bound = options.boundReceivers ? new Set(options.boundReceivers) : undefined;
  let balance = options.balance ?? 1_000_000;
  const splits = new Map<string, FakeSplit>();
  const transfers = new Map<string, FakeTransfer>();
  const failures = new Map<FakeMovementOperation, Error>();
  const lostReplies = new Set<FakeMovementOperation>();
  const calls: Record<FakeMovementOperation, number> = {
    split: 0,
    querySplit: 0,
    returnSplit: 0,
    queryReturn: 0,
    transfer: 0,
    queryTransfer: 0,
    cancelTransfer: 0,
  };

  const refusal = (code: string, normalizedCode: ProviderApiError['normalizedCode']) =>
    new ProviderApiError({ provider: id, providerCode: code, normalizedCode });

  /** Runs one gateway operation with the test's failure injections around it. */
  async function operation<T>(name: FakeMovementOperation, run: () => T): Promise<T> {
    calls[name]++;
    const failure = failures.get(name);
    if (failure) {
      failures.delete(name);
      throw failure;
    }
    const result = run();
    if (lostReplies.delete(name)) throw new NetworkError(`${id}: the reply to ${name} was lost`);
    return result;
  }

  function signed(body: string, timestamp = Math.floor(now().getTime() / 1000)): NotificationInput {
    return {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [FAKE_TIMESTAMP_HEADER]: String(timestamp),
        [FAKE_SIGNATURE_HEADER]: signFakeMessage(secret, timestamp, body),
      },
      body,
    };
  }

  function findSplit(splitId: string): FakeSplit {
    const split = splits.get(splitId);
    if (!split) throw refusal('NO_SUCH_SPLIT', 'not_found');
    return split;
  }

  function findTransfer(transferId: string): FakeTransfer {
    const transfer = transfers.get(transferId);
    if (!transfer) throw refusal('NO_SUCH_TRANSFER', 'not_found');
    return transfer;
  }

  function splitEvent(split: FakeSplit): SplitStatusEvent {
    return {
      type: 'split.status',
      orderId: split.orderId,
      splitId: split.id,
      status: FAKE_SPLIT_STATUS_MAP[split.status],
      receivers: split.receivers.map((r) => ({
        account: r.account,
        amount: r.amount,
        status: FAKE_RECEIVER_STATUS_MAP[r.status],
      })),
      providerSplitId: split.providerSplitId,
    };
  }

  function returnEvent(split: FakeSplit, returnId: string): SplitReturnStatusEvent {
    const found = split.returns.get(returnId);
    if (!found) throw refusal('NO_SUCH_RETURN', 'not_found');
    return {
      type: 'split.return.status',
      orderId: split.orderId,
      splitId: split.id,
      returnId,
      amount: found.amount,
      status: FAKE_RETURN_STATUS_MAP[found.status],
    };
  }

  function transferEvent(transfer: FakeTransfer): TransferStatusEvent {
    const status = FAKE_TRANSFER_STATUS_MAP[transfer.status];
    return {
      type: 'transfer.status',
      transferId: transfer.id,
      amount: transfer.amount,
      status,
      providerTransferId: transfer.providerTransferId,
      ...(status === 'pending_confirmation' ? { confirmation: `package-${transfer.providerTransferId}` } : {}),
      ...(transfer.failReason === undefined ? {} : { failReason: transfer.failReason }),
    };
  }

  /** What the gateway still holds of a payment to split: paid, less refunds and what splits hold. */
  function unsplit(orderId: string): number {
    const payment = base.sandbox.payment(orderId);
    if (!payment) return 0;
    let held = 0;
    for (const refund of payment.refunds.values()) if (refund.status !== 'REJECTED') held += refund.amount;
    for (const split of splits.values()) {
      if (split.orderId !== orderId) continue;
      for (const r of split.receivers) if (r.status === 'PENDING' || r.status === 'SUCCESS') held += r.amount;
      for (const r of split.returns.values()) if (r.status === 'SUCCESS') held -= r.amount;
    }
    return payment.amount - held;
  }

  const notify = (body: FakeMovementBody extends infer B ? (B extends unknown ? Omit<B, 'id'> : never) : never) =>
    signed(JSON.stringify({ id: `evt${generateId()}`, ...body }));

  const movements: FakeMovementSandbox = {
    settleSplit(orderId, splitId, settle = {}) {
      const split = findSplit(splitId);
      if (split.status === 'PROCESSING') {
        split.status = settle.close ? 'CLOSED' : 'FINISHED';
        for (const r of split.receivers) r.status = settle.close ? 'CLOSED' : 'SUCCESS';
      }
      return notify({ type: 'split.status', order_id: orderId, split_id: splitId });
    },
    settleReturn(orderId, splitId, returnId, settle = {}) {
      const found = findSplit(splitId).returns.get(returnId);
      if (!found) throw refusal('NO_SUCH_RETURN', 'not_found');
      if (found.status === 'PROCESSING') found.status = settle.fail ? 'FAILED' : 'SUCCESS';
      return notify({ type: 'split.return.status', order_id: orderId, split_id: splitId, return_id: returnId });
    },
    completeTransfer(transferId) {
      const transfer = findTransfer(transferId);
      if (transfer.status === 'ACCEPTED' || transfer.status === 'WAIT_USER_CONFIRM') transfer.status = 'SUCCESS';
      return notify({ type: 'transfer.status', transfer_id: transferId });
    },
    failTransfer(transferId, reason = 'ACCOUNT_FROZEN') {
      const transfer = findTransfer(transferId);
      if (transfer.status === 'ACCEPTED' || transfer.status === 'WAIT_USER_CONFIRM') {
        transfer.status = 'FAIL';
        transfer.failReason = reason;
        balance += transfer.amount;
      }
      return notify({ type: 'transfer.status', transfer_id: transferId });
    },
    notification: (body, notificationOptions = {}) => signed(body, notificationOptions.timestamp),
    failNext(name, error) {
      failures.set(name, error);
    },
    loseReplyNext(name) {
      lostReplies.add(name);
    },
    split: (splitId) => splits.get(splitId),
    transfer: (transferId) => transfers.get(transferId),
    calls,
  };

  function verifySignature(request: NotificationRequest): void {
    const timestampText = request.headers[FAKE_TIMESTAMP_HEADER];
    const signature = request.headers[FAKE_SIGNATURE_HEADER];
    if (!timestampText || !signature) {
      throw new SignatureVerificationError(id, 'missing_signature', 'signature headers are missing');
    }
    const timestamp = Number(timestampText);
    if (!Number.isSafeInteger(timestamp)) {
      throw new SignatureVerificationError(id, 'malformed', 'timestamp is not a number');
    }
    if (Math.abs(now().getTime() / 1000 - timestamp) >= tolerance) {
      throw new SignatureVerificationError(
        id,
        'expired_timestamp',
        `timestamp is outside the ${tolerance}-second window`,
      );
    }
    if (!isFakeSignatureValid(secret, timestamp, request.body, signature)) {
      throw new SignatureVerificationError(id, 'bad_signature', 'signature does not match the body');
    }
  }

  /** The event a verified notification reports: the gateway's current record it names. */
  function movementEvent(text: string): { event: MoneyMovementEvent; notificationId: string } {
    let body: FakeMovementBody;
    try {
      body = JSON.parse(text) as FakeMovementBody;
    } catch (cause) {
      throw new ValidationError('notification.body', 'is not JSON', { cause });
    }
    const notificationId = typeof body?.id === 'string' ? body.id : '';
    switch (body?.type) {
      case 'split.status':
        return { event: splitEvent(findSplit(body.split_id)), notificationId };
      case 'split.return.status':
        return { event: returnEvent(findSplit(body.split_id), body.return_id), notificationId };
      case 'transfer.status':
        return { event: transferEvent(findTransfer(body.transfer_id)), notificationId };
      default:
        throw new ValidationError('notification.type', 'is not a movement notification type');
    }
  }

  return Object.assign(base, {
    capabilities: { ...base.capabilities, split: true, transfer: true },
    movements,

    async split({ orderId, split, names }) {
      return operation('split', () => {
        const existing = splits.get(split.id);
        if (existing) return splitEvent(existing);
        if (base.sandbox.payment(orderId)?.status !== 'PAID') throw refusal('NOT_PAID', 'invalid_request');
        if (bound && split.receivers.some((r) => !bound.has(r.account))) {
          throw refusal('RECEIVER_NOT_BOUND', 'invalid_request');
        }
        if (split.amount > unsplit(orderId)) throw refusal('NOT_ENOUGH', 'insufficient_balance');
        const recorded: FakeSplit = {
          orderId,
          id: split.id,
          providerSplitId: `ps${generateId()}`,
          status: options.instantSplits ? 'FINISHED' : 'PROCESSING',
          receivers: split.receivers.map((r) => ({
            account: r.account,
            amount: r.amount,
            status: options.instantSplits ? 'SUCCESS' : 'PENDING',
          })),
          names: { ...names },
          returns: new Map(),
        };
        splits.set(split.id, recorded);
        return splitEvent(recorded);
      });
    },

    async querySplit({ split }) {
      return operation('querySplit', () => splitEvent(findSplit(split.id)));
    },

    async returnSplit({ split, returnId, account, amount }) {
      return operation('returnSplit', () => {
        const recorded = findSplit(split.id);
        if (!recorded.returns.has(returnId)) {
          const receiver = recorded.receivers.find((r) => r.account === account);
          if (receiver?.status !== 'SUCCESS') throw refusal('RECEIVER_NOT_PAID', 'invalid_request');
          let returned = 0;
          for (const r of recorded.returns.values())
            if (r.account === account && r.status !== 'FAILED') returned += r.amount;
          if (returned + amount > receiver.amount) throw refusal('RETURN_TOO_LARGE', 'invalid_request');
          recorded.returns.set(returnId, {
            account,
            amount,
            status: options.pendingReturns ? 'PROCESSING' : 'SUCCESS',
          });
        }
        return returnEvent(recorded, returnId);
      });
    },

    async queryReturn({ split, returnId }) {
      return operation('queryReturn', () => returnEvent(findSplit(split.id), returnId));
    },

    async transfer({ transfer }) {
      return operation('transfer', () => {
        const existing = transfers.get(transfer.id);
        if (existing) return transferEvent(existing);
        if (transfer.amount > balance) throw refusal('NOT_ENOUGH', 'insufficient_balance');
        balance -= transfer.amount;
        const recorded: FakeTransfer = {
          id: transfer.id,
          amount: transfer.amount,
          providerTransferId: `pt${generateId()}`,
          status: options.transferConfirmation ? 'WAIT_USER_CONFIRM' : 'ACCEPTED',
          payeeName: transfer.payee.name,
          failReason: undefined,
        };
        transfers.set(transfer.id, recorded);
        return transferEvent(recorded);
      });
    },

    async queryTransfer({ transfer }) {
      return operation('queryTransfer', () => transferEvent(findTransfer(transfer.id)));
    },

    async cancelTransfer({ transfer }) {
      return operation('cancelTransfer', () => {
        const recorded = findTransfer(transfer.id);
        if (recorded.status === 'SUCCESS' || recorded.status === 'FAIL')
          throw refusal('ALREADY_SETTLED', 'invalid_request');
        if (recorded.status !== 'CANCELLED') {
          recorded.status = 'CANCELLED';
          balance += recorded.amount;
        }
        return transferEvent(recorded);
      });
    },

    async verifyMovementNotification(request: NotificationRequest): Promise<VerifiedMovementNotification> {
      verifySignature(request);
      return movementEvent(request.body);
    },
  } satisfies Partial<FakeMovementProvider<Id>>) as FakeMovementProvider<Id>;
}
