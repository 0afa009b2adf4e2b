/**
 * UnionPay's merchant transaction file (全渠道商户一般交易明细流水文件, the `INN…ZM_<merId>` file
 * of the statement archive) read as a stream into {@link StatementLine}s.
 *
 * The format, from ACP's file interface specification (《全渠道平台接入接口规范 第3部分 文件接口》,
 * §6.1 ZM) and UnionPay's SDK demo reader (`parseZMFile`): GBK text, one record per CRLF line, 42
 * fixed-width fields counted in bytes, separated by one space. The fields read here (1-based, as the
 * specification numbers them): 5 `txnTime` (n10 MMDDhhmmss, China time), 7 `txnAmt` (n12, fen),
 * 10 `queryId` (an21), 12 `orderId` (ans32), 16 merchant fee (X+n12: `D` the merchant pays, `C`
 * it is returned), 20 `txnType` (n2: 01 consume, 04 refund, 31 consume undo), 27 `origQryId`
 * (an21), 28 `merId` (n15), 30 `subMerId` (n15), 41 original `orderId` (ans32, on refunds and
 * undos); the last field (reserved) runs to the end of the line.
 *
 * @packageDocumentation
 */
import * as buffer from 'node:buffer';
import { ValidationError } from '@hutong/core';
import type { StatementLine, StatementRequest } from '@hutong/core/provider-utils';
import { readZipEntries } from './unionpay-statements-zip.js';

/**
 * The widths of the ZM record's 42 fields in bytes (the 42nd, reserved, runs to the end of the
 * line), as UnionPay's SDK demo reads them (`parseZMFile`).
 *
 * @example
 * ```ts
 * UNIONPAY_ZM_FIELD_WIDTHS[6]; // 12: txnAmt
 * ```
 */
export const UNIONPAY_ZM_FIELD_WIDTHS = [
  3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13, 13,
  8, 32, 13, 13, 12, 2, 1, 32, 98,
] as const;

/** The byte offset of each field (0-based index), each followed by one space. */
const OFFSETS = UNIONPAY_ZM_FIELD_WIDTHS.reduce<number[]>((offsets, _width, i) => {
  offsets.push(i === 0 ? 0 : (offsets[i - 1] as number) + (UNIONPAY_ZM_FIELD_WIDTHS[i - 1] as number) + 1);
  return offsets;
}, []);

/** The fields read, by their 0-based index. */
const F = {
  txnTime: 4,
  txnAmt: 6,
  queryId: 9,
  orderId: 11,
  fee: 15,
  txnType: 19,
  origQryId: 26,
  merId: 27,
  subMerId: 29,
  origOrderId: 40,
} as const;

/** The shortest record: every field up to the original order id (the reserved field may be cut). */
const MIN_RECORD = (OFFSETS[40] as number) + (UNIONPAY_ZM_FIELD_WIDTHS[40] as number);
/** The longest line read; a longer one is malformed (a file that is not a ZM file, or corrupt). */
const MAX_LINE = 4096;

const KINDS = { '01': 'payment', '04': 'refund', '31': 'refund' } as const;

/**
 * A malformed line of a UnionPay statement, naming its number (1-based) and what is wrong.
 *
 * @example
 * ```ts
 * try { for await (const line of parseUnionpayStatement(file, { date: '2024-12-01' })) use(line); }
 * catch (error) { if (UnionpayStatementLineError.isInstance(error)) console.log(error.line, error.reason); }
 * ```
 */
export class UnionpayStatementLineError extends ValidationError {
  /** The line's number in its file, 1-based. */
  readonly line: number;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(line: number, reason: string) {
    super(`statement.line.${line}`, `line ${line}: ${reason}`);
    this.name = 'UnionpayStatementLineError';
    this.line = line;
    this.reason = reason;
    Object.defineProperty(this, Symbol.for('hutong.error.UnionpayStatementLineError'), { value: true });
  }

  /** True for a {@link UnionpayStatementLineError} from any copy of this package. */
  static override isInstance(error: unknown): error is UnionpayStatementLineError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[Symbol.for('hutong.error.UnionpayStatementLineError')] === true
    );
  }
}

/**
 * Options of {@link parseUnionpayStatement}: the statement's settlement date (it gives the records'
 * `MMDD` times their year), whose lines to keep, and what to do with a malformed line.
 *
 * @example
 * ```ts
 * const options: UnionpayStatementOptions = { date: '2024-12-01', subMerId: '898111000000001', malformed: 'skip' };
 * ```
 */
