import {
  ProviderApiError,
  SignatureVerificationError,
  toNotificationRequest,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import type { CreatePaymentRequest, MerchantAccount, Split } from '@hutong/core/provider-utils';
import { rejectionOf, sampleOrder } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { isvSandboxed } from './isv-setup.js';

const RECEIVER_1 = '2088101126765726';
const RECEIVER_2 = '2088101126708402';

function split(id: string, receivers: [string, number][], finish = false): Split {
  const at = new Date().toISOString();
  return {
    id,
    amount: receivers.reduce((sum, [, amount]) => sum + amount, 0),
    status: 'pending',
    receivers: receivers.map(([account, amount]) => ({
      type: 'merchant' as const,
      account,
      amount,
      description: '平台佣金',
      status: 'pending' as const,
    })),
    finish,
    providerSplitId: null,
    returns: [],
    createdAt: at,
    updatedAt: at,
  };
}

/** A paid order of `amount` fen created for splitting, for `merchant` (or the app's own account). */
async function paidForSplit(
  setup: ReturnType<typeof isvSandboxed>,
  orderId: string,
  amount: number,
  merchant: MerchantAccount | null,
  options: { split?: boolean } = {},
) {
  const request: CreatePaymentRequest = {
    orderId,
    createdAt: new Date(),
    method: 'qr',
    amount,
    currency: 'CNY',
    subject: '分账测试',
    notifyUrl: 'https://platform.example/webhooks/alipay',
    returnUrl: null,
    expiresAt: null,
    buyerId: null,
    authCode: null,
    clientIp: null,
    providerOptions: {},
    merchant,
    split: options.split ?? true,
  };
  await setup.provider.createPayment(request);
  const { event } = await setup.provider.verifyNotification(toNotificationRequest(setup.sandbox.pay(orderId)));
  if (event.type !== 'payment.succeeded') throw new Error('not paid');
  return {
    orderId,
    order: sampleOrder({ id: orderId, amount, status: 'paid', providerTransactionId: event.providerTransactionId }),
    merchant,
  };
}

describe('settlement (分账)', () => {
  it('settles a frozen payment: royalty_parameters in yuan text, then the query reports each receiver', async () => {
    const setup = isvSandboxed();
    const shop = await setup.onboard('shop-a');
    await setup.provider.bindRoyaltyRelation({
      requestId: 'bind0001',
      receivers: [{ account: RECEIVER_1 }, { account: RECEIVER_2 }],
      merchant: shop,
    });
    const paid = await paidForSplit(setup, 'split-order-1', 10000, shop);
    const before = setup.requests.length;
    const event = await setup.provider.split({
      ...paid,
      split: split('split0001', [
        [RECEIVER_1, 1234],
        [RECEIVER_2, 5],
      ]),
      notifyUrl: null,
    });
    const [settle] = setup.requests.slice(before);
    const params = Object.fromEntries(
      new URLSearchParams(`${new URL(settle?.url ?? '').search.slice(1)}&${settle?.body}`),
    );
    expect(params.method).toBe('alipay.trade.order.settle');
    expect(params.app_auth_token).toBe(shop.fields.appAuthToken);
    expect(JSON.parse(params.biz_content ?? '')).toEqual({
      out_request_no: 'split0001',
      trade_no: paid.order.providerTransactionId,
      royalty_parameters: [
        { royalty_type: 'transfer', trans_in_type: 'userId', trans_in: RECEIVER_1, amount: '12.34', desc: '平台佣金' },
        { royalty_type: 'transfer', trans_in_type: 'userId', trans_in: RECEIVER_2, amount: '0.05', desc: '平台佣金' },
      ],
    });
    expect(event).toMatchObject({
      type: 'split.status',
      orderId: 'split-order-1',
      splitId: 'split0001',
      status: 'succeeded',
      receivers: [
        { account: RECEIVER_1, amount: 1234, status: 'succeeded' },
        { account: RECEIVER_2, amount: 5, status: 'succeeded' },
      ],
    });
    expect(event.providerSplitId).toMatch(/\d+/);
    expect(
      await setup.provider.querySplit({
        ...paid,
        split: split('split0001', [
          [RECEIVER_1, 1234],
          [RECEIVER_2, 5],
        ]),
      }),
    ).toEqual(event);
    expect(await setup.provider.unsettledAmount({ ...paid, requestId: 'q0001' })).toBe(10000 - 1239);
  });

  it('royalty_finish on the last split unfreezes the rest: nothing is left to settle', async () => {
    const setup = isvSandboxed();
    await setup.provider.bindRoyaltyRelation({ requestId: 'bind0001', receivers: [{ account: RECEIVER_1 }] });
    const paid = await paidForSplit(setup, 'split-order-2', 5000, null);
    await setup.provider.split({ ...paid, split: split('split0002', [[RECEIVER_1, 100]], true), notifyUrl: null });
    expect(setup.lastRequest().params.method).toBe('alipay.trade.order.settle.query');
    const settle = setup.requests.findLast(
      (r) => new URL(r.url).searchParams.get('method') === 'alipay.trade.order.settle',
    );
    expect(JSON.parse(new URLSearchParams(settle?.body).get('biz_content') ?? '').extend_params).toEqual({
      royalty_finish: 'true',
    });
    expect(await setup.provider.unsettledAmount({ ...paid, requestId: 'q0002' })).toBe(0);
  });

  it('refuses a receiver not bound (ACQ.ROYALTY_RECEIVER_INVALID) and more than is left (ACQ.ALLOC_AMOUNT_VALIDATE_ERROR)', async () => {
    const setup = isvSandboxed();
    await setup.provider.bindRoyaltyRelation({ requestId: 'bind0001', receivers: [{ account: RECEIVER_1 }] });
    const paid = await paidForSplit(setup, 'split-order-3', 1000, null);
    const unbound = await rejectionOf(
      setup.provider.split({ ...paid, split: split('split0003', [[RECEIVER_2, 100]]), notifyUrl: null }),
    );
    expect(ProviderApiError.isInstance(unbound) && unbound.providerCode).toBe('ACQ.ROYALTY_RECEIVER_INVALID');
    const tooMuch = await rejectionOf(
      setup.provider.split({ ...paid, split: split('split0004', [[RECEIVER_1, 1001]]), notifyUrl: null }),
    );
    expect(ProviderApiError.isInstance(tooMuch) && tooMuch.providerCode).toBe('ACQ.ALLOC_AMOUNT_VALIDATE_ERROR');
    // Unbound, the receiver is refused again.
    await setup.provider.unbindRoyaltyRelation({ requestId: 'unbind01', receivers: [{ account: RECEIVER_1 }] });
    expect((await setup.provider.royaltyRelations({ requestId: 'q0003' })).receivers).toEqual([]);
  });

  it('refuses to settle a payment that was not created for splitting (ACQ.ILLEGAL_SETTLE_STATE)', async () => {
    const setup = isvSandboxed();
    await setup.provider.bindRoyaltyRelation({ requestId: 'bind0001', receivers: [{ account: RECEIVER_1 }] });
    const paid = await paidForSplit(setup, 'split-order-4', 1000, null, { split: false });
    const error = await rejectionOf(
      setup.provider.split({ ...paid, split: split('split0005', [[RECEIVER_1, 100]]), notifyUrl: null }),
    );
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('ACQ.ILLEGAL_SETTLE_STATE');
  });

  it('a held settlement is pending, then its verified settle message reports each receiver and the merchant', async () => {
    const setup = isvSandboxed();
    const shop = await setup.onboard('shop-a');
    await setup.provider.bindRoyaltyRelation({
      requestId: 'bind0001',
      receivers: [{ account: RECEIVER_1 }, { account: RECEIVER_2 }],
      merchant: shop,
    });
    const paid = await paidForSplit(setup, 'split-order-5', 3000, shop);
    setup.sandbox.holdMoneyMovement({ settlements: true });
    const theSplit = split('split0006', [
      [RECEIVER_1, 700],
      [RECEIVER_2, 300],
    ]);
    expect((await setup.provider.split({ ...paid, split: theSplit, notifyUrl: null })).status).toBe('pending');
    const message = setup.sandbox.finishSettlement('split-order-5', 'split0006', { fail: [RECEIVER_2] });
    const verified = await setup.provider.verifyMovementNotification(toNotificationRequest(message));
    expect(verified.account).toBe(shop.accountId);
    expect(verified.event).toMatchObject({
      type: 'split.status',
      splitId: 'split0006',
      status: 'succeeded',
      receivers: [
        { account: RECEIVER_1, amount: 700, status: 'succeeded' },
        { account: RECEIVER_2, amount: 300, status: 'failed', failReason: '分账收款方账户状态异常' },
      ],
    });
    expect((await setup.provider.querySplit({ ...paid, split: theSplit })).receivers[1]?.status).toBe('failed');
    // Settled is settled: a receiver paid already cannot fail afterwards.
    expect(() => setup.sandbox.finishSettlement('split-order-5', 'split0006', { fail: [RECEIVER_1] })).toThrow(
      ValidationError,
    );
  });

  it('refuses a settle query reply about another split, or with a receiver’s amount changed', async () => {
    const setup = isvSandboxed();
    await setup.provider.bindRoyaltyRelation({ requestId: 'bind0001', receivers: [{ account: RECEIVER_1 }] });
    const paid = await paidForSplit(setup, 'split-order-6', 3000, null);
    const theSplit = split('split0007', [[RECEIVER_1, 700]]);
    await setup.provider.split({ ...paid, split: theSplit, notifyUrl: null });
    setup.sandbox.alterNextReply('alipay.trade.order.settle.query', (node) => ({
      ...node,
      out_request_no: 'split9999',
    }));
    const other = await rejectionOf(setup.provider.querySplit({ ...paid, split: theSplit }));
    expect(UnexpectedResponseError.isInstance(other) && other.reason).toBe('mismatch');
    setup.sandbox.alterNextReply('alipay.trade.order.settle.query', (node) => ({
      ...node,
      royalty_detail_list: (node.royalty_detail_list as Record<string, unknown>[]).map((d) => ({
        ...d,
        amount: '7.01',
      })),
    }));
    const changed = await rejectionOf(setup.provider.querySplit({ ...paid, split: theSplit }));
    expect(UnexpectedResponseError.isInstance(changed) && changed.reason).toBe('mismatch');
  });

  it('takes a receiver Alipay masks in its reply (208810****765726)', async () => {
    const setup = isvSandboxed();
    await setup.provider.bindRoyaltyRelation({ requestId: 'bind0001', receivers: [{ account: RECEIVER_1 }] });
    const paid = await paidForSplit(setup, 'split-order-7', 3000, null);
    const theSplit = split('split0008', [[RECEIVER_1, 700]]);
    await setup.provider.split({ ...paid, split: theSplit, notifyUrl: null });
    setup.sandbox.alterNextReply('alipay.trade.order.settle.query', (node) => ({
      ...node,
      royalty_detail_list: (node.royalty_detail_list as Record<string, unknown>[]).map((d) => ({
        ...d,
        trans_in: '208810****765726',
      })),
    }));
    expect((await setup.provider.querySplit({ ...paid, split: theSplit })).receivers).toEqual([
      { account: RECEIVER_1, amount: 700, status: 'succeeded' },
    ]);
  });

  it('refuses a settle message with an amount changed, and reads no other message kind', async () => {
    const setup = isvSandboxed();
    await setup.provider.bindRoyaltyRelation({ requestId: 'bind0001', receivers: [{ account: RECEIVER_1 }] });
    const paid = await paidForSplit(setup, 'split-order-8', 3000, null);
    setup.sandbox.holdMoneyMovement({ settlements: true });
    await setup.provider.split({ ...paid, split: split('split0009', [[RECEIVER_1, 700]]), notifyUrl: null });
    const message = setup.sandbox.finishSettlement('split-order-8', 'split0009');
    const body = String(message.body);
    const forged = body.replace(encodeURIComponent('"7.00"'), encodeURIComponent('"9.00"'));
    expect(forged).not.toBe(body);
    const refused = await rejectionOf(
      setup.provider.verifyMovementNotification(toNotificationRequest({ ...message, body: forged })),
    );
    expect(SignatureVerificationError.isInstance(refused)).toBe(true);
    // A genuine payment notification is not a settlement or transfer message.
    const payment = setup.sandbox.pay('split-order-8');
    const wrongKind = await rejectionOf(setup.provider.verifyMovementNotification(toNotificationRequest(payment)));
    expect(ValidationError.isInstance(wrongKind) && wrongKind.field).toBe('notification.msg_method');
  });
});
