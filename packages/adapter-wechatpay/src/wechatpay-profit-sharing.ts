/**
 * Profit sharing (分账, `/v3/profitsharing/*`), in direct and partner mode (the partner variants
 * carry `sub_mchid` in the body or query): receivers (`receivers/add`, `receivers/delete`), split
 * orders (`orders`, query), returns (`return-orders`, query), unfreezing what is left
 * (`orders/unfreeze`) and the amount left to split (`transactions/{id}/amounts`). A payment is
 * split only if it was created with `split: true` (`settle_info.profit_sharing`).
 *
 * A split's `finish: true` is sent as `unfreeze_unsplit: true`: once the split settles, WeChat Pay
 * unfreezes the rest of the payment to the merchant and no later split of it is possible. Without
 * it, the rest stays frozen until `unfreeze` (or WeChat's own unfreeze after 30 days).
 *
 * Real names (a merchant receiver's full name, a person's name) are encrypted
 * (`wechatpay-privacy.ts`) and the request names the key in `Wechatpay-Serial`.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import {
  checkRefusal,
  type MerchantAccount,
  type PaymentReference,
  type SplitReference,
  type SplitRequest,
  type SplitReturnReference,
  type SplitReturnRequest,
  type SplitReturnStatusEvent,
  type SplitStatusEvent,
} from '@hutong/core/provider-utils';
import { type WechatpaySubMerchant, wechatpaySubMerchant } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { encryptWechatpaySensitive } from './wechatpay-privacy.js';
import {
  checkWechatpayReceiverReply,
  readWechatpaySplit,
  readWechatpaySplitReturn,
  readWechatpayUnsplitAmount,
  type WechatpayExpectedSplit,
} from './wechatpay-profit-sharing-replies.js';

/**
 * The kind of a profit-sharing receiver: a merchant id, or a person by openid under `appid`
 * (`PERSONAL_OPENID`) or, in partner mode, under the sub-merchant's `sub_appid` (`PERSONAL_SUB_OPENID`).
 *
 * @group Profit sharing
 * @example
 * ```ts
 * const type: WechatpayReceiverType = 'MERCHANT_ID';
 * ```
 */
export type WechatpayReceiverType = 'MERCHANT_ID' | 'PERSONAL_OPENID' | 'PERSONAL_SUB_OPENID';

/**
 * A receiver to add (`POST /v3/profitsharing/receivers/add`).
 *
 * @group Profit sharing
 * @example
 * ```ts
 * await provider.profitSharing.addReceiver({ type: 'MERCHANT_ID', account: '86693852', name: '腾讯科技有限公司', relationType: 'PARTNER' });
 * ```
 */
export interface WechatpayReceiverRequest {
  type: WechatpayReceiverType;
  /** The merchant id or the openid. */
  account: string;
  /**
   * The real name: a merchant's full registered name (required for `MERCHANT_ID`), a person's name
   * (optional; WeChat Pay checks it when given). Personal data: sent encrypted, never logged.
   */
  name?: string | undefined;
  /** The receiver's relation to the merchant (`STORE`, `PARTNER`, ..., or `CUSTOM` with `customRelation`). */
  relationType:
    | 'STORE'
    | 'STAFF'
    | 'STORE_OWNER'
    | 'PARTNER'
    | 'HEADQUARTER'
    | 'BRAND'
    | 'DISTRIBUTOR'
    | 'USER'
    | 'SUPPLIER'
    | 'CUSTOM';
  customRelation?: string | undefined;
  /** Partner mode: the sub-merchant whose receiver it is (required there, refused in direct mode). */
  merchant?: MerchantAccount | null | undefined;
  /** Direct mode: the configured app id of `PERSONAL_OPENID` receivers. Default: the default app id. */
  appId?: string | undefined;
}

