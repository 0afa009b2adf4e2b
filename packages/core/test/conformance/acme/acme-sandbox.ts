/**
 * The AcmePay sandbox: a `WalletSandbox` with the hostile hooks, checking the merchant's signature
 * and signing its own replies and notifications.
 */
import { type NotificationInput, OrderNotFoundError, ValidationError } from '@hutong/core';
import {
  createSandboxOutbox,
  type SandboxReplyTampering,
  serveSandbox,
  type WalletSandbox,
} from '@hutong/core/testing';
import { ACME_WINDOW_SECONDS, acmeSignatureHolds, signAcme } from './acme-signature.js';

/** The sandbox's record of a trade. */
export interface AcmeTrade {
  orderId: string;
  amount: number;
  status: 'WAITING' | 'PAID' | 'FAILED' | 'CLOSED';
  txnId: string;
  notifyUrl: string | undefined;
  refunds: Map<string, { amount: number; status: 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' }>;
}

/** The AcmePay sandbox and the keys of its one merchant. */
export interface AcmeSandbox extends WalletSandbox<AcmeTrade> {
  readonly merchantId: string;
  readonly merchantKey: string;
  readonly walletKey: string;
}

const BASE_URL = 'https://api.acmepay.invalid';
const now = () => Math.floor(Date.now() / 1000);

/** Creates an AcmePay sandbox. */
export function createAcmeSandbox(): AcmeSandbox {
  const merchantId = 'M100';
  const merchantKey = 'merchant-key-for-tests';
  const walletKey = 'wallet-key-for-tests';
  const trades = new Map<string, AcmeTrade>();
  const outbox = createSandboxOutbox('acmepay');
  let tamper: SandboxReplyTampering | undefined;
  let serial = 0;

  function trade(orderId: string): AcmeTrade {
    const found = trades.get(orderId);
    if (!found) throw new OrderNotFoundError(orderId);
    return found;
  }

  function signed(body: object, key = walletKey, seconds = now()): { headers: Record<string, string>; body: string } {
    const text = JSON.stringify(body);
    return { headers: { ...signAcme(key, seconds, text) }, body: text };
  }

  function paymentBody(t: AcmeTrade, overrides: Record<string, unknown> = {}) {
    return {
      merchant: merchantId,
      order_id: t.orderId,
      amount: t.amount,
      status: t.status,
      txn_id: t.txnId,
      ...overrides,
    };
  }

  function notify(body: object, url: string | undefined, key = walletKey, seconds = now()): NotificationInput {
    return outbox.addressed(signed(body, key, seconds), url);
  }

  function paymentNotification(
    t: AcmeTrade,
    overrides: Record<string, unknown> = {},
    key = walletKey,
    seconds = now(),
  ) {
    return notify({ kind: 'payment', order_amount: t.amount, ...paymentBody(t, overrides) }, t.notifyUrl, key, seconds);
  }

  function reply(status: number, body: Record<string, unknown>): Response {
    const kind = tamper;
    tamper = undefined;
    let payload = body;
    if (kind === 'amount' && typeof body.amount === 'number') payload = { ...body, amount: body.amount + 100 };
    if (kind === 'order' && typeof body.order_id === 'string')
      payload = { ...body, order_id: `${body.order_id}-other` };
    const message = signed(payload);
    if (kind === 'signature') message.headers['x-acme-signature'] = '00'.repeat(32);
    return new Response(message.body, { status, headers: message.headers });
  }

  function route(path: string, request: Record<string, unknown>): Response {
    const orderId = String(request.order_id ?? '');
    if (path === '/payments') {
      const t: AcmeTrade = {
        orderId,
        amount: Number(request.amount),
        status: 'WAITING',
        txnId: `T${++serial}`,
        notifyUrl: typeof request.notify_url === 'string' ? request.notify_url : undefined,
        refunds: new Map(),
      };
      trades.set(orderId, t);
      return reply(200, { ...paymentBody(t), code_url: `acme://pay/${orderId}` });
    }
    const t = trades.get(orderId);
    if (!t) return reply(404, { error: 'ORDER_NOT_EXIST' });
    if (path === '/payments/query') return reply(200, paymentBody(t));
    if (path === '/payments/close') {
      if (t.status === 'PAID') return reply(409, { error: 'ORDER_PAID' });
      t.status = 'CLOSED';
      return reply(200, paymentBody(t));
    }
    const refundId = String(request.refund_id ?? '');
    if (path === '/refunds') {
      const refund = t.refunds.get(refundId) ?? { amount: Number(request.amount), status: 'PROCESSING' as const };
      t.refunds.set(refundId, refund);
      return reply(200, { merchant: merchantId, order_id: orderId, refund_id: refundId, ...refund });
    }
    if (path === '/refunds/query') {
      const refund = t.refunds.get(refundId);
      if (!refund) return reply(404, { error: 'ORDER_NOT_EXIST' });
      return reply(200, { merchant: merchantId, order_id: orderId, refund_id: refundId, ...refund });
    }
    return reply(404, { error: 'NOT_FOUND' });
  }

  async function serve(request: Request): Promise<Response> {
    const body = await request.text();
    const timestamp = request.headers.get('x-acme-timestamp') ?? '';
    const signature = request.headers.get('x-acme-signature') ?? '';
    if (!acmeSignatureHolds(merchantKey, timestamp, body, signature)) return reply(401, { error: 'SIGN_ERROR' });
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return reply(400, { error: 'BAD_REQUEST' });
    }
    if (parsed.merchant !== merchantId) return reply(403, { error: 'WRONG_MERCHANT' });
    return route(new URL(request.url).pathname, parsed);
  }

  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) =>
    serve(new Request(input, init))) as typeof globalThis.fetch;

  return {
    wallet: 'acmepay',
    baseUrl: BASE_URL,
    merchantId,
    merchantKey,
    walletKey,
    fetch,
    listen: (port) => serveSandbox(serve, { port }),
    open(action) {
      if (action.type !== 'qr' || !action.content.startsWith('acme://pay/')) {
        throw new ValidationError('action', 'is not an AcmePay code');
      }
      trade(action.content.slice('acme://pay/'.length));
    },
    pay(orderId, options = {}) {
      const t = trade(orderId);
      t.status = 'PAID';
      return paymentNotification(t, options.amount === undefined ? {} : { amount: options.amount });
    },
    expire(orderId) {
      trade(orderId).status = 'CLOSED';
      return undefined;
    },
    fail(orderId) {
      const t = trade(orderId);
      t.status = 'FAILED';
      return paymentNotification(t);
    },
    close(orderId) {
      const t = trade(orderId);
      t.status = 'CLOSED';
      return paymentNotification(t);
    },
    settleRefund(orderId, refundId, options = {}) {
      const t = trade(orderId);
      const refund = t.refunds.get(refundId);
      if (!refund) throw new ValidationError('refundId', 'is not a refund of this trade');
      refund.status = options.fail ? 'ABNORMAL' : 'SUCCESS';
      return notify(
        { kind: 'refund', merchant: merchantId, order_id: orderId, refund_id: refundId, ...refund },
        t.notifyUrl,
      );
    },
    deliver: (notification, url) => outbox.deliver(notification, url),
    trade: (orderId) => trades.get(orderId),
    hostile: {
      forgeNotification(genuine) {
        const body = JSON.parse(String(genuine.body)) as Record<string, unknown>;
        return { ...genuine, body: JSON.stringify({ ...body, amount: Number(body.amount) + 1 }) };
      },
      unsignedNotification(orderId) {
        const t = trade(orderId);
        return paymentNotification(t, { status: 'PAID' }, 'an-attackers-key');
      },
      strippedNotification(genuine) {
        const { 'x-acme-signature': _signature, ...headers } = genuine.headers as Record<string, string>;
        return { ...genuine, headers };
      },
      foreignNotification(orderId) {
        return paymentNotification(trade(orderId), { status: 'PAID', merchant: 'M999' });
      },
      staleNotification(orderId) {
        return paymentNotification(trade(orderId), { status: 'PAID' }, walletKey, now() - ACME_WINDOW_SECONDS - 60);
      },
      tamperNextReply(kind) {
        tamper = kind;
      },
    },
  } satisfies AcmeSandbox;
}
