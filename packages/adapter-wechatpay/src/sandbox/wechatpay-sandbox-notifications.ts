/**
 * The notifications the WeChat Pay sandbox posts: the resource encrypted with the APIv3 key
 * (AEAD_AES_256_GCM, `associated_data` the resource's `original_type`), the body signed with the
 * platform key in the `Wechatpay-*` headers; and the resources WeChat Pay writes for a paid
 * transaction and a settled refund.
 *
 * @packageDocumentation
 */
import { randomInt } from 'node:crypto';
import { encryptWechatpayResource, formatWechatpayTime } from '@hutong/adapter-wechatpay/protocol';
import { type NotificationInput, ValidationError } from '@hutong/core';
import type { SandboxSigning, WechatpaySandboxKeys } from './wechatpay-sandbox-keys.js';
import type { Json, WechatpaySandboxState, WechatpaySandboxTransaction } from './wechatpay-sandbox-state.js';

/**
 * How a notification is signed, beyond {@link SandboxSigning}.
 *
 * @example
 * ```ts
 * notifier.paid(transaction, { signature: (s) => `WECHATPAY/SIGNTEST/${s}` });
 * ```
 */
export interface NotificationSigning extends SandboxSigning {
  /** Rewrites the genuine signature (a probe's prefix). */
  signature?: ((signature: string) => string) | undefined;
}

/**
 * Builds the sandbox's notifications.
 *
 * @example
 * ```ts
 * const notifier: WechatpaySandboxNotifier = createWechatpaySandboxNotifier({ state, keys, apiV3Key });
 * notifier.paid(state.requireTransaction('o1'));
 * ```
 */
export interface WechatpaySandboxNotifier {
  /** A signed notification of `eventType` carrying `resource`, encrypted. */
  notification(
    eventType: string,
    summary: string,
    originalType: 'transaction' | 'refund' | 'profitsharing' | 'mch_payment',
    resource: Json,
    signing?: NotificationSigning,
  ): NotificationInput;
  /** `TRANSACTION.SUCCESS` for `transaction`, its resource passed through `edit` first. */
  paid(
    transaction: WechatpaySandboxTransaction,
    signing?: NotificationSigning,
    edit?: (resource: Json) => Json,
  ): NotificationInput;
  /** `REFUND.<status>` for refund `refundId` of `transaction`. */
  refunded(transaction: WechatpaySandboxTransaction, refundId: string): NotificationInput;
}

/**
 * Creates the notifier.
 *
 * @example
 * ```ts
 * const notifier = createWechatpaySandboxNotifier({ state, keys, apiV3Key });
 * const notification = notifier.paid(state.requireTransaction('o1'));
 * ```
 */
export function createWechatpaySandboxNotifier(context: {
  state: WechatpaySandboxState;
  keys: WechatpaySandboxKeys;
  apiV3Key: Buffer;
}): WechatpaySandboxNotifier {
  const { state, keys, apiV3Key } = context;

  function notification(
    eventType: string,
    summary: string,
    originalType: 'transaction' | 'refund' | 'profitsharing' | 'mch_payment',
    resource: Json,
    signing: NotificationSigning = {},
  ): NotificationInput {
    const body = JSON.stringify({
      id: `EV-${Date.now()}${randomInt(1e6)}`,
      create_time: formatWechatpayTime(state.now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: {
        original_type: originalType,
        ...encryptWechatpayResource(JSON.stringify(resource), apiV3Key, originalType),
      },
    });
    const headers = keys.signedHeaders(body, signing);
    if (signing.signature) headers['wechatpay-signature'] = signing.signature(headers['wechatpay-signature'] as string);
    return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body };
  }

  return {
    notification,
    paid(transaction, signing, edit = (resource) => resource) {
      return notification(
        'TRANSACTION.SUCCESS',
        '支付成功',
        'transaction',
        edit(state.transactionJson(transaction)),
        signing,
      );
    },
    refunded(transaction, refundId) {
      const refund = transaction.refunds.get(refundId);
      if (!refund)
        throw new ValidationError(
          'refundId',
          `the WeChat Pay sandbox has no refund ${refundId} of ${transaction.outTradeNo}`,
        );
      return notification(`REFUND.${refund.status}`, '退款状态变更', 'refund', {
        ...(transaction.subMchId === undefined
          ? { mchid: transaction.mchId }
          : { sp_mchid: transaction.mchId, sub_mchid: transaction.subMchId }),
        out_trade_no: transaction.outTradeNo,
        transaction_id: transaction.transactionId,
        out_refund_no: refundId,
        refund_id: refund.refundId,
        refund_status: refund.status,
        success_time: formatWechatpayTime(state.now()),
        user_received_account: '支付用户零钱',
        amount: {
          total: transaction.amount,
          refund: refund.amount,
          payer_total: transaction.amount,
          payer_refund: refund.amount,
        },
      });
    },
  };
}
