/**
 * Merchant transfers in partner mode (服务商, https://pay.weixin.qq.com/doc/v3/partner/4015469096)
 * on the sandbox: the sub-merchant's authorisation first, then a bill paid from its account
 * (`sub_mchid`), confirmed, cancelled, failing later; replies and notifications bound to the bill
 * and to the sub-merchant (through the facade too); the request byte for byte against our own
 * vector (`fixtures/partner-transfer-request.json`); the payee's name encrypted and never in a
 * hook or an error.
 */
import { createPublicKey } from 'node:crypto';
import {
  createMemoryMerchantDirectory,
  createPayments,
  MerchantError,
  ProviderApiError,
  SignatureVerificationError,
  toNotificationRequest,
  UnexpectedResponseError,
  UnsupportedOperationError,
  ValidationError,
} from '@hutong/core';
import type { MerchantAccount, RedactedRequest, RedactedResponse, Transfer } from '@hutong/core/provider-utils';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { wechatpay } from '../src/index.js';
import { parseWechatpayAuthorization, verifyWechatpayMessage, wechatpaySigningMessage } from '../src/protocol/index.js';
import { fixture } from './helpers.js';
import { account } from './requests.js';
import { MERCHANT, partnerSandboxed, SERVICE_PROVIDER, SUB_A, SUB_B, sandboxed } from './sandbox-setup.js';

const A = account(SUB_A);
const B = account(SUB_B);
const NAME = '张三丰';
const at = '2026-01-01T00:00:00.000Z';
const merchantPublicKey = createPublicKey(fixture('wechatpay-java/merchant_certificate.pem'));

const VECTOR = JSON.parse(fixture('partner-transfer-request.json')) as {
  input: {
    merchant: MerchantAccount;
    transfer: Pick<Transfer, 'id' | 'amount' | 'payee' | 'remark' | 'providerOptions'>;
    notifyUrl: string;
  };
  expected: {
    method: string;
    path: string;
    body_with_user_name_decrypted: string;
    query_path: string;
    cancel_path: string;
    cancel_body: string;
  };
};

