/**
 * Alipay's statements (对账单) as {@link StatementLine}s, parsed as the bytes arrive: the zip
 * Alipay serves ({@link parseAlipayBill}) and each GBK CSV in it ({@link parseAlipayBillCsv}). The
 * detail file (`…_业务明细.csv` for `trade`, `…_账务明细.csv` for `signcustomer`) opens with `#`
 * comment lines (`#支付宝业务明细查询`, the account, the dates, the list's start marker), then the
 * column header, the records (fields often end in a tab, which Alipay adds to keep spreadsheets
 * from reading ids as numbers), the end marker (`#-----…业务明细列表结束…`) and the totals
 * (`#交易合计：6笔，商家实收共0.06元…`), which are checked against the records. The summary file
 * (`…(汇总).csv`) is handed to `onSummary` as text.
 *
 * @packageDocumentation
 */
import { UnexpectedResponseError } from '@hutong/core';
import { type StatementLine, type StatementLineKind, textLines } from '@hutong/core/provider-utils';
import { unzipAlipayStream } from './alipay-statements-zip.js';

/**
 * Options of {@link parseAlipayBillCsv} and {@link parseAlipayBill}.
 *
 * @group Statements
 * @example
 * ```ts
 * const options: AlipayBillParseOptions = { merchant: 'shop-42', malformed: 'skip', onSkipped: (s) => skipped.push(s) };
 * ```
 */
export interface AlipayBillParseOptions {
  /** The provider id the lines name. Default `alipay`. */
  provider?: string | undefined;
  /** The platform's merchant key the lines name (`StatementLine.merchant`). Default `null`. */
  merchant?: string | null | undefined;
  /** `error` (default): a malformed record throws {@link AlipayBillError}; `skip`: it is reported to `onSkipped`. */
  malformed?: 'error' | 'skip' | undefined;
  /** Called for every record skipped under `malformed: 'skip'`. */
  onSkipped?: ((issue: { line: number; reason: string }) => void) | undefined;
  /** `parseAlipayBill`: receives each summary file (`…(汇总).csv`), decoded, with its name. */
  onSummary?: ((summary: { name: string; text: string }) => void) | undefined;
}

/**
 * A statement that cannot be read: a malformed record (its `line` named), a file of another
 * statement, totals that disagree with the records, a file cut short, a damaged zip. Always an
 * `UnexpectedResponseError` (`malformed`).
 *
 * @group Statements
 * @example
 * ```ts
 * try { for await (const line of parseAlipayBill(zip)) use(line); }
 * catch (error) { if (AlipayBillError.isBillError(error)) console.error(error.file, error.line); }
 * ```
 */
export class AlipayBillError extends UnexpectedResponseError {
  /** The 1-based line at fault, when one is. */
  readonly line: number | undefined;
  /** The file of the zip at fault, when one is. */
  readonly file: string | undefined;

  constructor(provider: string, message: string, line: number | undefined, file?: string) {
    const where = `${file ? `${file} ` : ''}${line === undefined ? '' : `line ${line}`}`.trim();
    super(provider, 'malformed', `statement${where ? ` ${where}` : ''}: ${message}`, {
      field: line === undefined ? 'bill' : `bill.line.${line}`,
    });
    this.name = 'AlipayBillError';
    this.line = line;
    this.file = file;
  }

  /** True for an {@link AlipayBillError} (checked by name, so it survives two installed copies). */
  static isBillError(error: unknown): error is AlipayBillError {
    return UnexpectedResponseError.isInstance(error) && (error as Error).name === 'AlipayBillError';
  }
}

class RecordError extends Error {}

const YUAN = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/;

/** A yuan figure as fen, exactly; `undefined` when the text is not one (more than two decimals included). */
function fenOf(text: string): number | undefined {
  const match = YUAN.exec(text);
  if (!match) return undefined;
  const fen = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' && fen !== 0 ? -fen : fen;
}

const TIME = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

/** The statement kinds: the title line each detail file opens with, and the columns each must have. */
const KINDS = {
  trade: {
    title: '#支付宝业务明细查询',
    required: ['支付宝交易号', '商户订单号', '业务类型', '完成时间', '订单金额（元）'],
  },
  signcustomer: {
    title: '#支付宝账务明细查询',
    required: ['账务流水号', '业务流水号', '发生时间', '收入金额（+元）', '支出金额（-元）', '业务类型'],
  },
} as const;

type Kind = keyof typeof KINDS;

function tradeKind(type: string): StatementLineKind {
  if (type === '交易') return 'payment';
  if (type === '退款') return 'refund';
  if (type.includes('分账')) return 'split';
  return 'adjustment';
}

