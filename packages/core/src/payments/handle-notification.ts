/**
 * `payments.handleNotification`: verifies a wallet's notification, applies its event atomically,
 * and returns the exact reply the wallet expects: a refused notification gets the provider's refusal
 * (4xx), a failure on the merchant's side a 5xx (503 for a retryable `StoreError` while the store is
 * down) so the wallet delivers it again. Never throws.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';
import type { Order, OrderAnomaly } from '../order.js';
import { type NotificationInput, toNotificationRequest } from '../webhook-request.js';
import { applyEvent } from './apply-event.js';
import { bindNotificationAccount } from './merchant-accounts.js';
import { notificationFailureReply } from './notification-failure-reply.js';
import type { PaymentsContext } from './payments-context.js';
import type { HandleNotificationResult } from './payments-types.js';

/** Verifies, applies and answers one notification for the provider `providerId`. */
export async function handleNotification(
  context: PaymentsContext,
  providerId: string,
  input: NotificationInput,
): Promise<HandleNotificationResult> {
  const provider = context.providers.get(providerId);
  if (!provider) {
    const error = new ValidationError('provider', `${JSON.stringify(providerId)} is not a configured provider`);
    await context.emitter.emit('notification.rejected', { provider: providerId, error });
    return { ok: false, error, response: { status: 404, headers: {}, body: '' } };
  }
  let merchant: string | undefined;
  try {
    const request = toNotificationRequest(input);
    const { event, account } = await provider.verifyNotification(request);
    // The wallet-signed sub-merchant is bound to the order's merchant before anything applies.
    const bind = (order: Order) => {
      merchant = order.merchant;
      return bindNotificationAccount(context, provider, order, account);
    };
    const result = await applyEvent(context, event, provider.id, undefined, bind);
    const anomalies: OrderAnomaly[] = [];
    for (const effect of result.effects) if (effect.type === 'order.anomaly') anomalies.push(effect.anomaly);
    return {
      ok: true,
      order: result.order,
      event,
      outcome: result.outcome,
      anomalies,
      response: provider.acknowledgeNotification({ accepted: true }),
    };
  } catch (error) {
    await context.emitter.emit(
      'notification.rejected',
      merchant === undefined ? { provider: providerId, error } : { provider: providerId, error, merchant },
    );
    // A refusal keeps the provider's reply; a failure on our side answers 5xx (503 if retryable).
    const response = notificationFailureReply(provider.acknowledgeNotification({ accepted: false, error }), error);
    return { ok: false, error, response };
  }
}
