/**
 * Issue 25: `provider.statement()` against the sandbox: the file transfer (76/01) signed, verified
 * and bound, the archive of the sandbox's own trades parsed byte-exactly, per sub-merchant.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { UnexpectedResponseError, ValidationError } from '@hutong/core';
import type { CreatePaymentRequest, StatementLine } from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';
import { parseUnionpayStatement } from '../src/index.js';
import { decodeUnionpayForm, formatUnionpayTime, readZipEntries } from '../src/protocol/index.js';
import { fixtureBytes } from './helpers.js';
import { platformSandboxed } from './platform-setup.js';
import { sandboxed } from './sandbox-setup.js';

const NOW = new Date();
const DATE = formatUnionpayTime(NOW).replace(/^(\d{4})(\d{2})(\d{2}).*/, '$1-$2-$3');

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

function qr(orderId: string, amount: number, merchant: CreatePaymentRequest['merchant'] = null): CreatePaymentRequest {
  return {
    orderId,
    createdAt: NOW,
    method: 'qr',
    amount,
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

/** A platform sandbox with two of shop A's payments (one partly refunded), one of shop B's and one of its own. */
async function platformDay() {
  const setup = platformSandboxed('platform');
  const { sandbox, provider, shopA, shopB } = setup;
  await provider.createPayment(qr('orderA0001', 10_000, shopA));
  await provider.createPayment(qr('orderA0002', 2_357, shopA));
  await provider.createPayment(qr('orderB0001', 4_243, shopB));
  await provider.createPayment(qr('orderP0001', 1_283));
  for (const id of ['orderA0001', 'orderA0002', 'orderB0001', 'orderP0001']) sandbox.pay(id);
  const paid = sandbox.trade('orderA0001');
  await provider.refund({
    orderId: 'orderA0001',
    order: {
      id: 'orderA0001',
      method: 'qr',
      refunds: [],
      providerData: {},
      providerTransactionId: paid?.queryId,
      notifyUrl: 'https://platform.example/notify',
      paidAmount: 10_000,
    } as never,
    refundId: 'refundA0001',
    amount: 3_000,
    reason: null,
    merchant: shopA,
  });
  sandbox.settleRefund('orderA0001', 'refundA0001');
  return setup;
}

describe('UnionPay statements from the sandbox', () => {
  it("yields only shop A's records for shop A: its payments and its refund, in fen, with fees", async () => {
    const { provider, shopA, sandbox } = await platformDay();
    const lines = await collect(provider.statement({ date: DATE, merchant: shopA }));
    expect(lines.map((l) => [l.kind, l.orderId, l.refundId ?? null, l.amount, l.fee, l.merchant])).toEqual([
      ['payment', 'orderA0001', null, 10_000, 60, 'shop-a'],
      ['payment', 'orderA0002', null, 2_357, 14, 'shop-a'],
      ['refund', 'orderA0001', 'refundA0001', 3_000, -18, 'shop-a'],
    ]);
    expect(lines[0]?.providerTradeId).toBe(sandbox.trade('orderA0001')?.queryId);
    expect(lines[2]?.providerTradeId).toBe(sandbox.trade('orderA0001')?.queryId);
    expect(lines[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  });

  it("yields the platform's own records without a merchant, and shop B's for shop B", async () => {
    const { provider, shopB } = await platformDay();
    const own = await collect(provider.statement({ date: DATE }));
    expect(own.map((l) => [l.orderId, l.merchant])).toEqual([['orderP0001', null]]);
    const b = await collect(provider.statement({ date: DATE, merchant: shopB }));
    expect(b.map((l) => l.orderId)).toEqual(['orderB0001']);
  });

  it('sends the file transfer ACP defines: 76/01, bizType 000000, fileType 00, settleDate MMDD, to the file host', async () => {
    const { provider, requests, sandbox, shopA } = await platformDay();
    await collect(provider.statement({ date: DATE, merchant: shopA }));
    const last = requests.at(-1);
    expect(last?.url).toBe(sandbox.fileUrl);
    const sent = decodeUnionpayForm(last?.body ?? '');
    expect(sent).toMatchObject({
      txnType: '76',
      txnSubType: '01',
      bizType: '000000',
      fileType: '00',
      accessType: '2',
      merId: '777290058110048',
      settleDate: DATE.slice(5, 7) + DATE.slice(8, 10),
    });
    // The platform's file: the file transfer names no sub-merchant (the lines are filtered by subMerId).
    expect(sent.subMerId).toBeUndefined();
    await collect(provider.statement({ date: DATE }));
    expect(decodeUnionpayForm(requests.at(-1)?.body ?? '')).toMatchObject({ accessType: '0', txnType: '76' });
  });

  it("parses the sandbox's archive byte-exactly: every record's raw text is the file's line, CRLF-ended, 607 bytes", async () => {
    const { sandbox, provider } = await platformDay();
    const archive = sandbox.statementArchive(DATE.slice(5, 7) + DATE.slice(8, 10));
    // fileContent is the archive, zlib-deflated and base64-encoded.
    expect(inflateSync(Buffer.from(archive.fileContent, 'base64')).equals(archive.zip)).toBe(true);
    expect(archive.fileName).toBe(`777290058110048_${DATE.replace(/-/g, '')}.zip`);
    const files: { name: string; text: Buffer }[] = [];
    for await (const entry of readZipEntries([archive.zip]))
      files.push({ name: entry.name, text: Buffer.concat(await collect(entry.bytes)) });
    expect(files.map((f) => f.name)).toEqual([`INN${DATE.slice(2).replace(/-/g, '')}88ZM_777290058110048`]);
    const records = (files[0] as { text: Buffer }).text.toString('latin1').split('\r\n');
    expect(records.at(-1)).toBe('');
    const gbkLines = (files[0] as { text: Buffer }).text;
    const decoded = new TextDecoder('gbk').decode(gbkLines).split('\r\n').slice(0, -1);
    for (const record of records.slice(0, -1)) expect(Buffer.byteLength(record, 'latin1')).toBe(607);
    const lines = await collect(provider.statement({ date: DATE }));
    const all = await collect(parseUnionpayStatement([archive.zip], { date: DATE }));
    expect(all.map((l: StatementLine) => l.raw)).toEqual(decoded);
    expect(all).toHaveLength(5);
    expect(lines.every((l) => decoded.includes(l.raw))).toBe(true);
    // Shop A's short name is in the file in GBK (老王煎饼 is 8 bytes), its field still 32 bytes wide.
    expect(decoded.some((l) => l.includes('老王煎饼'))).toBe(true);
  });

  it('refuses a file-transfer reply with a broken signature, or for another settlement date', async () => {
    const { provider, sandbox } = await platformDay();
    sandbox.hostile.tamperNextReply('signature');
    await expect(collect(provider.statement({ date: DATE }))).rejects.toMatchObject({ code: 'signature_invalid' });
    sandbox.rewriteReplies((reply) => ({ ...reply, settleDate: '0101' === reply.settleDate ? '0102' : '0101' }));
    const error = await collect(provider.statement({ date: DATE })).catch((e) => e);
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'mismatch', field: 'response.settleDate' });
  });

  it('a direct merchant downloads its own statement; a URL endpoint without fileEndpoint is a clear error', async () => {
    const { provider, sandbox } = sandboxed({ provider: { fileEndpoint: undefined } });
    await expect(collect(provider.statement({ date: DATE }))).rejects.toMatchObject({ field: 'options.fileEndpoint' });
    const direct = sandboxed().provider;
    void sandbox;
    await expect(collect(direct.statement({ date: '2024-13-01' }))).rejects.toSatisfy(ValidationError.isInstance);
    await expect(collect(direct.statement({ date: DATE, kind: 'fundflow' }))).rejects.toMatchObject({ field: 'kind' });
  });
});

describe('the sample archive through the provider path', () => {
  it('a genuine reply whose fileContent is the sample archive (zlib + base64) yields the sample lines', async () => {
    const { sandbox, provider } = sandboxed();
    const sample = fixtureBytes('unionpay-sdk-demo/802310048993424_20150905.zip');
    sandbox.rewriteReplies((reply) =>
      reply.txnType === '76'
        ? { ...reply, fileName: '802310048993424_20150905.zip', fileContent: deflateSync(sample).toString('base64') }
        : reply,
    );
    const lines = await collect(provider.statement({ date: '2015-09-05' }));
    expect(lines).toHaveLength(8);
    expect(lines.reduce((sum, l) => sum + l.amount, 0)).toBe(1_322_700);
    expect(lines[0]).toMatchObject({ orderId: '10078087', amount: 476_800, fee: 2_861, merchant: null });
  });

  it('a reply whose fileContent is not base64 or does not inflate is malformed, never a partial statement', async () => {
    const { sandbox, provider } = sandboxed();
    sandbox.rewriteReplies((reply) => (reply.txnType === '76' ? { ...reply, fileContent: 'not*base64' } : reply));
    await expect(collect(provider.statement({ date: DATE }))).rejects.toMatchObject({ field: 'response.fileContent' });
    sandbox.rewriteReplies((reply) => (reply.txnType === '76' ? { ...reply, fileContent: 'AAAAAAAA' } : reply));
    await expect(collect(provider.statement({ date: DATE }))).rejects.toMatchObject({ field: 'response.fileContent' });
  });
});
