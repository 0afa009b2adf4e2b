/**
 * `payments.handleMovementNotification`: verifies a wallet's notification about a split, a split
 * return or a transfer, finds the order of a split report that names none (by its split id and
 * trade, through `store.findOrdersBySplit`), binds it to the record it is about (its order or
 * transfer, trade, split, receivers, return and amounts: a mismatch is refused and changes nothing), applies it atomically and returns
 * the exact reply the wallet expects, as `handleNotification` does for payments. Never throws.
 *
 * @packageDocumentation
 */
import { UnsupportedOperationError, ValidationError } from '../errors.js';
import type { MoneyMovementEvent } from '../money-movement.js';
import { redactTransfer } from '../transfer-state-machine.js';
import { type NotificationInput, toNotificationRequest } from '../webhook-request.js';
import { applyEvent } from './apply-event.js';
import { bindMovementAccount } from './movement-merchant.js';
import { withSplitOrder } from './movement-split-order.js';
import type { AcceptedMovementNotification, HandleMovementNotificationResult } from './movement-types.js';
import { notificationFailureReply } from './notification-failure-reply.js';
import type { PaymentsContext } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { applyTransferEvent } from './transfer-apply.js';

async function apply(
  context: PaymentsContext,
  provider: AnyProvider,
  event: MoneyMovementEvent,
): Promise<Omit<AcceptedMovementNotification, 'ok' | 'response' | 'event'>> {
  switch (event.type) {
    case 'split.status':
    case 'split.return.status': {
      const result = await applyEvent(context, event, provider.id);
      return { order: result.order, outcome: result.outcome };
    }
    case 'transfer.status': {
      const result = await applyTransferEvent(context, event, provider.id);
      return { transfer: redactTransfer(result.transfer), outcome: result.outcome };
    }
    default:
      throw new ValidationError('event.type', 'is not a split, split return or transfer event');
  }
}

/** Verifies, applies and answers one movement notification for the provider `providerId`. */
export async function handleMovementNotification(
  context: PaymentsContext,
  providerId: string,
  input: NotificationInput,
): Promise<HandleMovementNotificationResult> {
  const provider = context.providers.get(providerId);
  if (!provider) {
    const error = new ValidationError('provider', `${JSON.stringify(providerId)} is not a configured provider`);
    await context.emitter.emit('notification.rejected', { provider: providerId, error });
    return { ok: false, error, response: { status: 404, headers: {}, body: '' } };
  }
  try {
    if (typeof provider.verifyMovementNotification !== 'function') {
      throw new UnsupportedOperationError(provider.id, 'split or transfer notifications');
    }
    const request = toNotificationRequest(input);
    const verified = await provider.verifyMovementNotification(request);
    // A split report naming no order (WeChat Pay's, Alipay's) is found by its split and trade.
    const event = await withSplitOrder(context, provider, verified.event);
    await bindMovementAccount(context, provider, event, verified.account);
    const applied = await apply(context, provider, event);
    return { ok: true, event, ...applied, response: provider.acknowledgeNotification({ accepted: true }) };
  } catch (error) {
    await context.emitter.emit('notification.rejected', { provider: providerId, error });
    const response = notificationFailureReply(provider.acknowledgeNotification({ accepted: false, error }), error);
    return { ok: false, error, response };
  }
}
