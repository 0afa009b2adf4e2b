import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  createPayments,
  MemoryOrderStore,
  ProviderApiError,
  toNotificationRequest,
  ValidationError,
} from '@hutong/core';
import { createTestIdentity, rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { unionpay } from '../src/index.js';
import { createUnionpaySandbox } from '../src/sandbox/index.js';
import { MER_ID, sandboxed } from './sandbox-setup.js';

function facade(options: Parameters<typeof sandboxed>[0] = {}) {
  const context = sandboxed(options);
  const payments = createPayments({
    providers: [context.provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/unionpay',
    now: options.now,
  });
  return { ...context, payments };
}

const sent = (requests: { body: string }[]) => Object.fromEntries(new URLSearchParams(requests.at(-1)?.body ?? ''));

describe('creating payments', () => {
  it('page: a signed consume form (01/01/000201, channel 07) with certId and China-time txnTime; the cashier accepts it', async () => {
    const at = new Date('2025-03-01T04:05:06Z');
    const { certId } = sandboxed();
    const local = facade({ now: () => at });
    const { order, action } = await local.payments.createPayment({
      provider: 'unionpay',
      method: 'page',
      amount: 8888,
      subject: '茶具',
      returnUrl: 'https://shop.example/done',
    });
    if (action.type !== 'form') throw new Error('expected a form');
    expect(action.url).toBe(`${local.sandbox.baseUrl}/frontTransReq.do`);
    expect(action.fields).toMatchObject({
      version: '5.1.0',
      signMethod: '01',
      txnType: '01',
      txnSubType: '01',
      bizType: '000201',
      channelType: '07',
      merId: MER_ID,
      certId,
      orderId: order.id,
      txnAmt: '8888',
      currencyCode: '156',
      frontUrl: 'https://shop.example/done',
      backUrl: 'https://shop.example/webhooks/unionpay',
    });
    expect(action.fields.txnTime).toBe('20250301120506');
    local.sandbox.open(action);
    expect(local.sandbox.trade(order.id)?.txnTime).toBe('20250301120506');
  });

  it('h5 uses channel 08; page and h5 need a returnUrl', async () => {
    const { payments } = facade();
    const { action } = await payments.createPayment({
      provider: 'unionpay',
      method: 'h5',
      amount: 100,
      subject: 'x',
      returnUrl: 'https://shop.example/done',
    });
    expect(action.type === 'form' && action.fields.channelType).toBe('08');
    const error = await rejectionOf(
      payments.createPayment({ provider: 'unionpay', method: 'page', amount: 100, subject: 'x' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('returnUrl');
  });

  it('app: the tn from appTransReq.do; qr: the qrCode (01/07/000000)', async () => {
    const { payments, requests } = facade();
    const app = await payments.createPayment({ provider: 'unionpay', method: 'app', amount: 100, subject: 'x' });
    expect(app.action.type === 'app' && app.action.payload).toMatch(/^\d+$/);
    expect(requests.at(-1)?.url).toMatch(/appTransReq\.do$/);
    const qr = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 100, subject: 'x' });
    expect(qr.action.type === 'qr' && qr.action.content).toMatch(/^https:\/\/qr\.95516\.com\//);
    expect(sent(requests)).toMatchObject({ txnType: '01', txnSubType: '07', bizType: '000000' });
  });

  it('pos: buyer-presented QR (01/06, qrNo) is accepted, not final; sync settles it', async () => {
    const { payments, requests } = facade();
    const { order } = await payments.createPayment({
      provider: 'unionpay',
      method: 'pos',
      amount: 500,
      subject: 'x',
      authCode: '6200000000000000001',
    });
    expect(order.status).toBe('pending');
    expect(sent(requests)).toMatchObject({ txnSubType: '06', qrNo: '6200000000000000001' });
    expect((await payments.sync(order.id)).status).toBe('paid');
  });
});

describe('verifying replies', () => {
  it('gets respCode 11 from the gateway for a request signed with another key', async () => {
    const other = createTestIdentity({
      subject: [['CN', 'someone else']],
      notBefore: new Date(0),
      notAfter: new Date(4e12),
    });
    const { payments } = facade({
      provider: {
        signCert: {
          privateKey: other.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
          certificate: other.pem,
        },
      },
    });
    const error = await rejectionOf(
      payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' }),
    );
    expect(ProviderApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ providerCode: '11', normalizedCode: 'invalid_signature' });
  });

  it('refuses a tampered reply, an unsigned one, and one signed outside the configured chain', async () => {
    const tampered = facade({ rewrite: (text) => text.replace('qr.95516.com', 'qr.evil.example') });
    expect(
      await rejectionOf(
        tampered.payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' }),
      ),
    ).toMatchObject({ reason: 'bad_signature' });
    const unsigned = facade({ rewrite: (text) => text.replace(/&signature=[^&]*/, '') });
    expect(
      await rejectionOf(
        unsigned.payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' }),
      ),
    ).toMatchObject({ reason: 'missing_signature' });
    const stranger = createUnionpaySandbox({
      merId: MER_ID,
      merchantCertificate: createTestIdentity({
        subject: [['CN', 'm']],
        notBefore: new Date(0),
        notAfter: new Date(4e12),
      }).pem,
    });
    const foreignChain = facade({ provider: { rootCert: stranger.rootCert, middleCert: stranger.middleCert } });
    expect(
      await rejectionOf(
        foreignChain.payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' }),
      ),
    ).toMatchObject({ reason: 'untrusted_certificate' });
  });

  it('refuses replies once the signing certificate has expired (clock injected)', async () => {
    let now = new Date();
    const { payments } = facade({ now: () => now });
    await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' });
    now = new Date(now.getTime() + 6 * 365 * 86_400_000);
    expect(
      await rejectionOf(payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' })),
    ).toMatchObject({ reason: 'untrusted_certificate' });
  });
});

describe('notifications, refunds and operations', () => {
  it('marks paid from the backUrl notification and answers HTTP 200; a failed payment marks the order failed', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1999, subject: 'x' });
    const result = await payments.handleNotification('unionpay', sandbox.pay(order.id));
    expect(result.order).toMatchObject({
      status: 'paid',
      paidAmount: 1999,
      providerTransactionId: sandbox.trade(order.id)?.queryId,
    });
    expect(result.response.status).toBe(200);
    const { order: declined } = await payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    expect(
      (await payments.handleNotification('unionpay', sandbox.pay(declined.id, { fail: true }))).order?.status,
    ).toBe('failed');
  });

  it('verifies the frontUrl return for the result page', async () => {
    const { payments, sandbox, provider } = facade();
    const { order, action } = await payments.createPayment({
      provider: 'unionpay',
      method: 'page',
      amount: 100,
      subject: 'x',
      returnUrl: 'https://shop.example/done',
    });
    if (action.type === 'form') sandbox.open(action);
    sandbox.pay(order.id);
    const { event } = await (provider as ReturnType<typeof unionpay>).verifyFrontReturn(sandbox.frontReturn(order.id));
    expect(event).toMatchObject({ type: 'payment.succeeded', orderId: order.id, amount: 100 });
  });

  it('refuses a notification for another merchant', async () => {
    const { payments, sandbox, provider } = facade();
    const { order } = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 100, subject: 'x' });
    const notification = sandbox.pay(order.id);
    const other = unionpay({
      merId: '777290058199999',
      signCert: { pfx: (await import('./helpers.js')).PFX, password: '000000' },
      rootCert: sandbox.rootCert,
      middleCert: sandbox.middleCert,
    });
    expect(await rejectionOf(other.verifyNotification(toNotificationRequest(notification)))).toMatchObject({
      reason: 'wrong_recipient',
    });
    expect(provider.id).toBe('unionpay');
  });

  it('refunds in parts by origQryId, the order travelling in reqReserved; a retried refund reports its state', async () => {
    const { payments, sandbox, requests } = facade();
    const { order } = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1000, subject: 'x' });
    await payments.handleNotification('unionpay', sandbox.pay(order.id));
    const first = await payments.refund(order.id, { amount: 300, refundId: 'refund000001' });
    expect(first.refund.status).toBe('pending');
    expect(sent(requests)).toMatchObject({
      txnType: '04',
      txnSubType: '00',
      orderId: 'refund000001',
      origQryId: sandbox.trade(order.id)?.queryId,
      reqReserved: order.id,
      txnAmt: '300',
    });
    const retried = await payments.refund(order.id, { amount: 300, refundId: 'refund000001' });
    expect(retried.refund.status).toBe('pending');
    const settled = await payments.handleNotification('unionpay', sandbox.settleRefund(order.id, 'refund000001'));
    expect(settled.order).toMatchObject({ status: 'partially_refunded', refundedAmount: 300 });
    const rest = await payments.refund(order.id, { amount: 700, refundId: 'refund000002' });
    sandbox.settleRefund(order.id, rest.refund.id); // notification lost: sync queries it
    expect((await payments.sync(order.id)).status).toBe('refunded');
  });

  it('undoes a payment in full on the same day (31/00)', async () => {
    const { payments, sandbox, provider, requests } = facade();
    const { order } = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 500, subject: 'x' });
    const paid = (await payments.handleNotification('unionpay', sandbox.pay(order.id))).order;
    if (!paid) throw new Error('not paid');
    const event = await (provider as ReturnType<typeof unionpay>).undoPayment({ order: paid, undoId: 'undo00000001' });
    expect(event).toMatchObject({ type: 'refund.pending', amount: 500 });
    expect(sent(requests)).toMatchObject({ txnType: '31', origQryId: paid.providerTransactionId });
    const result = await payments.handleNotification('unionpay', sandbox.settleRefund(order.id, 'undo00000001'));
    expect(result.order).toMatchObject({ status: 'refunded', refundedAmount: 500 });
  });

  it('close: an unpaid order is closed locally; a paid one is reported and recorded', async () => {
    const { payments, sandbox } = facade();
    const { order } = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 100, subject: 'x' });
    expect((await payments.close(order.id)).status).toBe('closed');
    const { order: other } = await payments.createPayment({
      provider: 'unionpay',
      method: 'qr',
      amount: 100,
      subject: 'x',
    });
    sandbox.pay(other.id);
    expect(await rejectionOf(payments.close(other.id))).toMatchObject({ normalizedCode: 'already_paid' });
    expect((await payments.getOrder(other.id)).status).toBe('paid');
  });

  it('runs the cashier page over HTTP: the buyer pays, UnionPay notifies backUrl, the order is paid', async () => {
    const { sandbox, provider } = sandboxed();
    const upstream = await sandbox.listen();
    const payments = createPayments({
      providers: [
        unionpay({
          merId: MER_ID,
          signCert: { pfx: (await import('./helpers.js')).PFX, password: '000000' },
          rootCert: sandbox.rootCert,
          middleCert: sandbox.middleCert,
          endpoint: upstream.baseUrl,
        }),
      ],
    });
    const merchant = createServer(payments.nodeWebhookHandler('unionpay'));
    merchant.listen(0, '127.0.0.1');
    await once(merchant, 'listening');
    const notifyUrl = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}/hook`;
    try {
      const { order, action } = await payments.createPayment({
        provider: 'unionpay',
        method: 'page',
        amount: 2500,
        subject: '茶',
        notifyUrl,
        returnUrl: 'https://shop.example/done',
      });
      if (action.type !== 'form') throw new Error('expected a form');
      const cashier = await (
        await fetch(action.url, { method: 'POST', body: new URLSearchParams(action.fields as Record<string, string>) })
      ).text();
      expect(cashier).toContain('¥25.00');
      const payUrl = /action="([^"]+)"/.exec(cashier)?.[1] as string;
      const back = await (
        await fetch(payUrl, { method: 'POST', body: new URLSearchParams({ orderId: order.id }) })
      ).text();
      expect(back).toContain('action="https://shop.example/done"');
      expect((await payments.getOrder(order.id)).status).toBe('paid');
    } finally {
      merchant.close();
      await upstream.close();
    }
    expect(provider.id).toBe('unionpay');
  });

  it('formats txnTime in China time whatever the host TZ', () => {
    const source = fileURLToPath(new URL('../src/unionpay-time.ts', import.meta.url));
    const script = `import { formatUnionpayTime } from ${JSON.stringify(source)}; console.log(formatUnionpayTime(new Date('2024-12-31T16:30:00Z')));`;
    for (const zone of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
      const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, TZ: zone },
        encoding: 'utf8',
      });
      expect(output.trim(), zone).toBe('20250101003000');
    }
  });
});
