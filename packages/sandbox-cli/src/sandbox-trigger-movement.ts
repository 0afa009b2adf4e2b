/**
 * `trigger split` and `trigger transfer`: the wallet settles a split or finishes a transfer that
 * the merchant's app made against the sandbox, and posts the signed notifications, as Stripe's
 * `stripe trigger` does for payouts. WeChat Pay settles a profit-sharing order (one
 * `PROFITSHARING.*` notification per receiver) and the payee confirms, fails or lets expire a
 * transfer bill (`MCHTRANSFER.BILL.FINISHED`); Alipay finishes a settlement
 * (`alipay.trade.order.settle.notify`) or a transfer (`alipay.fund.trans.order.changed`). UnionPay
 * has neither.
 *
 * @packageDocumentation
 */
import { type NotificationInput, ValidationError } from '@hutong/core';
import type { SandboxKit } from './sandbox-kit.js';

/**
 * The wallets that move money out: Alipay and WeChat Pay (UnionPay has no splits or transfers).
 *
 * @example
 * ```ts
 * const wallet: MovementWallet = 'wechatpay';
 * ```
 */
export type MovementWallet = 'alipay' | 'wechatpay';

/**
 * A split or transfer trigger request (the CLI's flags).
 *
 * @example
 * ```ts
 * const request: MovementTriggerRequest = { event: 'split', wallet: 'wechatpay', splitId: 's0001',
 *   fail: ['86693853'], to: 'http://127.0.0.1:3000/webhooks/wechatpay/movements' };
 * ```
 */
export interface MovementTriggerRequest {
  event: 'split' | 'transfer';
  wallet: MovementWallet;
  /** `split`: the split id (WeChat `out_order_no`, Alipay `out_request_no`) the app sent. */
  splitId?: string | undefined;
  /** `split` on Alipay: the order (`out_trade_no`) the settlement is of; Alipay names settlements by trade. */
  orderId?: string | undefined;
  /** `split`: the receivers' accounts the wallet refuses (WeChat `CLOSED`, Alipay `FAIL`); the others are paid. */
  fail?: readonly string[] | undefined;
  /** `transfer`: the transfer id (WeChat `out_bill_no`, Alipay `out_biz_no`) the app sent. */
  transferId?: string | undefined;
  /**
   * `transfer`: how it ends: `succeeded` (default; WeChat: the payee confirms), `failed` (it fails
   * later, the money back to the balance) or `cancelled` (WeChat: the payee never confirms).
   */
  status?: 'succeeded' | 'failed' | 'cancelled' | undefined;
  /** Where to post. Default: the notify URL the app sent (WeChat splits have none: then required). */
  to?: string | undefined;
}

/**
 * One notification a movement trigger posted, and the merchant's answer.
 *
 * @example
 * ```ts
 * const delivery: MovementDelivery = { url: 'http://127.0.0.1:3000/hook', status: 200, body: '' };
 * ```
 */
export interface MovementDelivery {
  url: string;
  status: number;
  body: string;
}

/**
 * What a movement trigger delivered: each notification, and the first refused one's answer (or the last).
 *
 * @example
 * ```ts
 * const result: MovementTriggerResult = await trigger({ event: 'transfer', wallet: 'alipay', transferId: 'p0001' });
 * if (result.status !== 200) console.log(result.deliveries);
 * ```
 */
export interface MovementTriggerResult {
  splitId?: string | undefined;
  transferId?: string | undefined;
  /** The first delivery the merchant refused (not 2xx), or the last. */
  url: string;
  status: number;
  body: string;
  /** Every notification posted, in order (WeChat Pay sends one per split receiver). */
  deliveries: MovementDelivery[];
}

function required(value: string | undefined, field: string, message: string): string {
  if (value === undefined || value === '') throw new ValidationError(field, message);
  return value;
}

