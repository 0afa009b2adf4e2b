/**
 * Profit sharing (分账) on the gateway. A payment created with `split: true` is frozen for
 * settlement (`extend_params.royalty_freeze`); `alipay.trade.order.settle` then sends each
 * receiver its part (`royalty_parameters`: `trans_in`, the amount in yuan, `desc`), idempotent by
 * `out_request_no` (the split's id), and `extend_params.royalty_finish` unfreezes the rest when the
 * split is the last. `alipay.trade.order.settle.query` confirms a split's outcome by its
 * `out_request_no`; the receivers must first be bound to the merchant
 * (`alipay.trade.royalty.relation.bind`).
 *
 * Alipay has no split return (回退) API: money a receiver got comes back through a refund with
 * `refund_royalty_parameters`, which refunds the buyer (`payments.refund` with `splitReturns`,
 * `alipay-refunds.ts`). So the provider has no `returnSplit` or `queryReturn`, by design.
 *
 * @packageDocumentation
 */
import { formatYuan, ValidationError } from '@hutong/core';
import {
  checkRefusal,
  type MerchantAccount,
  type PaymentReference,
  type SplitReference,
  type SplitRequest,
  type SplitStatusEvent,
} from '@hutong/core/provider-utils';
import type { AlipayContext } from './alipay-client.js';
import { alipayClientFor } from './alipay-merchant.js';
import {
  type AlipayRoyaltyRelationPage,
  readAlipayRelationPageReply,
  readAlipayRelationReply,
  readAlipaySettleQueryReply,
  readAlipaySettleReply,
  readAlipayUnsettledAmountReply,
} from './alipay-movement-replies.js';

export type { AlipayRoyaltyRelationPage } from './alipay-movement-replies.js';

/**
 * The account type Alipay takes for `trans_in` (and relation receivers): a `2088...` user id, an
 * open id, or (anything with `@` or all digits, an e-mail or phone) a login name.
 *
 * @example
 * ```ts
 * alipayAccountType('2088101126765726'); // 'userId'
 * ```
 */
export function alipayAccountType(account: string): 'userId' | 'loginName' | 'openId' {
  if (/^2088\d{12}$/.test(account)) return 'userId';
  if (account.includes('@') || /^\+?\d{6,}$/.test(account)) return 'loginName';
  return 'openId';
}

function tradeNoOf(reference: PaymentReference): string {
  const tradeNo = reference.order.providerTransactionId;
  if (!tradeNo)
    throw new ValidationError('order.providerTransactionId', 'is required to settle: the order is not paid');
  return tradeNo;
}

async function querySettle(context: AlipayContext, reference: SplitReference): Promise<SplitStatusEvent> {
  const tradeNo = tradeNoOf(reference);
  const client = await alipayClientFor(context, reference.merchant);
  const node = await client.call(
    'alipay.trade.order.settle.query',
    { out_request_no: reference.split.id, trade_no: tradeNo },
    { idempotent: true },
  );
  return readAlipaySettleQueryReply(node, {
    provider: context.id,
    orderId: reference.orderId,
    tradeNo,
    split: reference.split,
  });
}

/**
 * `alipay.trade.order.settle` for a split, then `alipay.trade.order.settle.query` to learn each
 * receiver's result (the settle reply names only the trade). A refusal (`ACQ.ROYALTY_RECEIVER_INVALID`
 * for a receiver not bound, `ACQ.ALLOC_AMOUNT_VALIDATE_ERROR` for more than is left) is checked
 * against the query first; a split accepted but not yet reported stays `pending`.
 *
 * @example
 * ```ts
 * const event = await splitAlipayPayment(context, { orderId, order, split, notifyUrl: null });
 * ```
 */
export async function splitAlipayPayment(context: AlipayContext, request: SplitRequest): Promise<SplitStatusEvent> {
  const tradeNo = tradeNoOf(request);
  const { split } = request;
  const biz: Record<string, unknown> = {
    out_request_no: split.id,
    trade_no: tradeNo,
    royalty_parameters: split.receivers.map((receiver) => ({
      royalty_type: 'transfer',
      trans_in_type: alipayAccountType(receiver.account),
      trans_in: receiver.account,
      amount: formatYuan(receiver.amount),
      desc: receiver.description,
    })),
  };
  if (split.finish) biz.extend_params = { royalty_finish: 'true' };
  const client = await alipayClientFor(context, request.merchant);
  let settleNo: string | undefined;
  try {
    // Idempotent by out_request_no: a resent settlement is not paid twice.
    const node = await client.call('alipay.trade.order.settle', biz, { idempotent: true });
    settleNo = readAlipaySettleReply(node, {
      provider: context.id,
      orderId: request.orderId,
      tradeNo,
      split,
    }).settleNo;
  } catch (error) {
    return checkRefusal(error, {
      name: 'alipay.trade.order.settle.query',
      field: 'response.sub_code',
      run: () => querySettle(context, request),
    });
  }
  try {
    return await querySettle(context, request);
  } catch {
    return {
      type: 'split.status',
      orderId: request.orderId,
      splitId: split.id,
      status: 'pending',
      receivers: split.receivers.map((r) => ({ account: r.account, amount: r.amount, status: 'pending' as const })),
      ...(settleNo ? { providerSplitId: settleNo } : {}),
    };
  }
}

/**
 * `alipay.trade.order.settle.query` by the split's `out_request_no` and the order's trade.
 *
 * @example
 * ```ts
 * const event = await queryAlipaySplit(context, { orderId, order, split });
 * ```
 */
