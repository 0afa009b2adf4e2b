/**
 * The replies and messages about money moving out, read here one schema each and bound to the
 * request they answer: a settlement (分账) by its `out_request_no`, its trade and its receivers'
 * amounts; a transfer (转账) by its `out_biz_no` and amount. A reply about another split or
 * transfer, or with another amount, is an `UnexpectedResponseError` `mismatch`; one that cannot be
 * read is `malformed`. Neither is a refusal.
 *
 * @packageDocumentation
 */
import { parseYuan, UnexpectedResponseError } from '@hutong/core';
import {
  checkWithSchema,
  type Split,
  type SplitReceiverStatus,
  type SplitStatus,
  type SplitStatusEvent,
  type TransferStatus,
  type TransferStatusEvent,
  z,
} from '@hutong/core/provider-utils';

const text = z.string().check(z.minLength(1, 'is missing'));

function read<T>(schema: Parameters<typeof checkWithSchema>[0], node: unknown, where: string, provider: string): T {
  const checked = checkWithSchema(schema, node);
  if (checked.success) return checked.data as T;
  const field = [where, ...checked.path].join('.');
  throw new UnexpectedResponseError(provider, 'malformed', `${field} ${checked.message}`, { field });
}

function mismatch(provider: string, field: string, about: string): never {
  throw new UnexpectedResponseError(provider, 'mismatch', `${field} is about ${about}`, { field });
}

function yuanOf(value: string, field: string, provider: string): number {
  try {
    return parseYuan(value, field);
  } catch (cause) {
    throw new UnexpectedResponseError(provider, 'malformed', `${field} is not a yuan amount`, { field, cause });
  }
}

/** A royalty detail's state (`royalty_detail_list[].state`). */
const DETAIL_STATES = {
  SUCCESS: 'succeeded',
  FAIL: 'failed',
  PROCESSING: 'pending',
} as const satisfies Record<string, SplitReceiverStatus>;

/** One line of `royalty_detail_list`, as settle queries and settle notifications carry it. */
interface RoyaltyDetail {
  operation_type?: string | undefined;
  trans_in?: string | undefined;
  amount: string;
  state: keyof typeof DETAIL_STATES;
  detail_id?: string | undefined;
  error_code?: string | undefined;
  error_desc?: string | undefined;
}

const royaltyDetail = z.looseObject({
  operation_type: z.optional(z.string()),
  trans_in: z.optional(z.string()),
  amount: text,
  state: z.enum(Object.keys(DETAIL_STATES) as [keyof typeof DETAIL_STATES], {
    error: 'is not a known royalty state',
  }),
  detail_id: z.optional(z.string()),
  error_code: z.optional(z.string()),
  error_desc: z.optional(z.string()),
});

/**
 * Whether `reported` (which Alipay may mask: `208872****140864`) names `account`: equal, or the
 * same characters before and after the mask.
 */
function sameAccount(reported: string, account: string): boolean {
  if (reported === account) return true;
  const first = reported.indexOf('*');
  if (first < 0) return false;
  const last = reported.lastIndexOf('*');
  const prefix = reported.slice(0, first);
  const suffix = reported.slice(last + 1);
  return (
    prefix.length + suffix.length > 0 &&
    account.length >= prefix.length + suffix.length &&
    account.startsWith(prefix) &&
    account.endsWith(suffix)
  );
}

/**
 * The split's state from its royalty details: each detail of type `transfer` must be one of the
 * split's receivers with that receiver's amount, and every receiver must be reported. All
 * succeeded: `succeeded`; all failed: `failed`; any still processing: `pending`; some of each:
 * `succeeded`, each receiver with its own result.
 */
