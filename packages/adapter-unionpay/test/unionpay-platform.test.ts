/**
 * Issue 23: UnionPay platform (accessType=2) and acquirer (accessType=1) access: the fields each
 * message carries, the sub-merchant a notification names (reported as signed, so the facade can
 * bind it), replies bound to the request's sub-merchant, and the sandbox refusing what ACP refuses.
 */

import type { Order } from '@hutong/core';
import {
  type NotificationInput,
  ProviderApiError,
  toNotificationRequest,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import type { CreatePaymentRequest } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import { unionpay } from '../src/index.js';
import { createUnionpayClient, decodeUnionpayForm, resolveUnionpayOptions } from '../src/protocol/index.js';
import { PFX } from './helpers.js';
import { platformSandboxed, SHOP_B } from './platform-setup.js';
import { MER_ID, sandboxed } from './sandbox-setup.js';

const NOW = new Date();

function qrRequest(orderId: string, merchant: CreatePaymentRequest['merchant']): CreatePaymentRequest {
  return {
    orderId,
    createdAt: NOW,
    method: 'qr',
    amount: 1999,
    currency: 'CNY',
    subject: '煎饼',
    notifyUrl: 'https://platform.example/notify',
    returnUrl: null,
    expiresAt: null,
    buyerId: null,
    authCode: null,
    clientIp: null,
    providerOptions: {},
    merchant,
  };
}

const sent = (requests: { body: string }[], index = -1) => decodeUnionpayForm(requests.at(index)?.body ?? '');

describe('UnionPay platform access (accessType=2)', () => {
  it("sends the sub-merchant's subMerId, subMerName and subMerAbbr in consumes and refunds, the platform's merId only in queries", async () => {
    const { sandbox, provider, shopA, requests } = platformSandboxed('platform');
    await provider.createPayment(qrRequest('order0001', shopA));
    expect(sent(requests)).toMatchObject({
      accessType: '2',
      merId: '777290058110048',
      subMerId: shopA.accountId,
      subMerName: '老王煎饼铺',
      subMerAbbr: '老王煎饼',
    });
    sandbox.pay('order0001');
    const queried = await provider.queryPayment({
      orderId: 'order0001',
      order: { ...fakeOrder('order0001'), providerData: { txnTime: sent(requests, 0).txnTime as string } },
      merchant: shopA,
    });
    expect(queried.type).toBe('payment.succeeded');
    const query = sent(requests);
    expect(query).toMatchObject({ accessType: '2', merId: '777290058110048', txnType: '00' });
    expect(query.subMerId).toBeUndefined();
  });

  it("reports the signed subMerId of a notification as its account, and B's genuine notification about A's order as B's", async () => {
    const { sandbox, provider, shopA } = platformSandboxed('platform');
    await provider.createPayment(qrRequest('order0002', shopA));
    const genuine = await provider.verifyNotification(toRequest(sandbox.pay('order0002')));
    expect(genuine.account).toBe(shopA.accountId);
    // Signed by UnionPay, naming sub-merchant B: reported as B's, for the facade to refuse against A's order.
    const forB = await provider.verifyNotification(
      toRequest(sandbox.pay('order0002', { fields: { subMerId: SHOP_B } })),
    );
    expect(forB.account).toBe(SHOP_B);
    expect(forB.event).toMatchObject({ type: 'payment.succeeded', orderId: 'order0002' });
  });

  it('refuses a platform-access notification without a subMerId, and one for another platform', async () => {
    const { sandbox, provider, shopA } = platformSandboxed('platform');
    await provider.createPayment(qrRequest('order0003', shopA));
    await expect(
      provider.verifyNotification(toRequest(sandbox.pay('order0003', { fields: { subMerId: '' } }))),
    ).rejects.toMatchObject({ reason: 'wrong_recipient' });
    await expect(
      provider.verifyNotification(toRequest(sandbox.hostile.foreignNotification('order0003'))),
    ).rejects.toMatchObject({ reason: 'wrong_recipient' });
  });

  it('refuses a genuine reply that names another sub-merchant, for creates and for queries', async () => {
    const { sandbox, provider, shopA } = platformSandboxed('platform');
    sandbox.rewriteReplies((reply) => ({ ...reply, subMerId: SHOP_B }));
    const error = await provider.createPayment(qrRequest('order0004', shopA)).catch((e) => e);
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'mismatch', field: 'response.subMerId' });
    sandbox.rewriteReplies(undefined);
    await provider.createPayment(qrRequest('order0005', shopA));
    sandbox.pay('order0005');
    sandbox.rewriteReplies((reply) => ({ ...reply, subMerId: SHOP_B }));
    const txnTime = sandbox.trade('order0005')?.txnTime as string;
    await expect(
      provider.queryPayment({
        orderId: 'order0005',
        order: { ...fakeOrder('order0005'), providerData: { txnTime } },
        merchant: shopA,
      }),
    ).rejects.toMatchObject({ reason: 'mismatch', field: 'response.subMerId' });
    // The provider's own order: a reply naming any sub-merchant is not about it.
    await expect(
      provider.queryPayment({ orderId: 'order0005', order: { ...fakeOrder('order0005'), providerData: { txnTime } } }),
    ).rejects.toMatchObject({ reason: 'mismatch' });
  });

  it('the sandbox refuses an unregistered subMerId (31) and a consume without subMerAbbr (10), as ACP does', async () => {
    const { provider, shopA, sandbox } = platformSandboxed('platform');
    const stranger = { ...shopA, merchant: 'shop-x', accountId: '898999000000009' };
    await expect(provider.createPayment(qrRequest('order0006', stranger))).rejects.toMatchObject({
      providerCode: '31',
    });
    // The adapter refuses a missing field itself, before anything is sent...
    const noAbbr = { ...shopA, fields: { subMerName: '老王煎饼铺' } };
    expect(() => provider.validatePayment(qrRequest('order0007', noAbbr))).toThrow(ValidationError);
    // ...and the sandbox refuses a message that lacks it, signed by the platform all the same.
    const config = resolveUnionpayOptions({
      merId: MER_ID,
      signCert: { pfx: PFX, password: '000000' },
      rootCert: sandbox.rootCert,
      middleCert: sandbox.middleCert,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
      access: 'platform',
    });
    const raw = createUnionpayClient(config).post({
      endpoint: 'backTransReq.do',
      account: shopA,
      fields: {
        accessType: '2',
        subMerId: shopA.accountId,
        subMerName: '老王煎饼铺',
        txnType: '01',
        txnSubType: '07',
        bizType: '000000',
        channelType: '08',
        orderId: 'order0008',
        txnTime: '20261201120000',
        txnAmt: '100',
        currencyCode: '156',
        backUrl: 'https://platform.example/notify',
      },
    });
    await expect(raw).rejects.toMatchObject({ providerCode: '10' });
  });

  it("a sub-merchant refund must reverse that sub-merchant's consume", async () => {
    const { sandbox, provider, shopA, shopB } = platformSandboxed('platform');
    await provider.createPayment(qrRequest('order0009', shopA));
    sandbox.pay('order0009');
    const paid = {
      ...fakeOrder('order0009'),
      status: 'paid' as const,
      paidAmount: 1999,
      providerTransactionId: sandbox.trade('order0009')?.queryId as string,
    };
    await expect(
      provider.refund({
        orderId: 'order0009',
        order: paid,
        refundId: 'refund0009',
        amount: 100,
        reason: null,
        merchant: shopB,
      }),
    ).rejects.toSatisfy(ProviderApiError.isInstance);
    const refund = await provider.refund({
      orderId: 'order0009',
      order: paid,
      refundId: 'refund0010',
      amount: 100,
      reason: null,
      merchant: shopA,
    });
    expect(refund.type).toBe('refund.pending');
    const settled = await provider.verifyNotification(toRequest(sandbox.settleRefund('order0009', 'refund0010')));
    expect(settled.account).toBe(shopA.accountId);
  });

  it('declares merchants only when an access type is configured; a direct provider refuses a merchant', async () => {
    const { provider } = platformSandboxed('platform');
    expect(provider.capabilities.merchants).toBe(true);
    expect(provider.capabilities.statements).toBe(true);
    expect(provider.capabilities.transfer).toBeUndefined();
    const direct = sandboxed().provider;
    expect(direct.capabilities.merchants).toBe(false);
    const { shopA } = platformSandboxed('platform');
    expect(() => direct.validatePayment(qrRequest('order0011', shopA))).toThrow(/direct merchant/);
    expect(() => provider.validatePayment(qrRequest('order0011', { ...shopA, enabled: false }))).toThrow(/disabled/);
    expect(() => provider.validatePayment(qrRequest('order0011', { ...shopA, provider: 'alipay' }))).toThrow(
      ValidationError,
    );
  });
});

