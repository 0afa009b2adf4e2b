import { UnexpectedResponseError } from '@hutong/core';
import { describe, expect, it } from 'vitest';
import { parseWechatpayBill, WechatpayBillError } from '../src/index.js';
import { billFixture, chunked, collect, thrown } from './bill-helpers.js';

const text = (name: string) => new TextDecoder().decode(billFixture(name));
const lineOf = (name: string, number: number) => text(name).split('\n')[number - 1];

describe('published WeChat Pay bills (fixtures/bills/README.md)', () => {
  it.each([1, 7, 64, 4096])('the ALL trade bill of 2021-01-28, read %i bytes at a time, line by line', async (size) => {
    const name = 'trade-all-2021-01-28.csv';
    const lines = await collect(parseWechatpayBill(chunked(billFixture(name), size), { kind: 'trade' }));
    const base = { provider: 'wechatpay', merchant: null, kind: 'payment', amount: 1, fee: 0, currency: 'CNY' };
    expect(lines).toEqual([
      {
        ...base,
        orderId: 'S20210128170702357723',
        providerTradeId: '4200000925202101284997714292',
        time: '2021-01-28T17:07:11+08:00',
        line: 2,
        raw: lineOf(name, 2),
      },
      {
        ...base,
        orderId: 'S20210128153505214586',
        providerTradeId: '4200000910202101282955148400',
        time: '2021-01-28T15:35:18+08:00',
        line: 3,
        raw: lineOf(name, 3),
      },
      {
        ...base,
        orderId: 'S20210128165824499930',
        providerTradeId: '4200000926202101281412639609',
        time: '2021-01-28T16:59:46+08:00',
        line: 4,
        raw: lineOf(name, 4),
      },
    ]);
    // raw keeps WeChat's backquotes, byte for byte.
    expect(lines[0]?.raw.startsWith('`2021-01-28 17:07:11,`wx81be3101902f7cb2,`1601959334,`0,`,`')).toBe(true);
  });

  it('binds the trade bill to its merchant: another 商户号 is malformed', async () => {
    const error = await thrown(() =>
      collect(
        parseWechatpayBill(chunked(billFixture('trade-all-2021-01-28.csv')), { kind: 'trade', mchId: '1230000109' }),
      ),
    );
    expect(WechatpayBillError.isBillError(error) && error.line).toBe(2);
    expect((error as Error).message).toContain('商户号 1601959334');
  });

  it('the fund-flow excerpt of 2021-02-01: both refunds, then the summary count (3) rejects the cut file', async () => {
    const name = 'fundflow-2021-02-01-excerpt.csv';
    const lines: unknown[] = [];
    const error = await thrown(async () => {
      for await (const line of parseWechatpayBill(chunked(billFixture(name)), { kind: 'fundflow' })) lines.push(line);
    });
    const base = {
      provider: 'wechatpay',
      merchant: null,
      kind: 'refund',
      amount: 1,
      fee: 0,
      currency: 'CNY',
      orderId: null,
    };
    expect(lines).toEqual([
      {
        ...base,
        providerTradeId: '50300806962021020105978994968',
        refundId: 'S20210201135356381941',
        time: '2021-02-01T13:54:01+08:00',
        line: 2,
        raw: lineOf(name, 2),
      },
      {
        ...base,
        providerTradeId: '50300907032021020105978998710',
        refundId: 'S20210201140044552846',
        time: '2021-02-01T14:00:45+08:00',
        line: 3,
        raw: lineOf(name, 3),
      },
    ]);
    expect(WechatpayBillError.isBillError(error) && error.line).toBe(5);
    expect((error as Error).message).toContain('资金流水总笔数 is 3, the bill has 2 records');
  });

  it('the documentation fund-flow sample (full-width （元）, counts written 20.0): its line, then the count check', async () => {
    const name = 'fundflow-doc-excerpt.csv';
    const lines: unknown[] = [];
    const error = await thrown(async () => {
      for await (const line of parseWechatpayBill(chunked(billFixture(name)), { kind: 'fundflow' })) lines.push(line);
    });
    expect(lines).toEqual([
      {
        provider: 'wechatpay',
        merchant: null,
        kind: 'refund',
        orderId: null,
        providerTradeId: '50000305742018020103387128253',
        refundId: 'REF4200000068201801293084726067',
        amount: 2,
        fee: 0,
        currency: 'CNY',
        time: '2018-02-01T04:21:23+08:00',
        line: 2,
        raw: lineOf(name, 2),
      },
    ]);
    expect((error as Error).message).toContain('资金流水总笔数 is 20, the bill has 1 records');
  });

  it('the APIv2 documentation sample (early columns) has malformed times: an error naming line 2, or both skipped and reported', async () => {
    const name = 'trade-v2-doc-early-format.csv';
    const error = await thrown(() => collect(parseWechatpayBill(chunked(billFixture(name)), { kind: 'trade' })));
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect(WechatpayBillError.isBillError(error) && error.line).toBe(2);
    expect((error as Error).message).toContain('2014-11-1016：33：45');

    const skipped: { line: number; reason: string }[] = [];
    const lines = await collect(
      parseWechatpayBill(chunked(billFixture(name)), {
        kind: 'trade',
        malformed: 'skip',
        onSkipped: (issue) => skipped.push(issue),
      }),
    );
    expect(lines).toEqual([]);
    expect(skipped.map((issue) => issue.line)).toEqual([2, 3]);
  });

  it('the early column set parses once its times are well formed (总金额 as the amount)', async () => {
    const fixed = text('trade-v2-doc-early-format.csv').replace(
      /2014-11-10(\d\d)：(\d\d)：(\d\d)/g,
      '2014-11-10 $1:$2:$3',
    );
    const lines = await collect(parseWechatpayBill(chunked(new TextEncoder().encode(fixed)), { kind: 'trade' }));
    expect(lines.map((l) => [l.kind, l.orderId, l.providerTradeId, l.amount, l.fee, l.time])).toEqual([
      ['payment', '1415640626', '1001690740201411100005734289', 1, 0, '2014-11-10T16:33:45+08:00'],
      ['payment', '1415635270', '1002780740201411100005729794', 1, 0, '2014-11-10T16:46:14+08:00'],
    ]);
  });
});
