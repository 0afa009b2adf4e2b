import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyPaymentCode, PAYMENT_CODE_RULES, type PaymentCodeRule } from '../src/index.js';

const digits = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));

/** A code that satisfies a rule: one of its prefixes, then digits up to a length it allows. */
const codeOf = (rule: PaymentCodeRule) =>
  fc
    .record({
      prefix: fc.constantFrom(...rule.prefixes),
      length: fc.integer({ min: rule.lengths[0], max: rule.lengths[1] }),
    })
    .chain(({ prefix, length }) => digits(length - prefix.length).map((rest) => prefix + rest));

describe('classifyPaymentCode', () => {
  it('recognises each wallet by prefix and length', () => {
    expect(classifyPaymentCode('134567890123456789')).toBe('wechatpay');
    expect(classifyPaymentCode('2856781234567890')).toBe('alipay');
    expect(classifyPaymentCode('300000000000000000000000')).toBe('alipay');
    expect(classifyPaymentCode('6212345678901234567')).toBe('unionpay');
  });

  it('refuses a right prefix at a wrong length, a wrong prefix at a right length, and non-digits', () => {
    expect(classifyPaymentCode('13456789012345678')).toBeUndefined(); // 17 digits starting 13
    expect(classifyPaymentCode('1345678901234567890')).toBeUndefined(); // 19 digits starting 13
    expect(classifyPaymentCode('285678123456789')).toBeUndefined(); // 15 digits starting 28
    expect(classifyPaymentCode('2856781234567890123456789')).toBeUndefined(); // 25 digits
    expect(classifyPaymentCode('621234567890123456')).toBeUndefined(); // 18 digits starting 62
    expect(classifyPaymentCode('164567890123456789')).toBeUndefined(); // 18 digits starting 16
    expect(classifyPaymentCode('3156781234567890')).toBeUndefined(); // starting 31
    expect(classifyPaymentCode('13456789012345678x')).toBeUndefined();
    expect(classifyPaymentCode(' 134567890123456789')).toBeUndefined();
    expect(classifyPaymentCode('')).toBeUndefined();
  });

  it('classifies every code a rule allows as that rule wallet (property)', () => {
    for (const rule of PAYMENT_CODE_RULES) {
      fc.assert(
        fc.property(codeOf(rule), (code) => classifyPaymentCode(code) === rule.wallet),
        { seed: 7, numRuns: 300 },
      );
    }
  });

  it('classifies a code only when some rule allows its prefix and length (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }).chain(digits), (code) => {
        const wallet = classifyPaymentCode(code);
        const allowed = PAYMENT_CODE_RULES.filter(
          (rule) =>
            code.length >= rule.lengths[0] &&
            code.length <= rule.lengths[1] &&
            rule.prefixes.some((prefix) => code.startsWith(prefix)),
        );
        expect(wallet).toBe(allowed[0]?.wallet);
        expect(allowed.length).toBeLessThanOrEqual(1); // the published rules never overlap
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  it('takes merchant rules, tried in order', () => {
    const rules = [...PAYMENT_CODE_RULES, { wallet: 'mywallet', lengths: [10, 10], prefixes: ['99'] } as const];
    expect(classifyPaymentCode('9912345678', rules)).toBe('mywallet');
    expect(classifyPaymentCode('9912345678')).toBeUndefined();
  });
});
