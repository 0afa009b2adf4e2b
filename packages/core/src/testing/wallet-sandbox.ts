/**
 * The one vocabulary every wallet sandbox speaks (`@hutong/adapter-alipay/sandbox`,
 * `@hutong/adapter-wechatpay/sandbox`, `@hutong/adapter-unionpay/sandbox`), so a test, a demo or
 * the `hutong-sandbox` CLI drives any of them the same way.
 *
 * @packageDocumentation
 */
import { type NextAction, type NotificationInput, type PosAction, ValidationError } from '@hutong/core';
import { deliverNotification } from './deliver.js';

/** A sandbox served over HTTP by {@link WalletSandbox.listen}. */
export interface WalletSandboxServer {
  /** The server's base URL (`http://127.0.0.1:<port>/...`): pass it as the adapter's `endpoint`. */
  readonly baseUrl: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Options of {@link WalletSandbox.pay}. */
export interface SandboxPayOptions {
  /** Notify this amount (in fen) instead of the trade's: a wallet reporting another amount. */
  amount?: number | undefined;
  /** Notify a payment in this currency (ISO 4217, `USD`) instead of CNY. */
  currency?: string | undefined;
}

/** Options of {@link WalletSandbox.settleRefund}. */
export interface SandboxSettleRefundOptions {
  /** Settle the refund as failed (WeChat Pay `ABNORMAL`, UnionPay a failure `respCode`). */
  fail?: boolean | undefined;
}

/** What {@link SandboxHostileHooks.tamperNextReply} alters in the next reply the sandbox serves. */
export type SandboxReplyTampering = 'amount' | 'order' | 'signature';

/**
 * An attacker's and a faulty network's tools, so the conformance suite can check that an adapter
 * refuses what it must: every notification and reply is verified and bound to what it answers.
 * Every wallet sandbox implements them (`sandbox.hostile`).
 *
 * @example
 * ```ts
 * async function refusesForgery(sandbox: WalletSandbox, payments: Payments, provider: string, orderId: string) {
 *   const forged = sandbox.hostile.forgeNotification(sandbox.pay(orderId, { amount: 1 }));
 *   const result = await payments.handleNotification(provider, forged);
 *   return result.ok === false; // the signature no longer holds
 * }
 * ```
 */
export interface SandboxHostileHooks {
  /**
   * The same notification with its amount field changed (to another positive amount) and its
   * signature left as it was. An adapter must refuse it: the signature does not verify.
   */
  forgeNotification(genuine: NotificationInput): NotificationInput;
  /**
   * A payment notification for `orderId`, well formed and signed with a key that is not the
   * wallet's (an attacker's). An adapter must refuse it.
   */
  unsignedNotification(orderId: string): NotificationInput;
  /**
   * The same notification with its signature removed (the signature field or header absent, all
   * else as the wallet sent it). An adapter must refuse it: a notification without a signature is
   * never taken as unsigned-but-fine. Optional for sandboxes written before it; the conformance
   * suite checks it wherever a sandbox offers it, and every hutong sandbox does.
   */
  strippedNotification?(genuine: NotificationInput): NotificationInput;
  /**
   * A genuine, wallet-signed payment notification for `orderId` that names another merchant
   * (another app id, mchid or merId). An adapter must refuse it.
   */
  foreignNotification(orderId: string): NotificationInput;
  /**
   * A genuine payment notification for `orderId` whose signed timestamp is outside the wallet's
   * window (WeChat Pay: 300 s), or `undefined` where the wallet's signature carries no time.
   * An adapter must refuse it.
   */
  staleNotification(orderId: string): NotificationInput | undefined;
  /**
   * Alters the next reply the sandbox serves (once): `'amount'` a genuine, re-signed reply with
   * another amount; `'order'` a genuine, re-signed reply about another order id; `'signature'` the
   * reply with its signature broken. An adapter must refuse each (a reply is verified and bound to
   * the request it answers).
   */
  tamperNextReply(kind: SandboxReplyTampering): void;
}

/**
 * A local, protocol-faithful fake of one wallet: the server the adapter talks to (in process through
 * {@link WalletSandbox.fetch}, or over HTTP through {@link WalletSandbox.listen}) and the buyer's
 * side (opening a next action, paying), producing the signed notifications the wallet would post.
 * Every sandbox declares `satisfies WalletSandbox`, so the three cannot drift apart; each keeps its
 * wallet's extras (WeChat Pay's `probe` and `rotateCertificate`, UnionPay's `frontReturn`, ...).
 *
 * Errors are hutong errors: an unknown order is an `OrderNotFoundError`, a refused request a
 * `ProviderApiError` or `SignatureVerificationError`, a misuse a `ValidationError`.
 *
 * @typeParam Trade - The sandbox's own record of a trade, returned by {@link WalletSandbox.trade}.
 *
 * @example
 * ```ts
 * async function payAndNotify(sandbox: WalletSandbox, payments: Payments, input: CreatePaymentInput) {
 *   const { order, action } = await payments.createPayment(input);
 *   sandbox.open(action); // the buyer opens the QR, form, redirect or app payload
 *   const reply = await sandbox.deliver(sandbox.pay(order.id)); // posted to the order's notify URL
 *   return reply.status;
 * }
 * ```
 */
export interface WalletSandbox<Trade = unknown> {
  /** The wallet: `alipay`, `wechatpay` or `unionpay`. */
  readonly wallet: string;
  /** The in-process base URL (never resolved): pass it as the adapter's `endpoint`, with `fetch`. */
  readonly baseUrl: string;
  /** An in-process `fetch` that answers as the wallet's server: pass it as the adapter's `fetch`. */
  readonly fetch: typeof globalThis.fetch;
  /** Serves the sandbox over HTTP on 127.0.0.1 (`port` 0, the default, picks a free one). */
  listen(port?: number): Promise<WalletSandboxServer>;
  /**
   * The buyer opens a next action in the sandbox's cashier: a form is submitted, a redirect
   * followed, a QR code scanned, a JSAPI or app payload checked (signature included). The trade
   * is then known to the sandbox, ready for {@link pay}. A refused action throws.
   */
  open(action: NextAction | PosAction): void;
  /** The buyer pays; returns the signed notification the wallet sends. */
  pay(orderId: string, options?: SandboxPayOptions): NotificationInput;
  /**
   * The trade times out unpaid; returns the signed notification, or `undefined` when the wallet
   * sends none (WeChat Pay, UnionPay).
   */
  expire(orderId: string): NotificationInput | undefined;
  /**
   * The payment fails at the wallet (WeChat Pay `PAYERROR`, UnionPay a failure `origRespCode`,
   * Alipay: the trade closes, `TRADE_CLOSED`); later queries show it. Returns the signed
   * notification when the wallet sends one, else `undefined`.
   */
  fail(orderId: string): NotificationInput | undefined;
  /**
   * The wallet closes the unpaid trade (as its close API or its own timeout would); later queries
   * show it closed. Returns the signed notification when the wallet sends one, else `undefined`.
   */
  close(orderId: string): NotificationInput | undefined;
  /**
   * The wallet settles refund `refundId` of order `orderId`; returns the signed refund notification.
   * With `{ fail: true }` the refund fails, and later queries show it failed.
   */
  settleRefund(orderId: string, refundId: string, options?: SandboxSettleRefundOptions): NotificationInput;
  /**
   * POSTs a notification, as the wallet does, to `url`: by default the notify URL of the trade
   * (or refund) the sandbox made it for.
   */
  deliver(notification: NotificationInput, url?: string): Promise<Response>;
  /** The sandbox's record of a trade, for inspection. */
  trade(orderId: string): Trade | undefined;
  /** Forged, foreign, stale and tampered messages, to check that the adapter refuses them. */
  readonly hostile: SandboxHostileHooks;
}

/**
 * Remembers where each notification a sandbox made should go, so `deliver(notification)` posts it
 * to its trade's notify URL. Shared by the three sandboxes.
 *
 * @example
 * ```ts
 * const outbox = createSandboxOutbox('alipay');
 * const notification = outbox.addressed(sign(trade), trade.notifyUrl);
 * await outbox.deliver(notification);
 * ```
 */
export function createSandboxOutbox(wallet: string): {
  /** Records `url` as the destination of `notification` and returns the notification. */
  addressed(notification: NotificationInput, url: string | undefined): NotificationInput;
  /** Posts `notification` to `url`, or to its recorded destination. */
  deliver(notification: NotificationInput, url?: string): Promise<Response>;
} {
  const destinations = new WeakMap<NotificationInput, string>();
  return {
    addressed(notification, url) {
      if (url !== undefined) destinations.set(notification, url);
      return notification;
    },
    deliver(notification, url) {
      const target = url ?? destinations.get(notification);
      if (target === undefined) {
        throw new ValidationError(
          'url',
          `the ${wallet} sandbox knows no notify URL for this notification: pass one to deliver()`,
        );
      }
      return deliverNotification(notification, target);
    },
  };
}
