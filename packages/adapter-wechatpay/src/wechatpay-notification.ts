/**
 * Notifications: the signature over the raw body (probe, window and key checked first), then
 * AEAD_AES_256_GCM decryption of the resource with the tag checked, then the merchant and app
 * checked, then the event. Replies: 204 with no body when accepted; a 4xx/5xx with
 * `{"code":"FAIL","message":...}` otherwise, so WeChat Pay redelivers.
 *
 * @packageDocumentation
 */
import {
  HutongError,
  type NotificationRequest,
  type PaymentEvent,
  SignatureVerificationError,
  ValidationError,
  type WebhookResponse,
} from '@hutong/core';
import {
  notificationRejectionStatus,
  type PaymentSucceededEvent,
  type VerifiedNotification,
} from '@hutong/core/provider-utils';
import { decryptWechatpayResource, type WechatpayEncryptedResource } from './wechatpay-aead.js';
import {
  checkWechatpaySignedMessage,
  readWechatpaySignedMessage,
  type WechatpayKeySource,
} from './wechatpay-certificates.js';
import { wechatpayRefundStatus, wechatpayTradeState } from './wechatpay-status.js';
import { parseWechatpayTime } from './wechatpay-time.js';

/**
 * What notification handling needs of the configuration.
 *
 * @group Protocol
 * @example
 * ```ts
 * const config: WechatpayNotificationConfig = { provider: 'wechatpay', mchId, appIds: [appId], apiV3Key, keys, now: () => new Date() };
 * ```
 */
export interface WechatpayNotificationConfig {
  /** The provider id, named by errors. Default `wechatpay`. */
  provider?: string | undefined;
  /** The signing merchant id: notifications name it as `mchid`, or in partner mode as `sp_mchid`. */
  mchId: string;
  /**
   * Partner mode: notifications name `sp_mchid` (ours), `sp_appid` and the sub-merchant's
   * `sub_mchid`, reported as the notification's `account`.
   */
  partner?: boolean | undefined;
  /** Every configured app id: a payment notification may name any of them. */
  appIds: readonly string[];
  apiV3Key: Buffer;
  keys: WechatpayKeySource;
  /** The clock of the 300-second window. */
  now: () => Date;
}

/**
 * A notification's outer JSON, before its resource is decrypted.
 *
 * @group Protocol
 * @example
 * ```ts
 * const body: WechatpayNotificationBody = { id: 'EV-1', event_type: 'TRANSACTION.SUCCESS' };
 * ```
 */
export interface WechatpayNotificationBody {
  id?: string | undefined;
  event_type?: string | undefined;
  resource?: WechatpayEncryptedResource | undefined;
}

/**
 * A decrypted transaction resource (`TRANSACTION.SUCCESS`).
 *
 * @group Protocol
 * @example
 * ```ts
 * const transaction = JSON.parse(plaintext) as WechatpayTransactionResource;
 * transaction.amount.payer_total;
 * ```
 */
export interface WechatpayTransactionResource {
  /** Direct mode. */
  mchid?: string | undefined;
  appid?: string | undefined;
  /** Partner mode. */
  sp_mchid?: string | undefined;
  sp_appid?: string | undefined;
  sub_mchid?: string | undefined;
  sub_appid?: string | undefined;
  out_trade_no: string;
  transaction_id: string;
  trade_state: string;
  success_time?: string | undefined;
  payer?: { openid?: string | undefined; sp_openid?: string | undefined; sub_openid?: string | undefined } | undefined;
  amount: {
    total: number;
    payer_total?: number | undefined;
    currency?: string | undefined;
    payer_currency?: string | undefined;
  };
}

/**
 * A decrypted refund resource (`REFUND.*`).
 *
 * @group Protocol
 * @example
 * ```ts
 * const refund = JSON.parse(plaintext) as WechatpayRefundResource;
 * refund.refund_status; // 'SUCCESS'
 * ```
 */
export interface WechatpayRefundResource {
  mchid?: string | undefined;
  sp_mchid?: string | undefined;
  sub_mchid?: string | undefined;
  out_trade_no: string;
  out_refund_no: string;
  refund_id: string;
  refund_status: string;
  amount: { total: number; refund: number };
}

