/**
 * The same scenario against the three sandboxes, through the `WalletSandbox` interface only:
 * create → open → pay → deliver over HTTP to a local server → refund → settle → deliver.
 */
import { OrderNotFoundError, ValidationError } from '@hutong/core';
import type { WalletSandbox } from '@hutong/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxKit, WALLETS } from '../src/index.js';
import { startMerchantServer } from './merchant-server.js';

const kit = createSandboxKit();
let merchant: Awaited<ReturnType<typeof startMerchantServer>>;

beforeAll(async () => {
  // The shop: /webhooks/<wallet> handled by the kit's facade, which made the orders.
  merchant = await startMerchantServer(async (path, notification) => {
    const wallet = path.split('/').pop() as (typeof WALLETS)[number];
    return (await kit.payments.handleNotification(wallet, notification)).response;
  });
});
afterAll(() => merchant.close());

/** What each wallet does that the interface leaves to it. */
const EXPIRY_NOTIFIES = { alipay: true, wechatpay: false, unionpay: false } as const;

describe.each(WALLETS)('WalletSandbox: %s', (wallet) => {
  const sandbox: WalletSandbox = kit.sandboxes[wallet];

  it('create → open → pay → deliver over HTTP → refund → settle → deliver', async () => {
    const notifyUrl = `${merchant.url}/webhooks/${wallet}`;
    const { order, action } = await kit.payments.createPayment({
      provider: wallet,
      method: 'qr',
      amount: 1000,
      subject: 'Scenario',
      notifyUrl,
    });
    sandbox.open(action);
    expect(sandbox.trade(order.id)).toBeDefined();

    const before = merchant.received.length;
    const paid = await sandbox.deliver(sandbox.pay(order.id)); // to the trade's notify URL
    expect(paid.ok).toBe(true); // 200, or 204 for WeChat Pay
    expect(merchant.received.length).toBe(before + 1);
    expect(merchant.received.at(-1)?.path).toBe(`/webhooks/${wallet}`);
    expect(await kit.payments.getOrder(order.id)).toMatchObject({ status: 'paid' });

    const { refund } = await kit.payments.refund(order.id, { refundId: `r${order.id}`.slice(0, 32), amount: 400 });
    const settled = await sandbox.deliver(sandbox.settleRefund(order.id, refund.id));
    expect(settled.ok).toBe(true);
    expect(await kit.payments.getOrder(order.id)).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: 400,
    });
  });

  it('serves the same wallet over HTTP (listen), and a QR opened there can be paid', async () => {
    const server = await sandbox.listen();
    try {
      expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
      // Anything at all comes back from the wallet's own server (a signed refusal, a 404 page).
      const reply = await fetch(server.baseUrl, { method: 'POST', body: '' });
      expect(reply.status).toBeGreaterThanOrEqual(200);
    } finally {
      await server.close();
    }
  });

  it('expires an unpaid trade: a notification only where the wallet sends one', async () => {
    const { order } = await kit.payments.createPayment({
      provider: wallet,
      method: 'qr',
      amount: 100,
      subject: 'Expiring',
      notifyUrl: `${merchant.url}/webhooks/${wallet}`,
    });
    const expired = sandbox.expire(order.id);
    expect(expired !== undefined).toBe(EXPIRY_NOTIFIES[wallet]);
  });

  it('throws typed hutong errors', () => {
    expect(() => sandbox.pay('noSuchOrder0001')).toThrow(OrderNotFoundError);
    expect(() => sandbox.open({ type: 'none' })).toThrow(ValidationError);
    expect(() => sandbox.open({ type: 'qr', content: 'https://example.com/not-a-sandbox-code' })).toThrow(
      ValidationError,
    );
    expect(() => sandbox.deliver({ headers: {}, body: '' })).toThrow(ValidationError);
  });
});
