/**
 * Asynchronous notifications (`notify_url`): a form POST. The body is form-decoded exactly once
 * (values may contain `%`, `+`, spaces, Chinese text, emoji), verified over the sorted parameters
 * without `sign` and `sign_type` (and, for the notification types signed that way, with
 * `sign_type` kept), then checked against this app and seller before it becomes an event.
 *
 * @packageDocumentation
 */
import type { KeyObject } from 'node:crypto';
import {
  type NotificationRequest,
  type PaymentEvent,
  parseYuan,
  SignatureVerificationError,
  ValidationError,
  type WebhookResponse,
} from '@hutong/core';
import {
  decodeForm,
  FormFields,
  type NotificationOutcome,
  notificationRejectionStatus,
  type PaymentSucceededEvent,
} from '@hutong/core/provider-utils';
import { alipaySigningString, verifyAlipayBytes } from './alipay-signature.js';
import { alipayTradeStatus } from './alipay-status.js';
import { parseAlipayTime } from './alipay-time.js';

/** What notification verification needs of the configuration. */
export interface AlipayNotificationConfig {
  /** The provider id errors name. Default `'alipay'`. */
  id?: string | undefined;
  appId: string;
  sellerId: string | undefined;
  alipayKeys: ReadonlyMap<string, KeyObject>;
  /** What a signature that does not verify says about the configuration (the option to check). */
  signatureHint?: string | undefined;
}

/**
 * Decodes an Alipay form body once into parameters (`+` is a space, `%XX` a UTF-8 byte; a
 * malformed escape is a `ValidationError`).
 *
 * @example
 * ```ts
 * decodeAlipayForm('subject=a%2Bb+c'); // { subject: 'a+b c' }
 * ```
 */
export function decodeAlipayForm(body: string): Record<string, string> {
  return decodeForm(body, 'notification.body');
}

/**
 * Verifies notification parameters with any of `keys`: first without `sign_type` (trade
 * notifications), then with it (notifications such as `servicemarket_order_notify`).
 *
 * @example
 * ```ts
 * verifyAlipayNotificationParams(decodeAlipayForm(body), [alipayPublicKey]); // true or false
 * ```
 */
export function verifyAlipayNotificationParams(
  params: Record<string, string> | ReadonlyMap<string, string>,
  keys: Iterable<KeyObject>,
): boolean {
  const get = (key: string) => (params instanceof Map ? params.get(key) : (params as Record<string, string>)[key]);
  const sign = get('sign');
  if (!sign) return false;
  return verifyEitherRule(
    (omit) => Buffer.from(alipaySigningString(params, omit), 'utf8'),
    Buffer.from(sign, 'base64'),
    Boolean(get('sign_type')),
    [...keys],
  );
}

/**
 * Verifies a notification body split by `FormFields` with any of `keys`, first without
 * `sign_type`, then with it. The signed string is written straight from the body into bytes, so a
 * notification costs one pass over the body beside the RSA verify.
 *
 * @example
 * ```ts
 * verifyAlipayNotificationForm(FormFields.parse(body), [alipayPublicKey]); // true or false
 * ```
 */
export function verifyAlipayNotificationForm(
  form: FormFields,
  keys: readonly KeyObject[] | ReadonlyMap<string, KeyObject>,
): boolean {
  const sign = form.get('sign');
  if (!sign) return false;
  return verifyEitherRule(
    (omit) => form.signedBytes(omit),
    Buffer.from(sign, 'base64'),
    Boolean(form.raw('sign_type')),
    keys,
  );
}

const WITHOUT_SIGN_TYPE = ['sign', 'sign_type'] as const;
const WITH_SIGN_TYPE = ['sign'] as const;

/**
 * The two signing rules of notifications: most types sign without `sign_type`, some (such as
 * `servicemarket_order_notify`) with it; the second string is built only when the first fails.
 */
function verifyEitherRule(
  signedBytes: (omit: readonly string[]) => Uint8Array,
  signature: Uint8Array,
  hasSignType: boolean,
  keys: readonly KeyObject[] | ReadonlyMap<string, KeyObject>,
): boolean {
  const withoutType = signedBytes(WITHOUT_SIGN_TYPE);
  for (const key of keys.values()) if (verifyAlipayBytes(withoutType, signature, key)) return true;
  if (!hasSignType) return false;
  const withType = signedBytes(WITH_SIGN_TYPE);
  for (const key of keys.values()) if (verifyAlipayBytes(withType, signature, key)) return true;
  return false;
}

/**
 * Verifies an Alipay notification and turns it into a core event. A notification about an
 * authorising merchant's trade (service-provider mode: `auth_app_id` is not this app) reports
 * `account: auth_app_id`, for the facade to bind to the order's merchant; its `seller_id` is the
 * merchant's, so `sellerId` is not checked for it.
 *
 * @throws SignatureVerificationError for a missing or wrong signature, an unsupported `sign_type`,
 *   or a notification addressed to another app or seller.
 * @throws ValidationError for a verified notification that is malformed or of an unknown status.
 * @example
 * ```ts
 * const { event } = verifyAlipayNotification(request, config);
 * ```
 */
