/**
 * WeChat Pay's money-movement replies, read in one place and bound to what they answer:
 * profit sharing (`/v3/profitsharing/*`: its `out_order_no`, `transaction_id`, `out_return_no`,
 * receivers' accounts and amounts, and in partner mode its `sub_mchid`) and merchant transfers
 * (商家转账, `/v3/fund-app/mch-transfer/transfer-bills` and its partner variant: its `out_bill_no`,
 * in partner mode its `sub_mchid`, and where the reply carries them its amount, merchant id and
 * payee). One tolerant schema per reply.
 *
 * @packageDocumentation
 */
import {
  type Split,
  type SplitReceiverStatus,
  type SplitReturnStatusEvent,
  type SplitStatus,
  type SplitStatusEvent,
  type Transfer,
  type TransferStatusEvent,
  z,
} from '@hutong/core/provider-utils';
import { expectSame, malformed, mismatch, readReply, type WechatpayReplyContext } from './wechatpay-replies.js';
import {
  WECHATPAY_SPLIT_RECEIVER_RESULT,
  WECHATPAY_SPLIT_RETURN_RESULT,
  WECHATPAY_TRANSFER_STATE,
  type WechatpayTransferState,
} from './wechatpay-status.js';

const text = z.string().check(z.minLength(1, 'is missing'));
const amount = z.int({ error: 'is not an integer amount' }).check(z.minimum(0, 'is not an integer amount'));

const splitOrderSchema = z.object({
  sub_mchid: z.optional(text),
  transaction_id: text,
  out_order_no: text,
  order_id: text,
  state: z.enum(['PROCESSING', 'FINISHED'], { error: 'is not a known profit-sharing state' }),
  receivers: z.optional(
    z.array(
      z.object({
        type: z.optional(z.string()),
        account: text,
        amount,
        result: z.enum(['PENDING', 'SUCCESS', 'CLOSED'], { error: 'is not a known receiver result' }),
        fail_reason: z.optional(z.string()),
      }),
    ),
  ),
});

const splitReturnSchema = z.object({
  sub_mchid: z.optional(text),
  out_order_no: z.optional(text),
  out_return_no: text,
  return_id: z.optional(text),
  return_mchid: text,
  amount,
  result: z.enum(['PROCESSING', 'SUCCESS', 'FAILED'], { error: 'is not a known return result' }),
  fail_reason: z.optional(z.string()),
});

const amountsSchema = z.object({ transaction_id: text, unsplit_amount: amount });

const receiverSchema = z.object({ sub_mchid: z.optional(text), type: text, account: text });

/**
 * What a profit-sharing reply must be about.
 *
 * @group Protocol
 * @example
 * ```ts
 * const expected: WechatpayExpectedSplit = { orderId: order.id, split, transactionId: '4200...', subMchId: undefined };
 * ```
 */
export interface WechatpayExpectedSplit {
  /** Our order id (`out_trade_no`): the event carries it; WeChat's reply does not. */
  orderId: string;
  split: Split;
  /** The order's `transaction_id`. */
  transactionId: string;
  /** Partner mode: the sub-merchant; the reply's `sub_mchid` must be it. */
  subMchId: string | undefined;
}

function checkSub(context: WechatpayReplyContext, actual: string | undefined, expected: string | undefined): void {
  if (expected === undefined) return;
  if (actual === undefined) throw malformed(context, 'response.sub_mchid', 'is missing');
  expectSame(context, 'response.sub_mchid', actual, expected);
}

/**
 * Reads a profit-sharing order (the split call, its query, an unfreeze) into a split event. Only
 * the split's own receivers are reported (an unfreeze line to the merchant itself is not one), and
 * each must carry the amount asked for. The split is `pending` while `PROCESSING` or while a
 * receiver is; once `FINISHED`, `succeeded` when every receiver was paid, else `closed`.
 *
 * @group Protocol
 * @example
 * ```ts
 * const event = readWechatpaySplit(context, body, { orderId, split, transactionId, subMchId });
 * ```
 */
export function readWechatpaySplit(
  context: WechatpayReplyContext,
  body: unknown,
  expected: WechatpayExpectedSplit,
): SplitStatusEvent {
  const reply = readReply(context, splitOrderSchema, body);
  expectSame(context, 'response.out_order_no', reply.out_order_no, expected.split.id);
  expectSame(context, 'response.transaction_id', reply.transaction_id, expected.transactionId);
  checkSub(context, reply.sub_mchid, expected.subMchId);
  const byAccount = new Map((reply.receivers ?? []).map((receiver) => [receiver.account, receiver]));
  const receivers: SplitStatusEvent['receivers'][number][] = [];
  for (const asked of expected.split.receivers) {
    const answered = byAccount.get(asked.account);
    if (!answered) {
      // A reply naming none of the receivers (an unfreeze) says nothing about them.
      if (reply.receivers === undefined) continue;
      throw mismatch(context, 'response.receivers', `name no receiver ${asked.account}`);
    }
    if (answered.amount !== asked.amount)
      throw mismatch(context, 'response.receivers.amount', `is ${answered.amount}, not ${asked.amount}`);
    const status: SplitReceiverStatus = WECHATPAY_SPLIT_RECEIVER_RESULT[answered.result];
    receivers.push({
      account: asked.account,
      amount: answered.amount,
      status,
      ...(answered.fail_reason ? { failReason: answered.fail_reason } : {}),
    });
  }
  let status: SplitStatus = 'pending';
  if (reply.state === 'FINISHED' && receivers.every((receiver) => receiver.status !== 'pending'))
    status = receivers.every((receiver) => receiver.status === 'succeeded') ? 'succeeded' : 'closed';
  return {
    type: 'split.status',
    orderId: expected.orderId,
    splitId: expected.split.id,
    status,
    receivers,
    providerSplitId: reply.order_id,
  };
}

