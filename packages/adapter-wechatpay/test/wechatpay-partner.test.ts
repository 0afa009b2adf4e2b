/**
 * Partner mode (服务商模式, issue 23): the partner endpoints, sub_mchid in bodies and queries, the
 * app id of the buyer's step, replies bound to the sub-merchant, notifications reporting it.
 */
import { createPublicKey } from 'node:crypto';
import {
  ProviderApiError,
  SignatureVerificationError,
  toNotificationRequest,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { wechatpay } from '../src/index.js';
import { verifyWechatpayMessage, wechatpaySigningMessage } from '../src/protocol/index.js';
import { fixture } from './helpers.js';
import { account, orderOf, paymentRequest } from './requests.js';
import { MERCHANT, partnerSandboxed, SERVICE_PROVIDER, SUB_A, SUB_B, sandboxed } from './sandbox-setup.js';

const merchantPublicKey = createPublicKey(fixture('wechatpay-java/merchant_certificate.pem'));
const A = account(SUB_A);
const B = account(SUB_B);

describe('partner mode: who a call is for', () => {
  it('declares merchants; a direct-mode provider refuses a merchant and a partner-mode one requires it', async () => {
    const direct = sandboxed().provider;
    const { provider } = partnerSandboxed();
    expect(provider.capabilities.merchants).toBe(true);
    expect(direct.capabilities.merchants).toBe(false);
    const refused = await rejectionOf(direct.createPayment(paymentRequest({ merchant: A })));
    expect(ValidationError.isInstance(refused) && refused.field).toBe('merchant');
    const missing = await rejectionOf(provider.createPayment(paymentRequest()));
    expect(ValidationError.isInstance(missing) && missing.field).toBe('merchant');
    expect(() => provider.validatePayment(paymentRequest())).toThrow(/partner mode/);
    const disabled = await rejectionOf(provider.createPayment(paymentRequest({ merchant: { ...A, enabled: false } })));
    expect(ValidationError.isInstance(disabled) && disabled.field).toBe('merchant');
  });

  it('refuses partner-only options in direct mode and direct-only ones in partner mode, at run time too', () => {
    const base = {
      ...MERCHANT,
      wechatpayPublicKey: sandboxed().sandbox.wechatpayPublicKey,
      wechatpayPublicKeyId: 'PUB_KEY_ID_01',
    };
    expect(() => wechatpay({ ...base, spMchId: '1900000100' } as never)).toThrow(/spMchId/);
    const { mchId: _m, appId: _a, ...keys } = base;
    expect(() => wechatpay({ ...keys, mode: 'partner', ...SERVICE_PROVIDER, appId: MERCHANT.appId } as never)).toThrow(
      /appId/,
    );
    expect(() => wechatpay({ ...keys, mode: 'partner', spMchId: '1900000100' } as never)).toThrow(/spAppId/);
  });
});

describe('partner mode: payments', () => {
  it('native: POST /v3/pay/partner/transactions/native with sp_appid, sp_mchid, sub_appid, sub_mchid, signed by the service provider', async () => {
    const { provider, requests } = partnerSandboxed();
    const request = paymentRequest({ merchant: A, split: true });
    const { action } = await provider.createPayment(request);
    expect(action.type).toBe('qr');
    const sent = requests.at(-1) as (typeof requests)[number];
    expect(new URL(sent.url).pathname).toBe('/v3/pay/partner/transactions/native');
    expect(sent.body).toBe(
      JSON.stringify({
        sp_appid: SERVICE_PROVIDER.spAppId,
        sp_mchid: SERVICE_PROVIDER.spMchId,
        sub_appid: A.fields.subAppId,
        sub_mchid: A.accountId,
        description: '龙井 250g',
        out_trade_no: request.orderId,
        amount: { total: 1999, currency: 'CNY' },
        notify_url: 'https://shop.example/webhooks/wechatpay',
        settle_info: { profit_sharing: true },
      }),
    );
    expect(sent.headers.get('authorization')).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="1234567891",/);
  });

  it('jsapi under the sub-merchant app: payer.sub_openid, and the bridge parameters signed under sub_appid', async () => {
    const { provider, sandbox, requests } = partnerSandboxed();
    const { action } = await provider.createPayment(
      paymentRequest({ merchant: A, method: 'jsapi', buyerId: 'oSubOpenid000000000000000001' }),
    );
    const body = JSON.parse(requests.at(-1)?.body ?? '{}');
    expect(body.payer).toEqual({ sub_openid: 'oSubOpenid000000000000000001' });
    expect(body.sub_appid).toBe(A.fields.subAppId);
    if (action.type !== 'jsapi') throw new Error('not a jsapi action');
    const params = action.params as Record<string, string>;
    expect(params.appId).toBe(A.fields.subAppId);
    const message = wechatpaySigningMessage([
      params.appId as string,
      params.timeStamp as string,
      params.nonceStr as string,
      params.package as string,
    ]);
    expect(verifyWechatpayMessage(message, params.paySign as string, merchantPublicKey)).toBe(true);
    sandbox.open(action); // WeChat's client checks the app of the payer
  });

  it("jsapi under the service provider's app (buyerApp: 'sp', or a sub-merchant without one): payer.sp_openid and sp_appid", async () => {
    const { provider, sandbox, requests } = partnerSandboxed();
    for (const [merchant, providerOptions] of [
      [A, { buyerApp: 'sp' }],
      [B, {}],
    ] as const) {
      const { action } = await provider.createPayment(
        paymentRequest({ merchant, method: 'jsapi', buyerId: 'oSpOpenid0000000000000000001', providerOptions }),
      );
      expect(JSON.parse(requests.at(-1)?.body ?? '{}').payer).toEqual({ sp_openid: 'oSpOpenid0000000000000000001' });
      if (action.type !== 'jsapi') throw new Error('not a jsapi action');
      expect((action.params as Record<string, string>).appId).toBe(SERVICE_PROVIDER.spAppId);
      sandbox.open(action);
    }
    const noSubApp = await rejectionOf(
      provider.createPayment(
        paymentRequest({ merchant: B, method: 'jsapi', buyerId: 'o1', providerOptions: { buyerApp: 'sub' } }),
      ),
    );
    expect(ValidationError.isInstance(noSubApp) && noSubApp.field).toBe('providerOptions.buyerApp');
  });

  it('app: the PayReq names the sub-merchant (partnerid = sub_mchid) and its app', async () => {
    const { provider, sandbox } = partnerSandboxed();
    const { action } = await provider.createPayment(paymentRequest({ merchant: A, method: 'app' }));
    if (action.type !== 'app' || typeof action.payload === 'string') throw new Error('not an app action');
    expect(action.payload).toMatchObject({ appid: A.fields.subAppId, partnerid: A.accountId });
    sandbox.open(action);
  });

  it('pos: /v3/pay/partner/transactions/codepay, its reply bound to the sub-merchant', async () => {
    const { provider, requests } = partnerSandboxed();
    const result = await provider.createPayment(
      paymentRequest({ merchant: B, method: 'pos', authCode: '134567890123456789', notifyUrl: null }),
    );
    expect(new URL(requests.at(-1)?.url ?? '').pathname).toBe('/v3/pay/partner/transactions/codepay');
    expect(result.status?.type).toBe('payment.succeeded');
  });

  it('query by out-trade-no with sp_mchid and sub_mchid; close with both in the body', async () => {
    const { provider, requests } = partnerSandboxed();
    const request = paymentRequest({ merchant: A });
    await provider.createPayment(request);
    const order = orderOf(request);
    expect((await provider.queryPayment({ orderId: order.id, order, merchant: A })).type).toBe('payment.pending');
    expect(new URL(requests.at(-1)?.url ?? '').pathname + new URL(requests.at(-1)?.url ?? '').search).toBe(
      `/v3/pay/partner/transactions/out-trade-no/${order.id}?sp_mchid=${SERVICE_PROVIDER.spMchId}&sub_mchid=${A.accountId}`,
    );
    await provider.closePayment({ orderId: order.id, order, merchant: A });
    expect(new URL(requests.at(-1)?.url ?? '').pathname).toBe(
      `/v3/pay/partner/transactions/out-trade-no/${order.id}/close`,
    );
    expect(requests.at(-1)?.body).toBe(JSON.stringify({ sp_mchid: SERVICE_PROVIDER.spMchId, sub_mchid: A.accountId }));
  });

  it("refuses a query reply naming another sub_mchid (a reply for B's trade is no answer about A's)", async () => {
    const { provider, sandbox } = partnerSandboxed();
    const request = paymentRequest({ merchant: A });
    await provider.createPayment(request);
    const order = orderOf(request);
    const genuine = sandbox.trade(request.orderId);
    if (!genuine) throw new Error('no trade');
    sandbox.serveOnce(/out-trade-no/, {
      body: {
        sp_appid: SERVICE_PROVIDER.spAppId,
        sp_mchid: SERVICE_PROVIDER.spMchId,
        sub_mchid: B.accountId,
        out_trade_no: order.id,
        transaction_id: genuine.transactionId,
        trade_state: 'SUCCESS',
        amount: { total: 1999, currency: 'CNY' },
      },
    });
    const error = await rejectionOf(provider.queryPayment({ orderId: order.id, order, merchant: A }));
    expect(UnexpectedResponseError.isInstance(error) && error.field).toBe('response.sub_mchid');
  });

  it('a sub_mchid the service provider has no relation with is refused by the wallet (NO_AUTH)', async () => {
    const { provider } = partnerSandboxed();
    const stranger = { ...A, accountId: '1900000999', fields: {} };
    const error = await rejectionOf(provider.createPayment(paymentRequest({ merchant: stranger })));
    expect(ProviderApiError.isInstance(error) && [error.providerCode, error.normalizedCode]).toEqual([
      'NO_AUTH',
      'permission_denied',
    ]);
  });

  it("a sub-merchant cannot read another's trade: B's out_trade_no under A is not found", async () => {
    const { provider } = partnerSandboxed();
    const request = paymentRequest({ merchant: B });
    await provider.createPayment(request);
    const order = orderOf(request);
    const error = await rejectionOf(provider.queryPayment({ orderId: order.id, order, merchant: A }));
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('not_found');
  });

  it('refunds with sub_mchid in the body and the refund query with ?sub_mchid=', async () => {
    const { provider, sandbox, requests } = partnerSandboxed();
    const request = paymentRequest({ merchant: A });
    await provider.createPayment(request);
    sandbox.pay(request.orderId);
    const trade = sandbox.trade(request.orderId);
    const order = orderOf(request, { status: 'paid', providerTransactionId: trade?.transactionId ?? null });
    const refund = await provider.refund({
      orderId: order.id,
      order,
      merchant: A,
      refundId: 'r1',
      amount: 500,
      reason: null,
    });
    expect(refund.type).toBe('refund.pending');
    expect(JSON.parse(requests.at(-1)?.body ?? '{}')).toMatchObject({ sub_mchid: A.accountId, out_refund_no: 'r1' });
    expect(Object.keys(JSON.parse(requests.at(-1)?.body ?? '{}'))[0]).toBe('sub_mchid');
    await provider.queryRefund({ orderId: order.id, order, merchant: A, refundId: 'r1' });
    const url = new URL(requests.at(-1)?.url ?? '');
    expect(url.pathname + url.search).toBe(`/v3/refund/domestic/refunds/r1?sub_mchid=${A.accountId}`);
    const settled = await provider.verifyNotification(toNotificationRequest(sandbox.settleRefund(order.id, 'r1')));
    expect(settled.account).toBe(A.accountId);
  });
});

