/**
 * Profit sharing and merchant transfers (issue 24) on the sandbox: the requests byte for byte (the
 * encrypted names decrypted, OAEP being randomized), the serial of the key they are encrypted
 * under, replies bound to what they answer, notifications, the wallet's failure modes, and names
 * never in errors or hooks.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  ProviderApiError,
  SignatureVerificationError,
  toNotificationRequest,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import type { MerchantAccount, RedactedRequest, RedactedResponse, Split, Transfer } from '@hutong/core/provider-utils';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import {
  decryptWechatpaySensitive,
  encryptWechatpaySensitive,
  parseWechatpayAuthorization,
  verifyWechatpayMessage,
  wechatpaySigningMessage,
} from '../src/protocol/index.js';
import { fixture, vectors } from './helpers.js';
import { account, orderOf, paymentRequest } from './requests.js';
import { MERCHANT, partnerSandboxed, SERVICE_PROVIDER, SUB_A, sandboxed } from './sandbox-setup.js';

const merchantPublicKey = createPublicKey(fixture('wechatpay-java/merchant_certificate.pem'));
const NAME = '张三丰';
const at = '2026-01-01T00:00:00.000Z';

function splitOf(id: string, receivers: Split['receivers'], finish = false): Split {
  return {
    id,
    amount: receivers.reduce((sum, r) => sum + r.amount, 0),
    status: 'pending',
    receivers,
    finish,
    providerSplitId: null,
    returns: [],
    createdAt: at,
    updatedAt: at,
  };
}

function transferOf(id: string, overrides: Partial<Transfer> = {}): Transfer {
  return {
    id,
    provider: 'wechatpay',
    merchant: null,
    amount: 500,
    currency: 'CNY',
    payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX' },
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

/** Replaces each encrypted field of a sent body with what it decrypts to (with the sandbox's platform key). */
function decrypted(body: string, decrypt: (ciphertext: string) => string, fields: readonly string[]): string {
  return JSON.stringify(
    JSON.parse(body, (key, value) => (fields.includes(key) && typeof value === 'string' ? decrypt(value) : value)),
  );
}

/** Checks the request's Authorization signs exactly the bytes sent, with the merchant key. */
function expectSigned(sent: { method: string; url: string; body: string; headers: Headers }): void {
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
}

/** A paid order that will be split, on `context`'s sandbox. */
async function paidSplitOrder(
  context: ReturnType<typeof sandboxed> | ReturnType<typeof partnerSandboxed>,
  merchant?: MerchantAccount,
) {
  const request = paymentRequest({ split: true, merchant, amount: 10000 });
  await context.provider.createPayment(request);
  context.sandbox.pay(request.orderId);
  const trade = context.sandbox.trade(request.orderId);
  return orderOf(request, { status: 'paid', amount: 10000, providerTransactionId: trade?.transactionId ?? null });
}

describe('sensitive fields (RSA-OAEP, SHA-1)', () => {
  it("decrypts wechatpay-java's fixed OAEP ciphertext (WX-S10), and encrypts what it decrypts", () => {
    const vector = vectors().get('WX-S10');
    if (!vector) throw new Error('no WX-S10');
    const privateKey = createPrivateKey(fixture(vector.key));
    expect(decryptWechatpaySensitive(vector.ciphertext, privateKey)).toBe(vector.plaintext);
    const ciphertext = encryptWechatpaySensitive(NAME, merchantPublicKey);
    expect(Buffer.from(ciphertext, 'base64')).toHaveLength(256);
    expect(decryptWechatpaySensitive(ciphertext, privateKey)).toBe(NAME);
    expect(encryptWechatpaySensitive(NAME, merchantPublicKey)).not.toBe(ciphertext); // randomized
  });
});

