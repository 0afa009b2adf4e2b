/**
 * The reply to a notification that could not be applied: the provider's own failure reply, with a
 * 5xx status when the failure is on the merchant's side, so the wallet delivers it again.
 *
 * @packageDocumentation
 */
import { notificationRejectionStatus } from '../notification-status.js';
import type { WebhookResponse } from '../webhook-request.js';

/** Whether `error` says the same call may succeed later (a retryable `StoreError`, a `NetworkError`). */
function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

/**
 * `reply` (the provider's `acknowledgeNotification` for the failure) as it is when `error` refuses
 * the notification itself (a bad signature, a malformed body, an unknown order: 4xx, the sender's
 * fault). Otherwise the failure is ours and the same headers and body go with a 5xx, which every
 * wallet answers by delivering the notification again: 503 when the error is retryable (a
 * `StoreError` while the database restarts or a lock wait timed out, a network failure while
 * verifying), else the provider's own 5xx, or 500 where the provider answered below 500 (a bug, a
 * non-retryable `store_error`).
 */
export function notificationFailureReply(reply: WebhookResponse, error: unknown): WebhookResponse {
  if (notificationRejectionStatus(error) === 400) return reply;
  if (isRetryable(error)) return { ...reply, status: 503 };
  return reply.status >= 500 && reply.status <= 599 ? reply : { ...reply, status: 500 };
}
