/**
 * The UnionPay sandbox's statements: the file transfer's archive of its own trades, written the
 * way UnionPay's sample archive (`802310048993424_20150905.zip`, from UnionPay's SDK demo) is: a
 * ZIP whose entries carry data descriptors (flag bit 3, signed `PK\x07\x08`), version 2.0,
 * deflated; the `INN<yyMMdd>88ZM_<merId>` transaction file in GBK, one CRLF record per trade of
 * the 42 space-separated fixed-width fields of ACP's ZM format; the archive deflated (zlib) and
 * base64-encoded into the reply's `fileContent`, named by `fileName` (`<merId>_<yyyyMMdd>.zip`).
 *
 * Field 1 (交易代码): the sample holds consumes only (`S56`); the sandbox writes `S56` on every
 * record (hutong's parser does not read it). Fees are 0.6% of the amount, rounded, as in the sample.
 *
 * @packageDocumentation
 */
import { deflateSync } from 'node:zlib';
import { UNIONPAY_ZM_FIELD_WIDTHS } from '@hutong/adapter-unionpay/protocol';
import { encodeGbk, writeZip } from '@hutong/core/testing';
import type { UnionpaySandboxState, UnionpaySandboxTransaction } from './unionpay-sandbox-state.js';

/**
 * The ZM record's fields by name, in order (ACP's file interface, §6.1).
 *
 * @example
 * ```ts
 * UNIONPAY_ZM_FIELDS.indexOf('orderId'); // 11
 * ```
 */
export const UNIONPAY_ZM_FIELDS = [
  'tradeCode',
  'acqInsCode',
  'sendInsCode',
  'traceNo',
  'txnTime',
  'payCardNo',
  'txnAmt',
  'merCatCode',
  'termType',
  'queryId',
  'oldPayType',
  'orderId',
  'payCardType',
  'origTraceNo',
  'origTxnTime',
  'merFee',
  'settleAmt',
  'payType',
  'groupMerId',
  'txnType',
  'txnSubType',
  'bizType',
  'accType',
  'billType',
  'billNo',
  'interactMode',
  'origQryId',
  'merId',
  'splitAccountType',
  'subMerId',
  'subMerAbbr',
  'subMerSplitAmt',
  'settleNetAmt',
  'termId',
  'merReserved',
  'discountAmt',
  'invoiceAmt',
  'installmentFee',
  'installmentCount',
  'tradeMedium',
  'origOrderId',
  'reserved',
] as const;

/**
 * A ZM record's values by field name; a missing one is blank.
 *
 * @example
 * ```ts
 * const record: UnionpayZmRecord = { txnType: '01', orderId: 'order0001', txnAmt: '000000010000' };
 * ```
 */
export type UnionpayZmRecord = Partial<Record<(typeof UNIONPAY_ZM_FIELDS)[number], string>>;

/**
 * One ZM record, byte for byte: each value left-aligned in its field's width (GBK bytes), padded
 * with spaces, the fields separated by one space, ended by CRLF.
 *
 * @example
 * ```ts
 * formatUnionpayZmRecord({ tradeCode: 'S56', txnAmt: '000000010000', orderId: 'order0001' });
 * ```
 */
export function formatUnionpayZmRecord(record: UnionpayZmRecord): Buffer {
  const parts: Buffer[] = [];
  UNIONPAY_ZM_FIELDS.forEach((name, i) => {
    const width = UNIONPAY_ZM_FIELD_WIDTHS[i] as number;
    const value = encodeGbk(record[name] ?? '');
    if (value.length > width) throw new Error(`ZM field ${name} is longer than ${width} bytes`);
    parts.push(
      value,
      Buffer.alloc(width - value.length, 0x20),
      Buffer.from(i === UNIONPAY_ZM_FIELDS.length - 1 ? '\r\n' : ' '),
    );
  });
  return Buffer.concat(parts);
}

/**
 * `C`/`D` and 12 digits: ACP's signed amounts (X+n12).
 *
 * @example
 * ```ts
 * signedAmount('D', 2861); // 'D000000002861'
 * ```
 */
export const signedAmount = (sign: 'C' | 'D', fen: number) => `${sign}${String(fen).padStart(12, '0')}`;

/**
 * The sandbox's fee on an amount: 0.6%, rounded (as the sample archive's).
 *
 * @example
 * ```ts
 * sandboxFee(476800); // 2861
 * ```
 */
export const sandboxFee = (fen: number) => Math.round((fen * 6) / 1000);

/**
 * A ZIP archive of `entries`, laid out as UnionPay's (Java's `ZipOutputStream`): local headers
 * with flag bit 3 and zero sizes, deflated data, signed data descriptors, the central directory.
 *
 * @example
 * ```ts
 * const zip = writeUnionpayZip([{ name: 'INN24120188ZM_777290058110048', data }], new Date());
 * ```
 */
