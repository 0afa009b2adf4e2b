/**
 * The Alipay sandbox's statements, made from its own trades as Alipay serves them:
 * `alipay.data.dataservice.bill.downloadurl.query` answers a download URL, and at that URL a zip
 * (entries with data descriptors, as Java's `ZipOutputStream` writes them; GBK names without the
 * UTF-8 flag) holds the GBK detail CSV (`…_业务明细.csv` for `trade`, `…_账务明细.csv` for
 * `signcustomer`: `#` comment lines, the column header, fields ending in a tab, the end marker and
 * the totals) and its summary (`…(汇总).csv`).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { formatYuan } from '@hutong/core';
import { encodeGbk, writeZip } from '@hutong/core/testing';
import type { AlipaySandboxState, AlipaySandboxTrade, SandboxNode } from './alipay-sandbox-state.js';

/** Where the sandbox serves statement files (any host: the sandbox answers by path). */
const BILL_HOST = 'https://dwbillcenter.alipay.sandbox.hutong.invalid';
const BILL_PATH = '/downloadBillFile.resource';

/** Statement zips by token, per sandbox. */
const files = new WeakMap<AlipaySandboxState, Map<string, Uint8Array>>();
/** When each refund was made, per trade (`out_request_no` → time). */
const refundTimes = new WeakMap<AlipaySandboxTrade, Map<string, Date>>();

/**
 * Records when a refund was made, for the statements (the refund route calls it).
 *
 * @example
 * ```ts
 * recordAlipaySandboxRefund(trade, 'r1', state.now());
 * ```
 */
export function recordAlipaySandboxRefund(trade: AlipaySandboxTrade, requestNo: string, at: Date): void {
  let times = refundTimes.get(trade);
  if (!times) {
    times = new Map();
    refundTimes.set(trade, times);
  }
  if (!times.has(requestNo)) times.set(requestNo, at);
}

/** A zip of deflated entries with data descriptors (flag bit 3), names in GBK. */
export function zipAlipayFiles(entries: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  return writeZip(entries.map((entry) => ({ name: encodeGbk(entry.name), data: entry.data })));
}

/** Signed yuan text, exactly (Alipay writes refunds and expenses negative). */
const yuan = (fen: number) => `${fen < 0 ? '-' : ''}${formatYuan(Math.abs(fen))}`;

/** China time as Alipay's statements write it. */
const chinaTime = (date: Date) => new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
const chineseDate = (day: string) => `${day.slice(0, 4)}年${day.slice(5, 7)}月${day.slice(8, 10)}日`;
/** The sandbox's fee: 0.6%, rounded to the fen. */
const feeOf = (fen: number) => Math.round((fen * 6) / 1000);
const masked = (buyerId: string) => `**买(${buyerId.slice(0, 3)}******${buyerId.slice(-2)})`;

interface Movement {
  at: Date;
  trade: AlipaySandboxTrade;
  refund?: { requestNo: string; amount: number } | undefined;
}

