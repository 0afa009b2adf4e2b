/**
 * WeChat Pay's bills as {@link StatementLine}s, parsed as the bytes arrive: the trade bill (交易账单)
 * of every `bill_type` (`ALL`, `SUCCESS`, `REFUND`, and the early format without 应结订单金额) and
 * the fund-flow bill (资金账单) of every account. Columns are found by their header names, never by
 * position (the column sets differ by bill type); every record field carries WeChat's backquote;
 * the file ends with a summary header and a summary row, whose counts and sums are checked against
 * the records.
 *
 * @packageDocumentation
 */
import { UnexpectedResponseError } from '@hutong/core';
import {
  type StatementLine,
  type StatementLineKind,
  type StatementLineStatus,
  textLines,
} from '@hutong/core/provider-utils';
import {
  fenOfWechatpayUnits,
  parseWechatpayCount,
  parseWechatpayYuan,
  wechatpayBillTime,
} from './wechatpay-statements-lines.js';

/**
 * Which bill a file is: `trade` (交易账单, `/v3/bill/tradebill`) or `fundflow` (资金账单,
 * `/v3/bill/fundflowbill`).
 *
 * @group Bills
 * @example
 * ```ts
 * const kind: WechatpayBillKind = 'fundflow';
 * ```
 */
export type WechatpayBillKind = 'trade' | 'fundflow';

/**
 * Options of {@link parseWechatpayBill}.
 *
 * @group Bills
 * @example
 * ```ts
 * const options: WechatpayBillParseOptions = { kind: 'trade', malformed: 'skip', onSkipped: (s) => skipped.push(s) };
 * ```
 */
export interface WechatpayBillParseOptions {
  /** Which bill the bytes are: a file of the other kind is an error. */
  kind: WechatpayBillKind;
  /** The provider id the lines name. Default `wechatpay`. */
  provider?: string | undefined;
  /** The platform's merchant key the lines name (`StatementLine.merchant`). Default `null`. */
  merchant?: string | null | undefined;
  /** `error` (default): a malformed record throws {@link WechatpayBillError}; `skip`: it is reported to `onSkipped`. */
  malformed?: 'error' | 'skip' | undefined;
  /** Called for every record skipped under `malformed: 'skip'`. */
  onSkipped?: ((issue: { line: number; reason: string }) => void) | undefined;
  /** When set, a trade record of another 商户号 (merchant id) is malformed. */
  mchId?: string | undefined;
  /** When set, a trade record of another 特约商户号 (`sub_mchid`) is malformed. */
  subMchId?: string | undefined;
}

/**
 * A bill that cannot be read: a malformed record (its `line` named), a header of the wrong bill, a
 * summary that disagrees with the records, or a file cut short. Always an
 * `UnexpectedResponseError` (`malformed`), so `UnexpectedResponseError.isInstance` holds.
 *
 * @group Bills
 * @example
 * ```ts
 * try { for await (const line of parseWechatpayBill(source, { kind: 'trade' })) use(line); }
 * catch (error) { if (WechatpayBillError.isBillError(error)) console.error(error.line); }
 * ```
 */
export class WechatpayBillError extends UnexpectedResponseError {
  /** The 1-based line at fault, when one is. */
  readonly line: number | undefined;

  constructor(provider: string, message: string, line: number | undefined) {
    super(provider, 'malformed', line === undefined ? `bill: ${message}` : `bill line ${line}: ${message}`, {
      field: line === undefined ? 'bill' : `bill.line.${line}`,
    });
    this.name = 'WechatpayBillError';
    this.line = line;
  }

  /** True for a {@link WechatpayBillError} (checked by name, so it survives two installed copies). */
  static isBillError(error: unknown): error is WechatpayBillError {
    return UnexpectedResponseError.isInstance(error) && (error as Error).name === 'WechatpayBillError';
  }
}

/** A record that is malformed; the parser turns it into an error or a skip. */
class RecordError extends Error {}