function splitStatusFrom(
  details: readonly RoyaltyDetail[],
  split: Split,
  where: string,
  provider: string,
): Pick<SplitStatusEvent, 'status' | 'receivers'> {
  const transfers = details.filter((detail) => (detail.operation_type ?? 'transfer') === 'transfer');
  const unmatched = [...split.receivers];
  const receivers: SplitStatusEvent['receivers'][number][] = [];
  transfers.forEach((detail, index) => {
    const amount = yuanOf(detail.amount, `${where}.${index}.amount`, provider);
    const at = unmatched.findIndex(
      (receiver) => receiver.amount === amount && sameAccount(detail.trans_in ?? '', receiver.account),
    );
    if (at < 0) mismatch(provider, `${where}.${index}`, `a receiver or an amount split ${split.id} does not have`);
    const [receiver] = unmatched.splice(at, 1) as [Split['receivers'][number]];
    const status = DETAIL_STATES[detail.state];
    const failReason = status === 'failed' ? detail.error_desc || detail.error_code || undefined : undefined;
    receivers.push({ account: receiver.account, amount, status, ...(failReason ? { failReason } : {}) });
  });
  if (unmatched.length > 0) mismatch(provider, where, `another split than ${split.id}: a receiver is missing`);
  const states = new Set(receivers.map((receiver) => receiver.status));
  const status: SplitStatus = states.has('pending')
    ? 'pending'
    : states.size === 1 && states.has('failed')
      ? 'failed'
      : 'succeeded';
  return { status, receivers };
}

/**
 * What a settlement reply must answer.
 *
 * @example
 * ```ts
 * const expected: AlipaySplitExpectation = { provider: 'alipay', orderId, tradeNo, split };
 * ```
 */
export interface AlipaySplitExpectation {
  provider: string;
  orderId: string;
  /** The order's Alipay trade number. */
  tradeNo: string;
  split: Split;
}

/**
 * `alipay.trade.order.settle`: accepted, with Alipay's `settle_no`; the reply must name the
 * order's trade.
 *
 * @example
 * ```ts
 * const { settleNo } = readAlipaySettleReply(node, { provider: 'alipay', orderId, tradeNo, split });
 * ```
 */
export function readAlipaySettleReply(
  node: Record<string, unknown>,
  expected: AlipaySplitExpectation,
): { settleNo: string | undefined } {
  const reply = read<{ trade_no: string; settle_no?: string | undefined }>(
    z.looseObject({ trade_no: text, settle_no: z.optional(z.string()) }),
    node,
    'response',
    expected.provider,
  );
  if (reply.trade_no !== expected.tradeNo) mismatch(expected.provider, 'response.trade_no', 'another trade');
  return { settleNo: reply.settle_no || undefined };
}

/**
 * `alipay.trade.order.settle.query`: the split's state, bound to its `out_request_no` (when the
 * reply names it) and to its receivers and amounts.
 *
 * @example
 * ```ts
 * const event = readAlipaySettleQueryReply(node, { provider: 'alipay', orderId, tradeNo, split });
 * ```
 */
export function readAlipaySettleQueryReply(
  node: Record<string, unknown>,
  expected: AlipaySplitExpectation,
): SplitStatusEvent {
  const reply = read<{
    out_request_no?: string | undefined;
    settle_no?: string | undefined;
    royalty_detail_list: RoyaltyDetail[];
  }>(
    z.looseObject({
      out_request_no: z.optional(z.string()),
      settle_no: z.optional(z.string()),
      royalty_detail_list: z.array(royaltyDetail),
    }),
    node,
    'response',
    expected.provider,
  );
  if (reply.out_request_no && reply.out_request_no !== expected.split.id) {
    mismatch(expected.provider, 'response.out_request_no', `another split than ${expected.split.id}`);
  }
  return {
    type: 'split.status',
    orderId: expected.orderId,
    splitId: expected.split.id,
    ...splitStatusFrom(reply.royalty_detail_list, expected.split, 'response.royalty_detail_list', expected.provider),
    ...(reply.settle_no ? { providerSplitId: reply.settle_no } : {}),
  };
}

/**
 * The `biz_content` of an `alipay.trade.order.settle.notify` message, as a split status: the
 * split is named by `out_request_no`. Receivers are reported as Alipay lists them (core binds
 * them to the stored split's). `orderId` is the message's `out_trade_no` when it has one, else
 * `''` (Alipay names the trade by `trade_no`, reported as `providerTransactionId`): core finds
 * the split by its id and that trade.
 *
 * @example
 * ```ts
 * const event = readAlipaySettleNotification(JSON.parse(bizContent), 'alipay');
 * ```
 */