function integer(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0)
    throw new ValidationError(field, 'is not a positive integer amount');
  return value as number;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError(field, 'is missing');
  return value;
}

/**
 * Verifies, decrypts and parses a notification into a core event. A payment's `currency` is
 * `amount.currency`.
 *
 * @group Protocol
 * @example
 * ```ts
 * const { event } = await verifyWechatpayNotification(request, config);
 * ```
 */
export async function verifyWechatpayNotification(
  request: NotificationRequest,
  config: WechatpayNotificationConfig,
): Promise<VerifiedNotification> {
  const provider = config.provider ?? 'wechatpay';
  const { body, resource } = await openWechatpayNotification(request, config);
  const account = checkWechatpayRecipient(resource, config);
  const verified = readPaymentNotification(body, resource, config, provider);
  return account === undefined ? verified : { ...verified, account };
}

/**
 * Verifies a notification's signature over the raw body (probe, window and key checked first),
 * then decrypts its resource (AEAD_AES_256_GCM, tag checked): the notification and its resource,
 * not yet checked for recipient or read.
 *
 * @group Protocol
 * @throws SignatureVerificationError or ValidationError.
 * @example
 * ```ts
 * const { body, resource } = await openWechatpayNotification(request, config);
 * body.event_type; // 'TRANSACTION.SUCCESS'
 * ```
 */
export async function openWechatpayNotification(
  request: NotificationRequest,
  config: Pick<WechatpayNotificationConfig, 'provider' | 'keys' | 'now' | 'apiV3Key'>,
): Promise<{ body: WechatpayNotificationBody; resource: Record<string, unknown> }> {
  const provider = config.provider ?? 'wechatpay';
  // Over the bytes as received; a promise only when an unknown certificate needs a download.
  const pending = checkWechatpaySignedMessage(
    readWechatpaySignedMessage(request.headers, request.body, request.rawBody),
    config.keys,
    config.now(),
    provider,
  );
  if (pending) await pending;
  let body: WechatpayNotificationBody;
  try {
    body = JSON.parse(request.body) as WechatpayNotificationBody;
  } catch (cause) {
    throw new ValidationError('notification.body', 'is not JSON', { cause });
  }
  if (!body.resource) throw new ValidationError('notification.resource', 'is missing');
  const plaintext = decryptWechatpayResource(body.resource, config.apiV3Key, provider);
  let resource: Record<string, unknown>;
  try {
    resource = JSON.parse(plaintext) as Record<string, unknown>;
  } catch (cause) {
    throw new ValidationError('notification.resource', 'does not decrypt to JSON', { cause });
  }
  if (typeof resource !== 'object' || resource === null)
    throw new ValidationError('notification.resource', 'does not decrypt to a JSON object');
  return { body, resource };
}

/**
 * Checks a decrypted resource is for this merchant: `mchid` (or the transfer's `mch_id`) in direct
 * mode; in partner mode `sp_mchid`, with the sub-merchant's `sub_mchid` returned (the
 * notification's `account`, which the facade binds to the order's merchant). Partner transfer
 * notifications are checked by `wechatpayTransferRecipient` instead.
 *
 * @group Protocol
 * @throws SignatureVerificationError `wrong_recipient`.
 * @example
 * ```ts
 * const account = checkWechatpayRecipient(resource, config); // the sub_mchid, or undefined
 * ```
 */
export function checkWechatpayRecipient(
  resource: Record<string, unknown>,
  config: Pick<WechatpayNotificationConfig, 'provider' | 'mchId' | 'partner'>,
): string | undefined {
  const provider = config.provider ?? 'wechatpay';
  const wrong = (what: string) =>
    new SignatureVerificationError(provider, 'wrong_recipient', `the notification is for ${what}`);
  if (!config.partner) {
    const mchId = resource.mchid ?? resource.mch_id;
    if (mchId !== config.mchId) throw wrong(`merchant ${String(mchId ?? resource.sp_mchid)}`);
    return undefined;
  }
  if (resource.sp_mchid !== config.mchId)
    throw wrong(`service provider ${String(resource.sp_mchid ?? resource.mchid)}`);
  if (typeof resource.sub_mchid !== 'string' || resource.sub_mchid === '')
    throw new ValidationError('notification.sub_mchid', 'is missing');
  return resource.sub_mchid;
}

