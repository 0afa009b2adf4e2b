/**
 * The memory of the WeChat Pay sandbox's money movement: bound receivers, split orders and their
 * returns, transfer bills, what was unfrozen, the merchant's balance for transfers, and what the
 * movement routes share (reading an encrypted real name as WeChat Pay reads it, what is left to
 * split of a transaction).
 *
 * @packageDocumentation
 */
import { certificateSerial, decryptWechatpaySensitive } from '@hutong/adapter-wechatpay/protocol';
import type { NotificationInput } from '@hutong/core';
import type { WechatpaySandboxKeys } from './wechatpay-sandbox-keys.js';
import type { WechatpaySandboxNotifier } from './wechatpay-sandbox-notifications.js';
import {
  errorReply,
  type SandboxReply,
  type WechatpaySandboxState,
  type WechatpaySandboxTransaction,
} from './wechatpay-sandbox-state.js';

/**
 * A split order (分账单) as the sandbox keeps it.
 *
 * @example
 * ```ts
 * sandbox.splitOrder('split0001')?.state; // 'PROCESSING' until sandbox.settleSplit
 * ```
 */
export interface WechatpaySandboxSplit {
  outOrderNo: string;
  orderId: string;
  transaction: WechatpaySandboxTransaction;
  state: 'PROCESSING' | 'FINISHED';
  unfreezeUnsplit: boolean;
  receivers: {
    type: string;
    account: string;
    amount: number;
    description: string;
    result: 'PENDING' | 'SUCCESS' | 'CLOSED';
    failReason?: string | undefined;
    /** The decrypted name, when one was sent. */
    name?: string | undefined;
  }[];
  returns: Map<
    string,
    {
      returnId: string;
      returnMchId: string;
      amount: number;
      description: string;
      result: 'PROCESSING' | 'SUCCESS' | 'FAILED';
    }
  >;
}

/**
 * A merchant transfer bill as the sandbox keeps it.
 *
 * @example
 * ```ts
 * sandbox.transferBill('payout0001')?.state; // 'WAIT_USER_CONFIRM' until sandbox.confirmTransfer
 * ```
 */
export interface WechatpaySandboxTransfer {
  outBillNo: string;
  /** Partner mode: the sub-merchant paying (`sub_mchid`); `undefined` for the merchant's own bill. */
  subMchId?: string | undefined;
  billNo: string;
  appId: string;
  openid: string;
  amount: number;
  remark: string;
  state: 'WAIT_USER_CONFIRM' | 'TRANSFERING' | 'SUCCESS' | 'FAIL' | 'CANCELLED';
  packageInfo: string;
  failReason?: string | undefined;
  notifyUrl: string | undefined;
  /** The decrypted `user_name`, when one was sent. */
  userName?: string | undefined;
  /** The request's parameters: the same `out_bill_no` with others is refused. */
  parameters: string;
  createTime: Date;
}

/**
 * A sub-merchant's authorisation of the service provider's transfers (partner mode): applications
 * (`out_apply_no`) the sub-merchant accepts in its merchant platform (`INVITED` → `PASSED`).
 *
 * @example
 * ```ts
 * moving.transferAuthorizations.get('1900000109')?.state; // 'AUTHORIZED' once an application passed
 * ```
 */
export interface WechatpaySandboxTransferAuthorization {
  state: 'AUTHORIZED' | 'UNAUTHORIZED' | 'CANCELED';
  authorizedAt?: Date | undefined;
  applies: Map<string, { state: 'INVITED' | 'PASSED' | 'REJECTED' | 'EXPIRED'; acceptTime: Date; updateTime: Date }>;
  /** The latest application's `out_apply_no`. */
  latest?: string | undefined;
}

/**
 * The transfer bill `outBillNo`: the sub-merchant's (partner mode) when `subMchId` is given, else
 * the merchant's own, else the only bill of that number.
 *
 * @example
 * ```ts
 * findSandboxTransfer(moving, 'payout0001', '1900000109')?.state;
 * ```
 */
export function findSandboxTransfer(
  moving: Pick<WechatpaySandboxMovementState, 'transfers'>,
  outBillNo: string,
  subMchId?: string | undefined,
): WechatpaySandboxTransfer | undefined {
  if (subMchId !== undefined) return moving.transfers.get(movementKey(subMchId, outBillNo));
  return (
    moving.transfers.get(movementKey(undefined, outBillNo)) ??
    [...moving.transfers.values()].find((bill) => bill.outBillNo === outBillNo)
  );
}

/**
 * What the movement's routes and events share: the sandbox's state, keys and notifier, and the
 * movement's own memory.
 *
 * @example
 * ```ts
 * const moving = createWechatpaySandboxMovementState({ state, keys, notifier, addressed });
 * moving.splits.get(movementKey(undefined, 'split0001'));
 * ```
 */