export function verifyAlipayNotification(
  request: NotificationRequest,
  config: AlipayNotificationConfig,
): { event: PaymentEvent; notificationId?: string | undefined; account?: string | undefined } {
  const provider = config.id ?? 'alipay';
  // The body is split once; each field below is decoded once, when it is read.
  const form = FormFields.parse(request.body, 'notification.body');
  const sign = form.get('sign');
  if (!sign) throw new SignatureVerificationError(provider, 'missing_signature', 'the notification has no sign');
  const signType = form.get('sign_type');
  if (signType && signType !== 'RSA2') {
    throw new SignatureVerificationError(provider, 'malformed', `sign_type ${signType} is not supported (use RSA2)`);
  }
  if (
    !verifyEitherRule(
      (omit) => form.signedBytes(omit),
      Buffer.from(sign, 'base64'),
      Boolean(signType),
      config.alipayKeys,
    )
  ) {
    const hint = config.signatureHint ? ` ${config.signatureHint}` : '';
    throw new SignatureVerificationError(
      provider,
      'bad_signature',
      `the notification signature does not verify${hint}`,
    );
  }
  // Verified: from here on the values are Alipay's.
  const field = (name: string) => form.get(name);
  const appId = field('app_id');
  if (appId !== config.appId) {
    throw new SignatureVerificationError(provider, 'wrong_recipient', `the notification is for app ${appId}`);
  }
  // Service-provider mode: a trade of an authorising merchant names the merchant's app id in
  // auth_app_id (and the merchant as seller); the facade binds it to the order's merchant.
  const authAppId = field('auth_app_id');
  const account = authAppId && authAppId !== config.appId ? authAppId : undefined;
  if (account === undefined && config.sellerId && field('seller_id') !== config.sellerId) {
    throw new SignatureVerificationError(provider, 'wrong_recipient', 'the notification is for another seller');
  }
  const notifyType = field('notify_type');
  if (notifyType && notifyType !== 'trade_status_sync') {
    throw new ValidationError('notification.notify_type', `${notifyType} is not a payment notification`);
  }
  const orderId = field('out_trade_no');
  if (!orderId) throw new ValidationError('notification.out_trade_no', 'is missing');
  const notificationId = field('notify_id');
  // A refund (partial: TRADE_SUCCESS; full: TRADE_CLOSED) carries the merchant's refund id in
  // out_biz_no and the order's cumulative refunded amount in refund_fee.
  const refundId = field('out_biz_no');
  const refundFee = refundId ? field('refund_fee') : undefined;
  if (refundId && refundFee) {
    return {
      event: {
        type: 'refund.succeeded',
        orderId,
        refundId,
        refundedTotal: parseYuan(refundFee, 'notification.refund_fee'),
      },
      notificationId,
      account,
    };
  }
  const type = alipayTradeStatus(field('trade_status'), 'notification.trade_status');
  switch (type) {
    case 'payment.succeeded': {
      const tradeNo = field('trade_no');
      if (!tradeNo) throw new ValidationError('notification.trade_no', 'is missing');
      const event: PaymentSucceededEvent = {
        type,
        orderId,
        amount: parseYuan(field('total_amount') ?? '', 'notification.total_amount'),
        providerTransactionId: tradeNo,
        currency: notificationCurrency(field('trans_currency')),
      };
      const paidAt = field('gmt_payment');
      if (paidAt) event.paidAt = parseAlipayTime(paidAt, 'notification.gmt_payment');
      const buyer = field('buyer_id') ?? field('buyer_open_id');
      if (buyer) event.buyerId = buyer;
      return { event, notificationId, account };
    }
    case 'payment.pending':
      return { event: { type, orderId, providerTransactionId: field('trade_no') }, notificationId, account };
    default:
      return { event: { type, orderId }, notificationId, account };
  }
}

/**
 * The currency of a notification's `total_amount`: `trans_currency` (标价币种) when Alipay sends
 * one (cross-border pricing), otherwise CNY. `settle_currency` is the currency the merchant is
 * settled in, not the one the buyer was charged in, so it does not decide.
 */
function notificationCurrency(transCurrency: string | undefined): string {
  if (transCurrency === undefined || transCurrency === '') return 'CNY';
  if (!/^[A-Z]{3}$/.test(transCurrency)) {
    throw new ValidationError('notification.trans_currency', 'is not an ISO 4217 currency code');
  }
  return transCurrency;
}

/**
 * The replies Alipay expects: exactly `success` to stop redelivery; anything else makes Alipay
 * retry (4m, 10m, 10m, 1h, 2h, 6h, 15h). A refused notification gets the status every wallet gives
 * (`notificationRejectionStatus`: 400 for the message, 500 for the merchant's own failure).
 *
 * @example
 * ```ts
 * alipayAcknowledgement({ accepted: true }); // { status: 200, headers: {...}, body: 'success' }
 * ```
 */
export function alipayAcknowledgement(outcome: NotificationOutcome): WebhookResponse {
  const headers = { 'content-type': 'text/plain;charset=utf-8' };
  return outcome.accepted
    ? { status: 200, headers, body: 'success' }
    : { status: notificationRejectionStatus(outcome.error), headers, body: 'failure' };
}