export function queryAlipaySplit(context: AlipayContext, reference: SplitReference): Promise<SplitStatusEvent> {
  return querySettle(context, reference);
}

/**
 * A royalty receiver (分账接收方) of a merchant.
 *
 * @group Profit sharing
 * @example
 * ```ts
 * const receiver: AlipayRoyaltyReceiver = { account: '2088101126708402', name: '测试用户', memo: '平台' };
 * ```
 */
export interface AlipayRoyaltyReceiver {
  /** `userId` (`2088...`), `loginName` or `openId`; default from the account's form. */
  type?: 'userId' | 'loginName' | 'openId' | undefined;
  account: string;
  /** The receiver's name (required by Alipay for a `loginName`); personal data, never logged. */
  name?: string | undefined;
  memo?: string | undefined;
}

/**
 * A relation (un)binding: the receivers and the request's id (`out_request_no`), for a merchant
 * (service-provider mode) or the app's own account.
 *
 * @group Profit sharing
 * @example
 * ```ts
 * await provider.bindRoyaltyRelation({ requestId: 'bind0001', receivers: [{ account: '2088101126708402' }] });
 * ```
 */
export interface AlipayRoyaltyRelationRequest {
  requestId: string;
  receivers: readonly AlipayRoyaltyReceiver[];
  merchant?: MerchantAccount | null | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9_]{1,32}$/;

function receiverList(receivers: readonly AlipayRoyaltyReceiver[]) {
  if (receivers.length === 0) throw new ValidationError('receivers', 'must name at least one receiver');
  return receivers.map((receiver, index) => {
    const type = receiver.type ?? alipayAccountType(receiver.account);
    if (type === 'loginName' && !receiver.name) {
      throw new ValidationError(`receivers.${index}.name`, 'is required for a login name');
    }
    return {
      type,
      account: receiver.account,
      ...(receiver.name ? { name: receiver.name } : {}),
      ...(receiver.memo ? { memo: receiver.memo } : {}),
    };
  });
}

async function relation(
  context: AlipayContext,
  method: 'alipay.trade.royalty.relation.bind' | 'alipay.trade.royalty.relation.unbind',
  request: AlipayRoyaltyRelationRequest,
): Promise<void> {
  if (!REQUEST_ID.test(request.requestId)) {
    throw new ValidationError('requestId', 'must be 1 to 32 letters, digits or _');
  }
  const client = await alipayClientFor(context, request.merchant);
  const node = await client.call(
    method,
    { receiver_list: receiverList(request.receivers), out_request_no: request.requestId },
    { idempotent: true },
  );
  readAlipayRelationReply(node, method, context.id);
}

/**
 * `alipay.trade.royalty.relation.bind`: lets the merchant split to these receivers.
 *
 * @example
 * ```ts
 * await bindAlipayRoyaltyRelation(context, { requestId: 'bind0001', receivers: [{ account: '2088101126708402' }] });
 * ```
 */
export function bindAlipayRoyaltyRelation(context: AlipayContext, request: AlipayRoyaltyRelationRequest) {
  return relation(context, 'alipay.trade.royalty.relation.bind', request);
}

/**
 * `alipay.trade.royalty.relation.unbind`.
 *
 * @example
 * ```ts
 * await unbindAlipayRoyaltyRelation(context, { requestId: 'unbind0001', receivers: [{ account: '2088101126708402' }] });
 * ```
 */
export function unbindAlipayRoyaltyRelation(context: AlipayContext, request: AlipayRoyaltyRelationRequest) {
  return relation(context, 'alipay.trade.royalty.relation.unbind', request);
}

/**
 * `alipay.trade.royalty.relation.batchquery`: one page (from 1) of the merchant's receivers.
 *
 * @example
 * ```ts
 * const page = await queryAlipayRoyaltyRelations(context, { requestId: 'q0001', page: 1 });
 * ```
 */
export async function queryAlipayRoyaltyRelations(
  context: AlipayContext,
  query: {
    requestId: string;
    page?: number | undefined;
    pageSize?: number | undefined;
    merchant?: MerchantAccount | null | undefined;
  },
): Promise<AlipayRoyaltyRelationPage> {
  if (!REQUEST_ID.test(query.requestId)) throw new ValidationError('requestId', 'must be 1 to 32 letters, digits or _');
  const client = await alipayClientFor(context, query.merchant);
  const node = await client.call(
    'alipay.trade.royalty.relation.batchquery',
    { page_num: query.page ?? 1, page_size: query.pageSize ?? 20, out_request_no: query.requestId },
    { idempotent: true },
  );
  return readAlipayRelationPageReply(node, context.id);
}

/**
 * `alipay.trade.order.onsettle.query`: what of a paid order is still to settle, in fen.
 *
 * @example
 * ```ts
 * const fen = await queryAlipayUnsettledAmount(context, { orderId, order, requestId: 'q0002' });
 * ```
 */
export async function queryAlipayUnsettledAmount(
  context: AlipayContext,
  reference: PaymentReference & { requestId: string },
): Promise<number> {
  const tradeNo = tradeNoOf(reference);
  const client = await alipayClientFor(context, reference.merchant);
  const node = await client.call(
    'alipay.trade.order.onsettle.query',
    { out_request_no: reference.requestId, trade_no: tradeNo },
    { idempotent: true },
  );
  return readAlipayUnsettledAmountReply(node, context.id);
}