describe('profit sharing', () => {
  it('receivers/add: the name encrypted under the public key, Wechatpay-Serial its PUB_KEY_ID_, the body byte for byte', async () => {
    const { provider, sandbox, requests } = sandboxed();
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: NAME,
      relationType: 'PARTNER',
    });
    const sent = requests.at(-1) as (typeof requests)[number];
    expect(new URL(sent.url).pathname).toBe('/v3/profitsharing/receivers/add');
    expect(sent.headers.get('wechatpay-serial')).toBe(sandbox.wechatpayPublicKeyId);
    expect(decrypted(sent.body, sandbox.decryptSensitive, ['name'])).toBe(
      JSON.stringify({
        appid: MERCHANT.appId,
        type: 'MERCHANT_ID',
        account: '86693852',
        name: NAME,
        relation_type: 'PARTNER',
      }),
    );
    expect(sent.body).not.toContain(NAME);
    expectSigned(sent);
    await provider.profitSharing.deleteReceiver({ type: 'MERCHANT_ID', account: '86693852' });
    expect(requests.at(-1)?.body).toBe(
      JSON.stringify({ appid: MERCHANT.appId, type: 'MERCHANT_ID', account: '86693852' }),
    );
  });

  it('in certificate mode the serial is the platform certificate that encrypted the name', async () => {
    const { provider, sandbox, requests } = sandboxed({ mode: 'certificate' });
    await provider.profitSharing.addReceiver({
      type: 'PERSONAL_OPENID',
      account: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
      name: NAME,
      relationType: 'USER',
    });
    const sent = requests.at(-1) as (typeof requests)[number];
    expect(sent.headers.get('wechatpay-serial')).toBe(sandbox.platformSerial);
    expect(JSON.parse(decrypted(sent.body, sandbox.decryptSensitive, ['name'])).name).toBe(NAME);
  });

  it('a payment created with split: settle_info.profit_sharing; split, settle, notifications, query, return, unsplit amount', async () => {
    const context = sandboxed();
    const { provider, sandbox, requests } = context;
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: '腾讯',
      relationType: 'PARTNER',
    });
    await provider.profitSharing.addReceiver({
      type: 'PERSONAL_OPENID',
      account: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
      relationType: 'USER',
    });
    const order = await paidSplitOrder(context);
    const split = splitOf('split0001', [
      { type: 'merchant', account: '86693852', amount: 300, description: '平台佣金', status: 'pending' },
      {
        type: 'personal',
        account: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
        amount: 200,
        description: '导游',
        status: 'pending',
      },
    ]);
    const pending = await provider.split({
      orderId: order.id,
      order,
      split,
      names: { oxTWIuGaIt6gTKsQRLau2M0yL16E: NAME },
      notifyUrl: null,
    });
    expect(pending).toMatchObject({ type: 'split.status', orderId: order.id, splitId: 'split0001', status: 'pending' });
    const sent = requests.at(-1) as (typeof requests)[number];
    expect(new URL(sent.url).pathname).toBe('/v3/profitsharing/orders');
    expect(sent.headers.get('wechatpay-serial')).toBe(sandbox.wechatpayPublicKeyId);
    expect(decrypted(sent.body, sandbox.decryptSensitive, ['name'])).toBe(
      JSON.stringify({
        appid: MERCHANT.appId,
        transaction_id: order.providerTransactionId,
        out_order_no: 'split0001',
        receivers: [
          { type: 'MERCHANT_ID', account: '86693852', amount: 300, description: '平台佣金' },
          {
            type: 'PERSONAL_OPENID',
            account: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
            name: NAME,
            amount: 200,
            description: '导游',
          },
        ],
        unfreeze_unsplit: false,
      }),
    );
    expectSigned(sent);
    expect(await provider.profitSharing.unsplitAmount(order.providerTransactionId as string)).toBe(9500);

    const notifications = sandbox.settleSplit('split0001', { closed: ['oxTWIuGaIt6gTKsQRLau2M0yL16E'] });
    const verified = await Promise.all(
      notifications.map((n) => provider.verifyMovementNotification(toNotificationRequest(n))),
    );
    expect(verified.map((v) => v.event)).toEqual([
      expect.objectContaining({
        type: 'split.status',
        splitId: 'split0001',
        status: 'pending',
        receivers: [{ account: '86693852', amount: 300, status: 'succeeded' }],
      }),
      expect.objectContaining({
        receivers: [{ account: 'oxTWIuGaIt6gTKsQRLau2M0yL16E', amount: 200, status: 'closed' }],
      }),
    ]);
    const settled = await provider.querySplit({ orderId: order.id, order, split });
    expect(settled.status).toBe('closed');
    expect(settled.receivers.map((r) => r.status)).toEqual(['succeeded', 'closed']);
    expect(new URL(requests.at(-1)?.url ?? '').search).toBe(`?transaction_id=${order.providerTransactionId}`);

    const withId = { ...split, providerSplitId: settled.providerSplitId ?? null };
    const returned = await provider.returnSplit({
      orderId: order.id,
      order,
      split: withId,
      returnId: 'R1',
      account: '86693852',
      amount: 100,
      description: '用户退款',
    });
    expect(returned).toMatchObject({
      type: 'split.return.status',
      splitId: 'split0001',
      returnId: 'R1',
      amount: 100,
      status: 'succeeded',
    });
    const withReturn = {
      ...withId,
      returns: [
        { id: 'R1', account: '86693852', amount: 100, status: 'pending' as const, createdAt: at, updatedAt: at },
      ],
    };
    expect((await provider.queryReturn({ orderId: order.id, order, split: withReturn, returnId: 'R1' })).status).toBe(
      'succeeded',
    );
    const personal = await rejectionOf(
      provider.returnSplit({
        orderId: order.id,
        order,
        split: withId,
        returnId: 'R2',
        account: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
        amount: 1,
        description: 'x',
      }),
    );
    expect(ValidationError.isInstance(personal)).toBe(true);
  });

  it('finish maps to unfreeze_unsplit; unfreeze leaves nothing to split', async () => {
    const context = sandboxed();
    const { provider, sandbox, requests } = context;
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: '腾讯',
      relationType: 'PARTNER',
    });
    const order = await paidSplitOrder(context);
    const split = splitOf(
      'split0002',
      [{ type: 'merchant', account: '86693852', amount: 300, description: '佣金', status: 'pending' }],
      true,
    );
    await provider.split({ orderId: order.id, order, split, notifyUrl: null });
    expect(JSON.parse(requests.at(-1)?.body ?? '{}').unfreeze_unsplit).toBe(true);
    expect(requests.at(-1)?.headers.get('wechatpay-serial')).toBeNull(); // nothing encrypted
    sandbox.settleSplit('split0002');
    expect(await provider.profitSharing.unsplitAmount(order.providerTransactionId as string)).toBe(0);

    const other = await paidSplitOrder(context);
    const unfrozen = await provider.profitSharing.unfreeze({ orderId: other.id, order: other, splitId: 'unfreeze01' });
    expect(unfrozen).toMatchObject({ splitId: 'unfreeze01', status: 'succeeded' });
    expect(JSON.parse(requests.at(-1)?.body ?? '{}')).toEqual({
      transaction_id: other.providerTransactionId,
      out_order_no: 'unfreeze01',
      description: '解冻全部剩余资金',
    });
    expect(await provider.profitSharing.unsplitAmount(other.providerTransactionId as string)).toBe(0);
  });

  it("the wallet's refusals: a receiver not bound (RECEIVER_INVALID), more than is left (NOT_ENOUGH), a split that does not exist", async () => {
    const context = sandboxed();
    const { provider } = context;
    const order = await paidSplitOrder(context);
    const unbound = splitOf('split0003', [
      { type: 'merchant', account: '86693852', amount: 300, description: '佣金', status: 'pending' },
    ]);
    const refused = await rejectionOf(provider.split({ orderId: order.id, order, split: unbound, notifyUrl: null }));
    expect(ProviderApiError.isInstance(refused) && refused.providerCode).toBe('RECEIVER_INVALID');
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: '腾讯',
      relationType: 'PARTNER',
    });
    const tooMuch = splitOf('split0004', [
      { type: 'merchant', account: '86693852', amount: 10001, description: '佣金', status: 'pending' },
    ]);
    const notEnough = await rejectionOf(provider.split({ orderId: order.id, order, split: tooMuch, notifyUrl: null }));
    expect(ProviderApiError.isInstance(notEnough) && [notEnough.providerCode, notEnough.normalizedCode]).toEqual([
      'NOT_ENOUGH',
      'insufficient_balance',
    ]);
    const missing = await rejectionOf(provider.querySplit({ orderId: order.id, order, split: unbound }));
    expect(ProviderApiError.isInstance(missing) && missing.normalizedCode).toBe('not_found');
    const notPaid = await rejectionOf(
      provider.split({
        orderId: order.id,
        order: { ...order, providerTransactionId: null },
        split: tooMuch,
        notifyUrl: null,
      }),
    );
    expect(ValidationError.isInstance(notPaid)).toBe(true);
  });

  it('refuses a split reply with another amount for a receiver (changed in flight)', async () => {
    const context = sandboxed();
    const { provider, sandbox } = context;
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: '腾讯',
      relationType: 'PARTNER',
    });
    const order = await paidSplitOrder(context);
    const split = splitOf('split0005', [
      { type: 'merchant', account: '86693852', amount: 300, description: '佣金', status: 'pending' },
    ]);
    sandbox.serveOnce(/\/v3\/profitsharing\/orders$/, {
      body: {
        transaction_id: order.providerTransactionId as string,
        out_order_no: 'split0005',
        order_id: '3008450740201411110007820472',
        state: 'PROCESSING',
        receivers: [{ type: 'MERCHANT_ID', account: '86693852', amount: 3000, result: 'PENDING' }],
      },
    });
    const error = await rejectionOf(provider.split({ orderId: order.id, order, split, notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(error) && error.field).toBe('response.receivers.amount');
  });

  it('refuses a split reply about another split, and a forged split notification', async () => {
    const context = sandboxed();
    const { provider, sandbox } = context;
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: '腾讯',
      relationType: 'PARTNER',
    });
    const order = await paidSplitOrder(context);
    const receivers = [
      { type: 'merchant' as const, account: '86693852', amount: 100, description: '佣金', status: 'pending' as const },
    ];
    const mine = splitOf('split0007', receivers);
    await provider.split({ orderId: order.id, order, split: splitOf('split0008', receivers), notifyUrl: null });
    await provider.split({ orderId: order.id, order, split: mine, notifyUrl: null });
    sandbox.answerAs('split0007', 'split0008');
    const other = await rejectionOf(provider.querySplit({ orderId: order.id, order, split: mine }));
    expect(UnexpectedResponseError.isInstance(other) && [other.reason, other.field]).toEqual([
      'mismatch',
      'response.out_order_no',
    ]);
    const [genuine] = sandbox.settleSplit('split0007');
    if (!genuine) throw new Error('no notification');
    const tampered = { ...genuine, body: String(genuine.body).replace('"id":"EV-', '"id":"EX-') };
    const forged = await rejectionOf(provider.verifyMovementNotification(toNotificationRequest(tampered)));
    expect(SignatureVerificationError.isInstance(forged) && forged.reason).toBe('bad_signature');
    // A payment notification is not a movement one, nor the reverse.
    const notMovement = await rejectionOf(provider.verifyNotification(toNotificationRequest(genuine)));
    expect(ValidationError.isInstance(notMovement) && notMovement.field).toBe('notification.event_type');
  });

  it('partner mode: sub_mchid in the bodies and queries, replies bound to it, notifications report it', async () => {
    const context = partnerSandboxed();
    const { provider, sandbox, requests } = context;
    const A = account(SUB_A);
    await provider.profitSharing.addReceiver({
      merchant: A,
      type: 'MERCHANT_ID',
      account: '86693852',
      name: '腾讯',
      relationType: 'PARTNER',
    });
    expect(decrypted(requests.at(-1)?.body ?? '', sandbox.decryptSensitive, ['name'])).toBe(
      JSON.stringify({
        sub_mchid: A.accountId,
        appid: SERVICE_PROVIDER.spAppId,
        type: 'MERCHANT_ID',
        account: '86693852',
        name: '腾讯',
        relation_type: 'PARTNER',
      }),
    );
    const order = await paidSplitOrder(context, A);
    const split = splitOf('split0006', [
      { type: 'merchant', account: '86693852', amount: 300, description: '佣金', status: 'pending' },
    ]);
    await provider.split({ orderId: order.id, order, merchant: A, split, notifyUrl: null });
    expect(Object.keys(JSON.parse(requests.at(-1)?.body ?? '{}')).slice(0, 2)).toEqual(['sub_mchid', 'appid']);
    const [notification] = sandbox.settleSplit('split0006');
    const verified = await provider.verifyMovementNotification(toNotificationRequest(notification as never));
    expect(verified.account).toBe(A.accountId);
    await provider.querySplit({ orderId: order.id, order, merchant: A, split });
    expect(new URL(requests.at(-1)?.url ?? '').search).toBe(
      `?sub_mchid=${A.accountId}&transaction_id=${order.providerTransactionId}`,
    );
    const direct = await rejectionOf(provider.split({ orderId: order.id, order, split, notifyUrl: null }));
    expect(ValidationError.isInstance(direct) && direct.field).toBe('merchant');
  });
});