function accountKind(type: string): StatementLineKind {
  if (type.includes('退款')) return 'refund';
  if (/收费|服务费|手续费/.test(type)) return 'fee';
  if (type.includes('分账')) return 'split';
  if (/提现|转账|付款/.test(type)) return 'transfer';
  if (/在线支付|交易|收款/.test(type)) return 'payment';
  return 'adjustment';
}

/**
 * Parses one Alipay statement CSV (the GBK bytes of `…_业务明细.csv` or `…_账务明细.csv`) into
 * {@link StatementLine}s as the bytes arrive.
 *
 * - `trade` (业务明细): 业务类型 `交易` is a payment, `退款` a refund (`refundId` 退款批次号/请求号),
 *   others adjustments (分账 splits); `amount` is |订单金额|; `fee` is |服务费| (negative on refunds:
 *   the fee returned); time 完成时间 (else 创建时间) with `+08:00`. The totals lines
 *   (`#交易合计：N笔，商家实收共X元`, `#退款合计：…`) must match the records' counts and 商家实收 sums.
 * - `signcustomer` (账务明细): the kind from 业务类型 (在线支付 payments, 交易退款 refunds, 收费 fees,
 *   转账/提现 transfers, 分账 splits, else adjustments); `amount` 收入 or |支出|; `orderId` 商户订单号,
 *   `providerTradeId` 业务流水号, `movementId` 账务流水号 (splits, transfers).
 * - Fields lose Alipay's trailing tab; `raw` keeps the decoded line as the file has it.
 *
 * A malformed record throws {@link AlipayBillError} naming its line, or with `malformed: 'skip'` is
 * reported to `onSkipped`; a file of neither kind, totals that disagree, or a file without its end
 * marker always throws.
 *
 * @group Statements
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * for await (const line of parseAlipayBillCsv(createReadStream('2088…_20240501_业务明细.csv'))) {
 *   console.log(line.kind, line.orderId, line.amount);
 * }
 * ```
 */
