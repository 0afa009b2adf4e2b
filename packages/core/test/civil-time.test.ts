import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilTimeToIso, digitsAt, isoFromDateTimeText, isoFromEpochMs } from '../src/provider-utils/index.js';

describe('isoFromEpochMs', () => {
  it('matches Date#toISOString for any millisecond of years 0 to 9999 and beyond', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(isoFromEpochMs(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
    for (const ms of [0, -1, 951_782_400_000, 253_402_300_800_000, -62_167_219_200_001]) {
      expect(isoFromEpochMs(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

describe('civilTimeToIso', () => {
  it('moves China Standard Time back eight hours, across day, month and year ends', () => {
    const cst = (year: number, month: number, day: number, hour: number, minute = 0, second = 0) =>
      civilTimeToIso({ year, month, day, hour, minute, second, offsetMinutes: 480 });
    expect(cst(2024, 5, 1, 16)).toBe('2024-05-01T08:00:00.000Z');
    expect(cst(2024, 5, 1, 0, 0, 5)).toBe('2024-04-30T16:00:05.000Z');
    expect(cst(2024, 3, 1, 7, 59, 59)).toBe('2024-02-29T23:59:59.000Z');
    expect(cst(2025, 1, 1, 3)).toBe('2024-12-31T19:00:00.000Z');
  });

  it('agrees with Date.parse on any valid RFC 3339 time', () => {
    const offset = fc.integer({ min: -18 * 60, max: 18 * 60 });
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1000-01-02'), max: new Date('9999-12-30'), noInvalidDate: true }),
        offset,
        (date, minutes) => {
          const local = new Date(date.getTime() + minutes * 60_000);
          const iso = civilTimeToIso({
            year: local.getUTCFullYear(),
            month: local.getUTCMonth() + 1,
            day: local.getUTCDate(),
            hour: local.getUTCHours(),
            minute: local.getUTCMinutes(),
            second: local.getUTCSeconds(),
            millisecond: local.getUTCMilliseconds(),
            offsetMinutes: minutes,
          });
          expect(iso).toBe(date.toISOString());
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['month 13', { month: 13 }],
    ['month 0', { month: 0 }],
    ['31 April', { month: 4, day: 31 }],
    ['29 February 2023', { year: 2023, month: 2, day: 29 }],
    ['29 February 1900', { year: 1900, month: 2, day: 29 }],
    ['hour 24', { hour: 24 }],
    ['minute 60', { minute: 60 }],
    ['second 60', { second: 60 }],
    ['a negative part', { day: -1 }],
    ['year 999', { year: 999 }],
    ['an offset beyond 18 hours', { offsetMinutes: 19 * 60 }],
  ])('refuses %s', (_, patch) => {
    const base = { year: 2024, month: 5, day: 1, hour: 12, minute: 0, second: 0, offsetMinutes: 480 };
    expect(civilTimeToIso({ ...base, ...patch })).toBeUndefined();
  });

  it('accepts 29 February in leap years, 2000 included', () => {
    expect(civilTimeToIso({ year: 2000, month: 2, day: 29, hour: 8, minute: 0, second: 0, offsetMinutes: 480 })).toBe(
      '2000-02-29T00:00:00.000Z',
    );
  });
});

describe('digitsAt', () => {
  it('reads fixed-width decimals and refuses anything else', () => {
    expect(digitsAt('2024-05-01', 0, 4)).toBe(2024);
    expect(digitsAt('2024-05-01', 5, 2)).toBe(5);
    expect(digitsAt('2024-0x-01', 5, 2)).toBe(-1);
    expect(digitsAt('20', 0, 4)).toBe(-1);
    expect(digitsAt('+1', 0, 2)).toBe(-1);
  });
});

describe('isoFromDateTimeText', () => {
  it('reads the date-time shape with the given separator and offset', () => {
    expect(isoFromDateTimeText('2024-05-01 00:00:05', ' ', 480)).toBe('2024-04-30T16:00:05.000Z');
    expect(isoFromDateTimeText('2024-05-01T00:00:05+08:00', 'T', 480, 250)).toBe('2024-04-30T16:00:05.250Z');
  });

  it.each([
    '2024-05-01T00:00:05',
    '2024/05/01 00:00:05',
    '2024-05-01 00.00.05',
    '2024-05-01 0:00:05',
    '2024-02-30 00:00:05',
  ])('refuses %j with a space separator', (text) => {
    expect(isoFromDateTimeText(text, ' ', 480)).toBeUndefined();
  });
});
