/**
 * Issue 25: UnionPay statements parsed byte-exactly, as a stream, from UnionPay's own sample
 * archive (test/fixtures/unionpay-sdk-demo, see its README) and from lines made by the sandbox's
 * record writer.
 */
import { inflateRawSync } from 'node:zlib';
import { ValidationError } from '@hutong/core';
import { describe, expect, it } from 'vitest';
import { parseUnionpayStatement, UnionpayStatementLineError } from '../src/index.js';
import { readZipEntries, UNIONPAY_ZM_FIELD_WIDTHS } from '../src/protocol/index.js';
import { formatUnionpayZmRecord, UNIONPAY_ZM_FIELDS, writeUnionpayZip } from '../src/sandbox/index.js';
import { fixtureBytes } from './helpers.js';

const SAMPLE = fixtureBytes('unionpay-sdk-demo/802310048993424_20150905.zip');

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

/** The sample's transaction file, unzipped (its first entry, inflated here without our reader). */
function sampleZm(): Buffer {
  const nameLength = SAMPLE.readUInt16LE(26);
  const extraLength = SAMPLE.readUInt16LE(28);
  return inflateRawSync(SAMPLE.subarray(30 + nameLength + extraLength));
}

/** A record's fields as the sample has them, cut by the widths. */
function fieldsOf(record: Buffer): Record<string, string> {
  const values: Record<string, string> = {};
  let offset = 0;
  UNIONPAY_ZM_FIELDS.forEach((name, i) => {
    const width = UNIONPAY_ZM_FIELD_WIDTHS[i] as number;
    values[name] = record.toString('latin1', offset, offset + width).trimEnd();
    offset += width + 1;
  });
  return values;
}

describe("UnionPay's sample statement (UnionPay SDK demo, 802310048993424_20150905.zip)", () => {
  it('parses every record into the exact line: ids, fen amounts, fees, times in +08:00', async () => {
    const lines = await collect(parseUnionpayStatement(chunks(SAMPLE, 4096), { date: '2015-09-05' }));
    expect(lines).toHaveLength(8);
    const raw = sampleZm().toString('latin1').split('\r\n')[0];
    expect(lines[0]).toEqual({
      provider: 'unionpay',
      merchant: null,
      kind: 'payment',
      orderId: '10078087',
      providerTradeId: '201509061122031906248',
      amount: 476800,
      fee: 2861,
      currency: 'CNY',
      time: '2015-09-06T11:22:03+08:00',
      line: 1,
      raw,
    });
    expect(lines.map((line) => line.orderId)).toEqual([
      '10078087',
      '10078088',
      '10078089',
      '10078085',
      '10078083',
      '10078090',
      '10078084',
      '10078086',
    ]);
  });

  it("sums to the archive's own summary file (RD…): 8 consumes, ¥13227.00, fees ¥79.36", async () => {
    const lines = await collect(parseUnionpayStatement(chunks(SAMPLE, 97), { date: '2015-09-05' }));
    expect(lines.reduce((sum, line) => sum + line.amount, 0)).toBe(1_322_700);
    expect(lines.reduce((sum, line) => sum + line.fee, 0)).toBe(7_936);
    let summaryBytes = Buffer.alloc(0);
    for await (const entry of readZipEntries(chunks(SAMPLE, 50))) {
      if (entry.name.startsWith('RD')) summaryBytes = Buffer.concat(await collect(entry.bytes));
    }
    const summary = new TextDecoder('gbk').decode(summaryBytes);
    // The summary's total row: 8 trades, 13227.00 credited, 79.36 fees.
    expect(summary).toMatch(/总计\s+8\s+0\.00\s+13227\.00\s+79\.36/);
  });

  it('reads the same lines whatever the chunking, from the archive or from the unzipped file', async () => {
    const whole = await collect(parseUnionpayStatement(chunks(SAMPLE, SAMPLE.length), { date: '2015-09-05' }));
    for (const size of [1, 3, 64, 1000]) {
      expect(await collect(parseUnionpayStatement(chunks(SAMPLE, size), { date: '2015-09-05' }))).toEqual(whole);
      expect(await collect(parseUnionpayStatement(chunks(sampleZm(), size), { date: '2015-09-05' }))).toEqual(whole);
    }
  });

  it("the sandbox's record writer reproduces every sample record byte for byte", () => {
    const records = sampleZm().toString('latin1').split('\r\n').filter(Boolean);
    expect(records).toHaveLength(8);
    for (const record of records) {
      const bytes = Buffer.from(`${record}\r\n`, 'latin1');
      expect(formatUnionpayZmRecord(fieldsOf(bytes)).equals(bytes)).toBe(true);
    }
  });

  it("the sandbox's zip writer lays entries out as UnionPay's archive does (version 2.0, data descriptors)", async () => {
    const zm = sampleZm();
    const ours = writeUnionpayZip(
      [{ name: 'INN15090588ZM_802310048993424', data: zm }],
      new Date('2015-09-06T09:16:32Z'),
    );
    // Local header: signature, version needed, flags (bit 3), method, DOS time and date as the sample's.
    expect(ours.subarray(0, 14).toString('hex')).toBe(SAMPLE.subarray(0, 14).toString('hex'));
    const read: { name: string; bytes: Buffer }[] = [];
    for await (const entry of readZipEntries(chunks(ours, 10)))
      read.push({ name: entry.name, bytes: Buffer.concat(await collect(entry.bytes)) });
    expect(read.map((entry) => entry.name)).toEqual(['INN15090588ZM_802310048993424']);
    expect(read[0]?.bytes.equals(zm)).toBe(true);
  });
});

