import { encodeGbk } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { AlipayBillError, parseAlipayBill, parseAlipayBillCsv } from '../src/index.js';
import { zipAlipayFiles } from '../src/sandbox/alipay-sandbox-routes-statements.js';
import { billText, chunked, collect, thrown } from './alipay-statements-bill-helpers.js';

const sample = billText('trade-2019-09-16-detail.utf8.csv');
const csv = (text: string) => chunked(encodeGbk(text));

describe('parseAlipayBillCsv: malformed input', () => {
  it.each([
    [
      'a record with a field missing',
      sample.replace(',下单测试,2019-09-16 10:55:16,2019-09-16 10:55:23', ',2019-09-16 10:55:16,2019-09-16 10:55:23'),
      6,
      '24 fields where the header has 25',
    ],
    [
      'an amount with three decimals',
      sample.replace('(602***@qq.com)\t,0.01,0.01', '(602***@qq.com)\t,0.011,0.01'),
      6,
      '0.011',
    ],
    ['a time that is not one', sample.replace('2019-09-16 10:55:23', '2019/09/16 10:55:23'), 6, '2019/09/16'],
    [
      'a comment line inside the list',
      sample.replace(
        '#-----------------------------------------业务明细列表结束',
        '#note\n#-----------------------------------------业务明细列表结束',
      ),
      16,
      'comment line inside',
    ],
  ])('%s is an AlipayBillError naming its line', async (_, text, line, message) => {
    const error = await thrown(() => collect(parseAlipayBillCsv(csv(text))));
    expect(AlipayBillError.isBillError(error) && [error.line, error.field]).toEqual([line, `bill.line.${line}`]);
    expect((error as Error).message).toContain(message);
  });

  it('a file cut before its end marker, a file of another kind, an empty file: errors', async () => {
    const cut = sample.slice(0, sample.indexOf('#-----------------------------------------业务明细列表结束'));
    expect(((await thrown(() => collect(parseAlipayBillCsv(csv(cut))))) as Error).message).toContain(
      'ends before the end of its list',
    );
    expect(
      ((await thrown(() => collect(parseAlipayBillCsv(csv('交易时间,公众账号ID\n'))))) as Error).message,
    ).toContain('not an Alipay statement title');
    expect(AlipayBillError.isBillError(await thrown(() => collect(parseAlipayBillCsv(csv('')))))).toBe(true);
  });

  it('skip: the malformed record is reported with its line, the others yielded', async () => {
    const text = sample.replace('2019-09-16 10:55:23', 'yesterday');
    const skipped: { line: number; reason: string }[] = [];
    const lines = await collect(
      parseAlipayBillCsv(csv(text), { malformed: 'skip', onSkipped: (s) => skipped.push(s) }),
    );
    expect(lines.map((l) => l.line)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(skipped).toEqual([{ line: 6, reason: expect.stringContaining('yesterday') }]);
  });
});

describe('parseAlipayBill: the zip', () => {
  it('a damaged or cut zip, or one without a detail file, is an AlipayBillError', async () => {
    const zip = zipAlipayFiles([{ name: 'x_业务明细.csv', data: encodeGbk(sample) }]);
    const cut = zip.subarray(0, Math.floor(zip.length / 2));
    expect(AlipayBillError.isBillError(await thrown(() => collect(parseAlipayBill(chunked(cut)))))).toBe(true);
    const damaged = Uint8Array.from(zip);
    for (let i = 60; i < 90; i++) damaged[i] = (damaged[i] as number) ^ 0x5a;
    expect(AlipayBillError.isBillError(await thrown(() => collect(parseAlipayBill(chunked(damaged)))))).toBe(true);
    const summaryOnly = zipAlipayFiles([{ name: 'x_业务明细(汇总).csv', data: encodeGbk('#\n') }]);
    expect(((await thrown(() => collect(parseAlipayBill(chunked(summaryOnly))))) as Error).message).toContain(
      'no detail CSV',
    );
  });

  it('streams: the first line of a large zipped statement comes before the source is read through', async () => {
    const header = sample.split('\n').slice(0, 5).join('\n');
    const record = sample.split('\n')[5] as string;
    const rows = Array.from({ length: 20_000 }, () => record).join('\n');
    const text = `${header}\n${rows}\n#-----------------------------------------业务明细列表结束------------------------------------\n#交易合计：20000笔，商家实收共200.00元，商家优惠共0.00元\n`;
    const zip = zipAlipayFiles([{ name: 'x_业务明细.csv', data: encodeGbk(text) }]);
    let read = 0;
    let finished = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (; read < zip.length; read += 256) yield zip.subarray(read, read + 256);
      finished = true;
    }
    const iterator = parseAlipayBill(source())[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.orderId).toBe('service_1568601259302');
    expect(finished).toBe(false);
    expect(read).toBeLessThan(zip.length / 2);
    let count = 1;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) count++;
    expect([count, finished]).toEqual([20_000, true]);
  });
});

describe('parseAlipayBillCsv: the signcustomer statement (账务明细)', () => {
  it('kinds from 业务类型, amounts from 收入 or 支出', async () => {
    const text = [
      '#支付宝账务明细查询',
      '#账号：[20880000000000010156]',
      '#-----------------------------------------账务明细列表----------------------------------------',
      '账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注',
      '2025030100001\t,2025030122001\t,o1\t,茶,2025-03-01 10:00:00,**买(208******01)\t,19.99,0.00,19.99,支付宝,在线支付,',
      '2025030100002\t,2025030122001\t,o1\t,茶,2025-03-01 10:00:00,**买(208******01)\t,0.00,-0.12,19.87,支付宝,收费,',
      '2025030100003\t,2025030122001\t,o1\t,茶,2025-03-01 10:01:00,**买(208******01)\t,0.00,-5.00,14.87,支付宝,交易退款,',
      '2025030100004\t,2025030122999\t,\t,提现,2025-03-01 12:00:00,\t,0.00,-14.87,0.00,支付宝,提现,',
      '#-----------------------------------------账务明细列表结束------------------------------------',
    ].join('\n');
    const lines = await collect(parseAlipayBillCsv(csv(text)));
    expect(lines.map((l) => [l.kind, l.amount, l.orderId, l.providerTradeId, l.movementId, l.time])).toEqual([
      ['payment', 1999, 'o1', '2025030122001', undefined, '2025-03-01T10:00:00+08:00'],
      ['fee', 12, 'o1', '2025030122001', undefined, '2025-03-01T10:00:00+08:00'],
      ['refund', 500, 'o1', '2025030122001', undefined, '2025-03-01T10:01:00+08:00'],
      ['transfer', 1487, null, '2025030122999', '2025030100004', '2025-03-01T12:00:00+08:00'],
    ]);
  });
});
