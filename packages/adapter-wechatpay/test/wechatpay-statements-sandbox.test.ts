import {
  createPayments,
  MemoryOrderStore,
  ProviderApiError,
  UnexpectedResponseError,
  ValidationError,
} from '@hutong/core';
import type { StatementLine } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import { WechatpayBillError } from '../src/index.js';
import { collect, thrown } from './bill-helpers.js';
import { account, orderOf, paymentRequest } from './requests.js';
import { partnerSandboxed, SUB_A, SUB_B, sandboxed } from './sandbox-setup.js';

/** 2025-03-01 10:00 in China. */
const NOW = new Date('2025-03-01T02:00:00Z');
const DAY = '2025-03-01';
const A = account(SUB_A);
const B = account(SUB_B);

function facade(options: Parameters<typeof sandboxed>[0] = {}) {
  let clock = NOW.getTime();
  const context = sandboxed({ now: () => new Date(clock), ...options });
  const payments = createPayments({
    providers: [context.provider],
    store: new MemoryOrderStore(),
    notifyUrl: 'https://shop.example/webhooks/wechatpay',
    now: () => new Date(clock),
  });
  return { ...context, payments, tick: (ms: number) => (clock += ms) };
}

/** A paid order of 19.99 and a settled refund of 5.00 of it, a minute apart. */
async function payAndRefund(context: ReturnType<typeof facade>) {
  const { payments, sandbox, tick } = context;
  const { order } = await payments.createPayment({
    provider: 'wechatpay',
    method: 'qr',
    amount: 1999,
    subject: '龙井',
  });
  await payments.handleNotification('wechatpay', sandbox.pay(order.id));
  tick(60_000);
  await payments.refund(order.id, { amount: 500, refundId: 'refund0001' });
  await payments.handleNotification('wechatpay', sandbox.settleRefund(order.id, 'refund0001'));
  const trade = sandbox.trade(order.id);
  return { orderId: order.id, transactionId: trade?.transactionId as string, refund: trade?.refunds.get('refund0001') };
}

