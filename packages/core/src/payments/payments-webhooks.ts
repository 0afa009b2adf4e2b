/**
 * The facade's webhook endpoints: `handleNotification` behind a web-standard or a Node handler,
 * with requests refused before verification reported as `notification.rejected`.
 *
 * @packageDocumentation
 */

import {
  createNodeWebhookHandler,
  createWebhookHandler,
  isMovementNotificationUrl,
  type NodeWebhookHandler,
  type NodeWebhookOptions,
} from '../webhook-handlers.js';
import type { NotificationInput } from '../webhook-request.js';
import { handleMovementNotification } from './handle-movement-notification.js';
import { handleNotification } from './handle-notification.js';
import { type PaymentsContext, providerById } from './payments-context.js';

function rejected(context: PaymentsContext, providerId: string): (error: unknown) => Promise<void> {
  return async (error) => {
    await context.emitter.emit('notification.rejected', { provider: providerId, error });
  };
}

/**
 * The handler of one provider's endpoint: a request whose path ends in `/movements` is a split or
 * transfer notification, any other a payment or refund notification.
 */
function routed(context: PaymentsContext, providerId: string) {
  return (input: NotificationInput) =>
    isMovementNotificationUrl(input.url)
      ? handleMovementNotification(context, providerId, input)
      : handleNotification(context, providerId, input);
}

/** A `(Request) => Promise<Response>` endpoint for one provider. */
export function webhookHandler(context: PaymentsContext, providerId: string): (request: Request) => Promise<Response> {
  providerById(context, providerId);
  return createWebhookHandler(routed(context, providerId), rejected(context, providerId));
}

/** A Node `http` endpoint for one provider. */
export function nodeWebhookHandler(
  context: PaymentsContext,
  providerId: string,
  options?: NodeWebhookOptions,
): NodeWebhookHandler {
  providerById(context, providerId);
  return createNodeWebhookHandler(routed(context, providerId), rejected(context, providerId), options);
}