/**
 * A receiver to delete (`POST /v3/profitsharing/receivers/delete`).
 *
 * @group Profit sharing
 * @example
 * ```ts
 * await provider.profitSharing.deleteReceiver({ type: 'PERSONAL_OPENID', account: 'oxTWIuGaIt6gTKsQRLau2M0yL16E' });
 * ```
 */
export type WechatpayReceiverReference = Pick<WechatpayReceiverRequest, 'type' | 'account' | 'merchant' | 'appId'>;

/**
 * WeChat-only profit-sharing operations, beside the spec's `split`, `querySplit`, `returnSplit`
 * and `queryReturn`: `provider.profitSharing`.
 *
 * @group Profit sharing
 * @example
 * ```ts
 * const left = await provider.profitSharing.unsplitAmount('4208450740201411110007820472');
 * ```
 */
export interface WechatpayProfitSharing {
  /** Binds a receiver (分账接收方) to the merchant (or sub-merchant); splits may pay only bound receivers. */
  addReceiver(request: WechatpayReceiverRequest): Promise<void>;
  /** Unbinds a receiver. */
  deleteReceiver(request: WechatpayReceiverReference): Promise<void>;
  /** What is left to split of a paid transaction, in fen (`/v3/profitsharing/transactions/{id}/amounts`). */
  unsplitAmount(transactionId: string): Promise<number>;
  /**
   * Unfreezes what is left of a split payment to the merchant (`orders/unfreeze`), under a split id
   * of its own (`out_order_no`); no later split of the payment is possible.
   */
  unfreeze(
    reference: PaymentReference & { splitId: string; description?: string | undefined },
  ): Promise<SplitStatusEvent>;
}

const RECEIVER_TYPES: Record<'merchant' | 'personal', WechatpayReceiverType> = {
  merchant: 'MERCHANT_ID',
  personal: 'PERSONAL_OPENID',
};

const path = encodeURIComponent;

/**
 * The profit-sharing operations of one provider.
 *
 * @group Profit sharing
 * @example
 * ```ts
 * const { split, profitSharing } = createWechatpayProfitSharing(context);
 * ```
 */