function transferOf(id: string, overrides: Partial<Transfer> = {}): Transfer {
  return {
    id,
    provider: 'wechatpay',
    merchant: 'shop-a',
    amount: 500,
    currency: 'CNY',
    payee: { type: 'openid', account: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    remark: '佣金',
    status: 'created',
    providerTransferId: null,
    confirmation: null,
    failReason: null,
    providerOptions: {
      sceneId: '1005',
      sceneReports: [
        { type: '岗位类型', content: '外卖员' },
        { type: '报酬说明', content: '7月份配送费' },
      ],
    },
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

type Sent = { method: string; url: string; body: string; headers: Headers };

function expectSigned(sent: Sent): void {
  const auth = parseWechatpayAuthorization(sent.headers.get('authorization') ?? undefined);
  if (!auth) throw new Error('no Authorization');
  const url = new URL(sent.url);
  const message = wechatpaySigningMessage([
    sent.method,
    url.pathname + url.search,
    auth.timestamp,
    auth.nonce_str,
    sent.body,
  ]);
  expect(verifyWechatpayMessage(message, auth.signature, merchantPublicKey)).toBe(true);
  expect(auth.mchid).toBe(SERVICE_PROVIDER.spMchId);
}

/** A partner-mode provider on a sandbox where `authorised` sub-merchants have authorised transfers. */
async function authorisedSandbox(
  authorised: readonly MerchantAccount[] = [A, B],
  options: Parameters<typeof partnerSandboxed>[0] = {},
) {
  const context = partnerSandboxed(options);
  for (const merchant of authorised) {
    await context.provider.transfers.authorizeSubMerchant({ merchant, applyId: `auth${merchant.accountId}` });
    context.sandbox.acceptTransferAuthorization(merchant.accountId);
  }
  return context;
}

describe('partner mode: the sub-merchant authorises transfers first', () => {
  it('sub-mch-authorizations: INVITED until the sub-merchant accepts, then AUTHORIZED; transfers refused before', async () => {
    const { provider, sandbox, requests } = partnerSandboxed();
    const before = await rejectionOf(
      provider.transfer({ transfer: transferOf('ptnrAuth0001'), merchant: A, notifyUrl: null }),
    );
    expect(ProviderApiError.isInstance(before) && [before.providerCode, before.normalizedCode]).toEqual([
      'NO_AUTH',
      'permission_denied',
    ]);
    const apply = await provider.transfers.authorizeSubMerchant({ merchant: A, applyId: 'auth0001' });
    const sent = requests.at(-1) as Sent;
    expect([sent.method, new URL(sent.url).pathname, sent.body]).toEqual([
      'POST',
      '/v3/fund-app/mch-transfer/partner/sub-mch-authorizations',
      JSON.stringify({ sub_mchid: A.accountId, out_apply_no: 'auth0001' }),
    ]);
    expectSigned(sent);
    expect(apply).toMatchObject({ subMchId: A.accountId, applyId: 'auth0001', state: 'INVITED' });
    expect(await provider.transfers.authorization({ merchant: A })).toMatchObject({
      subMchId: A.accountId,
      state: 'UNAUTHORIZED',
      apply: { applyId: 'auth0001', state: 'INVITED' },
    });
    expect(new URL(requests.at(-1)?.url ?? '').pathname).toBe(
      `/v3/fund-app/mch-transfer/partner/sub-mch-authorizations/${A.accountId}`,
    );
    sandbox.acceptTransferAuthorization(A.accountId);
    expect(await provider.transfers.authorization({ merchant: A })).toMatchObject({
      state: 'AUTHORIZED',
      apply: { state: 'PASSED' },
    });
    const after = await provider.transfer({ transfer: transferOf('ptnrAuth0002'), merchant: A, notifyUrl: null });
    expect(after.status).toBe('pending_confirmation');
  });

  it('refuses an authorisation reply about another sub-merchant, and authorisation in direct mode', async () => {
    const { provider, sandbox } = partnerSandboxed();
    sandbox.serveOnce(/sub-mch-authorizations/, {
      body: {
        sub_mchid: B.accountId,
        out_apply_no: 'auth0003',
        state: 'INVITED',
        accept_time: '2025-08-01T10:00:00+08:00',
      },
    });
    const other = await rejectionOf(provider.transfers.authorizeSubMerchant({ merchant: A, applyId: 'auth0003' }));
    expect(UnexpectedResponseError.isInstance(other) && [other.reason, other.field]).toEqual([
      'mismatch',
      'response.sub_mchid',
    ]);
    const bad = await rejectionOf(provider.transfers.authorizeSubMerchant({ merchant: A, applyId: 'auth-0004' }));
    expect(ValidationError.isInstance(bad) && bad.field).toBe('applyId');
    // A direct merchant has no sub-merchants to authorise: the mode, not the input, is wrong.
    const direct = sandboxed().provider;
    const refused = await rejectionOf(direct.transfers.authorizeSubMerchant({ merchant: A, applyId: 'auth0005' }));
    expect(UnsupportedOperationError.isInstance(refused)).toBe(true);
  });
});

describe('partner mode: merchant transfers (/v3/fund-app/mch-transfer/partner/)', () => {
  it('the request byte for byte (our vector WX-C-PT1): sub_mchid, the sub-merchant’s appid, user_name encrypted under the serial it names', async () => {
    const { provider, sandbox, requests } = await authorisedSandbox();
    const { input, expected } = VECTOR;
    const transfer = transferOf(input.transfer.id, { ...input.transfer });
    const event = await provider.transfer({ transfer, merchant: input.merchant, notifyUrl: input.notifyUrl });
    const sent = requests.at(-1) as Sent;
    expect([sent.method, new URL(sent.url).pathname]).toEqual([expected.method, expected.path]);
    expect(sent.headers.get('wechatpay-serial')).toBe(sandbox.wechatpayPublicKeyId);
    const body = JSON.parse(sent.body) as { user_name: string };
    expect(body.user_name).not.toContain(NAME);
    expect(sent.body.replace(body.user_name, sandbox.decryptSensitive(body.user_name))).toBe(
      expected.body_with_user_name_decrypted,
    );
    expectSigned(sent);
    expect(event).toMatchObject({
      type: 'transfer.status',
      transferId: input.transfer.id,
      amount: input.transfer.amount,
      status: 'pending_confirmation',
    });
    expect(event.confirmation).toBe(sandbox.transferBill(input.transfer.id, A.accountId)?.packageInfo);
    expect(sandbox.transferBill(input.transfer.id, A.accountId)?.userName).toBe(NAME);

    await provider.queryTransfer({ transfer, merchant: input.merchant, notifyUrl: null });
    const query = requests.at(-1) as Sent;
    expect([query.method, new URL(query.url).pathname + new URL(query.url).search]).toEqual([
      'GET',
      expected.query_path,
    ]);
    expectSigned(query);
    await provider.cancelTransfer({ transfer, merchant: input.merchant, notifyUrl: null });
    const cancel = requests.at(-1) as Sent;
    expect([cancel.method, new URL(cancel.url).pathname, cancel.body]).toEqual([
      'POST',
      expected.cancel_path,
      expected.cancel_body,
    ]);
    expectSigned(cancel);
  });

  it("a sub-merchant without an app of its own: appid is the service provider's; providerOptions.appId may choose either, nothing else", async () => {
    const { provider, requests } = await authorisedSandbox();
    await provider.transfer({ transfer: transferOf('ptnrApp0001'), merchant: B, notifyUrl: null });
    expect(JSON.parse(requests.at(-1)?.body ?? '{}')).toMatchObject({
      sub_mchid: B.accountId,
      appid: SERVICE_PROVIDER.spAppId,
    });
    const sp = transferOf('ptnrApp0002', {
      providerOptions: { ...transferOf('x').providerOptions, appId: SERVICE_PROVIDER.spAppId },
    });
    await provider.transfer({ transfer: sp, merchant: A, notifyUrl: null });
    expect(JSON.parse(requests.at(-1)?.body ?? '{}')).toMatchObject({
      sub_mchid: A.accountId,
      appid: SERVICE_PROVIDER.spAppId,
    });
    const count = requests.length;
    const stranger = transferOf('ptnrApp0003', {
      providerOptions: { ...transferOf('x').providerOptions, appId: 'wx9999999999999999' },
    });
    const error = await rejectionOf(provider.transfer({ transfer: stranger, merchant: A, notifyUrl: null }));
    expect(ValidationError.isInstance(error) && error.field).toBe('providerOptions.appId');
    // Partner mode needs the paying sub-merchant, as payments do: refused before anything is sent.
    const none = await rejectionOf(provider.transfer({ transfer: transferOf('ptnrApp0004'), notifyUrl: null }));
    expect(ValidationError.isInstance(none) && none.field).toBe('merchant');
    expect(requests.length).toBe(count);
  });

  it('WAIT_USER_CONFIRM → the payee confirms → succeeded, by notification (account = sub_mchid) and by query', async () => {
    const { provider, sandbox } = await authorisedSandbox();
    const transfer = transferOf('ptnrPay0001');
    expect((await provider.transfer({ transfer, merchant: A, notifyUrl: null })).status).toBe('pending_confirmation');
    const confirmed = await provider.verifyMovementNotification(
      toNotificationRequest(sandbox.confirmTransfer('ptnrPay0001')),
    );
    expect(confirmed.account).toBe(A.accountId);
    expect(confirmed.event).toMatchObject({
      type: 'transfer.status',
      transferId: 'ptnrPay0001',
      amount: 500,
      status: 'succeeded',
    });
    expect(await provider.queryTransfer({ transfer, merchant: A, notifyUrl: null })).toMatchObject({
      status: 'succeeded',
      amount: 500,
    });
  });

  it('cancel while unconfirmed; a bill that fails later; another sub-merchant’s bill is not found; an unbound sub_mchid is NO_AUTH', async () => {
    const { provider, sandbox } = await authorisedSandbox();
    const cancel = transferOf('ptnrCancel01');
    await provider.transfer({ transfer: cancel, merchant: A, notifyUrl: null });
    expect((await provider.cancelTransfer({ transfer: cancel, merchant: A, notifyUrl: null })).status).toBe(
      'cancelled',
    );
    const later = transferOf('ptnrFail0001');
    await provider.transfer({ transfer: later, merchant: A, notifyUrl: null });
    const failed = await provider.verifyMovementNotification(
      toNotificationRequest(sandbox.failTransfer('ptnrFail0001')),
    );
    expect([failed.account, failed.event]).toMatchObject([
      A.accountId,
      { status: 'failed', failReason: 'PAYEE_ACCOUNT_ABNORMAL' },
    ]);
    expect(await provider.queryTransfer({ transfer: later, merchant: A, notifyUrl: null })).toMatchObject({
      status: 'failed',
      failReason: 'PAYEE_ACCOUNT_ABNORMAL',
    });
    const notMine = await rejectionOf(provider.queryTransfer({ transfer: later, merchant: B, notifyUrl: null }));
    expect(ProviderApiError.isInstance(notMine) && notMine.normalizedCode).toBe('not_found');
    // Not bound to the service provider: NO_AUTH, and the query that checks the refusal is refused
    // too, which means no bill of ours can exist there: the refusal stands (the transfer fails).
    const stranger = { ...A, accountId: '1900000999', fields: {} };
    const unbound = await rejectionOf(
      provider.transfer({ transfer: transferOf('ptnrNoAuth01'), merchant: stranger, notifyUrl: null }),
    );
    expect(ProviderApiError.isInstance(unbound) && [unbound.providerCode, unbound.normalizedCode]).toEqual([
      'NO_AUTH',
      'permission_denied',
    ]);
    const query = await rejectionOf(
      provider.queryTransfer({ transfer: transferOf('ptnrNoAuth01'), merchant: stranger, notifyUrl: null }),
    );
    expect(ProviderApiError.isInstance(query) && [query.providerCode, query.normalizedCode]).toEqual([
      'NO_AUTH',
      'not_found',
    ]);
  });

  it('refuses a reply naming another sub_mchid, one naming none, and a direct-mode reply naming one', async () => {
    const { provider, sandbox } = await authorisedSandbox();
    const transfer = transferOf('ptnrReply001');
    await provider.transfer({ transfer, merchant: A, notifyUrl: null });
    const reply = (sub: string | undefined) => ({
      ...(sub ? { sub_mchid: sub } : {}),
      mchid: SERVICE_PROVIDER.spMchId,
      out_bill_no: 'ptnrReply001',
      transfer_bill_no: '1330000071100999991182020050700019480001',
      appid: SUB_A.fields.subAppId,
      state: 'SUCCESS',
      transfer_amount: 500,
      transfer_remark: '佣金',
      create_time: '2025-08-01T10:00:00+08:00',
      update_time: '2025-08-01T10:05:00+08:00',
    });
    sandbox.serveOnce(/out-bill-no/, { body: reply(B.accountId) });
    const other = await rejectionOf(provider.queryTransfer({ transfer, merchant: A, notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(other) && [other.reason, other.field]).toEqual([
      'mismatch',
      'response.sub_mchid',
    ]);
    sandbox.serveOnce(/out-bill-no/, { body: reply(undefined) });
    const none = await rejectionOf(provider.queryTransfer({ transfer, merchant: A, notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(none) && [none.reason, none.field]).toEqual([
      'malformed',
      'response.sub_mchid',
    ]);
    sandbox.serveOnce(/out-bill-no/, { body: { ...reply(A.accountId), mchid: '1900000001' } });
    const provider2 = await rejectionOf(provider.queryTransfer({ transfer, merchant: A, notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(provider2) && provider2.field).toBe('response.mchid');
    sandbox.serveOnce(/cancel/, { body: { ...reply(B.accountId), state: 'CANCELLED' } });
    const cancel = await rejectionOf(provider.cancelTransfer({ transfer, merchant: A, notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(cancel) && cancel.field).toBe('response.sub_mchid');
  });

  it('through the facade: a notification for another sub-merchant’s bill of the same number is refused (merchant_mismatch)', async () => {
    const { provider, sandbox } = await authorisedSandbox();
    const merchants = createMemoryMerchantDirectory([SUB_A, SUB_B]);
    const payments = createPayments({ providers: [provider], merchants });
    const mine = await payments.transfer({
      provider: 'wechatpay',
      merchant: 'shop-a',
      transferId: 'ptnrFacade01',
      amount: 500,
      payee: { type: 'openid', account: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      remark: '佣金',
      providerOptions: transferOf('x').providerOptions,
    });
    expect(mine.status).toBe('pending_confirmation');
    // B's bill under the same out_bill_no (sent past the facade), confirmed: a genuine message about B's bill.
    await provider.transfer({ transfer: transferOf('ptnrFacade01'), merchant: B, notifyUrl: null });
    const foreign = await payments.handleMovementNotification(
      'wechatpay',
      sandbox.confirmTransfer('ptnrFacade01', B.accountId),
    );
    expect(foreign.ok).toBe(false);
    expect(!foreign.ok && MerchantError.isInstance(foreign.error) && foreign.error.code).toBe('merchant_mismatch');
    expect((await payments.getTransfer('ptnrFacade01')).status).toBe('pending_confirmation');
    const own = await payments.handleMovementNotification(
      'wechatpay',
      sandbox.confirmTransfer('ptnrFacade01', A.accountId),
    );
    expect(own.ok).toBe(true);
    expect((await payments.getTransfer('ptnrFacade01')).status).toBe('succeeded');
  });

  it('a notification for another service provider is refused; the payee’s name never reaches hooks or errors', async () => {
    const seen: string[] = [];
    const hooks = {
      onRequest: (request: RedactedRequest) => seen.push(request.body, JSON.stringify(request.headers)),
      onResponse: (response: RedactedResponse) => seen.push(response.body),
    };
    const { provider, sandbox } = await authorisedSandbox([A], { hooks });
    const named = transferOf('ptnrName0001', { amount: 200_000, payee: { type: 'openid', account: 'o1', name: NAME } });
    await provider.transfer({ transfer: named, merchant: A, notifyUrl: null });
    sandbox.setTransferBalance(0);
    const error = await rejectionOf(
      provider.transfer({
        transfer: transferOf('ptnrName0002', { payee: { type: 'openid', account: 'o1', name: NAME } }),
        merchant: A,
        notifyUrl: null,
      }),
    );
    expect(ProviderApiError.isInstance(error) && error.providerCode).toBe('NOT_ENOUGH');
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(NAME);
    const everything = seen.join('\n');
    expect(everything).not.toContain(NAME);
    expect(everything).toMatch(/"user_name":"\[redacted\]"/);

    const genuine = sandbox.confirmTransfer('ptnrName0001');
    // The same wallet keys, another service provider id: the message is not for it.
    const otherProvider = wechatpay({
      mode: 'partner',
      spMchId: '1900000001',
      spAppId: SERVICE_PROVIDER.spAppId,
      privateKey: MERCHANT.privateKey,
      merchantSerialNo: MERCHANT.merchantSerialNo,
      apiV3Key: MERCHANT.apiV3Key,
      wechatpayPublicKey: sandbox.wechatpayPublicKey,
      wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    });
    const foreign = await rejectionOf(otherProvider.verifyMovementNotification(toNotificationRequest(genuine)));
    expect(SignatureVerificationError.isInstance(foreign) && foreign.reason).toBe('wrong_recipient');
  });
});