const TRADE_COLUMNS = {
  time: ['交易时间'],
  mchId: ['商户号'],
  subMchId: ['特约商户号', '子商户号'],
  transactionId: ['微信订单号'],
  orderId: ['商户订单号'],
  state: ['交易状态'],
  currency: ['货币种类'],
  settlement: ['应结订单金额', '总金额'],
  total: ['订单金额'],
  refundId: ['商户退款单号'],
  refundStatus: ['退款状态'],
  refund: ['退款金额'],
  refundRequested: ['申请退款金额'],
  refundAppliedAt: ['退款申请时间'],
  refundSucceededAt: ['退款成功时间'],
  fee: ['手续费'],
} as const;

const FUNDFLOW_COLUMNS = {
  time: ['记账时间'],
  providerId: ['微信支付业务单号'],
  flowId: ['资金流水单号'],
  name: ['业务名称'],
  type: ['业务类型'],
  direction: ['收支类型'],
  amount: ['收支金额（元）', '收支金额(元)'],
  voucher: ['业务凭证号'],
} as const;

const REQUIRED = {
  trade: ['time', 'transactionId', 'orderId', 'state', 'fee'],
  fundflow: ['time', 'providerId', 'type', 'direction', 'amount'],
} as const;

const SUMMARY_HEAD = { trade: '总交易单数', fundflow: '资金流水总笔数' } as const;

type Columns = Record<string, number | undefined>;

/** Sums of the records, in 10^-5 yuan, by the summary column that reports them. */
type Sums = Map<string, number>;

function columnsOf(header: readonly string[], names: Record<string, readonly string[]>): Columns {
  const at = new Map(header.map((name, index) => [name.trim(), index]));
  const columns: Columns = {};
  for (const [key, aliases] of Object.entries(names)) {
    columns[key] = aliases.map((alias) => at.get(alias)).find((index) => index !== undefined);
  }
  return columns;
}

/** A record's fields: the line is backquote-prefixed fields joined by commas (`` `a,`b ``). */
function fieldsOf(text: string): string[] {
  return text.slice(1).split(',`');
}

function yuan(text: string | undefined, column: string, places = 2): number {
  const units = text === undefined ? undefined : parseWechatpayYuan(text, places);
  if (units === undefined) throw new RecordError(`${column} ${JSON.stringify(text ?? '')} is not a yuan figure`);
  return units;
}

function add(sums: Sums, name: string, units: number): void {
  sums.set(name, (sums.get(name) ?? 0) + units);
}

/** A trade record's kind, from 交易状态 (`SUCCESS` a payment, `REFUND` a refund, `REVOKED` a reversed payment-code payment). */
function tradeKind(state: string): StatementLineKind {
  if (state === 'SUCCESS') return 'payment';
  if (state === 'REFUND') return 'refund';
  if (state === 'REVOKED') return 'adjustment';
  throw new RecordError(`交易状态 ${JSON.stringify(state)} is not SUCCESS, REFUND or REVOKED`);
}

/**
 * A refund record's 退款状态 as a line's status: the bill's values (`SUCCESS`, `PROCESSING`, `FAIL`,
 * `CHANGE` 转入代发: the card was void, the money went to no account; `REFUNDCLOSE`) and the APIv3
 * refund API's (`CLOSED`, `ABNORMAL`). Another value is a malformed record, never a guess.
 */
const REFUND_STATUS = {
  SUCCESS: 'succeeded',
  PROCESSING: 'pending',
  FAIL: 'failed',
  CHANGE: 'failed',
  REFUNDCLOSE: 'failed',
  CLOSED: 'failed',
  ABNORMAL: 'failed',
} as const satisfies Record<string, StatementLineStatus>;

/** A refund record's status; `undefined` when the bill has no 退款状态 column or leaves it empty. */
function refundStatus(text: string | undefined): StatementLineStatus | undefined {
  if (text === undefined || text === '') return undefined;
  if (!Object.hasOwn(REFUND_STATUS, text))
    throw new RecordError(`退款状态 ${JSON.stringify(text)} is not a refund status`);
  return REFUND_STATUS[text as keyof typeof REFUND_STATUS];
}