export function readAlipaySettleNotification(biz: unknown, provider: string): SplitStatusEvent {
  const message = read<{
    out_request_no: string;
    out_trade_no?: string | undefined;
    trade_no?: string | undefined;
    settle_no?: string | undefined;
    royalty_detail_list: RoyaltyDetail[];
  }>(
    z.looseObject({
      out_request_no: text,
      out_trade_no: z.optional(z.string()),
      trade_no: z.optional(z.string()),
      settle_no: z.optional(z.string()),
      royalty_detail_list: z.array(royaltyDetail),
    }),
    biz,
    'notification.biz_content',
    provider,
  );
  const receivers = message.royalty_detail_list
    .filter((detail) => (detail.operation_type ?? 'transfer') === 'transfer')
    .map((detail, index) => {
      const status = DETAIL_STATES[detail.state];
      const failReason = status === 'failed' ? detail.error_desc || detail.error_code || undefined : undefined;
      return {
        account: detail.trans_in ?? '',
        amount: yuanOf(detail.amount, `notification.biz_content.royalty_detail_list.${index}.amount`, provider),
        status,
        ...(failReason ? { failReason } : {}),
      };
    });
  const states = new Set(receivers.map((receiver) => receiver.status));
  const status: SplitStatus = states.has('pending')
    ? 'pending'
    : states.size === 1 && states.has('failed')
      ? 'failed'
      : 'succeeded';
  return {
    type: 'split.status',
    orderId: message.out_trade_no ?? '',
    splitId: message.out_request_no,
    ...(message.trade_no ? { providerTransactionId: message.trade_no } : {}),
    status,
    receivers,
    ...(message.settle_no ? { providerSplitId: message.settle_no } : {}),
  };
}

/**
 * Alipay's transfer states (`status` of transfers, their queries and notifications).
 *
 * @example
 * ```ts
 * ALIPAY_TRANSFER_STATUS.DEALING; // 'processing'
 * ```
 */
export const ALIPAY_TRANSFER_STATUS = {
  SUCCESS: 'succeeded',
  DEALING: 'processing',
  WAIT_PAY: 'processing',
  FAIL: 'failed',
  CLOSED: 'failed',
  REFUND: 'failed',
} as const satisfies Record<string, Exclude<TransferStatus, 'created'>>;

type AlipayTransferState = keyof typeof ALIPAY_TRANSFER_STATUS;

const transferState = z.enum(Object.keys(ALIPAY_TRANSFER_STATUS) as [AlipayTransferState], {
  error: 'is not a known Alipay transfer status',
});

/**
 * What a transfer reply must answer.
 *
 * @example
 * ```ts
 * const expected: AlipayTransferExpectation = { provider: 'alipay', transferId: 'payout0001', amount: 500 };
 * ```
 */
export interface AlipayTransferExpectation {
  provider: string;
  /** The transfer's `out_biz_no`. */
  transferId: string;
  /** Its amount in fen. */
  amount: number;
}

interface TransferReply {
  out_biz_no?: string | undefined;
  order_id?: string | undefined;
  status: AlipayTransferState;
  trans_amount?: string | undefined;
  fail_reason?: string | undefined;
  error_code?: string | undefined;
}

function transferEvent(reply: TransferReply, expected: AlipayTransferExpectation, where: string): TransferStatusEvent {
  if (reply.out_biz_no !== undefined && reply.out_biz_no !== expected.transferId) {
    mismatch(expected.provider, `${where}.out_biz_no`, `another transfer than ${expected.transferId}`);
  }
  if (reply.trans_amount !== undefined) {
    const amount = yuanOf(reply.trans_amount, `${where}.trans_amount`, expected.provider);
    if (amount !== expected.amount) {
      mismatch(expected.provider, `${where}.trans_amount`, `another amount than transfer ${expected.transferId}`);
    }
  }
  const status = ALIPAY_TRANSFER_STATUS[reply.status];
  const failReason = status === 'failed' ? reply.fail_reason || reply.error_code || reply.status : undefined;
  return {
    type: 'transfer.status',
    transferId: expected.transferId,
    amount: expected.amount,
    status,
    ...(reply.order_id ? { providerTransferId: reply.order_id } : {}),
    ...(failReason ? { failReason } : {}),
  };
}

const transferShape = {
  out_biz_no: z.optional(z.string()),
  order_id: z.optional(z.string()),
  status: transferState,
  trans_amount: z.optional(z.string()),
  fail_reason: z.optional(z.string()),
  error_code: z.optional(z.string()),
};

/**
 * `alipay.fund.trans.uni.transfer`: the transfer's state, bound to its `out_biz_no` (the reply
 * carries no amount: a success is confirmed by the query, which does).
 *
 * @example
 * ```ts
 * const event = readAlipayTransferReply(node, { provider: 'alipay', transferId, amount });
 * ```
 */
