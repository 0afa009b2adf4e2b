/**
 * Sending a recorded split to the wallet, and a split return: by `payments.split` and
 * `payments.returnSplit` right after recording them, and by the reconciler again (same ids) when
 * the wallet never received them.
 *
 * @packageDocumentation
 */

import { type HutongError, ProviderApiError, UnexpectedResponseError } from '../errors.js';
import type { Split, SplitReturn, SplitReturnStatusEvent, SplitStatusEvent } from '../money-movement.js';
import type { Order } from '../order.js';
import { splitReturnMismatch, splitStatusMismatch } from '../split-binding.js';
import { applyEvent } from './apply-event.js';
import { splitMerchant } from './movement-merchant.js';
import type { PaymentsContext } from './payments-context.js';
import type { AnyProvider } from './payments-types.js';
import { callProvider, isDefinitiveRefusal } from './provider-call.js';

/**
 * Checks that a wallet's report answers this split (its id, its receivers and amounts); throws
 * `UnexpectedResponseError` (`mismatch`) otherwise: the outcome stays unknown, nothing is applied.
 */
export function bindSplitReply(provider: AnyProvider, order: Order, split: Split, event: SplitStatusEvent): void {
  const mismatch =
    event.orderId === order.id
      ? splitStatusMismatch(split, event)
      : { field: 'event.orderId', message: `is not order ${order.id}` };
  if (mismatch) throw new UnexpectedResponseError(provider.id, 'mismatch', mismatch.message, { field: mismatch.field });
}

/** As {@link bindSplitReply}, for a split return. */
export function bindReturnReply(
  provider: AnyProvider,
  order: Order,
  split: Split,
  event: SplitReturnStatusEvent,
): void {
  const mismatch =
    event.orderId === order.id
      ? splitReturnMismatch(split, event)
      : { field: 'event.orderId', message: `is not order ${order.id}` };
  if (mismatch) throw new UnexpectedResponseError(provider.id, 'mismatch', mismatch.message, { field: mismatch.field });
}

/** The reason a refusal records: the wallet's own code, or the error's. */
export function refusalReason(error: HutongError): string {
  return ProviderApiError.isInstance(error) ? error.providerCode : error.code;
}

/** The facade's own report that the wallet refused a split: every receiver failed, with the refusal's code. */
function refusedSplit(order: Order, split: Split, reason: string): SplitStatusEvent {
  return {
    type: 'split.status',
    orderId: order.id,
    splitId: split.id,
    status: 'failed',
    receivers: split.receivers.map((r) => ({
      account: r.account,
      amount: r.amount,
      status: 'failed',
      failReason: reason,
    })),
  };
}

/**
 * Sends the split `split` of `order` and applies the wallet's answer. A refusal the wallet stated
 * marks the split failed (and is thrown); any other failure leaves it pending (and is thrown).
 */
export async function sendSplit(
  context: PaymentsContext,
  provider: AnyProvider,
  order: Order,
  split: Split,
  names?: Readonly<Record<string, string>>,
): Promise<Order> {
  const send = provider.split as NonNullable<AnyProvider['split']>;
  const merchant = await splitMerchant(context, provider, order.merchant);
  const notifyUrl = movementNotifyUrlFor(context, provider.id, undefined);
  let status: SplitStatusEvent;
  try {
    status = await callProvider(provider, () =>
      send.call(provider, { orderId: order.id, order, split, ...(names ? { names } : {}), notifyUrl, ...merchant }),
    );
  } catch (error) {
    if (isDefinitiveRefusal(error as HutongError)) {
      await applyEvent(context, refusedSplit(order, split, refusalReason(error as HutongError)), provider.id);
    }
    throw error;
  }
  bindSplitReply(provider, order, split, status);
  return (await applyEvent(context, status, provider.id)).order;
}

/**
 * Sends the return `splitReturn` of `split` and applies the wallet's answer; a stated refusal
 * marks the return failed (and is thrown), any other failure leaves it pending (and is thrown).
 */
export async function sendSplitReturn(
  context: PaymentsContext,
  provider: AnyProvider,
  order: Order,
  split: Split,
  splitReturn: SplitReturn,
): Promise<Order> {
  const send = provider.returnSplit as NonNullable<AnyProvider['returnSplit']>;
  const merchant = await splitMerchant(context, provider, order.merchant);
  let status: SplitReturnStatusEvent;
  try {
    status = await callProvider(provider, () =>
      send.call(provider, {
        orderId: order.id,
        order,
        split,
        ...merchant,
        returnId: splitReturn.id,
        account: splitReturn.account,
        amount: splitReturn.amount,
        description: splitReturn.description ?? `return ${splitReturn.id}`,
      }),
    );
  } catch (error) {
    if (isDefinitiveRefusal(error as HutongError)) {
      await applyEvent(
        context,
        {
          type: 'split.return.status',
          orderId: order.id,
          splitId: split.id,
          returnId: splitReturn.id,
          amount: splitReturn.amount,
          status: 'failed',
          failReason: refusalReason(error as HutongError),
        },
        provider.id,
      );
    }
    throw error;
  }
  bindReturnReply(provider, order, split, status);
  return (await applyEvent(context, status, provider.id)).order;
}

/** The notification URL of a split or transfer: the one given for it, or the facade's `movementNotifyUrl`. */
export function movementNotifyUrlFor(
  context: PaymentsContext,
  provider: string,
  explicit: string | undefined,
): string | null {
  if (explicit) return explicit;
  const configured = context.movementNotifyUrl;
  if (typeof configured === 'function') return configured(provider);
  return configured ?? null;
}
