/**
 * The facade's webhook endpoints: `handleNotification` behind a web-standard or a Node handler,
 * with requests refused before verification reported as `notification.rejected`.
 *
 * @packageDocumentation
 */
import {
  createNodeWebhookHandler,
  createWebhookHandler,
  type NodeWebhookHandler,
  type NodeWebhookOptions,
} from '../webhook-handlers.js';
import { handleNotification } from './handle-notification.js';
import { type PaymentsContext, providerById } from './payments-context.js';

function rejected(context: PaymentsContext, providerId: string): (error: unknown) => Promise<void> {
  return async (error) => {
    await context.emitter.emit('notification.rejected', { provider: providerId, error });
  };
}

/** A `(Request) => Promise<Response>` endpoint for one provider. */
export function webhookHandler(context: PaymentsContext, providerId: string): (request: Request) => Promise<Response> {
  providerById(context, providerId);
  return createWebhookHandler((input) => handleNotification(context, providerId, input), rejected(context, providerId));
}

/** A Node `http` endpoint for one provider. */
export function nodeWebhookHandler(
  context: PaymentsContext,
  providerId: string,
  options?: NodeWebhookOptions,
): NodeWebhookHandler {
  providerById(context, providerId);
  return createNodeWebhookHandler(
    (input) => handleNotification(context, providerId, input),
    rejected(context, providerId),
    options,
  );
}
