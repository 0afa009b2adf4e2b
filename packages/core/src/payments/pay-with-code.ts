/**
 * `payments.payWithCode`: a payment code scanned at the till, routed to the provider of its wallet
 * (互认互扫), waited on while the buyer confirms, cancelled if never confirmed.
 *
 * @packageDocumentation
 */
import { NetworkError, UnexpectedResponseError, ValidationError } from '../errors.js';
import type { PosAction } from '../next-action.js';
import { classifyPaymentCode, PAYMENT_CODE_RULES } from '../payment-code.js';
import { parseWithSchema } from '../validation.js';
import { closeOrder } from './close-order.js';
import { createPayment, posAction } from './create-payment.js';
import { getOrder, type PaymentsContext, providerById } from './payments-context.js';
import { authCodeSchema } from './payments-schemas.js';
import type { AnyProvider, CreatePaymentOutput, PayWithCodeInput } from './payments-types.js';
import { syncOrder } from './sync-order.js';

/**
 * The provider that takes `pos` payments of the code's wallet: the one named, or the first (for a
 * merchant, the first that can act for sub-merchants).
 */
function providerForCode(context: PaymentsContext, input: PayWithCodeInput, authCode: string): AnyProvider {
  const wallet = classifyPaymentCode(authCode, input.rules ?? PAYMENT_CODE_RULES);
  if (wallet === undefined) throw new ValidationError('authCode', 'is not a payment code of any known wallet');
  let provider: AnyProvider | undefined;
  if (input.provider !== undefined) {
    provider = providerById(context, input.provider);
    if (provider.wallet !== wallet) {
      throw new ValidationError('authCode', `is a ${wallet} code, not one of ${provider.id} (${provider.wallet})`);
    }
  } else {
    const platform = input.merchant !== undefined;
    provider =
      (platform
        ? context.providerList.find(
            (p) => p.wallet === wallet && p.capabilities.methods.includes('pos') && p.capabilities.merchants === true,
          )
        : undefined) ?? context.providerList.find((p) => p.wallet === wallet && p.capabilities.methods.includes('pos'));
  }
  if (!provider?.capabilities.methods.includes('pos')) {
    throw new ValidationError(
      'authCode',
      `is a ${wallet} code, and no configured provider takes ${wallet} pos payments`,
    );
  }
  return provider;
}

/**
 * Takes a payment code of any configured wallet, makes a `pos` payment, and while the buyer
 * confirms in their wallet asks the wallet until the payment settles or `confirmTimeoutMs`
 * passes, then cancels it.
 */
export async function payWithCode(
  context: PaymentsContext,
  input: PayWithCodeInput,
): Promise<CreatePaymentOutput<PosAction>> {
  const authCode = parseWithSchema(authCodeSchema, input?.authCode, 'authCode');
  const provider = providerForCode(context, input, authCode);
  const created = await createPayment(context, {
    provider: provider.id,
    method: 'pos',
    authCode,
    amount: input.amount,
    subject: input.subject,
    ...(input.orderId === undefined ? {} : { orderId: input.orderId }),
    ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
    ...(input.merchant === undefined ? {} : { merchant: input.merchant }),
  });
  let order = created.order;
  const deadline = Date.now() + (input.confirmTimeoutMs ?? 60_000);
  const interval = input.pollIntervalMs ?? 3_000;
  while (order.status === 'pending' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(interval, deadline - Date.now()))));
    try {
      order = await syncOrder(context, order.id);
    } catch (error) {
      // The outcome is unknown for now; ask again until the deadline.
      if (!NetworkError.isInstance(error) && !UnexpectedResponseError.isInstance(error)) throw error;
    }
  }
  if (order.status === 'pending') {
    // The buyer never confirmed: cancel, so the code cannot be charged after the till gave up.
    try {
      order = await closeOrder(context, order.id);
    } catch (error) {
      order = await getOrder(context, order.id);
      if (order.status === 'pending') throw error;
    }
  }
  return { order, action: posAction(order) };
}
