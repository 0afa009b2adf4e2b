import { describe, expect, it } from 'vitest';
import { parseWechatpayBill, WechatpayBillError } from '../src/index.js';
import { fenOfWechatpayUnits, parseWechatpayYuan } from '../src/wechatpay-statements-lines.js';
import { collect, source, thrown } from './bill-helpers.js';

const ALL_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const q = (...values: string[]) => values.map((v) => `\`${v}`).join(',');
const payment = (order: string, amount: string, fee: string, time = '2025-03-01 10:00:00') =>
  q(
    time,
    'wx1',
    '1900000001',
    '0',
    '',
    `42${order}`,
    order,
    'openid',
    'NATIVE',
    'SUCCESS',
    'OTHERS',
    'CNY',
    amount,
    '0.00',
    '0',
    '0',
    '0.00',
    '0.00',
    '',
    '',
    '商品,名称',
    '',
    fee,
    '0.60%',
    amount,
    '0.00',
    '',
  );
const refund = (order: string, refundNo: string, amount: string, fee: string, status = 'SUCCESS') =>
  q(
    '2025-03-01 11:00:00',
    'wx1',
    '1900000001',
    '0',
    '',
    `42${order}`,
    order,
    'openid',
    'NATIVE',
    'REFUND',
    'OTHERS',
    'CNY',
    '0.00',
    '0.00',
    `50${refundNo}`,
    refundNo,
    amount,
    '0.00',
    'ORIGINAL',
    status,
    '',
    '',
    fee,
    '0.60%',
    '0.00',
    amount,
    '',
  );
const bill = (rows: string[], summary: string) => `\ufeff${[ALL_HEADER, ...rows, SUMMARY, summary].join('\r\n')}\r\n`;

const good = bill(
  [payment('o1', '12.34', '0.07404'), refund('o1', 'r1', '2.00', '-0.01200')],
  q('2', '12.34', '2.00', '0.00', '0.06204', '12.34', '2.00'),
);

