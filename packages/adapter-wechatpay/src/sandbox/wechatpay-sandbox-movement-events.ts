/**
 * What happens to money moving out at WeChat Pay in the sandbox, with the notification WeChat Pay
 * sends for it: a split settles (`PROFITSHARING.SUCCESS`, or `PROFITSHARING.CLOSED` for a receiver
 * whose share was refused), and a transfer bill is confirmed by the payee, fails or expires
 * unconfirmed (`MCHTRANSFER.BILL.FINISHED`; the amount of a failed or expired bill goes back to the
 * balance).
 *
 * @packageDocumentation
 */
import { formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import { type NotificationInput, ValidationError } from '@hutong/core';
import {
  findSandboxTransfer,
  type WechatpaySandboxMovementState,
  type WechatpaySandboxTransfer,
} from './wechatpay-sandbox-movement-state.js';
import type { Json } from './wechatpay-sandbox-state.js';

/**
 * Settles the split `outOrderNo`: each receiver's share succeeds, or is closed when `closed` names
 * it; one notification per receiver.
 *
 * @example
 * ```ts
 * const notifications = settleSandboxSplit(moving, 'split0001', { closed: ['oxTWIuGaIt6gTKsQRLau2M0yL16E'] });
 * ```
 */
export function settleSandboxSplit(
  moving: WechatpaySandboxMovementState,
  outOrderNo: string,
  options: { closed?: readonly string[] | undefined } = {},
): NotificationInput[] {
  const { state, notifier, addressed } = moving;
  const order = [...moving.splits.values()].find((item) => item.outOrderNo === outOrderNo);
  if (!order) throw new ValidationError('splitId', `the WeChat Pay sandbox has no split ${outOrderNo}`);
  if (order.state !== 'PROCESSING') throw new ValidationError('splitId', `${outOrderNo} is ${order.state}`);
  order.state = 'FINISHED';
  const t = order.transaction;
  const notifications: NotificationInput[] = [];
  for (const receiver of order.receivers) {
    const closed = options.closed?.includes(receiver.account) ?? false;
    receiver.result = closed ? 'CLOSED' : 'SUCCESS';
    if (closed) receiver.failReason = 'ACCOUNT_ABNORMAL';
    const resource: Json = {
      ...(t.subMchId ? { sp_mchid: state.mchId, sub_mchid: t.subMchId } : { mchid: state.mchId }),
      transaction_id: t.transactionId,
      order_id: order.orderId,
      out_order_no: order.outOrderNo,
      receiver: {
        type: receiver.type,
        account: receiver.account,
        amount: receiver.amount,
        description: receiver.description,
      },
      success_time: formatWechatpayTime(state.now()),
    };
    const type = closed ? 'PROFITSHARING.CLOSED' : 'PROFITSHARING.SUCCESS';
    notifications.push(addressed(notifier.notification(type, '分账', 'profitsharing', resource), undefined));
  }
  if (order.unfreezeUnsplit) moving.unfrozen.add(t.transactionId);
  return notifications;
}

/**
 * The payee confirms the transfer `outBillNo` (in partner mode, of sub-merchant `subMchId` when
 * two share the number) in WeChat: it succeeds.
 *
 * @example
 * ```ts
 * const notification = confirmSandboxTransfer(moving, 'payout0001');
 * ```
 */
export function confirmSandboxTransfer(
  moving: WechatpaySandboxMovementState,
  outBillNo: string,
  subMchId?: string | undefined,
): NotificationInput {
  const bill = requireBill(moving, outBillNo, ['WAIT_USER_CONFIRM'], subMchId);
  bill.state = 'SUCCESS';
  return finished(moving, bill);
}

/**
 * The transfer `outBillNo` fails (`reason`, by default `PAYEE_ACCOUNT_ABNORMAL`); its amount goes back to the balance.
 *
 * @example
 * ```ts
 * const notification = failSandboxTransfer(moving, 'payout0001');
 * ```
 */
export function failSandboxTransfer(
  moving: WechatpaySandboxMovementState,
  outBillNo: string,
  reason = 'PAYEE_ACCOUNT_ABNORMAL',
): NotificationInput {
  const bill = requireBill(moving, outBillNo, ['WAIT_USER_CONFIRM', 'TRANSFERING']);
  bill.state = 'FAIL';
  bill.failReason = reason;
  moving.balance += bill.amount;
  return finished(moving, bill);
}

/**
 * The payee never confirms the transfer `outBillNo`: it is cancelled (`TRANSFER_TIMEOUT`); its amount goes back to the balance.
 *
 * @example
 * ```ts
 * const notification = expireSandboxTransfer(moving, 'payout0001');
 * ```
 */
export function expireSandboxTransfer(moving: WechatpaySandboxMovementState, outBillNo: string): NotificationInput {
  const bill = requireBill(moving, outBillNo, ['WAIT_USER_CONFIRM']);
  bill.state = 'CANCELLED';
  bill.failReason = 'TRANSFER_TIMEOUT';
  moving.balance += bill.amount;
  return finished(moving, bill);
}

/**
 * The sub-merchant `subMchId` accepts the service provider's latest application to make transfers
 * from its account (`INVITED` → `PASSED`): its transfers are no longer refused.
 *
 * @example
 * ```ts
 * await provider.transfers.authorizeSubMerchant({ merchant, applyId: 'auth0001' });
 * acceptSandboxTransferAuthorization(moving, '1900000109');
 * ```
 */
export function acceptSandboxTransferAuthorization(moving: WechatpaySandboxMovementState, subMchId: string): void {
  const authorization = moving.transferAuthorizations.get(subMchId);
  const apply = authorization?.latest === undefined ? undefined : authorization.applies.get(authorization.latest);
  if (!authorization || apply?.state !== 'INVITED')
    throw new ValidationError('subMchId', `the WeChat Pay sandbox has no open transfer authorisation of ${subMchId}`);
  const now = moving.state.now();
  apply.state = 'PASSED';
  apply.updateTime = now;
  authorization.state = 'AUTHORIZED';
  authorization.authorizedAt = now;
}

/**
 * `MCHTRANSFER.BILL.FINISHED` for `bill`, to its `notify_url`. A sub-merchant's names it as
 * `sub_mchid` and the service provider as `mchid` (the partner notification's shape is assumed:
 * see `wechatpay-transfers-partner.ts`).
 */
function finished(
  { state, notifier, addressed }: WechatpaySandboxMovementState,
  bill: WechatpaySandboxTransfer,
): NotificationInput {
  const resource: Json = {
    out_bill_no: bill.outBillNo,
    transfer_bill_no: bill.billNo,
    state: bill.state,
    ...(bill.subMchId ? { mchid: state.mchId, sub_mchid: bill.subMchId } : { mch_id: state.mchId }),
    transfer_amount: bill.amount,
    openid: bill.openid,
    ...(bill.failReason ? { fail_reason: bill.failReason } : {}),
    create_time: formatWechatpayTime(bill.createTime),
    update_time: formatWechatpayTime(state.now()),
  };
  return addressed(
    notifier.notification('MCHTRANSFER.BILL.FINISHED', '商家转账单据终态通知', 'mch_payment', resource),
    bill.notifyUrl,
  );
}

function requireBill(
  moving: WechatpaySandboxMovementState,
  outBillNo: string,
  states: readonly WechatpaySandboxTransfer['state'][],
  subMchId?: string | undefined,
): WechatpaySandboxTransfer {
  const bill = findSandboxTransfer(moving, outBillNo, subMchId);
  if (!bill) throw new ValidationError('outBillNo', `the WeChat Pay sandbox has no transfer ${outBillNo}`);
  if (!states.includes(bill.state)) throw new ValidationError('outBillNo', `${outBillNo} is ${bill.state}`);
  return bill;
}
