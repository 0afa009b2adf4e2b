import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatWechatpayTime, parseWechatpayTime } from '../src/protocol/index.js';

describe('parseWechatpayTime', () => {
  it('reads the RFC 3339 times WeChat Pay sends into UTC', () => {
    expect(parseWechatpayTime('2024-05-01T16:00:00+08:00', 'x')).toBe('2024-05-01T08:00:00.000Z');
    expect(parseWechatpayTime('2024-05-01T00:00:00+08:00', 'x')).toBe('2024-04-30T16:00:00.000Z');
    expect(parseWechatpayTime('2024-05-01T00:00:00.5Z', 'x')).toBe('2024-05-01T00:00:00.500Z');
    expect(parseWechatpayTime('2024-05-01T00:00:00.123456-05:30', 'x')).toBe('2024-05-01T05:30:00.123Z');
  });

  it('agrees with Date.parse on any RFC 3339 time', () => {
    const offset = fc.integer({ min: -14 * 60, max: 14 * 60 });
    const fraction = fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined });
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-02'), max: new Date('2200-01-01'), noInvalidDate: true }),
        offset,
        fraction,
        (date, minutes, digits) => {
          const local = new Date(date.getTime() + minutes * 60_000).toISOString().slice(0, 19);
          const sign = minutes < 0 ? '-' : '+';
          const abs = Math.abs(minutes);
          const zone =
            minutes === 0
              ? 'Z'
              : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const text = `${local}${digits === undefined ? '' : `.${digits}`}${zone}`;
          expect(parseWechatpayTime(text, 'x')).toBe(new Date(Date.parse(text)).toISOString());
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips formatWechatpayTime', () => {
    const at = new Date('2024-05-01T08:00:00.000Z');
    expect(parseWechatpayTime(formatWechatpayTime(at), 'x')).toBe(at.toISOString());
  });

  it.each([
    '2024-05-01',
    '2024-05-01 16:00:00+08:00',
    '2024-05-01T16:00:00',
    '2024-05-01T16:00:00+0800',
    '2024-05-01T16:00:00.+08:00',
    '2024-13-01T16:00:00+08:00',
    '2023-02-29T16:00:00+08:00',
    '2024-05-01T16:00:60Z',
    '2024-05-01T16:00:00+24:00',
    'Wed May 01 2024',
  ])('refuses %j', (text) => {
    expect(() => parseWechatpayTime(text, 'notification.success_time')).toThrow(/notification\.success_time/);
  });

  it('refuses a value that is not a string', () => {
    expect(() => parseWechatpayTime(1714550400, 'x')).toThrow(/x/);
  });
});
