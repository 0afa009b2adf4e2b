/**
 * Issue 23: the access options are a union: `acqInsCode` compiles only with `access: 'acquirer'`
 * (which requires it), and each mistake is refused at run time too (checked by `pnpm typecheck`).
 */
import { ValidationError } from '@hutong/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type UnionpayAccessOptions, type UnionpayOptions, unionpay } from '../src/index.js';
import { MIDDLE, PFX, ROOT } from './helpers.js';

const base = {
  merId: '777290058110048',
  rootCert: ROOT,
  middleCert: MIDDLE,
  signCert: { pfx: PFX, password: '000000' },
};

function refusal(options: unknown): string | undefined {
  try {
    unionpay(options as UnionpayOptions);
  } catch (error) {
    return ValidationError.isInstance(error) ? error.field : String(error);
  }
  return undefined;
}

describe('UnionPay access options (platform, acquirer)', () => {
  it('acqInsCode compiles only on an acquirer, which requires it; a mistake is a ValidationError too', () => {
    // @ts-expect-error an acquirer's institution code on a direct merchant
    const direct: UnionpayOptions = { ...base, acqInsCode: '48021000' };
    // @ts-expect-error an acquirer's institution code on a platform
    const platform: UnionpayOptions = { ...base, access: 'platform', acqInsCode: '48021000' };
    // @ts-expect-error an acquirer without its institution code
    const acquirer: UnionpayOptions = { ...base, access: 'acquirer' };
    // @ts-expect-error no such access type
    const bank: UnionpayOptions = { ...base, access: 'bank' };
    expect(refusal(direct)).toBe('options.acqInsCode');
    expect(refusal(platform)).toBe('options.acqInsCode');
    expect(refusal(acquirer)).toBe('options.acqInsCode');
    expect(refusal(bank)).toBe('options.access');
    expect(refusal({ ...base, access: 'acquirer', acqInsCode: '4802' })).toBe('options.acqInsCode');
  });

  it('the three shapes compile and declare merchants accordingly', () => {
    const shapes: UnionpayAccessOptions[] = [
      {},
      { access: 'platform' },
      { access: 'acquirer', acqInsCode: '48021000' },
    ];
    const merchants = shapes.map((shape) => unionpay({ ...base, ...shape } as UnionpayOptions).capabilities.merchants);
    expect(merchants).toEqual([false, true, true]);
    expectTypeOf<UnionpayOptions['access']>().toEqualTypeOf<'platform' | 'acquirer' | undefined>();
  });
});
