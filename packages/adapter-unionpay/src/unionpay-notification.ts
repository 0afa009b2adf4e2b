/**
 * Notifications to `backUrl` (and the browser's return to `frontUrl`, in the same format): a
 * form-urlencoded body, verified against the UnionPay chain, addressed to this merchant, then an
 * event. The acknowledgement UnionPay expects is HTTP 200; anything else makes it redeliver.
 *
 * @packageDocumentation
 */

import type { NotificationRequest, PaymentEvent, WebhookResponse } from '@hutong/core';
import type { NotificationOutcome } from '@hutong/core/provider-utils';
import { notificationRejectionStatus } from '@hutong/core/provider-utils';
import { verifyUnionpayForm } from './unionpay-client.js';
import { parseUnionpayForm } from './unionpay-fields.js';
import type { UnionpayConfig } from './unionpay-options.js';
import { readUnionpayNotification } from './unionpay-replies.js';

/**
 * Verifies a notification (or front return) and turns it into an event.
 *
 * @example
 * ```ts
 * const { event } = verifyUnionpayNotification(request, config);
 * ```
 */
export function verifyUnionpayNotification(
  request: NotificationRequest,
  config: Pick<UnionpayConfig, 'id' | 'merId' | 'trust' | 'certificateCache' | 'now'> &
    Partial<Pick<UnionpayConfig, 'access'>>,
): { event: PaymentEvent; notificationId?: string | undefined; account?: string | undefined } {
  const form = parseUnionpayForm(request.body, 'notification.body');
  verifyUnionpayForm(form, config.trust, config.certificateCache, config.now(), config.id);
  // Verified: only the fields the event needs are decoded, each against its format.
  return readUnionpayNotification(form, config);
}

/**
 * UnionPay expects HTTP 200 for a received notification; a refused one gets the status every wallet
 * answers (`notificationRejectionStatus`: 400 for the message, 500 for the merchant's failure).
 *
 * @example
 * ```ts
 * unionpayAcknowledgement({ accepted: true }); // { status: 200, headers: {...}, body: 'ok' }
 * ```
 */
export function unionpayAcknowledgement(outcome: NotificationOutcome): WebhookResponse {
  return outcome.accepted
    ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' }
    : {
        status: notificationRejectionStatus(outcome.error),
        headers: { 'content-type': 'text/plain' },
        body: 'refused',
      };
}
