/**
 * Notifications about money moving out: Alipay's messages (消息服务) `alipay.trade.order.settle.notify`
 * (a settlement's result) and `alipay.fund.trans.order.changed` (a transfer's state). Both are
 * form POSTs (`msg_method`, `app_id`, `notify_id`, `biz_content` holding the JSON, `sign`),
 * verified exactly as trade notifications are, then checked to be for this app before the
 * `biz_content` is read. A message about an authorising merchant (`auth_app_id` not this app)
 * reports `account: auth_app_id` for the facade to bind.
 *
 * @packageDocumentation
 */
import {
  type NotificationRequest,
  SignatureVerificationError,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import { FormFields, type VerifiedMovementNotification } from '@hutong/core/provider-utils';
import { readAlipaySettleNotification, readAlipayTransferNotification } from './alipay-movement-replies.js';
import { type AlipayNotificationConfig, verifyAlipayNotificationForm } from './alipay-notification.js';

/**
 * The message methods this verifier reads.
 *
 * @example
 * ```ts
 * ALIPAY_MOVEMENT_MESSAGES.includes('alipay.fund.trans.order.changed'); // true
 * ```
 */
export const ALIPAY_MOVEMENT_MESSAGES = [
  'alipay.trade.order.settle.notify',
  'alipay.fund.trans.order.changed',
] as const;

/** The largest `biz_content` read (a settle message lists its receivers; 64 KiB is generous). */
const MAX_BIZ_CONTENT = 64 * 1024;

/**
 * Verifies a settlement or transfer message and turns it into a core event.
 *
 * @throws SignatureVerificationError for a missing or wrong signature or a message for another app.
 * @throws ValidationError for a verified message of another kind or a malformed `biz_content`.
 * @example
 * ```ts
 * const { event, account } = verifyAlipayMovementNotification(request, config);
 * ```
 */
export function verifyAlipayMovementNotification(
  request: NotificationRequest,
  config: AlipayNotificationConfig,
): VerifiedMovementNotification {
  const provider = config.id ?? 'alipay';
  const form = FormFields.parse(request.body, 'notification.body');
  if (!form.get('sign')) {
    throw new SignatureVerificationError(provider, 'missing_signature', 'the notification has no sign');
  }
  const signType = form.get('sign_type');
  if (signType && signType !== 'RSA2') {
    throw new SignatureVerificationError(provider, 'malformed', `sign_type ${signType} is not supported (use RSA2)`);
  }
  if (!verifyAlipayNotificationForm(form, config.alipayKeys)) {
    const hint = config.signatureHint ? ` ${config.signatureHint}` : '';
    throw new SignatureVerificationError(
      provider,
      'bad_signature',
      `the notification signature does not verify${hint}`,
    );
  }
  // Verified: from here on the values are Alipay's.
  const appId = form.get('app_id');
  if (appId !== config.appId) {
    throw new SignatureVerificationError(provider, 'wrong_recipient', `the notification is for app ${appId}`);
  }
  const authAppId = form.get('auth_app_id');
  const account = authAppId && authAppId !== config.appId ? authAppId : undefined;
  const method = form.get('msg_method');
  const read =
    method === 'alipay.trade.order.settle.notify'
      ? readAlipaySettleNotification
      : method === 'alipay.fund.trans.order.changed'
        ? readAlipayTransferNotification
        : undefined;
  if (!read) {
    throw new ValidationError(
      'notification.msg_method',
      `${method ?? '(none)'} is not a settlement or transfer message`,
    );
  }
  const bizContent = form.get('biz_content') ?? '';
  if (bizContent.length > MAX_BIZ_CONTENT) throw new ValidationError('notification.biz_content', 'is too large');
  let biz: unknown;
  try {
    biz = JSON.parse(bizContent);
  } catch (cause) {
    throw new ValidationError('notification.biz_content', 'is not JSON', { cause });
  }
  const notificationId = form.get('notify_id');
  try {
    return { event: read(biz, provider), notificationId, account };
  } catch (error) {
    // A verified message that cannot be read is the message's fault: a ValidationError, as for payments.
    if (!UnexpectedResponseError.isInstance(error)) throw error;
    throw new ValidationError(error.field ?? 'notification.biz_content', error.message, { cause: error });
  }
}