/** A fund-flow record's kind, from 业务类型 (and 业务名称). */
function fundflowKind(type: string, name: string): StatementLineKind {
  const both = `${type} ${name}`;
  if (both.includes('手续费')) return 'fee';
  if (both.includes('退款')) return 'refund';
  if (both.includes('分账')) return 'split';
  if (/提现|企业付款|转账|付款到零钱|商家转账/.test(both)) return 'transfer';
  if (both.includes('交易')) return 'payment';
  return 'adjustment';
}

interface Reader {
  record(fields: readonly string[], number: number, text: string): StatementLine;
  /** The summary columns and what the records add up to under each. */
  readonly sums: Sums;
}

function tradeReader(columns: Columns, options: WechatpayBillParseOptions, provider: string): Reader {
  const sums: Sums = new Map();
  const get = (fields: readonly string[], key: keyof typeof TRADE_COLUMNS) => {
    const index = columns[key];
    return index === undefined ? undefined : fields[index];
  };
  const money = (fields: readonly string[], key: keyof typeof TRADE_COLUMNS, summary: string, places = 2) => {
    const text = get(fields, key);
    if (text === undefined) return undefined;
    const units = yuan(text, TRADE_COLUMNS[key][0], places) * 10 ** (5 - places);
    add(sums, summary, units);
    return units;
  };
  return {
    sums,
    record(fields, number, text) {
      const kind = tradeKind(get(fields, 'state') ?? '');
      const currency = get(fields, 'currency');
      if (currency !== undefined && currency !== 'CNY') throw new RecordError(`货币种类 ${currency} is not CNY`);
      const mchId = get(fields, 'mchId');
      if (options.mchId !== undefined && mchId !== undefined && mchId !== options.mchId)
        throw new RecordError(`商户号 ${mchId} is not this merchant's`);
      const subMchId = get(fields, 'subMchId');
      if (options.subMchId !== undefined && subMchId !== options.subMchId)
        throw new RecordError(`特约商户号 ${subMchId ?? '(none)'} is not the sub-merchant's`);
      const settlement = money(fields, 'settlement', 'settlement');
      const total = money(fields, 'total', 'total');
      const refunded = money(fields, 'refund', 'refund');
      const requested = money(fields, 'refundRequested', 'refundRequested');
      const feeUnits = money(fields, 'fee', 'fee', 5) ?? 0;
      const paid = total ?? settlement;
      const amountUnits = kind === 'refund' ? (requested ?? refunded) : paid;
      if (amountUnits === undefined) throw new RecordError('the record has no amount column');
      if (amountUnits < 0) throw new RecordError('the amount is negative');
      const timeText =
        kind === 'refund'
          ? get(fields, 'refundSucceededAt') || get(fields, 'refundAppliedAt') || get(fields, 'time')
          : get(fields, 'time');
      const time = wechatpayBillTime(timeText ?? '');
      if (time === undefined)
        throw new RecordError(`the time ${JSON.stringify(timeText ?? '')} is not yyyy-MM-dd HH:mm:ss`);
      const status = kind === 'refund' ? refundStatus(get(fields, 'refundStatus')) : undefined;
      const line: StatementLine = {
        provider,
        merchant: options.merchant ?? null,
        kind,
        orderId: get(fields, 'orderId') || null,
        providerTradeId: get(fields, 'transactionId') || null,
        ...(kind === 'refund' ? { refundId: get(fields, 'refundId') || null } : {}),
        ...(status === undefined ? {} : { status }),
        amount: amountUnits / 1000,
        fee: fenOfWechatpayUnits(feeUnits, 5),
        currency: 'CNY',
        time,
        line: number,
        raw: text,
      };
      return line;
    },
  };
}