describe('parseWechatpayBill: the trade bill', () => {
  it('reads payments and refunds by column name (a comma inside a field included), money exactly, fees to the fen', async () => {
    const lines = await collect(
      parseWechatpayBill(source(good), { kind: 'trade', merchant: 'shop-1', provider: 'wx-hk' }),
    );
    expect(
      lines.map((l) => [l.provider, l.merchant, l.kind, l.orderId, l.refundId, l.amount, l.fee, l.time, l.line]),
    ).toEqual([
      ['wx-hk', 'shop-1', 'payment', 'o1', undefined, 1234, 7, '2025-03-01T10:00:00+08:00', 2],
      ['wx-hk', 'shop-1', 'refund', 'o1', 'r1', 200, -1, '2025-03-01T11:00:00+08:00', 3],
    ]);
  });

  it('a refund states its 退款状态: SUCCESS succeeded, PROCESSING pending, FAIL and CHANGE failed; payments state none', async () => {
    const text = bill(
      [
        payment('o1', '10.00', '0.06000'),
        refund('o1', 'r1', '1.00', '-0.00600'),
        refund('o1', 'r2', '1.00', '-0.00600', 'PROCESSING'),
        refund('o1', 'r3', '1.00', '-0.00600', 'FAIL'),
        refund('o1', 'r4', '1.00', '-0.00600', 'CHANGE'),
      ],
      q('5', '10.00', '4.00', '0.00', '0.03600', '10.00', '4.00'),
    );
    const lines = await collect(parseWechatpayBill(source(text), { kind: 'trade' }));
    expect(lines.map((l) => [l.refundId ?? l.kind, l.status])).toEqual([
      ['payment', undefined],
      ['r1', 'succeeded'],
      ['r2', 'pending'],
      ['r3', 'failed'],
      ['r4', 'failed'],
    ]);
    expect(lines.map((l) => 'status' in l)).toEqual([false, true, true, true, true]);
  });

  it.each([
    ['an unknown 退款状态', good.replace('`ORIGINAL,`SUCCESS', '`ORIGINAL,`REFUNDING'), 3, '退款状态 "REFUNDING"'],
    [
      'a summary sum that disagrees',
      good.replace('`12.34,`2.00,`0.00,`0.06204', '`12.35,`2.00,`0.00,`0.06204'),
      5,
      '应结订单总金额 is 12.35',
    ],
    ['a summary count that disagrees', good.replace(/`2,`12\.34/, '`3,`12.34'), 5, '总交易单数 is 3, the bill has 2'],
    ['a record with a field missing', good.replace(',`商品,名称', ''), 2, '26 fields where the header has 27'],
    ['an amount with three decimals', good.replace('`12.34,`0.00,`0,', '`12.345,`0.00,`0,'), 2, '12.345'],
    ['an unknown 交易状态', good.replace('`SUCCESS,`OTHERS', '`NOTPAY,`OTHERS'), 2, 'NOTPAY'],
    ['another currency', good.replace('`CNY,`12.34', '`USD,`12.34'), 2, 'USD'],
    ['a line that is neither record nor summary', good.replace(SUMMARY, `junk\r\n${SUMMARY}`), 4, 'neither'],
    ['text after the summary row', `${good}\`1,\`2\r\n`, 6, 'after the summary'],
  ])('%s is a WechatpayBillError naming its line', async (_, text, line, message) => {
    const error = await thrown(() => collect(parseWechatpayBill(source(text), { kind: 'trade' })));
    expect(WechatpayBillError.isBillError(error) && [error.line, error.field]).toEqual([line, `bill.line.${line}`]);
    expect((error as Error).message).toContain(message);
  });

  it('a bill cut before its summary, an empty file, or a fund-flow file read as a trade bill is an error', async () => {
    const cut = good.slice(0, good.indexOf(SUMMARY));
    expect((await thrown(() => collect(parseWechatpayBill(source(cut), { kind: 'trade' })))) as Error).toMatchObject({
      message: expect.stringContaining('ends before its summary'),
    });
    expect(
      WechatpayBillError.isBillError(await thrown(() => collect(parseWechatpayBill(source(''), { kind: 'trade' })))),
    ).toBe(true);
    const error = await thrown(() => collect(parseWechatpayBill(source(good), { kind: 'fundflow' })));
    expect((error as Error).message).toContain("a trade bill's, not a fundflow bill's");
  });

  it('skip: a malformed record is reported with its line and counted; the good ones are yielded; sums are not held against the skip', async () => {
    const text = bill(
      [payment('o1', '1.00', '0.00600'), payment('o2', 'x', '0.00600'), payment('o3', '3.00', '0.01800')],
      q('3', '6.00', '0.00', '0.00', '0.03600', '6.00', '0.00'),
    );
    const skipped: { line: number; reason: string }[] = [];
    const lines = await collect(
      parseWechatpayBill(source(text), { kind: 'trade', malformed: 'skip', onSkipped: (s) => skipped.push(s) }),
    );
    expect(lines.map((l) => l.orderId)).toEqual(['o1', 'o3']);
    expect(skipped).toEqual([{ line: 3, reason: expect.stringContaining('"x" is not a yuan figure') }]);
  });

  it('the SUCCESS and REFUND column sets (the REFUND one dates a refund by 退款成功时间)', async () => {
    const success = [
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注',
      q(
        '2025-03-01 10:00:00',
        'wx1',
        '1900000001',
        '0',
        '',
        '42o1',
        'o1',
        'openid',
        'JSAPI',
        'SUCCESS',
        'OTHERS',
        'CNY',
        '9.00',
        '1.00',
        'x',
        '',
        '0.06000',
        '0.60%',
        '10.00',
        '',
      ),
      SUMMARY,
      q('1', '9.00', '0.00', '0.00', '0.06000', '10.00', '0.00'),
    ].join('\n');
    const [paid] = await collect(parseWechatpayBill(source(success), { kind: 'trade' }));
    expect([paid?.kind, paid?.amount, paid?.fee]).toEqual(['payment', 1000, 6]); // 订单金额, not 应结订单金额
    const refunds = [
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
      q(
        '2025-02-28 10:00:00',
        'wx1',
        '1900000001',
        '1900000109',
        '',
        '42o1',
        'o1',
        'openid',
        'JSAPI',
        'REFUND',
        'OTHERS',
        'CNY',
        '0.00',
        '0.00',
        '2025-03-01 09:00:00',
        '2025-03-01 09:00:05',
        '50r1',
        'r1',
        '3.00',
        '0.00',
        'ORIGINAL',
        'SUCCESS',
        'x',
        '',
        '-0.01800',
        '0.60%',
        '0.00',
        '3.00',
        '',
      ),
      SUMMARY,
      q('1', '0.00', '3.00', '0.00', '-0.01800', '0.00', '3.00'),
    ].join('\n');
    const [back] = await collect(parseWechatpayBill(source(refunds), { kind: 'trade', subMchId: '1900000109' }));
    expect([back?.kind, back?.refundId, back?.amount, back?.fee, back?.time]).toEqual([
      'refund',
      'r1',
      300,
      -2,
      '2025-03-01T09:00:05+08:00',
    ]);
    const error = await thrown(() =>
      collect(parseWechatpayBill(source(refunds), { kind: 'trade', subMchId: '1900000999' })),
    );
    expect((error as Error).message).toContain('特约商户号 1900000109');
  });

  it('money and fees are integers read from the text: no floating point', () => {
    expect(parseWechatpayYuan('12345678901.23', 2)).toBe(1234567890123);
    expect(parseWechatpayYuan('0.1', 2)).toBe(10);
    expect(parseWechatpayYuan('-0.05940', 5)).toBe(-5940);
    expect(parseWechatpayYuan('1e3', 2)).toBeUndefined();
    expect([5940, 499, 500, -500, -5950].map((units) => fenOfWechatpayUnits(units, 5))).toEqual([6, 0, 1, -1, -6]);
    expect(Object.is(fenOfWechatpayUnits(-499, 5), 0)).toBe(true); // never -0
  });
});