/** The notifications the wallet sends for the request. */
function notificationsFor(kit: SandboxKit, request: MovementTriggerRequest): NotificationInput[] {
  const status = request.status ?? 'succeeded';
  if (request.event === 'split') {
    const splitId = required(request.splitId, 'split', 'is needed: the split id your app sent (--split <id>)');
    if (request.status !== undefined) {
      throw new ValidationError('status', 'is for transfers: a split fails receiver by receiver (--fail <account>)');
    }
    if (request.wallet === 'wechatpay') {
      const sandbox = kit.sandboxes.wechatpay;
      const split = sandbox.splitOrder(splitId);
      if (!split) {
        throw new ValidationError(
          'split',
          `names a split the wechatpay sandbox has not seen: make split ${splitId} with your app first`,
        );
      }
      if (request.to === undefined) {
        // Checked before the split settles: WeChat Pay posts these to the address set on the
        // merchant platform, which the sandbox cannot know.
        throw new ValidationError(
          'to',
          'is needed: WeChat Pay posts profit-sharing notifications to the address set on its merchant platform (pass --to <url>)',
        );
      }
      if (split.state !== 'PROCESSING') {
        throw new ValidationError('split', `${splitId} is ${split.state} at the wechatpay sandbox: settled already`);
      }
      return sandbox.settleSplit(splitId, { closed: request.fail });
    }
    const orderId = required(
      request.orderId,
      'order',
      'is needed: Alipay names a settlement by its trade (--order <out_trade_no>)',
    );
    return [kit.sandboxes.alipay.finishSettlement(orderId, splitId, { fail: request.fail })];
  }
  const transferId = required(
    request.transferId,
    'transfer',
    'is needed: the transfer id your app sent (--transfer <id>)',
  );
  if (request.fail !== undefined) throw new ValidationError('fail', 'is for splits: a transfer ends by --status');
  if (request.wallet === 'wechatpay') {
    const sandbox = kit.sandboxes.wechatpay;
    const bill = sandbox.transferBill(transferId);
    if (!bill) {
      throw new ValidationError(
        'transfer',
        `names a transfer the wechatpay sandbox has not seen: make transfer ${transferId} with your app first`,
      );
    }
    if (request.to === undefined && bill.notifyUrl === undefined) {
      throw new ValidationError(
        'to',
        `is needed: transfer ${transferId} was made without a notify_url (pass --to <url>)`,
      );
    }
    if (status === 'failed') return [sandbox.failTransfer(transferId)];
    if (status === 'cancelled') return [sandbox.expireTransfer(transferId)];
    return [sandbox.confirmTransfer(transferId)];
  }
  if (status === 'cancelled') {
    throw new ValidationError(
      'status',
      'cancelled is WeChat Pay’s (a payee who never confirms): Alipay transfers succeed or fail',
    );
  }
  return [
    kit.sandboxes.alipay.finishTransfer(transferId, status === 'failed' ? { fail: 'PAYEE_ACCOUNT_STATUS_ERROR' } : {}),
  ];
}

/**
 * Builds the movement trigger over the kit's sandboxes.
 *
 * @example
 * ```ts
 * const trigger = createMovementTrigger(createSandboxKit());
 * const result = await trigger({ event: 'transfer', wallet: 'wechatpay', transferId: 'payout0001' });
 * result.status; // the merchant's HTTP status
 * ```
 */
export function createMovementTrigger(
  kit: SandboxKit,
): (request: MovementTriggerRequest) => Promise<MovementTriggerResult> {
  return async (request) => {
    const wallet = request.wallet as string;
    if (wallet !== 'alipay' && wallet !== 'wechatpay') {
      throw new ValidationError('wallet', `${wallet} has no splits or transfers: alipay or wechatpay`);
    }
    const notifications = notificationsFor(kit, request);
    const sandbox = kit.sandboxes[request.wallet];
    // Every notification is made first (the wallet's state changes once), then posted in order.
    const deliveries: MovementDelivery[] = [];
    for (const notification of notifications) {
      let reply: Response;
      try {
        reply = await sandbox.deliver(notification, request.to);
      } catch (error) {
        if (ValidationError.isInstance(error) && error.field === 'url') {
          throw new ValidationError(
            'to',
            `is needed: the ${wallet} sandbox knows no notify URL for this ${request.event} (pass --to <url>)`,
          );
        }
        throw error;
      }
      deliveries.push({ url: request.to ?? reply.url, status: reply.status, body: await reply.text() });
    }
    const shown = deliveries.find((d) => d.status < 200 || d.status > 299) ?? (deliveries.at(-1) as MovementDelivery);
    return {
      ...(request.splitId === undefined ? {} : { splitId: request.splitId }),
      ...(request.transferId === undefined ? {} : { transferId: request.transferId }),
      ...shown,
      deliveries,
    };
  };
}