export function readAlipayTransferReply(
  node: Record<string, unknown>,
  expected: AlipayTransferExpectation,
): TransferStatusEvent {
  const reply = read<TransferReply>(
    z.looseObject({ ...transferShape, out_biz_no: text }),
    node,
    'response',
    expected.provider,
  );
  return transferEvent(reply, expected, 'response');
}

/**
 * `alipay.fund.trans.common.query`: the transfer's state, bound to its `out_biz_no` and, when the
 * reply reports it (a settled transfer), its amount.
 *
 * @example
 * ```ts
 * const event = readAlipayTransferQueryReply(node, { provider: 'alipay', transferId, amount });
 * ```
 */
export function readAlipayTransferQueryReply(
  node: Record<string, unknown>,
  expected: AlipayTransferExpectation,
): TransferStatusEvent & { reportedAmount: boolean } {
  const reply = read<TransferReply>(z.looseObject(transferShape), node, 'response', expected.provider);
  return { ...transferEvent(reply, expected, 'response'), reportedAmount: reply.trans_amount !== undefined };
}

/**
 * The `biz_content` of an `alipay.fund.trans.order.changed` message: the transfer named by its
 * `out_biz_no`, with the amount Alipay reports (`trans_amount`, required), for core to bind to the
 * stored transfer's.
 *
 * @example
 * ```ts
 * const event = readAlipayTransferNotification(JSON.parse(bizContent), 'alipay');
 * ```
 */
export function readAlipayTransferNotification(biz: unknown, provider: string): TransferStatusEvent {
  const message = read<TransferReply & { out_biz_no: string; trans_amount: string }>(
    z.looseObject({ ...transferShape, out_biz_no: text, trans_amount: text }),
    biz,
    'notification.biz_content',
    provider,
  );
  const amount = yuanOf(message.trans_amount, 'notification.biz_content.trans_amount', provider);
  return transferEvent(message, { provider, transferId: message.out_biz_no, amount }, 'notification.biz_content');
}

/**
 * `alipay.trade.royalty.relation.bind` / `unbind`: `result_code` `SUCCESS` (a reply without one is
 * taken as Alipay's success, code 10000); another result is an `UnexpectedResponseError`.
 *
 * @example
 * ```ts
 * readAlipayRelationReply(node, 'alipay.trade.royalty.relation.bind', 'alipay');
 * ```
 */
export function readAlipayRelationReply(node: Record<string, unknown>, method: string, provider: string): void {
  const reply = read<{ result_code?: string | undefined }>(
    z.looseObject({ result_code: z.optional(z.string()) }),
    node,
    'response',
    provider,
  );
  if (reply.result_code !== undefined && reply.result_code !== 'SUCCESS') {
    throw new UnexpectedResponseError(provider, 'malformed', `${method} answered result_code ${reply.result_code}`, {
      field: 'response.result_code',
    });
  }
}

/**
 * One page of a merchant's royalty receivers (`alipay.trade.royalty.relation.batchquery`).
 *
 * @group Profit sharing
 * @example
 * ```ts
 * const { receivers, totalPages } = await provider.royaltyRelations({ requestId: 'q0001' });
 * ```
 */
export interface AlipayRoyaltyRelationPage {
  receivers: { type: string; account: string; memo: string | undefined }[];
  totalPages: number;
  totalRecords: number;
}

const count = z.union([z.int().check(z.nonnegative()), z.string().check(z.regex(/^\d+$/, 'is not a count'))]);

/**
 * `alipay.trade.royalty.relation.batchquery`: the page's receivers (names are not kept: personal data).
 *
 * @example
 * ```ts
 * const page = readAlipayRelationPageReply(node, 'alipay');
 * ```
 */
export function readAlipayRelationPageReply(
  node: Record<string, unknown>,
  provider: string,
): AlipayRoyaltyRelationPage {
  const reply = read<{
    result_list?: { type: string; account: string; memo?: string | undefined }[] | undefined;
    total_page_num?: number | string | undefined;
    total_record_num?: number | string | undefined;
  }>(
    z.looseObject({
      result_list: z.optional(z.array(z.looseObject({ type: text, account: text, memo: z.optional(z.string()) }))),
      total_page_num: z.optional(count),
      total_record_num: z.optional(count),
    }),
    node,
    'response',
    provider,
  );
  const list = reply.result_list ?? [];
  return {
    receivers: list.map((item) => ({ type: item.type, account: item.account, memo: item.memo })),
    totalPages: Number(reply.total_page_num ?? 1),
    totalRecords: Number(reply.total_record_num ?? list.length),
  };
}