describe('UnionPay acquirer access (accessType=1)', () => {
  it("sends the merchant's own merId with acqInsCode, merCatCode, merName and merAbbr; the notification names that merId", async () => {
    const { sandbox, provider, shopA, requests } = platformSandboxed('acquirer');
    await provider.createPayment(qrRequest('order0101', shopA));
    expect(sent(requests)).toMatchObject({
      accessType: '1',
      merId: shopA.accountId,
      acqInsCode: '48021000',
      merCatCode: '5411',
      merName: '老王煎饼铺',
      merAbbr: '老王煎饼',
    });
    const verified = await provider.verifyNotification(toRequest(sandbox.pay('order0101')));
    expect(verified.account).toBe(shopA.accountId);
  });

  it("the sandbox refuses another acquirer's institution code (10) and a merchant it does not acquire (31)", async () => {
    const { provider, shopA } = platformSandboxed('acquirer');
    await expect(
      provider.createPayment(qrRequest('order0102', { ...shopA, fields: { ...shopA.fields, acqInsCode: '48029999' } })),
    ).rejects.toMatchObject({ providerCode: '10' });
    await expect(
      provider.createPayment(qrRequest('order0103', { ...shopA, accountId: '777290058119999' })),
    ).rejects.toMatchObject({ providerCode: '31' });
  });

  it('a sandbox serving a direct merchant refuses platform and acquirer messages (30)', async () => {
    const { sandbox } = sandboxed();
    const { shopA } = platformSandboxed('platform');
    const common = {
      merId: MER_ID,
      signCert: { pfx: PFX, password: '000000' },
      rootCert: sandbox.rootCert,
      middleCert: sandbox.middleCert,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    };
    const platform = unionpay({ ...common, access: 'platform' });
    await expect(platform.createPayment(qrRequest('order0104', shopA))).rejects.toMatchObject({ providerCode: '30' });
    const acquirer = unionpay({ ...common, access: 'acquirer', acqInsCode: '48021000' });
    const acquired = platformSandboxed('acquirer').shopA;
    await expect(acquirer.createPayment(qrRequest('order0105', acquired))).rejects.toMatchObject({
      providerCode: '30',
    });
  });
});

const toRequest = (notification: NotificationInput) => toNotificationRequest(notification);

function fakeOrder(id: string) {
  return {
    id,
    provider: 'unionpay',
    method: 'qr',
    status: 'pending',
    amount: 1999,
    currency: 'CNY',
    paidAmount: 0,
    refundedAmount: 0,
    subject: '煎饼',
    refunds: [],
    providerData: {},
    providerTransactionId: null,
    notifyUrl: 'https://platform.example/notify',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    version: 1,
  } as unknown as Order;
}
