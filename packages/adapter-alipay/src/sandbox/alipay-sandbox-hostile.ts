/**
 * The attacker's side of the Alipay sandbox, for tests that prove an adapter refuses what it must:
 * a notification with its amount changed after signing, one signed with a key that is not
 * Alipay's, one with its signature removed, a genuine one for another app, and replies altered on
 * their way back.
 *
 * Alipay's notifications carry no freshness window: `notify_time` is signed, but Alipay documents
 * no tolerance and redelivers the same trade over about 25 hours, so a replay is answered by the
 * order's idempotent state machine, not by a clock. `staleNotification` is therefore `undefined`.
 *
 * @packageDocumentation
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeAlipayForm } from '@hutong/adapter-alipay/protocol';
import { formatYuan, type NotificationInput, parseYuan } from '@hutong/core';
import type { SandboxHostileHooks } from '@hutong/core/testing';
import { signedNotification } from './alipay-sandbox-messages.js';
import type { AlipayReplyTamper, AlipaySandboxState } from './alipay-sandbox-state.js';

/**
 * The hostile hooks of the Alipay sandbox: core's `SandboxHostileHooks`, as Alipay's protocol
 * makes them.
 *
 * @example
 * ```ts
 * const forged = sandbox.hostile.forgeNotification(sandbox.pay(orderId));
 * await payments.handleNotification('alipay', forged); // refused: bad signature
 * ```
 */
export interface AlipaySandboxHostileHooks extends SandboxHostileHooks {
  /**
   * The same notification with its `total_amount` (and the amounts that go with it) one fen
   * higher, the signature left as it was.
   */
  forgeNotification(genuine: NotificationInput): NotificationInput;
  /** A payment notification of the order signed with an attacker's key, not Alipay's. */
  unsignedNotification(orderId: string): NotificationInput;
  /** The genuine notification with its `sign` field removed, every other field as Alipay sent it. */
  strippedNotification(genuine: NotificationInput): NotificationInput;
  /**
   * A genuine, Alipay-signed payment notification of the order naming another app (`app_id`); for
   * a merchant's trade (service-provider mode), one of this app naming another merchant
   * (`auth_app_id`).
   */
  foreignNotification(orderId: string): NotificationInput;
  /** `undefined`: Alipay's notifications carry no freshness window (see the module's notes). */
  staleNotification(orderId: string): NotificationInput | undefined;
  /**
   * Alters the next reply the gateway serves: `'amount'` a genuine re-signed reply with another
   * amount (the next reply that carries one), `'order'` a genuine re-signed reply about another
   * `out_trade_no` (the next reply that names an order), `'signature'` the next reply with its
   * signature broken.
   */
  tamperNextReply(kind: AlipayReplyTamper): void;
}

/** The fields of a notification that state what was paid, changed together by a forgery. */
const AMOUNT_FIELDS = ['total_amount', 'receipt_amount', 'buyer_pay_amount', 'invoice_amount'] as const;

/** The paid state a notification of the order reports, whatever the trade's state. */
function paidFields(state: AlipaySandboxState, orderId: string) {
  const trade = state.requireTrade(orderId);
  return { trade: { ...trade, status: 'TRADE_SUCCESS' as const, paidAt: trade.paidAt ?? state.now() } };
}

/**
 * Creates the hostile hooks of one sandbox.
 *
 * @example
 * ```ts
 * const hostile = createAlipaySandboxHostileHooks(state);
 * ```
 */
export function createAlipaySandboxHostileHooks(state: AlipaySandboxState): AlipaySandboxHostileHooks {
  // One attacker per sandbox: a well-formed RSA2 key that is not Alipay's.
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return {
    forgeNotification(genuine) {
      const body = typeof genuine.body === 'string' ? genuine.body : new TextDecoder().decode(genuine.body);
      const params = decodeAlipayForm(body);
      const paid = formatYuan(parseYuan(params.total_amount ?? '0', 'total_amount') + 1);
      for (const field of AMOUNT_FIELDS) if (params[field] !== undefined) params[field] = paid;
      // Posted where the genuine one would go.
      const notifyUrl = state.trades.get(params.out_trade_no ?? '')?.notifyUrl;
      return state.outbox.addressed({ ...genuine, body: new URLSearchParams(params).toString() }, notifyUrl);
    },
    strippedNotification(genuine) {
      const body = typeof genuine.body === 'string' ? genuine.body : new TextDecoder().decode(genuine.body);
      const { sign: _sign, ...params } = decodeAlipayForm(body);
      const notifyUrl = state.trades.get(params.out_trade_no ?? '')?.notifyUrl;
      return state.outbox.addressed({ ...genuine, body: new URLSearchParams(params).toString() }, notifyUrl);
    },
    unsignedNotification(orderId) {
      const { trade } = paidFields(state, orderId);
      return signedNotification(state, trade, {}, { key: attacker, appId: state.appId });
    },
    foreignNotification(orderId) {
      const { trade } = paidFields(state, orderId);
      if (trade.owner !== undefined) {
        // A merchant's trade: a genuine notification of this app naming another merchant that
        // authorised it (service-provider mode), which the merchant binding must refuse.
        const other = state.addMerchant('另一商户');
        return signedNotification(state, { ...trade, owner: other.authAppId });
      }
      // Another app of another merchant: its own app id and seller, Alipay's genuine signature.
      return signedNotification(
        state,
        trade,
        { seller_id: '2088009999999999' },
        { key: state.privateKey, appId: '2021009999999999' },
      );
    },
    staleNotification: () => undefined,
    tamperNextReply(kind) {
      state.tampers.push(kind);
    },
  };
}
