/**
 * WeChat Pay's merchant-transfer replies (商家转账, `/v3/fund-app/mch-transfer/transfer-bills`), read
 * in one place and bound to the transfer they answer: its `out_bill_no`, and where the reply
 * carries them its amount, merchant id and payee.
 *
 * @packageDocumentation
 */
import { type Transfer, type TransferStatusEvent, z } from '@hutong/core/provider-utils';
import { expectSame, mismatch, readReply, type WechatpayReplyContext } from './wechatpay-replies.js';
import { WECHATPAY_TRANSFER_STATE, type WechatpayTransferState } from './wechatpay-status.js';

const text = z.string().check(z.minLength(1, 'is missing'));
const states = Object.keys(WECHATPAY_TRANSFER_STATE) as [WechatpayTransferState, ...WechatpayTransferState[]];

const transferSchema = z.object({
  mch_id: z.optional(text),
  out_bill_no: text,
  transfer_bill_no: z.optional(text),
  state: z.enum(states, { error: 'is not a known WeChat Pay transfer state' }),
  transfer_amount: z.optional(
    z.int({ error: 'is not an integer amount' }).check(z.positive('is not a positive amount')),
  ),
  openid: z.optional(z.string()),
  package_info: z.optional(z.string()),
  fail_reason: z.optional(z.string()),
});

/**
 * Reads a transfer reply (the transfer call, its query, a cancel) about `transfer`. The create and
 * cancel replies carry no amount: the event then reports the transfer's own; a query's
 * `transfer_amount` must be it.
 *
 * @group Protocol
 * @example
 * ```ts
 * const event = readWechatpayTransfer(context, body, transfer);
 * event.status; // 'pending_confirmation' with event.confirmation = package_info
 * ```
 */
export function readWechatpayTransfer(
  context: WechatpayReplyContext,
  body: unknown,
  transfer: Pick<Transfer, 'id' | 'amount' | 'payee'>,
): TransferStatusEvent {
  const reply = readReply(context, transferSchema, body);
  expectSame(context, 'response.out_bill_no', reply.out_bill_no, transfer.id);
  if (reply.mch_id !== undefined) expectSame(context, 'response.mch_id', reply.mch_id, context.mchId);
  if (reply.transfer_amount !== undefined && reply.transfer_amount !== transfer.amount)
    throw mismatch(context, 'response.transfer_amount', `is ${reply.transfer_amount}, not ${transfer.amount}`);
  if (reply.openid && reply.openid !== transfer.payee.account)
    throw mismatch(context, 'response.openid', 'is not the payee of this transfer');
  const event: TransferStatusEvent = {
    type: 'transfer.status',
    transferId: transfer.id,
    amount: reply.transfer_amount ?? transfer.amount,
    status: WECHATPAY_TRANSFER_STATE[reply.state],
  };
  if (reply.transfer_bill_no) event.providerTransferId = reply.transfer_bill_no;
  if (reply.state === 'WAIT_USER_CONFIRM' && reply.package_info) event.confirmation = reply.package_info;
  if (reply.state === 'FAIL') event.failReason = reply.fail_reason || 'FAIL';
  return event;
}