describe('merchant transfers (2025 API)', () => {
  it('transfer-bills: the body byte for byte, user_name encrypted under the serial it names; WAIT_USER_CONFIRM with package_info', async () => {
    const { provider, sandbox, requests } = sandboxed();
    const transfer = transferOf('payout0001', {
      payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX', name: NAME },
    });
    const event = await provider.transfer({ transfer, notifyUrl: 'https://shop.example/webhooks/wechatpay-transfer' });
    const sent = requests.at(-1) as (typeof requests)[number];
    expect(new URL(sent.url).pathname).toBe('/v3/fund-app/mch-transfer/transfer-bills');
    expect(sent.headers.get('wechatpay-serial')).toBe(sandbox.wechatpayPublicKeyId);
    expect(decrypted(sent.body, sandbox.decryptSensitive, ['user_name'])).toBe(
      JSON.stringify({
        appid: MERCHANT.appId,
        out_bill_no: 'payout0001',
        transfer_scene_id: '1005',
        openid: 'o4GgauInH_RCEdvrrNGrntXDuXXX',
        user_name: NAME,
        transfer_amount: 500,
        transfer_remark: '佣金',
        notify_url: 'https://shop.example/webhooks/wechatpay-transfer',
        transfer_scene_report_infos: [
          { info_type: '岗位类型', info_content: '外卖员' },
          { info_type: '报酬说明', info_content: '7月份配送费' },
        ],
      }),
    );
    expectSigned(sent);
    expect(event).toMatchObject({
      type: 'transfer.status',
      transferId: 'payout0001',
      amount: 500,
      status: 'pending_confirmation',
    });
    expect(event.confirmation).toBe(sandbox.transferBill('payout0001')?.packageInfo);
    expect(sandbox.transferBill('payout0001')?.userName).toBe(NAME);

    const confirmed = await provider.verifyMovementNotification(
      toNotificationRequest(sandbox.confirmTransfer('payout0001')),
    );
    expect(confirmed.event).toMatchObject({
      type: 'transfer.status',
      transferId: 'payout0001',
      amount: 500,
      status: 'succeeded',
    });
    expect((await provider.queryTransfer({ transfer, notifyUrl: null })).status).toBe('succeeded');
    expect(new URL(requests.at(-1)?.url ?? '').pathname).toBe(
      '/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/payout0001',
    );
  });

  it('a payee who never confirms (cancelled), a transfer that fails later, a cancel, and a bill WeChat Pay has no record of', async () => {
    const { provider, sandbox } = sandboxed();
    const never = transferOf('payout0002');
    await provider.transfer({ transfer: never, notifyUrl: null });
    const expired = await provider.verifyMovementNotification(
      toNotificationRequest(sandbox.expireTransfer('payout0002')),
    );
    expect(expired.event).toMatchObject({ status: 'cancelled' });
    const later = transferOf('payout0003');
    await provider.transfer({ transfer: later, notifyUrl: null });
    const failed = await provider.verifyMovementNotification(toNotificationRequest(sandbox.failTransfer('payout0003')));
    expect(failed.event).toMatchObject({ status: 'failed', failReason: 'PAYEE_ACCOUNT_ABNORMAL' });
    expect(await provider.queryTransfer({ transfer: later, notifyUrl: null })).toMatchObject({
      status: 'failed',
      failReason: 'PAYEE_ACCOUNT_ABNORMAL',
    });
    const cancel = transferOf('payout0004');
    await provider.transfer({ transfer: cancel, notifyUrl: null });
    expect((await provider.cancelTransfer({ transfer: cancel, notifyUrl: null })).status).toBe('cancelled');
    const unknown = await rejectionOf(provider.queryTransfer({ transfer: transferOf('payout0099'), notifyUrl: null }));
    expect(ProviderApiError.isInstance(unknown) && [unknown.providerCode, unknown.normalizedCode]).toEqual([
      'NOT_FOUND',
      'not_found',
    ]);
  });

  it('insufficient balance: NOT_ENOUGH stands once the query finds no bill', async () => {
    const { provider, sandbox } = sandboxed();
    sandbox.setTransferBalance(100);
    const error = await rejectionOf(provider.transfer({ transfer: transferOf('payout0005'), notifyUrl: null }));
    expect(ProviderApiError.isInstance(error) && [error.providerCode, error.normalizedCode]).toEqual([
      'NOT_ENOUGH',
      'insufficient_balance',
    ]);
  });

  it('refuses a reply about another out_bill_no, and a query whose amount changed in flight', async () => {
    const { provider, sandbox } = sandboxed();
    const mine = transferOf('payout0006');
    await provider.transfer({ transfer: transferOf('payout0007'), notifyUrl: null });
    await provider.transfer({ transfer: mine, notifyUrl: null });
    sandbox.answerAs('payout0006', 'payout0007');
    const other = await rejectionOf(provider.queryTransfer({ transfer: mine, notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(other) && [other.reason, other.field]).toEqual([
      'mismatch',
      'response.out_bill_no',
    ]);
    const { provider: second, sandbox: box } = sandboxed();
    const bill = transferOf('payout0008');
    await second.transfer({ transfer: bill, notifyUrl: null });
    box.hostile.tamperNextReply('amount');
    const changed = await rejectionOf(second.queryTransfer({ transfer: bill, notifyUrl: null }));
    expect(UnexpectedResponseError.isInstance(changed) && changed.field).toBe('response.transfer_amount');
  });

  it('refuses a forged transfer notification and one for another merchant', async () => {
    const { provider, sandbox } = sandboxed();
    await provider.transfer({ transfer: transferOf('payout0009'), notifyUrl: null });
    const genuine = sandbox.confirmTransfer('payout0009');
    const tampered = { ...genuine, body: String(genuine.body).replace('"id":"EV-', '"id":"EX-') };
    const forged = await rejectionOf(provider.verifyMovementNotification(toNotificationRequest(tampered)));
    expect(SignatureVerificationError.isInstance(forged) && forged.reason).toBe('bad_signature');
    // The same genuine notification, to a provider of another merchant id on the same wallet keys.
    const other = sandboxed({
      provider: {
        mchId: '1900000001',
        wechatpayPublicKey: sandbox.wechatpayPublicKey,
        wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
      },
    });
    const foreign = await rejectionOf(other.provider.verifyMovementNotification(toNotificationRequest(genuine)));
    expect(SignatureVerificationError.isInstance(foreign) && foreign.reason).toBe('wrong_recipient');
  });

  it('checks what WeChat Pay would refuse before sending: scene options, a large transfer without a name, a sub-merchant', async () => {
    const { provider, requests } = sandboxed();
    const before = requests.length;
    const typo = await rejectionOf(
      provider.transfer({
        transfer: transferOf('payout0010', { providerOptions: { sceneID: '1000' } }),
        notifyUrl: null,
      }),
    );
    expect(ValidationError.isInstance(typo)).toBe(true);
    const large = await rejectionOf(
      provider.transfer({ transfer: transferOf('payout0011', { amount: 200_000 }), notifyUrl: null }),
    );
    expect(ValidationError.isInstance(large) && large.field).toBe('payee.name');
    const partner = await rejectionOf(
      provider.transfer({ transfer: transferOf('payout0012'), merchant: account(SUB_A), notifyUrl: null }),
    );
    expect(ValidationError.isInstance(partner) && partner.field).toBe('merchant');
    expect(requests.length).toBe(before);
  });

  it('names never reach hooks or errors (user_name and name redacted; refusals quote no name)', async () => {
    const seen: string[] = [];
    const hooks = {
      onRequest: (request: RedactedRequest) => seen.push(request.body, JSON.stringify(request.headers)),
      onResponse: (response: RedactedResponse) => seen.push(response.body),
    };
    const { provider, sandbox } = sandboxed({ provider: { hooks } });
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: '86693852',
      name: NAME,
      relationType: 'PARTNER',
    });
    const transfer = transferOf('payout0013', {
      payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX', name: NAME },
    });
    await provider.transfer({ transfer, notifyUrl: null });
    sandbox.setTransferBalance(0);
    const error = await rejectionOf(
      provider.transfer({
        transfer: transferOf('payout0014', { payee: { type: 'openid', account: 'o1', name: NAME } }),
        notifyUrl: null,
      }),
    );
    expect(ProviderApiError.isInstance(error)).toBe(true);
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(NAME);
    const everything = seen.join('\n');
    expect(everything).not.toContain(NAME);
    expect(everything).toMatch(/"user_name":"\[redacted\]"/);
    expect(everything).toMatch(/"name":"\[redacted\]"/);
    expect(seen.length).toBeGreaterThan(0);
  });
});