export function createWechatpayProfitSharing(context: WechatpayOperationContext) {
  const { config, client, replies } = context;

  /** `appid` (and `sub_appid`) of a profit-sharing body: the payment's app in direct mode, `sp_appid` in partner mode. */
  function apps(sub: WechatpaySubMerchant | undefined, appId: string | undefined, subApp: boolean) {
    if (sub && config.partner) {
      if (subApp && !sub.subAppId)
        throw new ValidationError('type', 'PERSONAL_SUB_OPENID needs the sub-merchant to have a subAppId');
      return { appid: config.partner.spAppId, ...(subApp ? { sub_appid: sub.subAppId } : {}) };
    }
    if (subApp) throw new ValidationError('type', 'PERSONAL_SUB_OPENID is for partner mode');
    if (appId !== undefined && !config.apps.all.includes(appId))
      throw new ValidationError('appId', `${appId} is not a configured app id`);
    return { appid: appId ?? config.apps.default };
  }

  /** Encrypts `name` when given; the headers naming the key it was encrypted under. */
  async function encrypted(name: string | undefined): Promise<{ name?: string; headers?: Record<string, string> }> {
    if (name === undefined) return {};
    const key = await client.encryptionKey();
    return { name: encryptWechatpaySensitive(name, key.key), headers: { 'wechatpay-serial': key.serial } };
  }

  function expectedSplit(
    reference: SplitReference,
  ): WechatpayExpectedSplit & { sub: WechatpaySubMerchant | undefined } {
    const sub = wechatpaySubMerchant(config, reference.merchant);
    const transactionId = reference.order.providerTransactionId;
    if (!transactionId)
      throw new ValidationError('order.providerTransactionId', 'is missing: only a paid order can be split');
    return { orderId: reference.orderId, split: reference.split, transactionId, subMchId: sub?.subMchId, sub };
  }

  function splitQueryPath(splitId: string, transactionId: string, sub: WechatpaySubMerchant | undefined): string {
    const query = `${sub ? `sub_mchid=${sub.subMchId}&` : ''}transaction_id=${path(transactionId)}`;
    return `/v3/profitsharing/orders/${path(splitId)}?${query}`;
  }

  async function querySplit(reference: SplitReference): Promise<SplitStatusEvent> {
    const expected = expectedSplit(reference);
    const reply = await client.request({
      method: 'GET',
      path: splitQueryPath(reference.split.id, expected.transactionId, expected.sub),
    });
    return readWechatpaySplit(replies, reply, expected);
  }

  async function split(request: SplitRequest): Promise<SplitStatusEvent> {
    const expected = expectedSplit(request);
    const { sub } = expected;
    const key = request.names && Object.keys(request.names).length > 0 ? await client.encryptionKey() : undefined;
    const receivers = request.split.receivers.map((receiver) => {
      const name = request.names?.[receiver.account];
      return {
        type: RECEIVER_TYPES[receiver.type],
        account: receiver.account,
        ...(name !== undefined && key ? { name: encryptWechatpaySensitive(name, key.key) } : {}),
        amount: receiver.amount,
        description: receiver.description,
      };
    });
    const body = {
      ...(sub ? { sub_mchid: sub.subMchId } : {}),
      ...apps(sub, request.order.providerData.appId, false),
      transaction_id: expected.transactionId,
      out_order_no: request.split.id,
      receivers,
      // `finish`: the rest of the payment is unfrozen to the merchant once this split settles.
      unfreeze_unsplit: request.split.finish,
    };
    let reply: unknown;
    try {
      // Idempotent by out_order_no.
      reply = await client.request({
        method: 'POST',
        path: '/v3/profitsharing/orders',
        body,
        idempotent: true,
        headers: key ? { 'wechatpay-serial': key.serial } : undefined,
      });
    } catch (error) {
      // A refusal names no split: it stands only if WeChat Pay has no split of this id.
      return checkRefusal(error, {
        name: 'the profit-sharing query',
        field: 'response.code',
        run: () => querySplit(request),
      });
    }
    return readWechatpaySplit(replies, reply, expected);
  }

  function returnQueryPath(returnId: string, splitId: string, sub: WechatpaySubMerchant | undefined): string {
    const query = `${sub ? `sub_mchid=${sub.subMchId}&` : ''}out_order_no=${path(splitId)}`;
    return `/v3/profitsharing/return-orders/${path(returnId)}?${query}`;
  }

  async function queryReturn(reference: SplitReturnReference): Promise<SplitReturnStatusEvent> {
    const sub = wechatpaySubMerchant(config, reference.merchant);
    const expected = { orderId: reference.orderId, split: reference.split, subMchId: sub?.subMchId };
    const returned = reference.split.returns.find((item) => item.id === reference.returnId);
    const reply = await client.request({
      method: 'GET',
      path: returnQueryPath(reference.returnId, reference.split.id, sub),
    });
    return readWechatpaySplitReturn(replies, reply, expected, {
      returnId: reference.returnId,
      account: returned?.account,
      amount: returned?.amount,
    });
  }

  async function returnSplit(request: SplitReturnRequest): Promise<SplitReturnStatusEvent> {
    const sub = wechatpaySubMerchant(config, request.merchant);
    const receiver = request.split.receivers.find((item) => item.account === request.account);
    if (!receiver) throw new ValidationError('account', `is not a receiver of split ${request.split.id}`);
    if (receiver.type !== 'merchant')
      throw new ValidationError('account', 'WeChat Pay returns only from merchant receivers (return_mchid)');
    const body = {
      ...(sub ? { sub_mchid: sub.subMchId } : {}),
      ...(request.split.providerSplitId ? { order_id: request.split.providerSplitId } : {}),
      out_order_no: request.split.id,
      out_return_no: request.returnId,
      return_mchid: request.account,
      amount: request.amount,
      description: request.description,
    };
    const expected = { orderId: request.orderId, split: request.split, subMchId: sub?.subMchId };
    const asked = { returnId: request.returnId, account: request.account, amount: request.amount };
    let reply: unknown;
    try {
      // Idempotent by out_return_no.
      reply = await client.request({ method: 'POST', path: '/v3/profitsharing/return-orders', body, idempotent: true });
    } catch (error) {
      return checkRefusal(error, {
        name: 'the profit-sharing return query',
        field: 'response.code',
        run: async () =>
          readWechatpaySplitReturn(
            replies,
            await client.request({ method: 'GET', path: returnQueryPath(request.returnId, request.split.id, sub) }),
            expected,
            asked,
          ),
      });
    }
    return readWechatpaySplitReturn(replies, reply, expected, asked);
  }

  const profitSharing: WechatpayProfitSharing = {
    async addReceiver(request) {
      const sub = wechatpaySubMerchant(config, request.merchant);
      if (request.type === 'MERCHANT_ID' && !request.name)
        throw new ValidationError('name', "is required for a MERCHANT_ID receiver (the merchant's full name)");
      if (request.relationType === 'CUSTOM' && !request.customRelation)
        throw new ValidationError('customRelation', 'is required with relationType CUSTOM');
      const { name, headers } = await encrypted(request.name);
      const body = {
        ...(sub ? { sub_mchid: sub.subMchId } : {}),
        ...apps(sub, request.appId, request.type === 'PERSONAL_SUB_OPENID'),
        type: request.type,
        account: request.account,
        ...(name !== undefined ? { name } : {}),
        relation_type: request.relationType,
        ...(request.customRelation ? { custom_relation: request.customRelation } : {}),
      };
      const reply = await client.request({
        method: 'POST',
        path: '/v3/profitsharing/receivers/add',
        body,
        idempotent: true,
        headers,
      });
      checkWechatpayReceiverReply(replies, reply, {
        type: request.type,
        account: request.account,
        subMchId: sub?.subMchId,
      });
    },

    async deleteReceiver(request) {
      const sub = wechatpaySubMerchant(config, request.merchant);
      const body = {
        ...(sub ? { sub_mchid: sub.subMchId } : {}),
        ...apps(sub, request.appId, request.type === 'PERSONAL_SUB_OPENID'),
        type: request.type,
        account: request.account,
      };
      const reply = await client.request({
        method: 'POST',
        path: '/v3/profitsharing/receivers/delete',
        body,
        idempotent: true,
      });
      checkWechatpayReceiverReply(replies, reply, {
        type: request.type,
        account: request.account,
        subMchId: sub?.subMchId,
      });
    },

    async unsplitAmount(transactionId) {
      if (!transactionId) throw new ValidationError('transactionId', 'is required');
      const reply = await client.request({
        method: 'GET',
        path: `/v3/profitsharing/transactions/${path(transactionId)}/amounts`,
      });
      return readWechatpayUnsplitAmount(replies, reply, transactionId);
    },

    async unfreeze(reference) {
      const unfreezeSplit = {
        id: reference.splitId,
        amount: 0,
        status: 'pending' as const,
        receivers: [],
        finish: true,
        providerSplitId: null,
        returns: [],
        createdAt: '',
        updatedAt: '',
      };
      const expected = expectedSplit({ ...reference, split: unfreezeSplit });
      const body = {
        ...(expected.sub ? { sub_mchid: expected.sub.subMchId } : {}),
        transaction_id: expected.transactionId,
        out_order_no: reference.splitId,
        description: reference.description ?? '解冻全部剩余资金',
      };
      const reply = await client.request({
        method: 'POST',
        path: '/v3/profitsharing/orders/unfreeze',
        body,
        idempotent: true,
      });
      return readWechatpaySplit(replies, reply, expected);
    },
  };

  return { split, querySplit, returnSplit, queryReturn, profitSharing };
}