export interface UnionpayStatementOptions {
  /** The settlement date of the file, `YYYY-MM-DD` (China time). */
  date: string;
  /** The provider id on the lines. Default `'unionpay'`. */
  provider?: string | undefined;
  /** The merchant key on the lines. Default `null`. */
  merchant?: string | null | undefined;
  /**
   * Keep only one sub-merchant's records: a `subMerId` (platform access), or `null` for the
   * records without one (the platform's own). Absent: every record.
   */
  subMerId?: string | null | undefined;
  /** Keep only the records of this `merId` (acquirer access). Absent: every record. */
  merId?: string | undefined;
  /** `error` (default): a malformed line throws {@link UnionpayStatementLineError}; `skip`: it is reported to `onSkipped`. */
  malformed?: StatementRequest['malformed'];
  /** Called for every line skipped under `malformed: 'skip'`. */
  onSkipped?: StatementRequest['onSkipped'];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const gbk = new TextDecoder('gbk');
/** `buffer.isAscii` where the runtime has it (Node ≥ 19.6): an ASCII record is its Latin-1 text. */
const isAscii = (buffer as { isAscii?: (bytes: Uint8Array) => boolean }).isAscii;

/** A field's bytes as ASCII text (Latin-1, so a non-ASCII byte fails the field's format). */
function ascii(record: Buffer, field: number): string {
  const start = OFFSETS[field] as number;
  return record.toString('latin1', start, start + (UNIONPAY_ZM_FIELD_WIDTHS[field] as number));
}

/** The year of an `MMDD` near the settlement date (a record of 31 Dec in the file of 2 Jan). */
function yearOf(month: number, day: number, settle: { year: number; month: number; day: number }): number {
  const settleDay = settle.month * 31 + settle.day;
  const recordDay = month * 31 + day;
  if (recordDay - settleDay > 6 * 31) return settle.year - 1;
  if (settleDay - recordDay > 6 * 31) return settle.year + 1;
  return settle.year;
}

/** Reads one record into a line, or throws the reason it is malformed. */
function readRecord(
  record: Buffer,
  number: number,
  options: UnionpayStatementOptions,
  settle: { year: number; month: number; day: number },
): StatementLine | 'other' {
  if (record.length < MIN_RECORD)
    throw new UnionpayStatementLineError(number, `is ${record.length} bytes, not a ZM record`);
  for (let field = 1; field <= 41; field++) {
    if (record[(OFFSETS[field] as number) - 1] !== 0x20)
      throw new UnionpayStatementLineError(number, `has no separator before field ${field + 1}`);
  }
  const merId = ascii(record, F.merId).trim();
  const subMerId = ascii(record, F.subMerId).trim();
  const noSubMerchant = subMerId === '' || /^0+$/.test(subMerId);
  if (options.merId !== undefined && merId !== options.merId) return 'other';
  if (options.subMerId === null && !noSubMerchant) return 'other';
  if (typeof options.subMerId === 'string' && subMerId !== options.subMerId) return 'other';
  const txnType = ascii(record, F.txnType);
  const kind = KINDS[txnType as keyof typeof KINDS];
  if (!kind)
    throw new UnionpayStatementLineError(number, `txnType ${JSON.stringify(txnType)} is not a consume, refund or undo`);
  const amountText = ascii(record, F.txnAmt);
  if (!/^\d{12}$/.test(amountText)) throw new UnionpayStatementLineError(number, 'txnAmt is not 12 digits');
  const feeText = ascii(record, F.fee);
  const fee = /^[CD ]\d{12}$/.exec(feeText) ? Number(feeText.slice(1)) : Number.NaN;
  if (Number.isNaN(fee) || (feeText[0] === ' ' && fee !== 0))
    throw new UnionpayStatementLineError(number, 'the merchant fee is not C, D or blank and 12 digits');
  const time = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(ascii(record, F.txnTime));
  const [month = 0, day = 0, hour = 0, minute = 0, second = 0] = (time ?? []).slice(1).map(Number);
  if (!time || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    throw new UnionpayStatementLineError(number, 'txnTime is not MMDDhhmmss');
  const queryId = ascii(record, F.queryId).trim();
  const orderId = ascii(record, F.orderId).trim();
  if (!/^[0-9A-Za-z]{1,21}$/.test(queryId)) throw new UnionpayStatementLineError(number, 'queryId is not an ACP id');
  if (!/^[0-9A-Za-z]{1,32}$/.test(orderId))
    throw new UnionpayStatementLineError(number, 'orderId is not an ACP order id');
  const iso = `${yearOf(month, day, settle)}-${time.slice(1, 3).join('-')}T${time.slice(3).join(':')}+08:00`;
  const raw = isAscii?.(record) ? record.toString('latin1') : gbk.decode(record);
  const common = {
    provider: options.provider ?? 'unionpay',
    merchant: options.merchant ?? null,
    kind,
    amount: Number(amountText),
    fee: feeText[0] === 'C' ? -fee : fee,
    currency: 'CNY',
    time: iso,
    line: number,
    raw,
  } as const;
  if (kind === 'payment') return { ...common, orderId, providerTradeId: queryId };
  // A refund's (or undo's) own orderId is the merchant's refund id; its order is the original's.
  const origOrderId = ascii(record, F.origOrderId).trim();
  const origQryId = ascii(record, F.origQryId).trim();
  return { ...common, orderId: origOrderId || null, providerTradeId: origQryId || null, refundId: orderId };
}

/** The lines of a byte stream (CRLF or LF), with their 1-based numbers; over-long ones are reported. */
async function* linesOf(
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<{ number: number; bytes: Buffer } | { number: number; tooLong: true }> {
  let carry: Buffer | undefined;
  let number = 0;
  let skipping = false;
  for await (const chunk of source) {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (carry) {
      bytes = Buffer.concat([carry, bytes]);
      carry = undefined;
    }
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, start);
      if (end === -1) break;
      number++;
      if (skipping) skipping = false;
      else yield { number, bytes: bytes.subarray(start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end) };
      start = end + 1;
    }
    const rest = bytes.subarray(start);
    if (skipping) continue;
    if (rest.length > MAX_LINE) {
      // Never hold an unbounded line: report it and skip to its end.
      yield { number: number + 1, tooLong: true };
      skipping = true;
    } else if (rest.length > 0) carry = Buffer.from(rest);
  }
  if (carry && !skipping) {
    const last = carry[carry.length - 1] === 0x0d ? carry.subarray(0, -1) : carry;
    yield { number: number + 1, bytes: last };
  }
}

/** An async iterable of `source` (a file stream, a body, or an array of buffers). */
function toAsync(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in source) return source;
  return (async function* () {
    yield* source;
  })();
}