// The sandbox signs with RSA on every call: generous time on a loaded machine (nothing here is timed).
describe('WeChat Pay sandbox bills → provider.statement', { timeout: 120_000 }, () => {
  it('the trade bill (ALL, gzip) of the day yields exactly the payment and the refund made on the sandbox', async () => {
    const context = facade();
    const { orderId, transactionId, refund } = await payAndRefund(context);
    const lines = await collect(context.provider.statement({ date: DAY }));
    const common = {
      provider: 'wechatpay',
      merchant: null,
      orderId,
      providerTradeId: transactionId,
      currency: 'CNY' as const,
    };
    expect(lines).toEqual([
      {
        ...common,
        kind: 'payment',
        amount: 1999,
        fee: 12, // 0.6% of 19.99 = 0.11994 yuan, rounded to the fen
        time: '2025-03-01T10:00:00+08:00',
        line: 2,
        raw: expect.stringMatching(/^`2025-03-01 10:00:00,`wxd678efh567hg6787,`1234567891,`0,`,`/),
      },
      {
        ...common,
        kind: 'refund',
        refundId: 'refund0001',
        status: 'succeeded', // 退款状态 SUCCESS
        amount: 500,
        fee: -3, // -0.03000
        time: '2025-03-01T10:01:00+08:00',
        line: 3,
        raw: expect.stringContaining(`\`${refund?.refundId},\`refund0001,\`5.00,\``),
      },
    ] satisfies StatementLine[]);
    const asked = context.requests.find((r) => r.url.includes('/v3/bill/tradebill'));
    expect(asked?.url).toMatch(/\?bill_date=2025-03-01&bill_type=ALL&tar_type=GZIP$/);
    expect(context.requests.some((r) => r.url.includes('/v3/billdownload/file'))).toBe(true);
  });

  it('another day has no records (an empty bill with its zero summary)', async () => {
    const context = facade();
    await payAndRefund(context);
    expect(await collect(context.provider.statement({ date: '2025-02-28' }))).toEqual([]);
  });

  it.each([
    ['SUCCESS', ['payment']],
    ['REFUND', ['refund']],
  ] as const)('bill_type %s: its own column set, its own records', async (billType, kinds) => {
    const context = facade();
    const { orderId } = await payAndRefund(context);
    const lines = await collect(context.provider.statement({ date: DAY, billType } as never));
    expect(lines.map((l) => [l.kind, l.orderId])).toEqual(kinds.map((kind) => [kind, orderId]));
    if (billType === 'REFUND') expect(lines[0]?.time).toBe('2025-03-01T10:01:00+08:00'); // 退款成功时间
  });

  it('the fund-flow bill: the payment in, its fee out, the refund out (less the fee returned)', async () => {
    const context = facade();
    const { orderId, transactionId, refund } = await payAndRefund(context);
    const lines = await collect(context.provider.statement({ date: DAY, kind: 'fundflow' }));
    expect(lines.map((l) => [l.kind, l.amount, l.orderId, l.refundId, l.providerTradeId, l.time])).toEqual([
      ['payment', 1999, orderId, undefined, transactionId, '2025-03-01T10:00:00+08:00'],
      ['fee', 12, orderId, undefined, transactionId, '2025-03-01T10:00:00+08:00'],
      ['refund', 497, null, 'refund0001', refund?.refundId, '2025-03-01T10:01:00+08:00'],
    ]);
    expect(context.requests.find((r) => r.url.includes('fundflowbill'))?.url).toMatch(
      /\?bill_date=2025-03-01&account_type=BASIC&tar_type=GZIP$/,
    );
  });

  it('a sub-merchant (request.merchant) asks for its sub_mchid and binds the records to it', async () => {
    const context = facade();
    await payAndRefund(context);
    const merchant = {
      merchant: 'shop-42',
      provider: 'wechatpay',
      accountId: '1900000109',
      enabled: true,
      fields: {},
    };
    expect(await collect(context.provider.statement({ date: DAY, merchant }))).toEqual([]);
    expect(context.requests.find((r) => r.url.includes('/v3/bill/tradebill'))?.url).toContain('&sub_mchid=1900000109');
    expect(
      ValidationError.isInstance(
        await thrown(() =>
          collect(context.provider.statement({ date: DAY, merchant: { ...merchant, enabled: false } })),
        ),
      ),
    ).toBe(true);
  });

  it('a file altered in transit fails its SHA1 check (a typed error, field bill) before the iteration ends', async () => {
    const context = facade({
      rewrite: async (response, request) => {
        if (!request.url.includes('/v3/billdownload/file')) return response;
        const { gunzipSync, gzipSync } = await import('node:zlib');
        const text = gunzipSync(Buffer.from(await response.arrayBuffer())).toString('utf8');
        return new Response(gzipSync(Buffer.from(text.replace('龙井', '红茶'))), { status: 200 });
      },
    });
    await payAndRefund(context);
    const seen: StatementLine[] = [];
    const error = await thrown(async () => {
      for await (const line of context.provider.statement({ date: DAY })) seen.push(line);
    });
    expect(UnexpectedResponseError.isInstance(error) && error.field).toBe('bill');
    expect(WechatpayBillError.isBillError(error) && error.message).toContain('SHA1');
    // The lines read before the end were provisional: the error came before the iteration ended.
    expect(seen.map((l) => l.kind)).toEqual(['payment', 'refund']);
  });

  it('a bill larger than maxBillBytes is refused while it streams: too_large', async () => {
    const context = facade({ provider: { maxBillBytes: 600 } });
    await payAndRefund(context);
    const error = await thrown(() => collect(context.provider.statement({ date: DAY })));
    expect(UnexpectedResponseError.isInstance(error) && [error.reason, error.field]).toEqual(['too_large', 'bill']);
  });

  it('a kind the adapter does not know is a ValidationError', async () => {
    const { provider } = facade();
    // @ts-expect-error WeChat Pay's statement kinds are 'trade' and 'fundflow' (a typo does not compile)
    const wrong = () => collect(provider.statement({ date: DAY, kind: 'signcustomer' }));
    expect(ValidationError.isInstance(await thrown(wrong))).toBe(true);
    expect(provider.capabilities.statements).toBe(true);
  });
});

