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
 * Each operation is a file of its own (`wechatpay-profit-sharing-<operation>.ts`), taking the
 * provider's `WechatpayOperationContext`.
 *
 * @packageDocumentation
 */
import type {
  MerchantAccount,
  PaymentReference,
  SplitReference,
  SplitRequest,
  SplitReturnReference,
  SplitReturnRequest,
  SplitReturnStatusEvent,
  SplitStatusEvent,
} from '@hutong/core/provider-utils';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { wechatpayUnsplitAmount } from './wechatpay-profit-sharing-amounts.js';
import { addWechatpayReceiver, deleteWechatpayReceiver } from './wechatpay-profit-sharing-receivers.js';
import { queryWechatpaySplitReturn, returnWechatpaySplit } from './wechatpay-profit-sharing-return.js';
import { queryWechatpaySplit, splitWechatpayPayment } from './wechatpay-profit-sharing-split.js';
import { unfreezeWechatpaySplit } from './wechatpay-profit-sharing-unfreeze.js';

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
  const profitSharing: WechatpayProfitSharing = {
    addReceiver: (request) => addWechatpayReceiver(context, request),
    deleteReceiver: (request) => deleteWechatpayReceiver(context, request),
    unsplitAmount: (transactionId) => wechatpayUnsplitAmount(context, transactionId),
    unfreeze: (reference) => unfreezeWechatpaySplit(context, reference),
  };
  return {
    split: (request: SplitRequest): Promise<SplitStatusEvent> => splitWechatpayPayment(context, request),
    querySplit: (reference: SplitReference): Promise<SplitStatusEvent> => queryWechatpaySplit(context, reference),
    returnSplit: (request: SplitReturnRequest): Promise<SplitReturnStatusEvent> =>
      returnWechatpaySplit(context, request),
    queryReturn: (reference: SplitReturnReference): Promise<SplitReturnStatusEvent> =>
      queryWechatpaySplitReturn(context, reference),
    profitSharing,
  };
}
