import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertAmount, formatYuan, parseYuan } from '../src/index.js';
import { validationFieldOf } from '../src/testing/index.js';

describe('assertAmount', () => {
  it('accepts positive safe integers', () => {
    expect(() => assertAmount(1, 'amount')).not.toThrow();
    expect(() => assertAmount(Number.MAX_SAFE_INTEGER, 'amount')).not.toThrow();
  });

  it.each([
    ['a float', 9.8],
    ['zero', 0],
    ['a negative', -100],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
    ['a string', '100'],
    ['null', null],
    ['a bigint', 100n],
  ])('refuses %s with a ValidationError naming the field', (_label, value) => {
    expect(validationFieldOf(() => assertAmount(value, 'refund.amount'))).toBe('refund.amount');
  });
});

describe('formatYuan', () => {
  it.each([
    [1, '0.01'],
    [10, '0.10'],
    [100, '1.00'],
    [980, '9.80'],
    [199900, '1999.00'],
    [0, '0.00'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%i fen → %s', (fen, yuan) => {
    expect(formatYuan(fen)).toBe(yuan);
  });

  it('refuses fractions of a fen and negatives', () => {
    expect(validationFieldOf(() => formatYuan(0.5))).toBe('amount');
    expect(validationFieldOf(() => formatYuan(-1))).toBe('amount');
  });
});

describe('parseYuan', () => {
  it.each([
    ['0.01', 1],
    ['9.8', 980],
    ['9.80', 980],
    ['1999', 199900],
    ['1999.00', 199900],
    ['0.00', 0],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('%s → %i fen', (yuan, fen) => {
    expect(parseYuan(yuan, 'total_amount')).toBe(fen);
  });

  it.each(['', ' 1.00', '1.001', '-1.00', '+1', '1e3', '01.00', '1.', '.5', '1,00', 'NaN', '90071992547409.92'])(
    'refuses %j with a ValidationError naming the field',
    (text) => {
      expect(validationFieldOf(() => parseYuan(text, 'total_amount'))).toBe('total_amount');
    },
  );

  it('round-trips every safe amount exactly, with no floating point error', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (fen) => {
        expect(parseYuan(formatYuan(fen), 'x')).toBe(fen);
      }),
    );
  });

  it('gets the classic float traps right', () => {
    // 9.8 * 100 is 980.0000000000001 in floating point; 0.1 + 0.2 is 0.30000000000000004.
    expect(parseYuan('9.8', 'x')).toBe(980);
    expect(parseYuan('0.3', 'x')).toBe(parseYuan('0.1', 'x') + parseYuan('0.2', 'x'));
    expect(parseYuan('1.15', 'x')).toBe(115);
  });
});
