/**
 * The fake gateway's statuses of money movement (splits, their receivers and returns, transfers)
 * and their exhaustive maps to core's statuses.
 *
 * @packageDocumentation
 */
import type {
  SplitReceiverStatus,
  SplitReturnStatusEvent,
  SplitStatus,
  TransferStatus,
} from '@hutong/core/provider-utils';

/**
 * The fake gateway's split statuses.
 *
 * @example
 * ```ts
 * const status: FakeSplitStatus = 'PROCESSING';
 * ```
 */
export type FakeSplitStatus = 'PROCESSING' | 'FINISHED' | 'CLOSED' | 'REFUSED';
/**
 * The fake gateway's receiver results.
 *
 * @example
 * ```ts
 * const status: FakeReceiverStatus = 'SUCCESS';
 * ```
 */
export type FakeReceiverStatus = 'PENDING' | 'SUCCESS' | 'CLOSED' | 'FAILED';
/**
 * The fake gateway's return statuses.
 *
 * @example
 * ```ts
 * const status: FakeReturnStatus = 'SUCCESS';
 * ```
 */
export type FakeReturnStatus = 'PROCESSING' | 'SUCCESS' | 'FAILED';
/**
 * The fake gateway's transfer statuses (WeChat Pay's 2025 transfer bills, reduced).
 *
 * @example
 * ```ts
 * const status: FakeTransferStatus = 'WAIT_USER_CONFIRM';
 * ```
 */
export type FakeTransferStatus = 'ACCEPTED' | 'WAIT_USER_CONFIRM' | 'SUCCESS' | 'FAIL' | 'CANCELLED';

/**
 * Exhaustive map of fake split statuses to core split statuses.
 *
 * @example
 * ```ts
 * FAKE_SPLIT_STATUS_MAP.FINISHED; // 'succeeded'
 * ```
 */
export const FAKE_SPLIT_STATUS_MAP = {
  PROCESSING: 'pending',
  FINISHED: 'succeeded',
  CLOSED: 'closed',
  REFUSED: 'failed',
} as const satisfies Record<FakeSplitStatus, SplitStatus>;

/**
 * Exhaustive map of fake receiver results to core receiver statuses.
 *
 * @example
 * ```ts
 * FAKE_RECEIVER_STATUS_MAP.CLOSED; // 'closed'
 * ```
 */
export const FAKE_RECEIVER_STATUS_MAP = {
  PENDING: 'pending',
  SUCCESS: 'succeeded',
  CLOSED: 'closed',
  FAILED: 'failed',
} as const satisfies Record<FakeReceiverStatus, SplitReceiverStatus>;

/**
 * Exhaustive map of fake return statuses to core return statuses.
 *
 * @example
 * ```ts
 * FAKE_RETURN_STATUS_MAP.PROCESSING; // 'pending'
 * ```
 */
export const FAKE_RETURN_STATUS_MAP = {
  PROCESSING: 'pending',
  SUCCESS: 'succeeded',
  FAILED: 'failed',
} as const satisfies Record<FakeReturnStatus, SplitReturnStatusEvent['status']>;

/**
 * Exhaustive map of fake transfer statuses to core transfer statuses.
 *
 * @example
 * ```ts
 * FAKE_TRANSFER_STATUS_MAP.WAIT_USER_CONFIRM; // 'pending_confirmation'
 * ```
 */
export const FAKE_TRANSFER_STATUS_MAP = {
  ACCEPTED: 'processing',
  WAIT_USER_CONFIRM: 'pending_confirmation',
  SUCCESS: 'succeeded',
  FAIL: 'failed',
  CANCELLED: 'cancelled',
} as const satisfies Record<FakeTransferStatus, Exclude<TransferStatus, 'created'>>;