/**
 * `alipay.trade.order.onsettle.query`: the amount still to settle, in fen.
 *
 * @example
 * ```ts
 * const fen = readAlipayUnsettledAmountReply(node, 'alipay');
 * ```
 */
export function readAlipayUnsettledAmountReply(node: Record<string, unknown>, provider: string): number {
  const reply = read<{ unsettled_amount: string }>(
    z.looseObject({ unsettled_amount: text }),
    node,
    'response',
    provider,
  );
  return yuanOf(reply.unsettled_amount, 'response.unsettled_amount', provider);
}

/** One line of `refund_royaltys` in `alipay.trade.fastpay.refund.query`'s reply (退分账明细). */
interface RefundRoyaltyLine {
  royalty_type?: string | undefined;
  trans_out?: string | undefined;
  refund_amount: string;
  result_code: string;
}

const refundRoyalty = z.looseObject({
  royalty_type: z.optional(z.string()),
  trans_out: z.optional(z.string()),
  refund_amount: text,
  result_code: text,
});

/**
 * What the refund query's `refund_royaltys` must report for a refund that took `returns` back from
 * split receivers (`refund_royalty_parameters`).
 *
 * @example
 * ```ts
 * const expected: AlipayRefundRoyaltyExpectation = { provider: 'alipay', refundId: 'refund0001', returns: [{ returnId: 'return0001', account: '2088101126765726', amount: 200 }] };
 * ```
 */
export interface AlipayRefundRoyaltyExpectation {
  provider: string;
  refundId: string;
  /** What each receiver gives back within the refund (its return id, its account, fen). */
  returns: readonly { returnId: string; account: string; amount: number }[];
}

/**
 * Binds the royalty part of a settled refund to the returns it was sent with. Alipay reports it in
 * `refund_royaltys` (`trans_out`, `refund_amount` in yuan, `result_code`; the refund API's query
 * documents it, and says it is returned for 直付通 at least), so the reply may leave it out: then
 * only the refund itself (its `out_request_no` and amount) binds, as before. When present, each
 * `transfer` line must be one of the returns, receiver and amount, and every return must be
 * reported: a reply naming another receiver or amount is a `mismatch`. A line whose `result_code`
 * is not `SUCCESS` is a return Alipay did not take although the refund succeeded: it is returned
 * (with the code as the reason), and core fails that return and records a `split_return_not_taken`
 * anomaly.
 *
 * @returns the returns Alipay reports it did not take; empty when all were taken or none reported.
 * @throws `UnexpectedResponseError` as above.
 * @example
 * ```ts
 * const notTaken = checkAlipayRefundRoyalties(node, { provider: 'alipay', refundId: 'refund0001', returns });
 * ```
 */
export function checkAlipayRefundRoyalties(
  node: Readonly<Record<string, unknown>>,
  expected: AlipayRefundRoyaltyExpectation,
): { returnId: string; reason: string }[] {
  const notTaken: { returnId: string; reason: string }[] = [];
  if (expected.returns.length === 0 || node.refund_royaltys === undefined) return notTaken;
  const where = 'response.refund_royaltys';
  const lines = read<RefundRoyaltyLine[]>(z.array(refundRoyalty), node.refund_royaltys, where, expected.provider);
  const unmatched = [...expected.returns];
  lines.forEach((line, index) => {
    if ((line.royalty_type ?? 'transfer') !== 'transfer') return;
    const amount = yuanOf(line.refund_amount, `${where}.${index}.refund_amount`, expected.provider);
    const at = unmatched.findIndex((r) => r.amount === amount && sameAccount(line.trans_out ?? '', r.account));
    if (at < 0) {
      mismatch(
        expected.provider,
        `${where}.${index}`,
        `a receiver or an amount refund ${expected.refundId} did not take back`,
      );
    }
    const [matched] = unmatched.splice(at, 1);
    if (line.result_code !== 'SUCCESS' && matched)
      notTaken.push({ returnId: matched.returnId, reason: line.result_code });
  });
  if (unmatched.length > 0) {
    mismatch(expected.provider, where, `another refund than ${expected.refundId}: a receiver's return is missing`);
  }
  return notTaken;
}
