/**
 * Posting a notification to a merchant's endpoint, as a wallet does: the sandboxes and the demo use it.
 *
 * @packageDocumentation
 */
import type { NotificationInput } from '@hutong/core';

/**
 * POSTs a notification (headers and raw body) to `url` and returns the merchant's reply.
 *
 * @example
 * ```ts
 * const reply = await deliverNotification(sandbox.pay(order.id), 'http://127.0.0.1:3000/webhooks/alipay');
 * ```
 */
export function deliverNotification(notification: NotificationInput, url: string): Promise<Response> {
  return fetch(url, {
    method: notification.method ?? 'POST',
    headers: notification.headers as Record<string, string>,
    body: notification.body as BodyInit,
  });
}