describe('parseWechatpayBill: streaming', () => {
  it('yields the first line of a large bill before its source has finished, and stops reading when the reader stops', async () => {
    const records = 200_000;
    let produced = 0;
    let finished = false;
    async function* large(): AsyncGenerator<Uint8Array> {
      const encoder = new TextEncoder();
      yield encoder.encode(`${ALL_HEADER}\n`);
      for (; produced < records; produced++) yield encoder.encode(`${payment(`o${produced}`, '1.00', '0.00600')}\n`);
      yield encoder.encode(
        `${SUMMARY}\n${q(String(records), '2000.00', '0.00', '0.00', '1200.00000', '2000.00', '0.00')}\n`,
      );
      finished = true;
    }
    const iterator = parseWechatpayBill(large(), { kind: 'trade' })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.orderId).toBe('o0');
    expect(finished).toBe(false);
    expect(produced).toBeLessThan(10);
    await iterator.return?.(undefined);
    expect(finished).toBe(false);
  });

  it('a whole generated bill of 200,000 records is read and checked against its summary', async () => {
    const records = 200_000;
    async function* large(): AsyncGenerator<Uint8Array> {
      const encoder = new TextEncoder();
      yield encoder.encode(`${ALL_HEADER}\n`);
      let batch = '';
      for (let i = 0; i < records; i++) {
        batch += `${payment(`o${i}`, '1.00', '0.00600')}\n`;
        if (batch.length > 60_000) {
          yield encoder.encode(batch);
          batch = '';
        }
      }
      yield encoder.encode(
        `${batch}${SUMMARY}\n${q(String(records), '200000.00', '0.00', '0.00', '1200.00000', '200000.00', '0.00')}\n`,
      );
    }
    let count = 0;
    let total = 0;
    for await (const line of parseWechatpayBill(large(), { kind: 'trade' })) {
      count++;
      total += line.amount;
    }
    expect([count, total]).toEqual([records, records * 100]);
  });
});
