/**
 * What a wallet sandbox offers for money moving out, beside `WalletSandbox`: the wallet's side of
 * splits, split returns and transfers, producing the signed notifications the wallet would post.
 * `runMovementConformance` (`@hutong/core/conformance`) drives an adapter through it.
 *
 * @packageDocumentation
 */
import type { NotificationInput } from '@hutong/core';

/**
 * The wallet's side of splits and transfers, as a sandbox implements it (`sandbox.movements`).
 * Each call changes the sandbox's record first (later queries show it), then returns the signed
 * notification the wallet sends.
 *
 * @example
 * ```ts
 * async function settle(movements: MovementSandbox, payments: Payments, orderId: string) {
 *   return payments.handleMovementNotification('wechatpay', movements.settleSplit(orderId, 'split0001'));
 * }
 * ```
 */
export interface MovementSandbox {
  /** The wallet settles a split: every receiver paid (or, with `close`, closed: nothing moved). */
  settleSplit(orderId: string, splitId: string, options?: { close?: boolean | undefined }): NotificationInput;
  /** The wallet settles a split return (or fails it). */
  settleReturn(
    orderId: string,
    splitId: string,
    returnId: string,
    options?: { fail?: boolean | undefined },
  ): NotificationInput;
  /** The payee confirms, or the wallet completes, a transfer. */
  completeTransfer(transferId: string): NotificationInput;
  /** The transfer fails at the wallet after it was accepted (a frozen account, a name that does not match). */
  failTransfer(transferId: string, reason?: string): NotificationInput;
  /**
   * The same notification with what it reports changed (another final status: succeeded for
   * failed, failed for succeeded) and its signature left as it was, as an attacker would send it.
   * An adapter must refuse it.
   */
  forge(genuine: NotificationInput): NotificationInput;
}