/**
 * Reads a profit-sharing return (分账回退) reply about `returnId`, bound to its split, receiver
 * (`return_mchid`) and amount.
 *
 * @group Protocol
 * @example
 * ```ts
 * const event = readWechatpaySplitReturn(context, body, expected, { returnId: 'R1', account: '1900000109', amount: 100 });
 * ```
 */
export function readWechatpaySplitReturn(
  context: WechatpayReplyContext,
  body: unknown,
  expected: Omit<WechatpayExpectedSplit, 'transactionId'>,
  asked: { returnId: string; account?: string | undefined; amount?: number | undefined },
): SplitReturnStatusEvent {
  const reply = readReply(context, splitReturnSchema, body);
  expectSame(context, 'response.out_return_no', reply.out_return_no, asked.returnId);
  if (reply.out_order_no !== undefined)
    expectSame(context, 'response.out_order_no', reply.out_order_no, expected.split.id);
  checkSub(context, reply.sub_mchid, expected.subMchId);
  if (asked.account !== undefined) expectSame(context, 'response.return_mchid', reply.return_mchid, asked.account);
  if (asked.amount !== undefined && reply.amount !== asked.amount)
    throw mismatch(context, 'response.amount', `is ${reply.amount}, not ${asked.amount}`);
  const event: SplitReturnStatusEvent = {
    type: 'split.return.status',
    orderId: expected.orderId,
    splitId: expected.split.id,
    returnId: asked.returnId,
    amount: reply.amount,
    status: WECHATPAY_SPLIT_RETURN_RESULT[reply.result],
  };
  if (reply.fail_reason) event.failReason = reply.fail_reason;
  return event;
}

/**
 * Reads `GET /v3/profitsharing/transactions/{transaction_id}/amounts`: what is left to split, in fen.
 *
 * @group Protocol
 * @example
 * ```ts
 * readWechatpayUnsplitAmount(context, body, '4208450740201411110007820472'); // 1000
 * ```
 */
export function readWechatpayUnsplitAmount(
  context: WechatpayReplyContext,
  body: unknown,
  transactionId: string,
): number {
  const reply = readReply(context, amountsSchema, body);
  expectSame(context, 'response.transaction_id', reply.transaction_id, transactionId);
  return reply.unsplit_amount;
}

/**
 * Checks a receivers/add or receivers/delete reply names the receiver (and sub-merchant) asked about.
 *
 * @group Protocol
 * @example
 * ```ts
 * checkWechatpayReceiverReply(context, body, { type: 'MERCHANT_ID', account: '86693852', subMchId: undefined });
 * ```
 */
export function checkWechatpayReceiverReply(
  context: WechatpayReplyContext,
  body: unknown,
  asked: { type: string; account: string; subMchId: string | undefined },
): void {
  const reply = readReply(context, receiverSchema, body);
  expectSame(context, 'response.type', reply.type, asked.type);
  expectSame(context, 'response.account', reply.account, asked.account);
  checkSub(context, reply.sub_mchid, asked.subMchId);
}

// Merchant transfers.
const states = Object.keys(WECHATPAY_TRANSFER_STATE) as [WechatpayTransferState, ...WechatpayTransferState[]];

const transferSchema = z.object({
  // Direct replies name the merchant `mch_id`; partner replies name the service provider `mchid`
  // and the paying sub-merchant `sub_mchid` (https://pay.weixin.qq.com/doc/v3/partner/4015469131).
  mch_id: z.optional(text),
  mchid: z.optional(text),
  sub_mchid: z.optional(text),
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
 * `transfer_amount` must be it. In partner mode (`subMchId`) the reply must name that `sub_mchid`;
 * in direct mode a reply naming any sub-merchant answers something else.
 *
 * @group Protocol
 * @example
 * ```ts
 * const event = readWechatpayTransfer(context, body, transfer, sub?.subMchId);
 * event.status; // 'pending_confirmation' with event.confirmation = package_info
 * ```
 */
export function readWechatpayTransfer(
  context: WechatpayReplyContext,
  body: unknown,
  transfer: Pick<Transfer, 'id' | 'amount' | 'payee'>,
  subMchId?: string | undefined,
): TransferStatusEvent {
  const reply = readReply(context, transferSchema, body);
  expectSame(context, 'response.out_bill_no', reply.out_bill_no, transfer.id);
  if (subMchId === undefined && reply.sub_mchid !== undefined)
    throw mismatch(context, 'response.sub_mchid', 'names a sub-merchant: this transfer is the merchant’s own');
  checkSub(context, reply.sub_mchid, subMchId);
  if (reply.mch_id !== undefined) expectSame(context, 'response.mch_id', reply.mch_id, context.mchId);
  if (reply.mchid !== undefined) expectSame(context, 'response.mchid', reply.mchid, context.mchId);
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