/** A consume record of `orderId` made by the sandbox's writer. */
function consume(orderId: string, overrides: Record<string, string> = {}): Buffer {
  return formatUnionpayZmRecord({
    tradeCode: 'S56',
    txnTime: '1201093000',
    txnAmt: '000000010000',
    queryId: `Q${orderId}`,
    orderId,
    merFee: 'D000000000060',
    txnType: '01',
    merId: '777290058110048',
    subMerId: '000000000000000',
    ...overrides,
  });
}

describe('UnionPay statement records', () => {
  it('reads a refund as a refund of the original order, its own orderId the refund id, its fee returned', async () => {
    const refund = consume('refund0001', {
      txnType: '04',
      queryId: 'Q2',
      merFee: 'C000000000012',
      txnAmt: '000000002000',
      origQryId: 'Qorder0001',
      origOrderId: 'order0001',
    });
    const [line] = await collect(
      parseUnionpayStatement(chunks(refund, 100), { date: '2024-12-01', merchant: 'shop-a' }),
    );
    expect(line).toMatchObject({
      kind: 'refund',
      merchant: 'shop-a',
      orderId: 'order0001',
      refundId: 'refund0001',
      providerTradeId: 'Qorder0001',
      amount: 2000,
      fee: -12,
    });
  });

  it("gives a record's MMDD the year nearest the settlement date (31 Dec in the file of 1 Jan)", async () => {
    const record = consume('order0001', { txnTime: '1231235959' });
    const [line] = await collect(parseUnionpayStatement(chunks(record, 700), { date: '2025-01-01' }));
    expect(line?.time).toBe('2024-12-31T23:59:59+08:00');
  });

  it('a malformed line is a typed error naming its number, or is skipped and reported', async () => {
    const file = Buffer.concat([
      consume('order0001'),
      consume('order0002', { txnAmt: '00000000010X' }),
      consume('order0003'),
    ]);
    const error = await collect(parseUnionpayStatement(chunks(file, 50), { date: '2024-12-01' })).catch((e) => e);
    expect(UnionpayStatementLineError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ line: 2, code: 'validation_error', field: 'statement.line.2' });
    const skipped: { line: number; reason: string }[] = [];
    const lines = await collect(
      parseUnionpayStatement(chunks(file, 50), {
        date: '2024-12-01',
        malformed: 'skip',
        onSkipped: (issue) => skipped.push(issue),
      }),
    );
    expect(lines.map((line) => line.orderId)).toEqual(['order0001', 'order0003']);
    expect(skipped).toEqual([{ line: 2, reason: 'txnAmt is not 12 digits' }]);
  });

  it('a shifted field (a missing separator), an unknown txnType and an over-long line are malformed', async () => {
    const shifted = Buffer.concat([Buffer.from(' '), consume('order0001').subarray(0, -2), Buffer.from('\r\n')]);
    const preauth = consume('order0002', { txnType: '02' });
    const long = Buffer.alloc(5000, 0x41);
    const skipped: number[] = [];
    await collect(
      parseUnionpayStatement(
        chunks(Buffer.concat([shifted, preauth, long, Buffer.from('\r\n'), consume('x0000001')]), 333),
        {
          date: '2024-12-01',
          malformed: 'skip',
          onSkipped: ({ line }) => skipped.push(line),
        },
      ),
    );
    expect(skipped).toEqual([1, 2, 3]);
  });

  it("keeps one sub-merchant's records (subMerId), the platform's own (null) or one merId", async () => {
    const file = Buffer.concat([
      consume('order0001', { subMerId: '898111' }),
      consume('order0002'),
      consume('order0003', { subMerId: '898222', merId: '777290058110099' }),
    ]);
    const ids = async (options: object) =>
      (await collect(parseUnionpayStatement(chunks(file, 200), { date: '2024-12-01', ...options }))).map(
        (l) => l.orderId,
      );
    expect(await ids({ subMerId: '898111' })).toEqual(['order0001']);
    expect(await ids({ subMerId: null })).toEqual(['order0002']);
    expect(await ids({ merId: '777290058110099' })).toEqual(['order0003']);
    expect(await ids({})).toEqual(['order0001', 'order0002', 'order0003']);
  });

  it("the zip reader finds each entry's end from its deflate stream, whatever the chunking (large, incompressible, empty entries)", async () => {
    const text = Buffer.concat(
      Array.from({ length: 20_000 }, (_, i) => Buffer.from(`line ${i} ${'x'.repeat(i % 50)}\r\n`)),
    );
    const noise = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919 + (i >> 3) * 104729) % 256));
    const entries = { A: text, B: noise, C: Buffer.alloc(0) };
    const zip = writeUnionpayZip(
      Object.entries(entries).map(([name, data]) => ({ name, data })),
      new Date(),
    );
    for (const size of [1000, 65_536, zip.length]) {
      const read: Record<string, Buffer> = {};
      for await (const entry of readZipEntries(chunks(zip, size)))
        read[entry.name] = Buffer.concat(await collect(entry.bytes));
      expect(Object.keys(read)).toEqual(['A', 'B', 'C']);
      for (const [name, data] of Object.entries(entries))
        expect(read[name]?.equals(data), `${name} at ${size}`).toBe(true);
    }
  });

  it('refuses an archive without a transaction file, and an entry whose CRC-32 fails', async () => {
    const noZm = writeUnionpayZip([{ name: 'RD201015090501_802310048993424', data: Buffer.from('x') }], new Date());
    await expect(collect(parseUnionpayStatement(chunks(noZm, 100), { date: '2024-12-01' }))).rejects.toSatisfy(
      ValidationError.isInstance,
    );
    const corrupt = Buffer.from(SAMPLE);
    const descriptor = corrupt.indexOf(Buffer.from([0x50, 0x4b, 0x07, 0x08]));
    corrupt.writeUInt8(corrupt.readUInt8(descriptor + 4) ^ 0xff, descriptor + 4); // the first entry's CRC-32
    await expect(collect(parseUnionpayStatement(chunks(corrupt, 100), { date: '2015-09-05' }))).rejects.toThrow(
      /CRC-32/,
    );
  });

  it('streams a 100,000-line file (the bench parses a million): the parser never runs ahead of its reader by more than a few chunks', async () => {
    const LINES = 100_000;
    const PER_CHUNK = 500;
    const template = consume('order0000000');
    const ORDER_ID_OFFSET = UNIONPAY_ZM_FIELD_WIDTHS.slice(0, 11).reduce((sum, width) => sum + width + 1, 0);
    let produced = 0;
    let furthestAhead = 0;
    async function* file(): AsyncGenerator<Uint8Array> {
      for (let start = 0; start < LINES; start += PER_CHUNK) {
        const chunk = Buffer.allocUnsafe(template.length * PER_CHUNK);
        for (let i = 0; i < PER_CHUNK; i++) {
          template.copy(chunk, i * template.length);
          // A distinct order id per line, over the template's (the 12th field).
          chunk.write(String(start + i).padStart(12, '0'), i * template.length + ORDER_ID_OFFSET, 'latin1');
        }
        produced += PER_CHUNK;
        yield chunk;
      }
    }
    let read = 0;
    let amount = 0;
    for await (const line of parseUnionpayStatement(file(), { date: '2024-12-01' })) {
      read++;
      amount += line.amount;
      furthestAhead = Math.max(furthestAhead, produced - read);
    }
    expect(read).toBe(LINES);
    expect(amount).toBe(LINES * 10_000);
    // Never more than two chunks read ahead of the line handed out: the file is never held.
    expect(furthestAhead).toBeLessThanOrEqual(2 * PER_CHUNK);
  }, 60_000);
});
