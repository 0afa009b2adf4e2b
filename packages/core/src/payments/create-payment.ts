/**
 * `payments.createPayment`: records an order, then asks the provider for the buyer's next step.
 *
 * @packageDocumentation
 */
import { type HutongError, UnsupportedOperationError, ValidationError } from '../errors.js';
import { assertMerchantKey } from '../merchant-key.js';
import { assertAmount, CURRENCY } from '../money.js';
import type { PosAction } from '../next-action.js';
import type { Order } from '../order.js';
import { assertPortableId, generateId } from '../order-id.js';
import { outboxEventId } from '../outbox.js';
import type { PaymentMethod } from '../payment-method.js';
import type { CreatePaymentRequest, CreatePaymentResult } from '../provider-spec.js';
import { parseWithSchema } from '../validation.js';
import { applyEvent } from './apply-event.js';
import { merchantAccount } from './merchant-accounts.js';
import { notifyUrlFor, type PaymentsContext, providerById } from './payments-context.js';
import { createInputSchema } from './payments-schemas.js';
import type { CreatePaymentInput, CreatePaymentOutput } from './payments-types.js';
import { callProvider, isDefinitiveRefusal } from './provider-call.js';

const POS_STATUSES: ReadonlySet<string> = new Set(['paid', 'pending', 'failed', 'closed']);

/** The facade's answer for a `pos` payment: the order's status after the wallet's answer. */
export function posAction(order: Order): PosAction {
  const status = POS_STATUSES.has(order.status) ? (order.status as PosAction['status']) : 'paid';
  return { type: 'pos', status };
}

/** What the provider asked to keep for later calls on the payment, merged into the order's. */
export function providerDataPatch(order: Order, created: CreatePaymentResult): Partial<Order> | undefined {
  if (!created.providerData) return undefined;
  return { providerData: { ...order.providerData, ...created.providerData } };
}

/** The order recorded before the provider is asked: `created`, nothing paid. */
function newOrder(
  request: CreatePaymentRequest,
  provider: string,
  metadata: Record<string, string> | undefined,
): Order {
  const at = request.createdAt.toISOString();
  return {
    id: request.orderId,
    provider,
    ...(request.merchant ? { merchant: request.merchant.merchant } : {}),
    method: request.method,
    amount: request.amount,
    currency: CURRENCY,
    subject: request.subject,
    status: 'created',
    paidAmount: 0,
    refundedAmount: 0,
    providerTransactionId: null,
    refunds: [],
    anomalies: [],
    version: 1,
    buyerId: request.buyerId,
    expiresAt: request.expiresAt?.toISOString() ?? null,
    paidAt: null,
    notifyUrl: request.notifyUrl,
    returnUrl: request.returnUrl,
    metadata: { ...metadata },
    providerData: {},
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Records an order and asks the provider for the buyer's next step. What the provider needs for
 * the method is checked first: a caller's mistake stores nothing and fires no event. A refusal
 * the provider stated marks the order failed; any other failure leaves it `created` for the
 * reconciler (see the order lifecycle guide).
 */
export async function createPayment(context: PaymentsContext, input: CreatePaymentInput): Promise<CreatePaymentOutput> {
  const parsed = parseWithSchema(createInputSchema, input, 'input');
  assertAmount(input.amount, 'amount');
  const provider = providerById(context, parsed.provider);
  const method = parsed.method as PaymentMethod;
  if (!provider.capabilities.methods.includes(method))
    throw new UnsupportedOperationError(provider.id, `method ${method}`);
  if (method === 'pos' && !parsed.authCode) throw new ValidationError('authCode', 'is required for pos payments');
  if (parsed.split && !provider.capabilities.split) throw new UnsupportedOperationError(provider.id, 'split payments');
  const orderId = parsed.orderId ?? generateId();
  assertPortableId(orderId, 'orderId');
  // Platform mode: the sub-merchant's account, refused (unknown, disabled, not enabled, a provider
  // without platform mode) before anything is stored.
  const merchant =
    parsed.merchant === undefined
      ? undefined
      : await merchantAccount(context, provider, assertMerchantKey(parsed.merchant, 'merchant'));
  const request: CreatePaymentRequest = {
    orderId,
    createdAt: context.now(),
    method,
    amount: input.amount,
    currency: CURRENCY,
    subject: parsed.subject,
    notifyUrl: notifyUrlFor(context, provider.id, parsed.notifyUrl),
    returnUrl: parsed.returnUrl ?? null,
    expiresAt: parsed.expiresAt ?? null,
    buyerId: parsed.buyerId ?? null,
    authCode: parsed.authCode ?? null,
    clientIp: parsed.clientIp ?? null,
    providerOptions: parsed.providerOptions ?? {},
    ...(merchant ? { merchant } : {}),
    ...(parsed.split ? { split: true } : {}),
  };
  // What the provider needs is checked before anything is stored or any event fires.
  provider.validatePayment?.(request);
  const order = newOrder(request, provider.id, parsed.metadata);
  const eventId = outboxEventId(order.id, order.version, 0);
  if (context.outbox) {
    await context.store.create(order, [
      { id: eventId, type: 'order.created', orderId, payload: { order }, createdAt: order.updatedAt },
    ]);
    context.relay?.wake();
  } else {
    await context.store.create(order);
    await context.emitter.emit('order.created', { order, eventId });
  }
  let created: CreatePaymentResult;
  try {
    created = await callProvider(provider, () => provider.createPayment(request));
  } catch (error) {
    if (isDefinitiveRefusal(error as HutongError)) {
      await applyEvent(context, { type: 'payment.failed', orderId, reason: (error as HutongError).code });
    }
    throw error;
  }
  const patch = providerDataPatch(order, created);
  let result = await applyEvent(context, { type: 'payment.initiated', orderId }, undefined, patch);
  if (created.status) result = await applyEvent(context, created.status, provider.id);
  return { order: result.order, action: method === 'pos' ? posAction(result.order) : created.action };
}
