import { crc32, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeGbk, writeZip } from '../src/testing/index.js';

describe('writeZip', () => {
  it("lays entries out as Java's ZipOutputStream: data descriptors, then the central directory", () => {
    const data = encodeGbk('交易号,金额\n2024,0.01\n');
    const zip = writeZip([{ name: encodeGbk('明细.csv'), data }], { modified: new Date('2024-12-01T02:00:00Z') });
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    expect(zip.readUInt16LE(6)).toBe(0x0008); // sizes in the data descriptor
    expect(zip.readUInt32LE(18)).toBe(0); // no size in the local header
    // 10:00 China time on 2024-12-01, as MS-DOS time and date.
    expect(zip.readUInt16LE(10)).toBe(10 << 11);
    expect(zip.readUInt16LE(12)).toBe(((2024 - 1980) << 9) | (12 << 5) | 1);
    const nameLength = zip.readUInt16LE(26);
    expect(zip.subarray(30, 30 + nameLength)).toEqual(encodeGbk('明细.csv'));
    const end = zip.length - 22;
    expect(zip.readUInt32LE(end)).toBe(0x06054b50);
    const directory = zip.readUInt32LE(end + 16);
    const compressed = zip.readUInt32LE(directory + 20);
    expect(zip.readUInt32LE(directory + 16)).toBe(crc32(data));
    const descriptor = 30 + nameLength + compressed;
    expect(zip.readUInt32LE(descriptor)).toBe(0x08074b50);
    expect(inflateRawSync(zip.subarray(30 + nameLength, descriptor))).toEqual(Buffer.from(data));
  });

  it('writes a zero time without modified', () => {
    const zip = writeZip([{ name: 'a', data: new Uint8Array([1]) }]);
    expect([zip.readUInt16LE(10), zip.readUInt16LE(12)]).toEqual([0, 0]);
  });
});

describe('encodeGbk', () => {
  it('encodes CJK text as GBK and ASCII as itself, and a character GBK lacks as ?', () => {
    expect(encodeGbk('中')).toEqual(Buffer.from([0xd6, 0xd0]));
    expect(new TextDecoder('gbk').decode(encodeGbk('支付宝 2024'))).toBe('支付宝 2024');
    expect(encodeGbk('😀')).toEqual(Buffer.from('?'));
  });
});
