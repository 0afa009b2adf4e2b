/**
 * `trigger`: makes a wallet send a signed notification to a URL, creating what it needs first (a
 * trade paid by the sandbox's buyer, a refund), as Stripe's `stripe trigger` does.
 *
 * @packageDocumentation
 */
import { type NotificationInput, ValidationError } from '@hutong/core';
import type { WalletSandbox } from '@hutong/core/testing';
import type { SandboxKit, Wallet } from './sandbox-kit.js';

/** What to trigger: a `payment`, a `refund`, or the last `notification` again. */
export type TriggerEvent = 'payment' | 'refund' | 'notification';

/** A trigger request (the CLI's flags). */
export interface TriggerRequest {
  event: TriggerEvent;
  wallet: Wallet;
  /** The order (out_trade_no). When the sandbox has no such trade, the kit creates it. Default: a new id. */
  orderId?: string | undefined;
  /** Where to post the notification. Default: the trade's (or refund's) notify URL. */
  to?: string | undefined;
  /** Amount in fen of a trade the kit creates, or of its refund. Default 100, and the paid amount. */
  amount?: number | undefined;
  /** `refund`: the refund to settle; the kit creates one when absent. */
  refundId?: string | undefined;
}

/** What a trigger delivered, and the merchant's answer. */
export interface TriggerResult {
  orderId: string;
  refundId?: string | undefined;
  url: string;
  status: number;
  body: string;
}

/**
 * Runs a trigger against the kit's sandboxes. The kit's own facade also records what happened, so
 * a later `refund` finds the payment.
 *
 * @example
 * ```ts
 * const trigger = createTrigger(createSandboxKit());
 * const result = await trigger({ event: 'payment', wallet: 'alipay', to: 'http://127.0.0.1:3000/hook' });
 * result.status; // the merchant's HTTP status
 * ```
 */
export function createTrigger(kit: SandboxKit): (request: TriggerRequest) => Promise<TriggerResult> {
  const last = new Map<string, { notification: NotificationInput; refundId?: string | undefined }>();

  async function ensurePaid(request: TriggerRequest, sandbox: WalletSandbox): Promise<string> {
    const orderId = request.orderId ?? `sbx${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    if (!sandbox.trade(orderId)) {
      if (request.orderId !== undefined && (request.amount === undefined || !request.to)) {
        // An order of the merchant's app that never reached this sandbox: a made-up amount would
        // only earn an amount_mismatch there, and without --to there is nowhere to post.
        throw new ValidationError(
          'order',
          `names a trade the ${request.wallet} sandbox has not seen: the sandbox has no trade ${orderId}. Create the payment in your app with this sandbox's base URL as the adapter's endpoint, then trigger again; a page payment (Alipay's or UnionPay's web or h5) reaches the sandbox only when the buyer's browser opens the wallet's page, so open it first. Or pass --amount <fen> and --to <notify URL> to have hutong-sandbox create the trade`,
        );
      }
      if (!request.to) {
        throw new ValidationError('to', 'is needed to create a trade: the URL to post the notification to');
      }
      const { action } = await kit.payments.createPayment({
        provider: request.wallet,
        method: 'qr',
        orderId,
        amount: request.amount ?? 100,
        subject: 'hutong-sandbox trigger',
        notifyUrl: request.to,
      });
      sandbox.open(action); // the buyer scans the code
    }
    const paid = sandbox.pay(orderId);
    await known(request.wallet, orderId, paid);
    if (request.event === 'payment') last.set(`${request.wallet}:${orderId}`, { notification: paid });
    return orderId;
  }

  /** Lets the kit's facade see a notification for an order it created (so it can refund it later). */
  async function known(wallet: Wallet, orderId: string, notification: NotificationInput): Promise<void> {
    if (await kit.payments.getOrder(orderId).catch(() => undefined))
      await kit.payments.handleNotification(wallet, notification);
  }

  return async (request) => {
    const sandbox: WalletSandbox = kit.sandboxes[request.wallet];
    let orderId: string;
    let refundId: string | undefined;
    let notification: NotificationInput;
    if (request.event === 'notification') {
      if (!request.orderId) throw new ValidationError('order', 'names the order whose last notification to send again');
      const previous = last.get(`${request.wallet}:${request.orderId}`);
      if (!previous) {
        throw new ValidationError(
          'order',
          `has no notification from hutong-sandbox to send again: trigger payment or refund for ${request.orderId} first`,
        );
      }
      orderId = request.orderId;
      refundId = previous.refundId;
      notification = previous.notification;
    } else if (request.event === 'payment') {
      orderId = await ensurePaid(request, sandbox);
      notification = last.get(`${request.wallet}:${orderId}`)?.notification as NotificationInput;
    } else {
      orderId =
        request.orderId && sandbox.trade(request.orderId) ? request.orderId : await ensurePaid(request, sandbox);
      refundId = request.refundId;
      if (refundId === undefined) {
        const order = await kit.payments.getOrder(orderId).catch(() => {
          throw new ValidationError(
            'refund',
            `is needed: order ${orderId} was made by your app, so refund it there and pass --refund <refund id> to settle that refund`,
          );
        });
        const amount = request.amount ?? order.amount - order.refundedAmount;
        const { refund } = await kit.payments.refund(orderId, { refundId: `sbxr${Date.now()}`, amount });
        refundId = refund.id;
      }
      notification = sandbox.settleRefund(orderId, refundId);
      await known(request.wallet, orderId, notification);
      last.set(`${request.wallet}:${orderId}`, { notification, refundId });
    }
    const url = request.to;
    const reply = await sandbox.deliver(notification, url);
    return {
      orderId,
      ...(refundId === undefined ? {} : { refundId }),
      url: url ?? reply.url,
      status: reply.status,
      body: await reply.text(),
    };
  };
}