export async function* parseAlipayBillCsv(
  source: AsyncIterable<Uint8Array>,
  options: AlipayBillParseOptions & { file?: string | undefined } = {},
): AsyncGenerator<StatementLine> {
  const provider = options.provider ?? 'alipay';
  const fail = (message: string, line?: number): never => {
    throw new AlipayBillError(provider, message, line, options.file);
  };
  let kind: Kind | undefined;
  let header: string[] | undefined;
  let columns: Map<string, number> | undefined;
  let ended = false;
  let skipped = 0;
  const counts = { payment: 0, refund: 0 };
  const received = { payment: 0, refund: 0 };
  const stated: { payment?: [number, number]; refund?: [number, number] } = {};
  let totalsLine = 0;

  for await (const { number, text } of textLines(source, 'gbk')) {
    if (!kind) {
      kind = (Object.keys(KINDS) as Kind[]).find((name) => text.trim() === KINDS[name].title);
      if (!kind)
        fail(`the file opens with ${JSON.stringify(text.slice(0, 40))}, not an Alipay statement title`, number);
      continue;
    }
    if (ended) {
      if (!text.startsWith('#') && text.trim() !== '') fail('a record after the end of the list', number);
      const totals = /^#(交易|退款)合计：(\d+)笔，商家实收(?:退款)?共(-?[\d.]+)元/.exec(text);
      if (totals) {
        const fen = fenOf(totals[3] as string);
        if (fen === undefined) fail(`the total ${totals[3]} is not a yuan figure`, number);
        stated[totals[1] === '交易' ? 'payment' : 'refund'] = [Number(totals[2]), fen as number];
        totalsLine = number;
      }
      continue;
    }
    if (!header) {
      if (text.startsWith('#') || text.trim() === '') continue;
      header = text.split(',').map((name) => name.trim());
      columns = new Map(header.map((name, index) => [name, index]));
      const missing = KINDS[kind].required.filter((name) => !columns?.has(name));
      if (missing.length > 0) fail(`the header lacks ${missing.join(', ')}`, number);
      continue;
    }
    if (text.startsWith('#')) {
      if (text.includes('列表结束')) ended = true;
      else fail('a comment line inside the list', number);
      continue;
    }
    if (text.trim() === '') continue;
    let line: StatementLine;
    try {
      const fields = text.split(',').map((field) => field.trim());
      if (fields.length !== header.length)
        throw new RecordError(`${fields.length} fields where the header has ${header.length}`);
      const get = (name: string) => {
        const index = columns?.get(name);
        return index === undefined ? '' : (fields[index] as string);
      };
      const money = (name: string) => {
        const text = get(name);
        if (text === '') return 0;
        const fen = fenOf(text);
        if (fen === undefined) throw new RecordError(`${name} ${JSON.stringify(text)} is not a yuan figure`);
        return fen;
      };
      const timeOf = (value: string) => {
        if (!TIME.test(value)) throw new RecordError(`the time ${JSON.stringify(value)} is not yyyy-MM-dd HH:mm:ss`);
        return `${value.slice(0, 10)}T${value.slice(11)}+08:00`;
      };
      const common = {
        provider,
        merchant: options.merchant ?? null,
        currency: 'CNY' as const,
        line: number,
        raw: text,
      };
      if (kind === 'trade') {
        const lineKind = tradeKind(get('业务类型'));
        const amount = money('订单金额（元）');
        const fee = Math.abs(money('服务费（元）'));
        if (lineKind === 'payment' || lineKind === 'refund') {
          counts[lineKind]++;
          received[lineKind] += money('商家实收（元）');
        }
        line = {
          ...common,
          kind: lineKind,
          orderId: get('商户订单号') || null,
          providerTradeId: get('支付宝交易号') || null,
          ...(lineKind === 'refund' ? { refundId: get('退款批次号/请求号') || null } : {}),
          amount: Math.abs(amount),
          fee: lineKind === 'refund' ? 0 - fee : fee,
          time: timeOf(get('完成时间') || get('创建时间')),
        };
      } else {
        const lineKind = accountKind(get('业务类型'));
        const income = money('收入金额（+元）');
        const expense = money('支出金额（-元）');
        if ((income !== 0) === (expense !== 0))
          throw new RecordError('a record must have one of 收入金额 and 支出金额');
        line = {
          ...common,
          kind: lineKind,
          orderId: get('商户订单号') || null,
          providerTradeId: get('业务流水号') || null,
          ...(lineKind === 'split' || lineKind === 'transfer' ? { movementId: get('账务流水号') || null } : {}),
          amount: Math.abs(income || expense),
          fee: 0,
          time: timeOf(get('发生时间')),
        };
      }
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      if (options.malformed !== 'skip') fail(error.message, number);
      skipped++;
      options.onSkipped?.({ line: number, reason: error.message });
      continue;
    }
    yield line;
  }
  if (!kind) fail('the file is empty');
  if (!header) fail('the file has no column header');
  if (!ended) fail('the file ends before the end of its list (cut short?)');
  for (const side of ['payment', 'refund'] as const) {
    const totals = stated[side];
    if (!totals) continue;
    const name = side === 'payment' ? '交易合计' : '退款合计';
    if (totals[0] !== counts[side] && skipped === 0)
      fail(`${name} counts ${totals[0]}, the list has ${counts[side]}`, totalsLine);
    if (totals[1] !== received[side] && skipped === 0)
      fail(`${name} is ${totals[1]} fen, the records add up to ${received[side]}`, totalsLine);
  }
}

/**
 * Parses the zip Alipay serves at a statement's download URL, as its bytes arrive: every detail
 * CSV in it through {@link parseAlipayBillCsv} (its errors name the file), each summary file
 * (`…(汇总).csv`) to `onSummary`. A zip without a detail file, or one that is damaged or cut, is an
 * {@link AlipayBillError}.
 *
 * @group Statements
 * @example
 * ```ts
 * const response = await fetch(url);
 * for await (const line of parseAlipayBill(response.body!, { onSummary: ({ text }) => keep(text) })) {
 *   console.log(line.kind, line.orderId, line.amount);
 * }
 * ```
 */
export async function* parseAlipayBill(
  source: AsyncIterable<Uint8Array>,
  options: AlipayBillParseOptions = {},
): AsyncGenerator<StatementLine> {
  const provider = options.provider ?? 'alipay';
  let details = 0;
  try {
    for await (const entry of unzipAlipayStream(source)) {
      if (!entry.name.toLowerCase().endsWith('.csv')) continue;
      if (entry.name.includes('汇总')) {
        const decoder = new TextDecoder('gbk');
        let text = '';
        for await (const chunk of entry.bytes) text += decoder.decode(chunk, { stream: true });
        options.onSummary?.({ name: entry.name, text: text + decoder.decode() });
        continue;
      }
      details++;
      yield* parseAlipayBillCsv(entry.bytes, { ...options, file: entry.name });
    }
  } catch (error) {
    if (UnexpectedResponseError.isInstance(error) || !(error instanceof Error) || error instanceof RangeError)
      throw error;
    throw new AlipayBillError(provider, `the zip is unreadable (${error.message})`, undefined);
  }
  if (details === 0) throw new AlipayBillError(provider, 'the zip has no detail CSV', undefined);
}