function fundflowReader(columns: Columns, options: WechatpayBillParseOptions, provider: string): Reader {
  const sums: Sums = new Map();
  const get = (fields: readonly string[], key: keyof typeof FUNDFLOW_COLUMNS) => {
    const index = columns[key];
    return index === undefined ? undefined : fields[index];
  };
  return {
    sums,
    record(fields, number, text) {
      const direction = get(fields, 'direction');
      if (direction !== '收入' && direction !== '支出')
        throw new RecordError(`收支类型 ${JSON.stringify(direction ?? '')} is not 收入 or 支出`);
      const units = yuan(get(fields, 'amount'), '收支金额') * 1000;
      if (units < 0) throw new RecordError('收支金额 is negative');
      add(sums, direction === '收入' ? 'income' : 'expense', units);
      add(sums, direction === '收入' ? 'incomeCount' : 'expenseCount', 1);
      const time = wechatpayBillTime(get(fields, 'time') ?? '');
      if (time === undefined) throw new RecordError('记账时间 is not yyyy-MM-dd HH:mm:ss');
      const kind = fundflowKind(get(fields, 'type') ?? '', get(fields, 'name') ?? '');
      const voucher = get(fields, 'voucher') || null;
      return {
        provider,
        merchant: options.merchant ?? null,
        kind,
        orderId: kind === 'payment' || kind === 'fee' ? voucher : null,
        providerTradeId: get(fields, 'providerId') || null,
        ...(kind === 'refund' ? { refundId: voucher } : {}),
        ...(kind === 'split' || kind === 'transfer' ? { movementId: voucher } : {}),
        amount: units / 1000,
        fee: 0,
        currency: 'CNY',
        time,
        line: number,
        raw: text,
      };
    },
  };
}

/** What each summary column must equal: a record count, or a sum (10^-5 yuan) of the records. */
const SUMMARY_CHECKS: Record<WechatpayBillKind, Record<string, string>> = {
  trade: {
    应结订单总金额: 'settlement',
    总交易额: 'settlement',
    退款总金额: 'refund',
    总退款金额: 'refund',
    手续费总金额: 'fee',
    订单总金额: 'total',
    申请退款总金额: 'refundRequested',
  },
  fundflow: { 收入笔数: 'incomeCount', 收入金额: 'income', 支出笔数: 'expenseCount', 支出金额: 'expense' },
};

function checkSummary(
  kind: WechatpayBillKind,
  header: readonly string[],
  row: string,
  records: number,
  sums: Sums | undefined,
  fail: (message: string) => never,
): void {
  if (!row.startsWith('`')) fail('the summary row is not backquoted');
  const values = fieldsOf(row);
  if (values.length !== header.length) fail(`the summary row has ${values.length} fields, its header ${header.length}`);
  const count = parseWechatpayCount(values[0] ?? '');
  if (count === undefined) fail(`${header[0]} ${JSON.stringify(values[0])} is not a count`);
  if (count !== records) fail(`${header[0]} is ${count}, the bill has ${records} records`);
  if (!sums) return;
  header.forEach((name, index) => {
    const key = SUMMARY_CHECKS[kind][name.trim()];
    if (!key) return;
    const text = values[index] ?? '';
    const expected = sums.get(key) ?? 0;
    const stated = key.endsWith('Count') ? parseWechatpayCount(text) : parseWechatpayYuan(text, 5);
    if (stated === undefined) fail(`${name} ${JSON.stringify(text)} is not a figure`);
    if (stated !== expected) fail(`${name} is ${text}, the records add up to ${describe(key, expected)}`);
  });
}

function describe(key: string, value: number): string {
  if (key.endsWith('Count')) return String(value);
  const sign = value < 0 ? '-' : '';
  const magnitude = String(Math.abs(value)).padStart(6, '0');
  return `${sign}${magnitude.slice(0, -5)}.${magnitude.slice(-5)}`;
}

