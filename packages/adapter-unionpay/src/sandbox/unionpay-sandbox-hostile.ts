/**
 * The attacker's side of the UnionPay sandbox, for tests that prove an adapter refuses what it
 * must: a notification with its amount changed under its signature, one signed by an attacker's
 * chain, one with its signature removed, a genuine one for another merchant, and (through the
 * routes) replies altered on their way back.
 *
 * @packageDocumentation
 */
import { decodeUnionpayForm, encodeUnionpayForm } from '@hutong/adapter-unionpay/protocol';
import type { NotificationInput } from '@hutong/core';
import {
  createUnionpaySandboxChain,
  type Fields,
  type UnionpaySandboxChain,
  type UnionpaySandboxState,
} from './unionpay-sandbox-state.js';

/**
 * The hostile messages the sandbox makes for tests of an adapter's defences; each must be refused.
 *
 * @example
 * ```ts
 * await expect(payments.handleNotification('unionpay', sandbox.hostile.foreignNotification(orderId))).resolves
 *   .toMatchObject({ ok: false });
 * ```
 */
export interface UnionpaySandboxHostileHooks {
  /** The genuine notification with its amount (`txnAmt`, `settleAmt`) changed and its signature left as it was. */
  forgeNotification(genuine: NotificationInput): NotificationInput;
  /** A payment notification signed by an attacker's chain (same names, not chained to the configured root). */
  unsignedNotification(orderId: string): NotificationInput;
  /** The genuine notification with its `signature` field removed, every other field as UnionPay sent it. */
  strippedNotification(genuine: NotificationInput): NotificationInput;
  /** A genuine, UnionPay-signed payment notification naming another merchant (`merId`). */
  foreignNotification(orderId: string): NotificationInput;
  /**
   * `undefined`: ACP's signature covers no delivery time (the signed `txnTime` is the
   * transaction's, and UnionPay redelivers for hours), so no notification is stale by its time.
   */
  staleNotification(orderId: string): NotificationInput | undefined;
  /**
   * Alters the next synchronous reply: `'amount'` re-signed with another `txnAmt` (a reply without
   * one is left as it is), `'order'` re-signed about another `orderId`, `'signature'` its signature broken.
   */
  tamperNextReply(kind: 'amount' | 'order' | 'signature'): void;
}

/** Another merchant's id, for {@link UnionpaySandboxHostileHooks.foreignNotification}. */
const FOREIGN_MER_ID = '777290058110099';

/** The same notification body with some fields replaced, the rest (signature included) as they were. */
function withFields(notification: NotificationInput, fields: Fields): NotificationInput {
  const decoded = decodeUnionpayForm(String(notification.body));
  return { ...notification, body: encodeUnionpayForm({ ...decoded, ...fields }) };
}

/**
 * The hostile hooks of one sandbox; `tamperNextReply` is left to the routes' reply hooks.
 *
 * @example
 * ```ts
 * const hostile = createUnionpaySandboxHostileHooks(state, (kind) => tampers.push(kind));
 * ```
 */
export function createUnionpaySandboxHostileHooks(
  state: UnionpaySandboxState,
  tamperNextReply: (kind: 'amount' | 'order' | 'signature') => void,
): UnionpaySandboxHostileHooks {
  let attacker: UnionpaySandboxChain | undefined;
  return {
    forgeNotification(genuine) {
      const fields = decodeUnionpayForm(String(genuine.body));
      const amount = String(Number(fields.txnAmt ?? '0') + 1);
      return withFields(genuine, { txnAmt: amount, settleAmt: amount });
    },
    strippedNotification(genuine) {
      const { signature: _signature, ...fields } = decodeUnionpayForm(String(genuine.body));
      return { ...genuine, body: encodeUnionpayForm(fields) };
    },
    unsignedNotification(orderId) {
      // Generated on first use: three RSA keys no other test needs.
      attacker ??= createUnionpaySandboxChain(state.now(), 'hutong sandbox attacker');
      const t = state.requireTransaction(orderId);
      return state.notification(t, '00', {}, t.backUrl, attacker.signer);
    },
    foreignNotification(orderId) {
      const t = state.requireTransaction(orderId);
      return state.notification(t, '00', { fields: { merId: FOREIGN_MER_ID } });
    },
    staleNotification: () => undefined,
    tamperNextReply,
  };
}