export function writeUnionpayZip(entries: readonly { name: string; data: Uint8Array }[], when: Date): Buffer {
  return writeZip(entries, { modified: when });
}

/**
 * The reply's `fileContent` of an archive: zlib-deflated, then base64 (what UnionPay's SDK
 * `deCodeFileContent` undoes).
 *
 * @example
 * ```ts
 * const fileContent = unionpayFileContent(zip);
 * ```
 */
export function unionpayFileContent(zip: Uint8Array): string {
  return deflateSync(zip).toString('base64');
}

/** A masked card number of the sandbox's test card, as statements show cards. */
const CARD = '621661******0001';

/**
 * The ZM record of one settled transaction of the sandbox (a consume, refund or undo), with its
 * sub-merchant's short name (platform access) and its original consume (reversals).
 *
 * @example
 * ```ts
 * const line = sandboxZmRecord(state, t);
 * ```
 */
export function sandboxZmRecord(state: UnionpaySandboxState, t: UnionpaySandboxTransaction): Buffer {
  const reversal = t.txnType !== '01';
  const original = reversal
    ? [...state.transactions.values()].find((o) => o.txnType === '01' && o.queryId === t.origQryId)
    : undefined;
  const fee = sandboxFee(t.amount);
  const sub = t.subMerId ? state.subMerchants.get(t.subMerId) : undefined;
  const acquired = t.accessType === '1' ? state.subMerchants.get(t.merId) : undefined;
  return formatUnionpayZmRecord({
    tradeCode: 'S56',
    acqInsCode: t.accessType === '1' ? state.acqInsCode : '88022900',
    sendInsCode: '00049993',
    traceNo: t.queryId.slice(-6),
    txnTime: t.txnTime.slice(4),
    payCardNo: CARD,
    txnAmt: String(t.amount).padStart(12, '0'),
    merCatCode: acquired?.merCatCode ?? '4899',
    termType: t.channelType ?? '08',
    queryId: t.queryId,
    oldPayType: '01',
    orderId: t.orderId,
    payCardType: '01',
    origTraceNo: original ? original.queryId.slice(-6) : '',
    origTxnTime: original ? original.txnTime.slice(4) : '',
    merFee: signedAmount(reversal ? 'C' : 'D', fee),
    settleAmt: signedAmount(reversal ? 'D' : 'C', t.amount - fee),
    payType: '0001',
    txnType: t.txnType,
    bizType: t.bizType,
    origQryId: original?.queryId ?? '',
    merId: t.merId,
    subMerId: t.subMerId ?? '000000000000000',
    subMerAbbr: sub?.abbr ?? '',
    subMerSplitAmt: ' 000000000000',
    settleNetAmt: signedAmount(reversal ? 'D' : 'C', t.amount - fee),
    termId: '01080209',
    discountAmt: ' 000000000000',
    invoiceAmt: ' 000000000000',
    installmentFee: ' 00000000000',
    tradeMedium: '7',
    origOrderId: original?.orderId ?? '',
  });
}

/**
 * The file transfer's archive for `merId` and settlement date `MMDD`: the `INN…ZM_` file of every
 * transaction of that merchant the sandbox settled with that date (a transaction settles on its
 * `txnTime`'s day), in the order they were made.
 *
 * @example
 * ```ts
 * const { fileName, fileContent } = unionpaySandboxStatement(state, '777290058110048', '1201');
 * ```
 */
export function unionpaySandboxStatement(
  state: UnionpaySandboxState,
  merId: string,
  settleDate: string,
): { fileName: string; fileContent: string; zip: Buffer } {
  const now = state.now();
  const today = new Date(now.getTime() + 8 * 3600_000);
  const thisYear = today.getUTCFullYear();
  const todayMmdd = `${String(today.getUTCMonth() + 1).padStart(2, '0')}${String(today.getUTCDate()).padStart(2, '0')}`;
  const year = settleDate > todayMmdd ? thisYear - 1 : thisYear;
  const records: Buffer[] = [];
  for (const t of state.transactions.values()) {
    if (t.state !== 'succeeded' || t.merId !== merId || t.txnTime.slice(4, 8) !== settleDate) continue;
    if (t.txnTime.slice(0, 4) !== String(year)) continue;
    records.push(sandboxZmRecord(state, t));
  }
  const yymmdd = `${String(year).slice(2)}${settleDate}`;
  const zip = writeUnionpayZip([{ name: `INN${yymmdd}88ZM_${merId}`, data: Buffer.concat(records) }], now);
  return { fileName: `${merId}_${year}${settleDate}.zip`, fileContent: unionpayFileContent(zip), zip };
}
