/**
 * Notifications about money moving out, verified as payment notifications are (signature over the
 * raw body, then the resource decrypted with its tag checked, then the recipient):
 *
 * - profit sharing (分账动账通知, `PROFITSHARING.SUCCESS` / `PROFITSHARING.CLOSED`, resource
 *   `profitsharing`): one receiver's result. WeChat Pay's message names the split (`out_order_no`,
 *   `order_id`) and the `transaction_id`, not the order's `out_trade_no`: the event's `orderId` is
 *   `''`, and the facade finds the split by its id and `providerTransactionId`. The report's own
 *   status is `pending`: one receiver's result does not settle the others (the split succeeds once
 *   every receiver is reported paid; any other end is the query's to say).
 * - merchant transfers (`MCHTRANSFER.BILL.FINISHED`, resource `mch_payment`): the bill's final
 *   state and amount. In partner mode the resource names the service provider and the paying
 *   `sub_mchid`, the notification's `account` (see `wechatpay-transfers-partner.ts` for what is
 *   assumed of its shape).
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import type {
  NotificationRequest,
  SplitStatusEvent,
  TransferStatusEvent,
  VerifiedMovementNotification,
} from '@hutong/core/provider-utils';
import {
  checkWechatpayRecipient,
  openWechatpayNotification,
  type WechatpayNotificationConfig,
} from './wechatpay-notification.js';
import { WECHATPAY_TRANSFER_STATE, type WechatpayTransferState } from './wechatpay-status.js';
import { wechatpayTransferRecipient } from './wechatpay-transfers-partner.js';

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError(field, 'is missing');
  return value;
}

function amount(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0)
    throw new ValidationError(field, 'is not a positive integer amount');
  return value as number;
}

/**
 * Verifies, decrypts and reads a profit-sharing or transfer notification. In partner mode the
 * notification's `account` is the `sub_mchid` it names.
 *
 * @group Protocol
 * @throws SignatureVerificationError or ValidationError; never returns unverified data.
 * @example
 * ```ts
 * const { event } = await verifyWechatpayMovementNotification(request, config);
 * if (event.type === 'transfer.status') event.status; // 'succeeded' | 'failed' | 'cancelled' | ...
 * ```
 */
export async function verifyWechatpayMovementNotification(
  request: NotificationRequest,
  config: WechatpayNotificationConfig,
): Promise<VerifiedMovementNotification> {
  const { body, resource } = await openWechatpayNotification(request, config);
  // A partner transfer notification names the service provider its own way (no sp_mchid, as far as
  // we know): it is checked by the partner transfer code, every other one as payments are.
  const account =
    config.partner && body.event_type === 'MCHTRANSFER.BILL.FINISHED'
      ? wechatpayTransferRecipient(resource, config)
      : checkWechatpayRecipient(resource, config);
  const notificationId = body.id;
  const done = (event: VerifiedMovementNotification['event']): VerifiedMovementNotification =>
    account === undefined ? { event, notificationId } : { event, notificationId, account };
  switch (body.event_type) {
    case 'PROFITSHARING.SUCCESS':
    case 'PROFITSHARING.CLOSED': {
      const receiver = resource.receiver as Record<string, unknown> | undefined;
      if (typeof receiver !== 'object' || receiver === null)
        throw new ValidationError('notification.receiver', 'is missing');
      const event: SplitStatusEvent = {
        type: 'split.status',
        orderId: '',
        splitId: text(resource.out_order_no, 'notification.out_order_no'),
        providerTransactionId: text(resource.transaction_id, 'notification.transaction_id'),
        status: 'pending',
        receivers: [
          {
            account: text(receiver.account, 'notification.receiver.account'),
            amount: amount(receiver.amount, 'notification.receiver.amount'),
            status: body.event_type === 'PROFITSHARING.SUCCESS' ? 'succeeded' : 'closed',
          },
        ],
        providerSplitId: text(resource.order_id, 'notification.order_id'),
      };
      return done(event);
    }
    case 'MCHTRANSFER.BILL.FINISHED': {
      const state = resource.state;
      if (typeof state !== 'string' || !Object.hasOwn(WECHATPAY_TRANSFER_STATE, state))
        throw new ValidationError('notification.state', 'is not a known WeChat Pay transfer state');
      const event: TransferStatusEvent = {
        type: 'transfer.status',
        transferId: text(resource.out_bill_no, 'notification.out_bill_no'),
        amount: amount(resource.transfer_amount, 'notification.transfer_amount'),
        status: WECHATPAY_TRANSFER_STATE[state as WechatpayTransferState],
      };
      if (typeof resource.transfer_bill_no === 'string' && resource.transfer_bill_no)
        event.providerTransferId = resource.transfer_bill_no;
      if (state === 'FAIL') event.failReason = typeof resource.fail_reason === 'string' ? resource.fail_reason : 'FAIL';
      return done(event);
    }
    default:
      throw new ValidationError(
        'notification.event_type',
        `${String(body.event_type)} is not a profit-sharing or transfer notification`,
      );
  }
}
