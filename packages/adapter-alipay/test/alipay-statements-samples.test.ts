import { encodeGbk } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { AlipayBillError, parseAlipayBill, parseAlipayBillCsv } from '../src/index.js';
import { zipAlipayFiles } from '../src/sandbox/alipay-sandbox-routes-statements.js';
import { billText, chunked, collect, thrown } from './alipay-statements-bill-helpers.js';

const NAME = 'trade-2019-09-16-detail.utf8.csv';
const text = billText(NAME);
const gbk = encodeGbk(text);
const rawLines = text.split('\n');

/** The ten records of the sample, as the parser must read them. */
const expected = [
  [6, 'payment', '2019091622001458860515315453', 'service_1568601259302', undefined, '2019-09-16T10:55:23+08:00'],
  [
    7,
    'refund',
    '2019091622001458860515315453',
    'service_1568601259302',
    're_test_1568602607356',
    '2019-09-16T10:56:48+08:00',
  ],
  [8, 'payment', '2019091622001458860513822558', 'service_1568603173853', undefined, '2019-09-16T11:07:09+08:00'],
  [
    9,
    'refund',
    '2019091622001458860513822558',
    'service_1568603173853',
    're_test_1568604414433',
    '2019-09-16T11:26:55+08:00',
  ],
  [10, 'payment', '2019091622001458860516395930', 'service_1568613406000', undefined, '2019-09-16T13:57:52+08:00'],
  [
    11,
    'refund',
    '2019091622001458860516395930',
    'service_1568613406000',
    're_test_1568614511552',
    '2019-09-16T14:15:12+08:00',
  ],
  [
    12,
    'payment',
    '2019091622001458860516993488',
    'qd_201909161455139634Sjad2vy',
    undefined,
    '2019-09-16T14:57:19+08:00',
  ],
  [
    13,
    'refund',
    '2019091622001458860516993488',
    'qd_201909161455139634Sjad2vy',
    're_20190916150216125q8Lmiodp',
    '2019-09-16T15:00:38+08:00',
  ],
  [14, 'payment', '2019091622001465870515233238', '20190916165659224L3VUQRL9', undefined, '2019-09-16T16:58:58+08:00'],
  [
    15,
    'payment',
    '2019091622001458860517860493',
    'qd_201909161844073417CB0wPzR',
    undefined,
    '2019-09-16T18:43:34+08:00',
  ],
] as const;

const asLines = (merchant: string | null = null) =>
  expected.map(([line, kind, providerTradeId, orderId, refundId, time]) => ({
    provider: 'alipay',
    merchant,
    kind,
    orderId,
    providerTradeId,
    ...(kind === 'refund' ? { refundId } : {}),
    amount: 1,
    fee: 0,
    currency: 'CNY',
    time,
    line,
    raw: rawLines[line - 1],
  }));

describe('a published Alipay trade statement (fixtures/bills/README.md)', () => {
  it('the GBK encoding of the sample decodes back to it exactly (the fixture survives the round trip)', () => {
    expect(new TextDecoder('gbk').decode(gbk)).toBe(text);
  });

  it.each([1, 3, 64, 65536])(
    'the detail CSV in GBK, read %i bytes at a time: every record, line by line',
    async (size) => {
      expect(await collect(parseAlipayBillCsv(chunked(gbk, size)))).toEqual(asLines());
    },
  );

  it.each([1, 5, 100, 65536])('the zip (GBK names, data descriptors), read %i bytes at a time', async (size) => {
    const summaries: { name: string; text: string }[] = [];
    const zip = zipAlipayFiles([
      { name: '20880211096256330156_20190916_业务明细.csv', data: gbk },
      { name: '20880211096256330156_20190916_业务明细(汇总).csv', data: encodeGbk('#支付宝业务汇总查询\n') },
    ]);
    const lines = await collect(
      parseAlipayBill(chunked(zip, size), { merchant: 'shop-9', onSummary: (summary) => summaries.push(summary) }),
    );
    expect(lines).toEqual(asLines('shop-9'));
    expect(summaries).toEqual([
      { name: '20880211096256330156_20190916_业务明细(汇总).csv', text: '#支付宝业务汇总查询\n' },
    ]);
  });

  it('the totals are held against the records: a changed total is an error naming its line', async () => {
    const changed = encodeGbk(text.replace('#交易合计：6笔', '#交易合计：7笔'));
    const error = await thrown(() => collect(parseAlipayBillCsv(chunked(changed))));
    expect(AlipayBillError.isBillError(error) && error.line).toBe(18);
    expect((error as Error).message).toContain('交易合计 counts 7, the list has 6');
    const sum = encodeGbk(text.replace('商家实收退款共-0.04元', '商家实收退款共-0.05元'));
    expect(((await thrown(() => collect(parseAlipayBillCsv(chunked(sum))))) as Error).message).toContain(
      '退款合计 is -5 fen',
    );
  });
});