/** The bytes of the ZM file: the source itself, or its `INN…ZM_` entry when the source is a ZIP archive. */
async function* zmBytes(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  // The first four bytes say whether it is an archive (`PK\x03\x04`): read at least those.
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 4) {
    const step = await iterator.next();
    if (step.done) break;
    head = Buffer.concat([head, step.value]);
  }
  if (head.length === 0) return;
  const first = head;
  const rest: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      yield first;
      for (;;) {
        const step = await iterator.next();
        if (step.done) return;
        yield step.value;
      }
    },
  };
  const zip = head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  if (!zip) {
    yield* rest;
    return;
  }
  let found = false;
  for await (const entry of readZipEntries(rest, 'statement')) {
    // `INN<yyMMdd><nn>ZM_<merId>`: the general transaction file (ZME_ is the error file, RD the summary).
    if (found || !/(^|\/)IN[A-Z]\d+ZM_/.test(entry.name)) continue;
    found = true;
    yield* entry.bytes;
  }
  if (!found) throw new ValidationError('statement', 'the archive holds no INN…ZM_ transaction file');
}

/**
 * Parses a UnionPay statement as a stream: the archive the file transfer returns (a ZIP, its
 * `INN…ZM_` entry is read) or the unzipped `INN…ZM_` file itself, as (async) iterable bytes (a
 * file stream, a response body, an array of buffers). Yields one {@link StatementLine} per transaction record, as it is read:
 * the file is never held whole.
 *
 * Lines: a consume (01) is a `payment` of its `orderId` with its `queryId` as `providerTradeId`; a
 * refund (04) or consume undo (31) is a `refund` whose `refundId` is its own `orderId`, of the
 * original `orderId` and `queryId` (`origQryId`). Amounts are the records' fen, exactly; `fee` is
 * the merchant fee (negative when returned); `time` is the record's transmission time in `+08:00`.
 *
 * @throws UnionpayStatementLineError for a malformed line (under `malformed: 'error'`, the default);
 * ValidationError for an archive that is not one.
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * for await (const line of parseUnionpayStatement(createReadStream('802310048993424_20150905.zip'), {
 *   date: '2015-09-05',
 * })) console.log(line.kind, line.orderId, line.amount);
 * ```
 */
export async function* parseUnionpayStatement(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: UnionpayStatementOptions,
): AsyncGenerator<StatementLine> {
  const date = DATE.exec(options.date ?? '');
  if (!date) throw new ValidationError('options.date', 'must be YYYY-MM-DD');
  const settle = { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) };
  const skip = options.malformed === 'skip';
  for await (const line of linesOf(zmBytes(toAsync(source)))) {
    try {
      if ('tooLong' in line) throw new UnionpayStatementLineError(line.number, `is longer than ${MAX_LINE} bytes`);
      if (line.bytes.length === 0) continue;
      const read = readRecord(line.bytes, line.number, options, settle);
      if (read !== 'other') yield read;
    } catch (error) {
      if (!skip || !UnionpayStatementLineError.isInstance(error)) throw error;
      options.onSkipped?.({ line: error.line, reason: error.reason });
    }
  }
}
