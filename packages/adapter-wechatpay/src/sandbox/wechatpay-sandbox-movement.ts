/**
 * Money moving out in the WeChat Pay sandbox: profit sharing (receivers, split orders settled by
 * the test, returns, unfreeze, the amount left to split, the `PROFITSHARING.*` notifications) and
 * merchant transfers (2025 API, direct and partner: bills the payee confirms or never confirms, a
 * balance that can run out (`NOT_ENOUGH`, one balance for the service provider and its
 * sub-merchants), a bill that fails later, the `MCHTRANSFER.BILL.FINISHED` notification, a
 * sub-merchant's transfer authorisation).
 * Encrypted real names are read as WeChat Pay reads them: with the platform private key that
 * `Wechatpay-Serial` names; another serial or a name that does not decrypt is refused.
 *
 * This file is the movement's factory; the parts are in their own files: its memory
 * (`-movement-state`), the routes of receivers, splits, split returns and transfers
 * (`-routes-receivers`, `-routes-splits`, `-routes-split-returns`, `-routes-transfers`) and the
 * test's events (`-movement-events`).
 *
 * @packageDocumentation
 */
import { decryptWechatpaySensitive } from '@hutong/adapter-wechatpay/protocol';
import type { NotificationInput } from '@hutong/core';
import type { WechatpaySandboxKeys } from './wechatpay-sandbox-keys.js';
import {
  acceptSandboxTransferAuthorization,
  confirmSandboxTransfer,
  expireSandboxTransfer,
  failSandboxTransfer,
  settleSandboxSplit,
} from './wechatpay-sandbox-movement-events.js';
import {
  createWechatpaySandboxMovementState,
  findSandboxTransfer,
  type WechatpaySandboxSplit,
  type WechatpaySandboxTransfer,
} from './wechatpay-sandbox-movement-state.js';
import type { WechatpaySandboxNotifier } from './wechatpay-sandbox-notifications.js';
import { routeReceivers } from './wechatpay-sandbox-routes-receivers.js';
import { routeSplitReturns } from './wechatpay-sandbox-routes-split-returns.js';
import { routeSplits } from './wechatpay-sandbox-routes-splits.js';
import { routeTransfers } from './wechatpay-sandbox-routes-transfers.js';
import type { Json, SandboxReply, WechatpaySandboxState } from './wechatpay-sandbox-state.js';

export type { WechatpaySandboxSplit, WechatpaySandboxTransfer } from './wechatpay-sandbox-movement-state.js';

/**
 * The sandbox's money movement: its routes and the test's events.
 *
 * @example
 * ```ts
 * const movement = createWechatpaySandboxMovement({ state, keys, notifier, addressed });
 * movement.route('GET', url, {}, headers);
 * ```
 */
export interface WechatpaySandboxMovement {
  /** Answers a `/v3/profitsharing/*` or transfer-bills request; `undefined` when the request is not one. */
  route(method: string, url: URL, body: Json, headers: Headers): SandboxReply | undefined;
  readonly splits: Map<string, WechatpaySandboxSplit>;
  readonly transfers: Map<string, WechatpaySandboxTransfer>;
  /** The merchant's balance for transfers, in fen. */
  balance: number;
  settleSplit(outOrderNo: string, options?: { closed?: readonly string[] | undefined }): NotificationInput[];
  confirmTransfer(outBillNo: string, subMchId?: string): NotificationInput;
  acceptTransferAuthorization(subMchId: string): void;
  transferBill(outBillNo: string, subMchId?: string): WechatpaySandboxTransfer | undefined;
  failTransfer(outBillNo: string, reason?: string): NotificationInput;
  expireTransfer(outBillNo: string): NotificationInput;
  decryptSensitive(ciphertext: string): string;
}

/**
 * Creates the sandbox's money movement.
 *
 * @example
 * ```ts
 * const movement = createWechatpaySandboxMovement({ state, keys, notifier, addressed: outbox.addressed });
 * ```
 */
export function createWechatpaySandboxMovement(context: {
  state: WechatpaySandboxState;
  keys: WechatpaySandboxKeys;
  notifier: WechatpaySandboxNotifier;
  addressed(notification: NotificationInput, url: string | undefined): NotificationInput;
}): WechatpaySandboxMovement {
  const moving = createWechatpaySandboxMovementState(context);
  return {
    route: (method, url, body, headers) =>
      routeReceivers(moving, method, url, body, headers) ??
      routeSplits(moving, method, url, body, headers) ??
      routeSplitReturns(moving, method, url, body) ??
      routeTransfers(moving, method, url, body, headers),
    splits: moving.splits,
    transfers: moving.transfers,
    get balance() {
      return moving.balance;
    },
    set balance(fen: number) {
      moving.balance = fen;
    },
    settleSplit: (outOrderNo, options) => settleSandboxSplit(moving, outOrderNo, options),
    confirmTransfer: (outBillNo, subMchId) => confirmSandboxTransfer(moving, outBillNo, subMchId),
    acceptTransferAuthorization: (subMchId) => acceptSandboxTransferAuthorization(moving, subMchId),
    transferBill: (outBillNo, subMchId) => findSandboxTransfer(moving, outBillNo, subMchId),
    failTransfer: (outBillNo, reason) => failSandboxTransfer(moving, outBillNo, reason),
    expireTransfer: (outBillNo) => expireSandboxTransfer(moving, outBillNo),
    decryptSensitive: (ciphertext) => decryptWechatpaySensitive(ciphertext, context.keys.platform.privateKey),
  };
}