describe('partner mode: notifications', () => {
  it("reports the sub_mchid the wallet signed as the notification's account", async () => {
    const { provider, sandbox } = partnerSandboxed();
    const request = paymentRequest({ merchant: A, method: 'jsapi', buyerId: 'oSubOpenid000000000000000001' });
    await provider.createPayment(request);
    const verified = await provider.verifyNotification(toNotificationRequest(sandbox.pay(request.orderId)));
    expect(verified.account).toBe(A.accountId);
    expect(verified.event).toMatchObject({ type: 'payment.succeeded', orderId: request.orderId, amount: 1999 });
    expect(verified.event.type === 'payment.succeeded' && verified.event.buyerId).toBe('oSubOpenid000000000000000001');
  });

  it("B's genuine notification replayed for A is reported as B's (the facade binds the account to A's order and refuses it)", async () => {
    const { provider, sandbox } = partnerSandboxed();
    const forB = paymentRequest({ merchant: B });
    await provider.createPayment(forB);
    const genuine = sandbox.pay(forB.orderId);
    const verified = await provider.verifyNotification(toNotificationRequest(genuine));
    expect(verified.account).toBe(B.accountId);
    expect(verified.account).not.toBe(A.accountId);
  });

  it("refuses a genuine notification for another service provider (sp_mchid not ours), and a direct merchant's", async () => {
    const { provider, sandbox } = partnerSandboxed();
    const request = paymentRequest({ merchant: A });
    await provider.createPayment(request);
    const foreign = await rejectionOf(
      provider.verifyNotification(toNotificationRequest(sandbox.hostile.foreignNotification(request.orderId))),
    );
    expect(SignatureVerificationError.isInstance(foreign) && foreign.reason).toBe('wrong_recipient');
    // The same merchant id's own direct-mode notification (mchid, no sp_mchid) is not one for its sub-merchants.
    const direct = wechatpay({
      ...MERCHANT,
      wechatpayPublicKey: sandbox.wechatpayPublicKey,
      wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    });
    const directRequest = paymentRequest();
    await direct.createPayment(directRequest);
    const notification = sandbox.pay(directRequest.orderId);
    expect((await direct.verifyNotification(toNotificationRequest(notification))).account).toBeUndefined();
    const refused = await rejectionOf(provider.verifyNotification(toNotificationRequest(notification)));
    expect(SignatureVerificationError.isInstance(refused) && refused.reason).toBe('wrong_recipient');
  });
});