export interface WechatpaySandboxMovementState {
  readonly state: WechatpaySandboxState;
  readonly keys: WechatpaySandboxKeys;
  readonly notifier: WechatpaySandboxNotifier;
  addressed(notification: NotificationInput, url: string | undefined): NotificationInput;
  /** Bound receivers, by {@link movementKey} of sub-merchant and `type|account`. */
  readonly receivers: Map<string, { type: string; account: string }>;
  /** Split orders, by {@link movementKey} of sub-merchant and `out_order_no`. */
  readonly splits: Map<string, WechatpaySandboxSplit>;
  /** Transfer bills, by {@link movementKey} of sub-merchant (none in direct mode) and `out_bill_no`. */
  readonly transfers: Map<string, WechatpaySandboxTransfer>;
  /** Partner mode: each sub-merchant's transfer authorisation and its applications. */
  readonly transferAuthorizations: Map<string, WechatpaySandboxTransferAuthorization>;
  /** What was unfrozen to the merchant, by transaction id (nothing more can be split). */
  readonly unfrozen: Set<string>;
  /** The last number given to a split, return or bill id. */
  sequence: number;
  /** The merchant's balance for transfers, in fen. */
  balance: number;
}

/**
 * The key of a receiver or split: its sub-merchant (none in direct mode) and its id.
 *
 * @example
 * ```ts
 * movementKey('1900000109', 'split0001'); // '1900000109|split0001'
 * ```
 */
export const movementKey = (sub: unknown, id: string) => `${typeof sub === 'string' ? sub : ''}|${id}`;

/**
 * Whether `value` is an amount WeChat Pay accepts: a positive integer number of fen.
 *
 * @example
 * ```ts
 * isMovementAmount(100); // true
 * ```
 */
export const isMovementAmount = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) > 0;

/**
 * Creates the movement's memory, with a balance of ten million yuan.
 *
 * @example
 * ```ts
 * const moving = createWechatpaySandboxMovementState({ state, keys, notifier, addressed: outbox.addressed });
 * ```
 */
export function createWechatpaySandboxMovementState(context: {
  state: WechatpaySandboxState;
  keys: WechatpaySandboxKeys;
  notifier: WechatpaySandboxNotifier;
  addressed(notification: NotificationInput, url: string | undefined): NotificationInput;
}): WechatpaySandboxMovementState {
  return {
    state: context.state,
    keys: context.keys,
    notifier: context.notifier,
    addressed: context.addressed,
    receivers: new Map(),
    splits: new Map(),
    transfers: new Map(),
    transferAuthorizations: new Map(),
    unfrozen: new Set(),
    sequence: 0,
    balance: 1_000_000_000,
  };
}

/** The platform private key `Wechatpay-Serial` names, or `undefined` for an unknown serial. */
function privateKeyFor(keys: WechatpaySandboxKeys, serial: string | null) {
  if (serial === null) return undefined;
  if (serial === keys.publicKeyId) return keys.platform.privateKey;
  return keys.identities().find((identity) => certificateSerial(identity.certificate) === serial.toUpperCase())
    ?.privateKey;
}

/**
 * An encrypted field read as WeChat Pay reads it, with the platform key `Wechatpay-Serial` names;
 * a reply when it cannot be.
 *
 * @example
 * ```ts
 * const name = readSensitive(moving, body.name, headers);
 * if (typeof name !== 'string') return name; // the error reply
 * ```
 */
export function readSensitive(
  moving: WechatpaySandboxMovementState,
  ciphertext: unknown,
  headers: Headers,
): string | SandboxReply {
  const privateKey = privateKeyFor(moving.keys, headers.get('wechatpay-serial'));
  if (!privateKey) return errorReply(400, 'PARAM_ERROR', 'Wechatpay-Serial 平台证书序列号或公钥ID错误');
  try {
    return decryptWechatpaySensitive(String(ciphertext), privateKey);
  } catch {
    return errorReply(400, 'PARAM_ERROR', '敏感信息解密失败');
  }
}

/**
 * Whether `sub` names no sub-merchant (direct mode) or one the sandbox knows.
 *
 * @example
 * ```ts
 * if (!subMerchantOk(moving, body.sub_mchid)) return errorReply(403, 'NO_AUTH', '受理关系不存在');
 * ```
 */
export function subMerchantOk(moving: WechatpaySandboxMovementState, sub: unknown): boolean {
  return sub === undefined || moving.state.subMerchants.has(String(sub));
}

/**
 * What is left to split of a transaction: paid, less refunds and splits not closed.
 *
 * @example
 * ```ts
 * unsplitAmount(moving, state.requireTransaction('o1')); // 800 before any split or refund
 * ```
 */
export function unsplitAmount(moving: WechatpaySandboxMovementState, t: WechatpaySandboxTransaction): number {
  if (moving.unfrozen.has(t.transactionId)) return 0;
  let split = 0;
  for (const order of moving.splits.values())
    if (order.transaction === t)
      for (const receiver of order.receivers) if (receiver.result !== 'CLOSED') split += receiver.amount;
  return Math.max(0, t.amount - moving.state.committedRefunds(t) - split);
}
