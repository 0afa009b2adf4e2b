/**
 * `payments.resume`: a fresh next action for an order still unpaid, by the wallet's own rule for
 * paying the same order again.
 *
 * @packageDocumentation
 */
import { InvalidTransitionError, UnsupportedOperationError, ValidationError } from '../errors.js';
import type { ResumePaymentRequest } from '../provider-spec.js';
import { parseWithSchema } from '../validation.js';
import { applyEvent } from './apply-event.js';
import { providerDataPatch } from './create-payment.js';
import { assertOrderOf, merchantOf } from './merchant-accounts.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import { resumeInputSchema } from './payments-schemas.js';
import type { AnyProvider, CreatePaymentOutput, ResumeInput } from './payments-types.js';
import { callProvider, requireCapability } from './provider-call.js';

/** Asks the provider again for an unpaid order; never creates a second payable order. */
export async function resumePayment(
  context: PaymentsContext,
  orderId: string,
  input: ResumeInput = {},
): Promise<CreatePaymentOutput> {
  const parsed = parseWithSchema(resumeInputSchema, input, 'input');
  const order = await getOrder(context, orderId);
  assertOrderOf(order, parsed.merchant);
  const provider = providerById(context, order.provider);
  requireCapability(provider, 'resume');
  if (order.status !== 'created' && order.status !== 'pending') {
    throw new InvalidTransitionError(order.id, order.status, 'resume');
  }
  if (order.method === 'pos') throw new UnsupportedOperationError(provider.id, 'resuming a pos payment');
  if (order.expiresAt !== null && Date.parse(order.expiresAt) <= context.now().getTime()) {
    throw new ValidationError('orderId', `order ${order.id} expired at ${order.expiresAt}; create a new order`);
  }
  const request: ResumePaymentRequest = {
    orderId,
    order,
    createdAt: new Date(order.createdAt),
    method: order.method,
    amount: order.amount,
    currency: order.currency,
    subject: order.subject,
    notifyUrl: order.notifyUrl,
    returnUrl: order.returnUrl,
    expiresAt: order.expiresAt === null ? null : new Date(order.expiresAt),
    buyerId: order.buyerId,
    authCode: null,
    clientIp: parsed.clientIp ?? null,
    providerOptions: parsed.providerOptions ?? {},
    ...(await merchantOf(context, provider, order)),
  };
  provider.validatePayment?.(request);
  const resume = provider.resumePayment as NonNullable<AnyProvider['resumePayment']>;
  const created = await callProvider(provider, () => resume.call(provider, request));
  let latest = order;
  const patch = providerDataPatch(order, created);
  if (patch) latest = (await applyEvent(context, { type: 'payment.initiated', orderId }, provider.id, patch)).order;
  if (created.status) latest = (await applyEvent(context, created.status, provider.id)).order;
  return { order: latest, action: created.action };
}