describe("partner mode: a sub-merchant's fund-flow bill, encrypted (/v3/bill/sub-merchant-fundflowbill)", {
  timeout: 120_000,
}, () => {
  /** A's payment of 19.99 and its settled refund of 5.00, a minute apart, on a partner sandbox. */
  async function partnerDay(options: Parameters<typeof partnerSandboxed>[0] = {}) {
    let clock = NOW.getTime();
    const context = partnerSandboxed({ now: () => new Date(clock), ...options });
    const { provider, sandbox } = context;
    const request = paymentRequest({ merchant: A, createdAt: new Date(clock) });
    await provider.createPayment(request);
    sandbox.pay(request.orderId);
    clock += 60_000;
    const trade = sandbox.trade(request.orderId);
    const order = orderOf(request, { status: 'paid', providerTransactionId: trade?.transactionId ?? null });
    await provider.refund({ orderId: order.id, order, merchant: A, refundId: 'refund0001', amount: 500, reason: null });
    sandbox.settleRefund(order.id, 'refund0001');
    return { ...context, orderId: request.orderId, trade: sandbox.trade(request.orderId) };
  }

  it("yields the sub-merchant's flows, bound to it: payment in, fee out, refund out", async () => {
    const served: Buffer[] = [];
    const { provider, requests, orderId, trade } = await partnerDay({
      rewrite: async (response, request) => {
        if (!request.url.includes('/v3/billdownload/file')) return response;
        const bytes = Buffer.from(await response.arrayBuffer());
        served.push(bytes);
        return new Response(bytes, { status: 200 });
      },
    });
    const lines = await collect(provider.statement({ date: DAY, kind: 'fundflow', merchant: A }));
    expect(lines.map((l) => [l.kind, l.amount, l.orderId, l.refundId, l.providerTradeId, l.merchant])).toEqual([
      ['payment', 1999, orderId, undefined, trade?.transactionId, 'shop-a'],
      ['fee', 12, orderId, undefined, trade?.transactionId, 'shop-a'],
      ['refund', 497, null, 'refund0001', trade?.refunds.get('refund0001')?.refundId, 'shop-a'],
    ]);
    const asked = new URL(requests.find((r) => r.url.includes('/v3/bill/'))?.url ?? '');
    expect(asked.pathname + asked.search).toBe(
      `/v3/bill/sub-merchant-fundflowbill?sub_mchid=${A.accountId}&bill_date=${DAY}&account_type=BASIC&algorithm=AEAD_AES_256_GCM&tar_type=GZIP`,
    );
    // The file as served is ciphertext: neither gzip's magic nor the text.
    expect(served).toHaveLength(1);
    expect((served[0] as Buffer).subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));
    expect((served[0] as Buffer).includes(Buffer.from('记账时间'))).toBe(false);
  });

  it("another sub-merchant's bill has none of A's flows; the service provider's own fund-flow bill neither", async () => {
    const { provider } = await partnerDay();
    expect(await collect(provider.statement({ date: DAY, kind: 'fundflow', merchant: B }))).toEqual([]);
    expect(await collect(provider.statement({ date: DAY, kind: 'fundflow' }))).toEqual([]);
  });

  it('a ciphertext altered in transit does not authenticate: a typed error, field bill', async () => {
    const { provider } = await partnerDay({
      rewrite: async (response, request) => {
        if (!request.url.includes('/v3/billdownload/file')) return response;
        const bytes = Buffer.from(await response.arrayBuffer());
        bytes[20] = (bytes[20] as number) ^ 0x01;
        return new Response(bytes, { status: 200 });
      },
    });
    const error = await thrown(() => collect(provider.statement({ date: DAY, kind: 'fundflow', merchant: A })));
    expect(WechatpayBillError.isBillError(error) && [error.field, error.message]).toEqual([
      'bill',
      expect.stringContaining('does not authenticate'),
    ]);
  });

  it('a sub-merchant the sandbox has not bound is refused (403 NO_AUTH); a direct-mode provider refuses the merchant', async () => {
    const { provider } = await partnerDay();
    const stranger = { ...A, merchant: 'shop-x', accountId: '1900000999' };
    const refused = await thrown(() =>
      collect(provider.statement({ date: DAY, kind: 'fundflow', merchant: stranger })),
    );
    expect(ProviderApiError.isInstance(refused) && refused.providerCode).toBe('NO_AUTH');
    const direct = facade();
    const wrong = await thrown(() => collect(direct.provider.statement({ date: DAY, kind: 'fundflow', merchant: A })));
    expect(ValidationError.isInstance(wrong) && wrong.field).toBe('merchant');
    expect(direct.requests.some((r) => r.url.includes('/v3/bill/'))).toBe(false);
  });
});