function movementsOf(state: AlipaySandboxState, date: string): Movement[] {
  const movements: Movement[] = [];
  for (const trade of state.trades.values()) {
    if (trade.paidAt && chinaTime(trade.paidAt).startsWith(date)) movements.push({ at: trade.paidAt, trade });
    for (const [requestNo, at] of refundTimes.get(trade) ?? []) {
      const amount = trade.refunds.get(requestNo);
      if (amount !== undefined && chinaTime(at).startsWith(date))
        movements.push({ at, trade, refund: { requestNo, amount } });
    }
  }
  return movements.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The comment lines every file opens with. */
function preamble(title: string, account: string, date: string, list: string): string[] {
  const start = date.length === 7 ? `${date}-01` : date;
  const next = new Date(`${start}T00:00:00Z`);
  if (date.length === 7) next.setUTCMonth(next.getUTCMonth() + 1);
  else next.setUTCDate(next.getUTCDate() + 1);
  return [
    title,
    `#账号：[${account}]`,
    `#起始日期：[${chineseDate(start)} 00:00:00]   终止日期：[${chineseDate(next.toISOString().slice(0, 10))} 00:00:00]`,
    `#-----------------------------------------${list}----------------------------------------`,
  ];
}

const exported = (now: Date) => {
  const time = chinaTime(now);
  return `#导出时间：[${chineseDate(time.slice(0, 10))} ${time.slice(11)}]`;
};

function tradeFiles(state: AlipaySandboxState, date: string, account: string): { detail: string; summary: string } {
  const rows: string[] = [];
  const totals = { payments: 0, paid: 0, refunds: 0, refunded: 0, fees: 0 };
  for (const { at, trade, refund } of movementsOf(state, date)) {
    const paidAt = chinaTime(trade.paidAt ?? at);
    const amount = refund ? -refund.amount : trade.amount;
    const fee = refund ? feeOf(refund.amount) : -feeOf(trade.amount);
    if (refund) {
      totals.refunds++;
      totals.refunded += amount;
    } else {
      totals.payments++;
      totals.paid += amount;
    }
    totals.fees += fee;
    rows.push(
      [
        `${trade.tradeNo}\t`,
        `${trade.outTradeNo}\t`,
        `${refund ? '退款' : '交易'}\t`,
        trade.subject,
        paidAt,
        chinaTime(at),
        '\t',
        '\t',
        '\t',
        '\t',
        `${masked(trade.buyerId)}\t`,
        yuan(amount),
        yuan(amount),
        '0.00',
        '0.00',
        '0.00',
        '0.00',
        '0.00',
        '',
        '0.00\t',
        '0.00',
        `${refund?.requestNo ?? ''}\t`,
        yuan(fee),
        '0.00',
        trade.subject,
      ].join(','),
    );
  }
  const detail = [
    ...preamble('#支付宝业务明细查询', account, date, '业务明细列表'),
    '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注',
    ...rows,
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${totals.payments}笔，商家实收共${yuan(totals.paid)}元，商家优惠共0.00元`,
    `#退款合计：${totals.refunds}笔，商家实收退款共${yuan(totals.refunded)}元，商家优惠退款共0.00元`,
    exported(state.now()),
  ];
  const net = totals.paid + totals.refunded;
  const summary = [
    ...preamble('#支付宝业务汇总查询', account, date, '业务汇总列表'),
    '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）',
    `\t,合计,${totals.payments},${totals.refunds},${yuan(net)},${yuan(net)},0.00,0.00,0.00,${yuan(totals.fees)},0.00,${yuan(net + totals.fees)}`,
    '#-----------------------------------------业务汇总列表结束-----------------------------------',
    exported(state.now()),
  ];
  return { detail: `${detail.join('\n')}\n`, summary: `${summary.join('\n')}\n` };
}

function accountFiles(state: AlipaySandboxState, date: string, account: string): { detail: string; summary: string } {
  const rows: string[] = [];
  let balance = 0;
  let sequence = 0;
  const sums = { income: 0, incomes: 0, expense: 0, expenses: 0 };
  const row = (at: Date, trade: AlipaySandboxTrade, fen: number, type: string) => {
    balance += fen;
    if (fen > 0) {
      sums.income += fen;
      sums.incomes++;
    } else {
      sums.expense += fen;
      sums.expenses++;
    }
    rows.push(
      [
        `${date.replaceAll('-', '')}${String(++sequence).padStart(12, '0')}\t`,
        `${trade.tradeNo}\t`,
        `${trade.outTradeNo}\t`,
        trade.subject,
        chinaTime(at),
        `${masked(trade.buyerId)}\t`,
        fen > 0 ? yuan(fen) : '0.00',
        fen < 0 ? yuan(fen) : '0.00',
        yuan(balance),
        '支付宝',
        type,
        '',
      ].join(','),
    );
  };
  for (const { at, trade, refund } of movementsOf(state, date)) {
    if (refund) row(at, trade, -refund.amount, '交易退款');
    else {
      row(at, trade, trade.amount, '在线支付');
      row(at, trade, -feeOf(trade.amount), '收费');
    }
  }
  const detail = [
    ...preamble('#支付宝账务明细查询', account, date, '账务明细列表'),
    '账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注',
    ...rows,
    '#-----------------------------------------账务明细列表结束------------------------------------',
    `#收入合计：${sums.incomes}笔，共${yuan(sums.income)}元`,
    `#支出合计：${sums.expenses}笔，共${yuan(sums.expense)}元`,
    exported(state.now()),
  ];
  const summary = [
    ...preamble('#支付宝账务汇总查询', account, date, '账务汇总列表'),
    '收入笔数,收入金额（+元）,支出笔数,支出金额（-元）',
    `${sums.incomes},${yuan(sums.income)},${sums.expenses},${yuan(sums.expense)}`,
    '#-----------------------------------------账务汇总列表结束-----------------------------------',
    exported(state.now()),
  ];
  return { detail: `${detail.join('\n')}\n`, summary: `${summary.join('\n')}\n` };
}

/**
 * `alipay.data.dataservice.bill.downloadurl.query`: makes the statement of the sandbox's trades of
 * `bill_date` (a day or a month) and answers its download URL.
 *
 * @example
 * ```ts
 * const node = answerAlipayBillDownloadUrl(state, { bill_type: 'trade', bill_date: '2024-05-01' });
 * ```
 */
export function answerAlipayBillDownloadUrl(state: AlipaySandboxState, biz: SandboxNode): SandboxNode {
  const type = String(biz.bill_type ?? '');
  const date = String(biz.bill_date ?? '');
  if ((type !== 'trade' && type !== 'signcustomer') || !/^\d{4}-\d{2}(-\d{2})?$/.test(date)) {
    return { code: '40004', msg: 'Business Failed', sub_code: 'isp.bill_not_exist', sub_msg: '账单不存在' };
  }
  const account = `${state.sellerId}0156`;
  const { detail, summary } = type === 'trade' ? tradeFiles(state, date, account) : accountFiles(state, date, account);
  const day = date.replaceAll('-', '');
  const name = type === 'trade' ? '业务明细' : '账务明细';
  const zip = zipAlipayFiles([
    { name: `${account}_${day}_${name}.csv`, data: encodeGbk(detail) },
    { name: `${account}_${day}_${name}(汇总).csv`, data: encodeGbk(summary) },
  ]);
  const token = randomBytes(12).toString('hex');
  let byToken = files.get(state);
  if (!byToken) {
    byToken = new Map();
    files.set(state, byToken);
  }
  byToken.set(token, zip);
  return {
    code: '10000',
    msg: 'Success',
    bill_download_url: `${BILL_HOST}${BILL_PATH}?bizType=${type}&userId=${state.sellerId}&fileType=csv.zip&bizDates=${day}&downloadFileName=${day}.csv.zip&fileId=%2F${type}%2F${state.sellerId}%2F${day}&timestamp=${state.now().getTime()}&token=${token}`,
  };
}

/**
 * Serves a statement zip the sandbox made; `undefined` when the request is not for one.
 *
 * @example
 * ```ts
 * const response = serveAlipayBillFile(state, 'GET', new URL(url));
 * ```
 */
export function serveAlipayBillFile(state: AlipaySandboxState, method: string, url: URL): Response | undefined {
  if (method !== 'GET' || url.pathname !== BILL_PATH) return undefined;
  const zip = files.get(state)?.get(url.searchParams.get('token') ?? '');
  if (!zip) return new Response('not found', { status: 404 });
  return new Response(zip as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename=${url.searchParams.get('downloadFileName') ?? 'bill.csv.zip'}`,
    },
  });
}
