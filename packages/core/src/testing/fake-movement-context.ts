/**
 * What the parts of the fake movement provider share: its options, its secret and clock, the
 * payment gateway it extends, and the gateway's memory of money movement (splits, transfers, the
 * balance) and of the test's failure injections. Built once by `createFakeMovementProvider`.
 *
 * @packageDocumentation
 */
import { NetworkError, ProviderApiError } from '@hutong/core';
import type { FakeMovementOperation, FakeMovementProviderOptions, FakeSplit, FakeTransfer } from './fake-movements.js';
import type { FakeProvider } from './fake-provider.js';

/**
 * The shared state of one fake movement provider.
 *
 * @example
 * ```ts
 * const context = createFakeMovementContext(options, base, secret);
 * context.balance; // 1_000_000 by default
 * ```
 */
export interface FakeMovementContext {
  readonly id: string;
  readonly options: FakeMovementProviderOptions;
  /** The secret notifications are signed with. */
  readonly secret: string;
  readonly now: () => Date;
  /** How far a notification's timestamp may be from `now`, in seconds. */
  readonly tolerance: number;
  /** The payment gateway the movement extends. */
  readonly base: Pick<FakeProvider<string>, 'sandbox'>;
  /** Accounts that may receive splits; `undefined`: any. */
  readonly bound: ReadonlySet<string> | undefined;
  /** The merchant's balance for transfers, in fen. */
  balance: number;
  readonly splits: Map<string, FakeSplit>;
  readonly transfers: Map<string, FakeTransfer>;
  /** The error the next call of an operation throws before the gateway sees it. */
  readonly failures: Map<FakeMovementOperation, Error>;
  /** The operations whose next reply is lost. */
  readonly lostReplies: Set<FakeMovementOperation>;
  readonly calls: Record<FakeMovementOperation, number>;
}

/**
 * Creates the shared state of a fake movement provider over `base`.
 *
 * @example
 * ```ts
 * const base = createFakeProvider({ ...options, secret });
 * const context = createFakeMovementContext(options, base, secret);
 * ```
 */
export function createFakeMovementContext(
  options: FakeMovementProviderOptions,
  base: Pick<FakeProvider<string>, 'id' | 'sandbox'>,
  secret: string,
): FakeMovementContext {
  return {
    id: base.id,
    options,
    secret,
    now: options.now ?? (() => new Date()),
    tolerance: options.toleranceSeconds ?? 300,
    base,
    bound: options.boundReceivers ? new Set(options.boundReceivers) : undefined,
    balance: options.balance ?? 1_000_000,
    splits: new Map(),
    transfers: new Map(),
    failures: new Map(),
    lostReplies: new Set(),
    calls: {
      split: 0,
      querySplit: 0,
      returnSplit: 0,
      queryReturn: 0,
      transfer: 0,
      queryTransfer: 0,
      cancelTransfer: 0,
    },
  };
}

/**
 * The gateway's refusal `code`, as the provider's error.
 *
 * @example
 * ```ts
 * throw refusal(context, 'NO_SUCH_SPLIT', 'not_found');
 * ```
 */
export function refusal(
  context: FakeMovementContext,
  code: string,
  normalizedCode: ProviderApiError['normalizedCode'],
): ProviderApiError {
  return new ProviderApiError({ provider: context.id, providerCode: code, normalizedCode });
}

/**
 * Runs one gateway operation with the test's failure injections around it.
 *
 * @example
 * ```ts
 * return operation(context, 'querySplit', () => splitEvent(findSplit(context, split.id)));
 * ```
 */
export async function operation<T>(
  context: FakeMovementContext,
  name: FakeMovementOperation,
  run: () => T,
): Promise<T> {
  context.calls[name]++;
  const failure = context.failures.get(name);
  if (failure) {
    context.failures.delete(name);
    throw failure;
  }
  const result = run();
  if (context.lostReplies.delete(name)) throw new NetworkError(`${context.id}: the reply to ${name} was lost`);
  return result;
}

/**
 * The gateway's record of split `splitId`; refused (`NO_SUCH_SPLIT`) when it has none.
 *
 * @example
 * ```ts
 * findSplit(context, 'split0001').status; // 'PROCESSING'
 * ```
 */
export function findSplit(context: FakeMovementContext, splitId: string): FakeSplit {
  const split = context.splits.get(splitId);
  if (!split) throw refusal(context, 'NO_SUCH_SPLIT', 'not_found');
  return split;
}

/**
 * The gateway's record of transfer `transferId`; refused (`NO_SUCH_TRANSFER`) when it has none.
 *
 * @example
 * ```ts
 * findTransfer(context, 'payout0001').status; // 'ACCEPTED'
 * ```
 */
export function findTransfer(context: FakeMovementContext, transferId: string): FakeTransfer {
  const transfer = context.transfers.get(transferId);
  if (!transfer) throw refusal(context, 'NO_SUCH_TRANSFER', 'not_found');
  return transfer;
}