/** A verified payment or refund resource, read into its event. */
function readPaymentNotification(
  body: WechatpayNotificationBody,
  resource: Record<string, unknown>,
  config: WechatpayNotificationConfig,
  provider: string,
): VerifiedNotification {
  const notificationId = body.id;
  switch (body.event_type) {
    case 'TRANSACTION.SUCCESS': {
      const transaction = resource as unknown as WechatpayTransactionResource;
      // Partner mode: sp_appid is the service provider's (the sub-merchant's sub_appid is its own).
      const appId = config.partner ? transaction.sp_appid : transaction.appid;
      if (typeof appId !== 'string' || !config.appIds.includes(appId)) {
        throw new SignatureVerificationError(
          provider,
          'wrong_recipient',
          `the notification is for app ${String(appId)}`,
        );
      }
      const type = wechatpayTradeState(transaction.trade_state);
      if (type === undefined)
        throw new ValidationError('notification.trade_state', 'is not a known WeChat Pay trade state');
      const orderId = text(transaction.out_trade_no, 'notification.out_trade_no');
      if (type !== 'payment.succeeded') return { event: { type, orderId } as PaymentEvent, notificationId };
      const event: PaymentSucceededEvent = {
        type,
        orderId,
        amount: integer(transaction.amount?.total, 'notification.amount.total'),
        providerTransactionId: text(transaction.transaction_id, 'notification.transaction_id'),
      };
      if (transaction.success_time)
        event.paidAt = parseWechatpayTime(transaction.success_time, 'notification.success_time');
      const buyerId = transaction.payer?.openid || transaction.payer?.sub_openid || transaction.payer?.sp_openid;
      if (buyerId) event.buyerId = buyerId;
      const currency = transaction.amount?.currency;
      if (currency !== undefined) event.currency = text(currency, 'notification.amount.currency');
      return { event, notificationId };
    }
    case 'REFUND.SUCCESS':
    case 'REFUND.ABNORMAL':
    case 'REFUND.CLOSED': {
      const refund = resource as unknown as WechatpayRefundResource;
      const type = wechatpayRefundStatus(refund.refund_status);
      if (type === undefined)
        throw new ValidationError('notification.refund_status', 'is not a known WeChat Pay refund status');
      const orderId = text(refund.out_trade_no, 'notification.out_trade_no');
      const refundId = text(refund.out_refund_no, 'notification.out_refund_no');
      if (type === 'refund.failed')
        return { event: { type, orderId, refundId, reason: refund.refund_status }, notificationId };
      return {
        event: {
          type,
          orderId,
          refundId,
          amount: integer(refund.amount?.refund, 'notification.amount.refund'),
          providerRefundId: text(refund.refund_id, 'notification.refund_id'),
        },
        notificationId,
      };
    }
    default:
      throw new ValidationError(
        'notification.event_type',
        `${String(body.event_type)} is not a payment or refund notification`,
      );
  }
}

/**
 * The replies WeChat Pay expects: 204 with no body to stop redelivery; otherwise the status every
 * wallet answers (`notificationRejectionStatus`: 400 for a refused message, an unknown order
 * included; 500 for the merchant's own failure) with `{"code":"FAIL","message":...}`.
 *
 * @group Protocol
 * @example
 * ```ts
 * wechatpayAcknowledgement({ accepted: true }); // { status: 204, headers: {}, body: '' }
 * ```
 */
export function wechatpayAcknowledgement(
  outcome: { accepted: true } | { accepted: false; error: unknown },
): WebhookResponse {
  if (outcome.accepted) return { status: 204, headers: {}, body: '' };
  const error = outcome.error;
  const message = HutongError.isInstance(error) ? error.code : 'internal_error';
  return {
    status: notificationRejectionStatus(error),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'FAIL', message }),
  };
}
