/**
 * Applying a wallet's report to a stored transfer: the transfer state machine's transition,
 * written with compare-and-set, its events written to the outbox with it or emitted inline.
 *
 * @packageDocumentation
 */
import { ConflictError, MovementNotFoundError, UnsupportedOperationError } from '../errors.js';
import type { Transfer, TransferStatusEvent } from '../money-movement.js';
import { transferOutboxKey } from '../movement-events.js';
import type { TransferStore } from '../order-store.js';
import type { OutboxEvent } from '../outbox.js';
import {
  redactTransfer,
  type TransferEffect,
  type TransferTransitionResult,
  transitionTransfer,
} from '../transfer-state-machine.js';
import type { PaymentsContext } from './payments-context.js';

/** The store's transfers; `UnsupportedOperationError` (`store` does not support `transfers`) without them. */
export function transfersOf(context: PaymentsContext): TransferStore {
  const transfers = context.store.transfers;
  if (!transfers) throw new UnsupportedOperationError('store', 'transfers (it has no store.transfers)');
  return transfers;
}

/** The stored transfer; `MovementNotFoundError` (`transfer_not_found`) when there is none. */
export async function getTransfer(context: PaymentsContext, transferId: string): Promise<Transfer> {
  const transfer = await transfersOf(context).get(transferId);
  if (!transfer) throw new MovementNotFoundError('transfer', transferId);
  return transfer;
}

/** The id of the `index`-th event of the change that produced `version` of a transfer. */
export function transferEventId(transferId: string, version: number, index: number): string {
  return `${transferOutboxKey(transferId)}:${version}:${index}`;
}

/** The outbox events of one change of a transfer, the payee's name left out. */
export function transferOutboxEvents(
  transfer: Transfer,
  effects: readonly TransferEffect[],
): OutboxEvent[] | undefined {
  if (effects.length === 0) return undefined;
  const shown = redactTransfer(transfer);
  return effects.map((effect, index) => ({
    id: transferEventId(transfer.id, transfer.version, index),
    type: effect.type,
    orderId: transferOutboxKey(transfer.id),
    payload: { transfer: shown },
    createdAt: transfer.updatedAt,
  }));
}

async function emitTransferEffects(
  context: PaymentsContext,
  transfer: Transfer,
  effects: readonly TransferEffect[],
): Promise<void> {
  const shown = redactTransfer(transfer);
  for (let index = 0; index < effects.length; index++) {
    const effect = effects[index] as TransferEffect;
    if (!context.emitter.has(effect.type)) continue;
    await context.emitter.emit(effect.type, {
      transfer: shown,
      eventId: transferEventId(transfer.id, transfer.version, index),
    });
  }
}

/**
 * Applies a report to the stored transfer with compare-and-set, re-reading and re-applying when
 * another writer won. `expectedProvider` binds a provider's report to that provider's transfers.
 */
export async function applyTransferEvent(
  context: PaymentsContext,
  event: TransferStatusEvent,
  expectedProvider?: string,
): Promise<TransferTransitionResult> {
  const store = transfersOf(context);
  for (let attempt = 0; attempt <= context.maxRetries; attempt++) {
    const current = await store.get(event.transferId);
    if (!current) throw new MovementNotFoundError('transfer', event.transferId);
    if (expectedProvider !== undefined && current.provider !== expectedProvider) {
      throw new MovementNotFoundError('transfer', event.transferId);
    }
    const result = transitionTransfer(current, event, context.now());
    if (result.outcome !== 'applied') return result;
    const events = context.outbox ? transferOutboxEvents(result.transfer, result.effects) : undefined;
    if (await store.update(result.transfer, current.version, events)) {
      if (context.outbox) {
        if (events) context.relay?.wake();
      } else await emitTransferEffects(context, result.transfer, result.effects);
      return result;
    }
  }
  throw new ConflictError(
    'version_conflict',
    event.transferId,
    `transfer ${event.transferId} kept changing; ${event.type} was not applied after ${context.maxRetries + 1} attempts`,
  );
}
