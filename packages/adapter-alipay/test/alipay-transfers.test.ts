import {
  ProviderApiError,
  SignatureVerificationError,
  toNotificationRequest,
  UnexpectedResponseError,
  UnsupportedOperationError,
  ValidationError,
} from '@hutong/core';
import type { Transfer, TransferPayee } from '@hutong/core/provider-utils';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { alipay } from '../src/index.js';
import { createAlipaySandbox } from '../src/sandbox/index.js';
import { memoryDirectory } from './isv-setup.js';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY, sandboxed } from './sandbox-setup.js';

const PAYEE: TransferPayee = { type: 'userId', account: '2088101126765726' };

function transfer(id: string, amount: number, payee: TransferPayee = PAYEE): Transfer {
  const at = new Date().toISOString();
  return {
    id,
    provider: 'alipay',
    merchant: null,
    amount,
    currency: 'CNY',
    payee,
    remark: '佣金',
    status: 'created',
    providerTransferId: null,
    confirmation: null,
    failReason: null,
    providerOptions: {},
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
}

/** A provider in certificate mode on a sandbox (Alipay's fund transfers need it). */
function certSandboxed() {
  const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
  const requests: { url: string; body: string }[] = [];
  const hooked: string[] = [];
  const provider = alipay({
    appId: APP_ID,
    privateKey: APP_PRIVATE_KEY,
    ...sandbox.certificates(),
    endpoint: sandbox.baseUrl,
    fetch: async (input, init) => {
      requests.push({ url: String(input), body: String(init?.body ?? '') });
      return sandbox.fetch(input, init);
    },
    hooks: {
      onRequest: (r) => void hooked.push(JSON.stringify(r)),
      onResponse: (r) => void hooked.push(JSON.stringify(r)),
    },
    appAuth: { directory: memoryDirectory() },
  });
  const lastParams = () => {
    const last = requests.at(-1) as { url: string; body: string };
    return Object.fromEntries(new URLSearchParams(`${new URL(last.url).search.slice(1)}&${last.body}`));
  };
  return { sandbox, provider, requests, lastParams, hooked };
}

describe('transfers (转账)', () => {
  it('are refused in public-key mode before any request, naming certificate mode', async () => {
    const { provider, requests } = sandboxed();
    const error = await rejectionOf(provider.transfer({ transfer: transfer('payout0001', 500), notifyUrl: null }));
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('certificate mode');
    expect(requests).toHaveLength(0);
    const query = await rejectionOf(provider.queryTransfer({ transfer: transfer('payout0001', 500), notifyUrl: null }));
    expect(UnsupportedOperationError.isInstance(query)).toBe(true);
  });

  it('pays a user id: TRANS_ACCOUNT_NO_PWD / DIRECT_TRANSFER, amount in yuan, confirmed by the query', async () => {
    const { provider, requests, lastParams } = certSandboxed();
    const event = await provider.transfer({ transfer: transfer('payout0002', 12345), notifyUrl: null });
    const methods = requests.map((r) => new URL(r.url).searchParams.get('method'));
    expect(methods).toEqual(['alipay.fund.trans.uni.transfer', 'alipay.fund.trans.common.query']);
    const sent = Object.fromEntries(
      new URLSearchParams(`${new URL(requests[0]?.url ?? '').search.slice(1)}&${requests[0]?.body}`),
    );
    expect(sent.app_cert_sn).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(sent.biz_content ?? '')).toEqual({
      out_biz_no: 'payout0002',
      trans_amount: '123.45',
      product_code: 'TRANS_ACCOUNT_NO_PWD',
      biz_scene: 'DIRECT_TRANSFER',
      order_title: '佣金',
      payee_info: { identity: '2088101126765726', identity_type: 'ALIPAY_USER_ID' },
      remark: '佣金',
    });
    expect(event).toMatchObject({
      type: 'transfer.status',
      transferId: 'payout0002',
      amount: 12345,
      status: 'succeeded',
    });
    expect(event.providerTransferId).toMatch(/^\d+/);
    expect(lastParams().method).toBe('alipay.fund.trans.common.query');
    expect(await provider.queryTransfer({ transfer: transfer('payout0002', 12345), notifyUrl: null })).toEqual(event);
  });

  it('requires the payee’s name for a login id, sends it, and never shows it to hooks', async () => {
    const { provider, requests, hooked } = certSandboxed();
    const byLogin = transfer('payout0003', 100, { type: 'loginId', account: 'payee@example.com' });
    const missing = await rejectionOf(provider.transfer({ transfer: byLogin, notifyUrl: null }));
    expect(ValidationError.isInstance(missing) && missing.field).toBe('payee.name');
    expect(requests).toHaveLength(0);
    const named = { ...byLogin, payee: { ...byLogin.payee, name: '张三丰' } };
    await provider.transfer({ transfer: named, notifyUrl: null });
    expect(JSON.parse(new URLSearchParams(requests[0]?.body).get('biz_content') ?? '').payee_info).toEqual({
      identity: 'payee@example.com',
      identity_type: 'ALIPAY_LOGON_ID',
      name: '张三丰',
    });
    const seen = hooked.join('\n');
    expect(seen).toContain('alipay.fund.trans.uni.transfer');
    expect(seen).not.toContain('张三丰');
    expect(seen).not.toContain(encodeURIComponent('张三丰'));
  });

  it('refuses an openid payee (WeChat’s) before anything is sent', async () => {
    const { provider, requests } = certSandboxed();
    const error = await rejectionOf(
      provider.transfer({ transfer: transfer('payout0004', 100, { type: 'openid', account: 'o1' }), notifyUrl: null }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('payee.type');
    expect(requests).toHaveLength(0);
  });

  it('insufficient balance is Alipay’s refusal PAYER_BALANCE_NOT_ENOUGH, insufficient_balance, and nothing is paid', async () => {
    const { provider, sandbox } = certSandboxed();
    sandbox.setTransferBalance(999);
    const error = await rejectionOf(provider.transfer({ transfer: transfer('payout0005', 1000), notifyUrl: null }));
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('PAYER_BALANCE_NOT_ENOUGH');
    expect(ProviderApiError.isInstance(error) && error.normalizedCode).toBe('insufficient_balance');
    const query = await rejectionOf(
      provider.queryTransfer({ transfer: transfer('payout0005', 1000), notifyUrl: null }),
    );
    expect(ProviderApiError.isInstance(query) && query.normalizedCode).toBe('not_found');
  });

  it('a transfer that fails later: processing, then the verified order.changed message says failed', async () => {
    const { provider, sandbox } = certSandboxed();
    sandbox.holdMoneyMovement({ transfers: true });
    const sent = await provider.transfer({ transfer: transfer('payout0006', 800), notifyUrl: null });
    expect(sent.status).toBe('processing');
    const message = sandbox.finishTransfer('payout0006', { fail: '收款账户状态异常' });
    const { event, account } = await provider.verifyMovementNotification(toNotificationRequest(message));
    expect(account).toBeUndefined();
    expect(event).toMatchObject({
      type: 'transfer.status',
      transferId: 'payout0006',
      amount: 800,
      status: 'failed',
      failReason: '收款账户状态异常',
    });
    expect((await provider.queryTransfer({ transfer: transfer('payout0006', 800), notifyUrl: null })).status).toBe(
      'failed',
    );
  });

  it('refuses a reply for another out_biz_no, and a query reporting another amount', async () => {
    const { provider, sandbox } = certSandboxed();
    sandbox.alterNextReply('alipay.fund.trans.uni.transfer', (node) => ({ ...node, out_biz_no: 'payout9999' }));
    const other = await rejectionOf(provider.transfer({ transfer: transfer('payout0007', 500), notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(other) && other.reason).toBe('mismatch');
    sandbox.alterNextReply('alipay.fund.trans.common.query', (node) => ({ ...node, trans_amount: '5.01' }));
    const changed = await rejectionOf(
      provider.queryTransfer({ transfer: transfer('payout0007', 500), notifyUrl: null }),
    );
    expect(UnexpectedResponseError.isInstance(changed) && changed.reason).toBe('mismatch');
    // The same out_biz_no with another amount: Alipay refuses it (PAYMENT_INFO_INCONSISTENCY), and
    // the query finds the first transfer, of another amount: neither outcome is this request's.
    const reused = await rejectionOf(provider.transfer({ transfer: transfer('payout0007', 600), notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(reused) && reused.reason).toBe('mismatch');
    expect(
      UnexpectedResponseError.isInstance(reused) &&
        ProviderApiError.isInstance(reused.cause) &&
        reused.cause.providerCode,
    ).toBe('PAYMENT_INFO_INCONSISTENCY');
  });

  it('a success whose query reports another amount is not taken', async () => {
    const { provider, sandbox } = certSandboxed();
    sandbox.alterNextReply('alipay.fund.trans.common.query', (node) => ({ ...node, trans_amount: '9.99' }));
    const event = await provider.transfer({ transfer: transfer('payout0008', 500), notifyUrl: null });
    expect(event.status).toBe('processing');
  });

  it('refuses a forged transfer message and one for another app', async () => {
    const { provider, sandbox } = certSandboxed();
    sandbox.holdMoneyMovement({ transfers: true });
    await provider.transfer({ transfer: transfer('payout0009', 800), notifyUrl: null });
    const message = sandbox.finishTransfer('payout0009');
    const body = String(message.body).replace('8.00', '9.00');
    expect(body).not.toBe(String(message.body));
    const forged = await rejectionOf(provider.verifyMovementNotification(toNotificationRequest({ ...message, body })));
    expect(SignatureVerificationError.isInstance(forged)).toBe(true);
  });

  it('a merchant’s transfer carries its token and its message names the merchant', async () => {
    const { provider, sandbox, lastParams } = certSandboxed();
    const merchant = sandbox.addMerchant();
    const token = await provider
      .authorization({ directory: memoryDirectory(), redirectUri: 'https://p.example/cb', stateSecret: 'x'.repeat(32) })
      .exchange(
        new URL(sandbox.authorizeMerchant(merchant.authAppId, 'https://p.example/cb')).searchParams.get(
          'app_auth_code',
        ) as string,
      );
    const account = {
      merchant: 'shop-a',
      provider: 'alipay',
      accountId: token.authAppId,
      enabled: true,
      fields: { appAuthToken: token.appAuthToken },
    };
    sandbox.holdMoneyMovement({ transfers: true });
    await provider.transfer({ transfer: transfer('payout0010', 300), merchant: account, notifyUrl: null });
    expect(lastParams().app_auth_token).toBe(token.appAuthToken);
    const message = sandbox.finishTransfer('payout0010', { authAppId: merchant.authAppId });
    const verified = await provider.verifyMovementNotification(toNotificationRequest(message));
    expect(verified.account).toBe(merchant.authAppId);
    expect(verified.event).toMatchObject({ status: 'succeeded', amount: 300 });
  });
});
