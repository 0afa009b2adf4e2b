/**
 * The fake gateway's movement notifications: signed like its payment notifications (a timestamp
 * and an HMAC of timestamp and body), verified within the tolerance window, and their event read
 * with every field checked (a wallet's reply schema, in small).
 *
 * @packageDocumentation
 */
import type { NotificationInput, NotificationRequest } from '@hutong/core';
import { generateId, SignatureVerificationError, ValidationError } from '@hutong/core';
import type { MoneyMovementEvent, VerifiedMovementNotification } from '@hutong/core/provider-utils';
import type { FakeMovementContext } from './fake-movement-context.js';
import {
  FAKE_RECEIVER_STATUS_MAP,
  FAKE_RETURN_STATUS_MAP,
  FAKE_SPLIT_STATUS_MAP,
  FAKE_TRANSFER_STATUS_MAP,
} from './fake-movement-statuses.js';
import {
  FAKE_SIGNATURE_HEADER,
  FAKE_TIMESTAMP_HEADER,
  isFakeSignatureValid,
  signFakeMessage,
} from './fake-signature.js';

/**
 * A movement notification's body: its id and the event it reports, signed as a whole.
 *
 * @example
 * ```ts
 * const body: FakeMovementBody = { id: 'evt1', event };
 * ```
 */
export interface FakeMovementBody {
  id: string;
  event: MoneyMovementEvent;
}

const SPLIT_STATUSES: ReadonlySet<unknown> = new Set(Object.values(FAKE_SPLIT_STATUS_MAP));
const RETURN_STATUSES: ReadonlySet<unknown> = new Set(Object.values(FAKE_RETURN_STATUS_MAP));
const TRANSFER_STATUSES: ReadonlySet<unknown> = new Set(Object.values(FAKE_TRANSFER_STATUS_MAP));
const RECEIVER_STATUSES: ReadonlySet<unknown> = new Set(Object.values(FAKE_RECEIVER_STATUS_MAP));

function malformed(field: string): never {
  throw new ValidationError(`notification.event.${field}`, 'is missing or malformed');
}
const text = (value: unknown, field: string): string =>
  typeof value === 'string' && value.length > 0 ? value : malformed(field);
const fen = (value: unknown, field: string): number =>
  Number.isSafeInteger(value) && (value as number) > 0 ? (value as number) : malformed(field);
const oneOf = <T>(value: unknown, allowed: ReadonlySet<unknown>, field: string): T =>
  allowed.has(value) ? (value as T) : malformed(field);

/** The event of a verified body, every field checked (a wallet's reply schema, in small). */
function parseMovementEvent(raw: unknown): MoneyMovementEvent {
  const event = (typeof raw === 'object' && raw !== null ? raw : malformed('type')) as Record<string, unknown>;
  switch (event.type) {
    case 'split.status': {
      const receivers = Array.isArray(event.receivers) ? event.receivers : malformed('receivers');
      return {
        type: 'split.status',
        orderId: text(event.orderId, 'orderId'),
        splitId: text(event.splitId, 'splitId'),
        status: oneOf(event.status, SPLIT_STATUSES, 'status'),
        receivers: receivers.map((r: Record<string, unknown>) => ({
          account: text(r?.account, 'receivers.account'),
          amount: fen(r?.amount, 'receivers.amount'),
          status: oneOf(r?.status, RECEIVER_STATUSES, 'receivers.status'),
        })),
        providerSplitId: text(event.providerSplitId, 'providerSplitId'),
      };
    }
    case 'split.return.status':
      return {
        type: 'split.return.status',
        orderId: text(event.orderId, 'orderId'),
        splitId: text(event.splitId, 'splitId'),
        returnId: text(event.returnId, 'returnId'),
        amount: fen(event.amount, 'amount'),
        status: oneOf(event.status, RETURN_STATUSES, 'status'),
      };
    case 'transfer.status':
      return {
        type: 'transfer.status',
        transferId: text(event.transferId, 'transferId'),
        amount: fen(event.amount, 'amount'),
        status: oneOf(event.status, TRANSFER_STATUSES, 'status'),
        providerTransferId: text(event.providerTransferId, 'providerTransferId'),
        ...(typeof event.confirmation === 'string' ? { confirmation: event.confirmation } : {}),
        ...(typeof event.failReason === 'string' ? { failReason: event.failReason } : {}),
      };
    default:
      return malformed('type');
  }
}

/**
 * `body` signed as the gateway signs a notification, at `timestamp` (default: now).
 *
 * @example
 * ```ts
 * const notification = signedMovementNotification(context, JSON.stringify({ id: 'evt1', event }));
 * ```
 */
export function signedMovementNotification(
  { secret, now }: FakeMovementContext,
  body: string,
  timestamp = Math.floor(now().getTime() / 1000),
): NotificationInput {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [FAKE_TIMESTAMP_HEADER]: String(timestamp),
      [FAKE_SIGNATURE_HEADER]: signFakeMessage(secret, timestamp, body),
    },
    body,
  };
}

/**
 * The signed notification of `event`, under a fresh notification id.
 *
 * @example
 * ```ts
 * const notification = notifyMovement(context, splitEvent(split));
 * ```
 */
export function notifyMovement(context: FakeMovementContext, event: MoneyMovementEvent): NotificationInput {
  return signedMovementNotification(context, JSON.stringify({ id: `evt${generateId()}`, event }));
}

function verifySignature({ id, secret, now, tolerance }: FakeMovementContext, request: NotificationRequest): void {
  const timestampText = request.headers[FAKE_TIMESTAMP_HEADER];
  const signature = request.headers[FAKE_SIGNATURE_HEADER];
  if (!timestampText || !signature) {
    throw new SignatureVerificationError(id, 'missing_signature', 'signature headers are missing');
  }
  const timestamp = Number(timestampText);
  if (!Number.isSafeInteger(timestamp)) {
    throw new SignatureVerificationError(id, 'malformed', 'timestamp is not a number');
  }
  if (Math.abs(now().getTime() / 1000 - timestamp) >= tolerance) {
    throw new SignatureVerificationError(
      id,
      'expired_timestamp',
      `timestamp is outside the ${tolerance}-second window`,
    );
  }
  if (!isFakeSignatureValid(secret, timestamp, request.body, signature)) {
    throw new SignatureVerificationError(id, 'bad_signature', 'signature does not match the body');
  }
}

/** The event a verified notification reports. */
function movementEvent(body: string): { event: MoneyMovementEvent; notificationId: string } {
  let parsed: FakeMovementBody;
  try {
    parsed = JSON.parse(body) as FakeMovementBody;
  } catch (cause) {
    throw new ValidationError('notification.body', 'is not JSON', { cause });
  }
  return { event: parseMovementEvent(parsed?.event), notificationId: text(parsed?.id, 'id') };
}

/**
 * Verifies a movement notification's signature and reads the event it reports.
 *
 * @example
 * ```ts
 * const { event, notificationId } = await verifyFakeMovementNotification(context, request);
 * ```
 */
export async function verifyFakeMovementNotification(
  context: FakeMovementContext,
  request: NotificationRequest,
): Promise<VerifiedMovementNotification> {
  verifySignature(context, request);
  return movementEvent(request.body);
}