/**
 * Parses a WeChat Pay bill (the decompressed text, as bytes) into {@link StatementLine}s, one per
 * record, as the bytes arrive: only the current line is held, so a bill of millions of records
 * never sits in memory whole.
 *
 * - Trade bill: `SUCCESS` records are payments (amount 订单金额, or 应结订单金额 / 总金额 in bills
 *   without it), `REFUND` records refunds (amount 申请退款金额, else 退款金额; `refundId` 商户退款单号;
 *   time 退款成功时间, else 退款申请时间, else 交易时间; `status` from 退款状态: `SUCCESS` succeeded,
 *   `PROCESSING` pending, `FAIL`/`CHANGE` failed), `REVOKED` ones adjustments. `fee` is 手续费
 *   (five decimals in the file) rounded to the fen, half away from zero; negative on refunds.
 * - Fund-flow bill: each record's kind from 业务类型 (fees, refunds, splits, transfers, payments,
 *   else adjustments); amount 收支金额, always positive (收支类型 says which way, kept in `raw`);
 *   业务凭证号 as `orderId` (payments, fees), `refundId` (refunds) or `movementId` (splits,
 *   transfers).
 * - Money is read from the text exactly (integers only); times get `+08:00`; `raw` is the line as
 *   the file has it, backquotes included.
 * - The summary row is checked: its count against the records (always), its sums against the
 *   records' (when no record was skipped). A file without its summary was cut short: an error.
 *
 * A malformed record throws {@link WechatpayBillError} naming its line, or, with
 * `malformed: 'skip'`, is reported to `onSkipped` and counted; a header of the other bill kind, a
 * summary that disagrees, or a missing summary always throws.
 *
 * @group Bills
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * for await (const line of parseWechatpayBill(createReadStream('2024-05-01.csv'), { kind: 'trade' })) {
 *   console.log(line.kind, line.orderId, line.amount, line.fee);
 * }
 * ```
 */
export async function* parseWechatpayBill(
  source: AsyncIterable<Uint8Array>,
  options: WechatpayBillParseOptions,
): AsyncGenerator<StatementLine> {
  const provider = options.provider ?? 'wechatpay';
  const kind = options.kind;
  if (kind !== 'trade' && kind !== 'fundflow') throw new TypeError("kind must be 'trade' or 'fundflow'");
  const fail = (message: string, line?: number): never => {
    throw new WechatpayBillError(provider, message, line);
  };
  let header: string[] | undefined;
  let reader: Reader | undefined;
  let summaryHeader: string[] | undefined;
  let summaryLine = 0;
  let done = false;
  let records = 0;
  let skipped = 0;
  for await (const { number, text } of textLines(source)) {
    if (done) {
      if (text.trim() !== '') fail('text after the summary row', number);
      continue;
    }
    if (!header) {
      if (text.trim() === '') continue;
      header = text.split(',');
      const names = kind === 'trade' ? TRADE_COLUMNS : FUNDFLOW_COLUMNS;
      const columns = columnsOf(header, names);
      const missing = REQUIRED[kind].filter((key) => columns[key] === undefined);
      if (missing.length > 0) {
        const other = kind === 'trade' ? header.includes('记账时间') : header.includes('交易时间');
        fail(
          other
            ? `the header is a ${kind === 'trade' ? 'fund-flow' : 'trade'} bill's, not a ${kind} bill's`
            : `the header lacks ${missing.map((key) => (names as Record<string, readonly string[]>)[key]?.[0]).join(', ')}`,
          number,
        );
      }
      if (kind === 'trade' && columns.total === undefined && columns.settlement === undefined)
        fail('the header has no amount column (订单金额, 应结订单金额 or 总金额)', number);
      reader = kind === 'trade' ? tradeReader(columns, options, provider) : fundflowReader(columns, options, provider);
      continue;
    }
    if (summaryHeader) {
      if (text.trim() === '') continue;
      checkSummary(kind, summaryHeader, text, records, skipped === 0 ? reader?.sums : undefined, (message) =>
        fail(message, number),
      );
      done = true;
      continue;
    }
    if (text.trim() === '') continue;
    if (text.startsWith(SUMMARY_HEAD[kind])) {
      summaryHeader = text.split(',');
      summaryLine = number;
      continue;
    }
    let line: StatementLine | undefined;
    try {
      if (!text.startsWith('`')) throw new RecordError('neither a backquoted record nor the summary header');
      records++;
      const fields = fieldsOf(text);
      if (fields.length !== header.length)
        throw new RecordError(`${fields.length} fields where the header has ${header.length}`);
      line = (reader as Reader).record(fields, number, text);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      if (options.malformed !== 'skip') fail(error.message, number);
      skipped++;
      options.onSkipped?.({ line: number, reason: error.message });
      continue;
    }
    yield line;
  }
  if (!header) fail('the bill is empty');
  if (!done)
    fail(summaryLine ? 'the bill ends before its summary row' : 'the bill ends before its summary (cut short?)');
}
