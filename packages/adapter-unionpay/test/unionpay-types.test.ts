/**
 * Issue 11, item 5: the signing and verification sources are a union; a missing or half-given
 * source does not compile (checked by `pnpm typecheck`), and is refused at run time too.
 */
import { ValidationError } from '@hutong/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type UnionpayOptions, type UnionpayProvider, unionpay } from '../src/index.js';
import type { UnionpayOptionsInput } from '../src/unionpay-options.js';
import { MIDDLE, PFX, ROOT } from './helpers.js';

const base = { merId: '777290058110048', rootCert: ROOT, middleCert: MIDDLE };

function refusal(options: unknown): string | undefined {
  try {
    unionpay(options as UnionpayOptions);
  } catch (error) {
    return ValidationError.isInstance(error) ? error.field : String(error);
  }
  return undefined;
}

describe('UnionPay options as a union of certificate sources', () => {
  it('a missing or mixed source is a compile error and a ValidationError', () => {
    // @ts-expect-error no signing source
    const noSigner: UnionpayOptions = { ...base };
    // @ts-expect-error a PFX without its password
    const noPassword: UnionpayOptions = { ...base, signCert: { pfx: PFX } };
    // @ts-expect-error PFX and PEM mixed
    const mixed: UnionpayOptions = { ...base, signCert: { pfx: PFX, password: '000000', privateKey: 'k' } };
    // @ts-expect-error a PEM key without its certificate
    const noCertificate: UnionpayOptions = { ...base, signCert: { privateKey: 'k' } };
    // @ts-expect-error no middle certificate to verify against
    const noMiddle: UnionpayOptions = { merId: base.merId, rootCert: ROOT, signCert: { pfx: PFX, password: '000000' } };
    expect(refusal(noSigner)).toBe('options.signCert');
    expect(refusal(noPassword)).toBe('options.signCert');
    expect(refusal(mixed)).toBe('options.signCert.privateKey'); // the key that does not belong to PFX mode
    expect(refusal(noCertificate)).toBe('options.signCert');
    expect(refusal(noMiddle)).toBe('options.middleCert');
  });

  it('the id is a literal type, unionpay by default', () => {
    const plain = unionpay({ ...base, signCert: { pfx: PFX, password: '000000' } });
    const named = unionpay({ ...base, id: 'unionpay-sh', signCert: { pfx: PFX, password: '000000' } });
    expectTypeOf(plain).toEqualTypeOf<UnionpayProvider<'unionpay'>>();
    expectTypeOf(named.id).toEqualTypeOf<'unionpay-sh'>();
    expect([plain.id, named.id, named.wallet]).toEqual(['unionpay', 'unionpay-sh', 'unionpay']);
  });
});

describe('UnionPay options and their schema (issue 21, item 3)', () => {
  it('every typed option is one the schema takes, so none is typed and not validated', () => {
    expectTypeOf<UnionpayOptions>().toExtend<UnionpayOptionsInput>();
    expectTypeOf<UnionpayOptions<'unionpay-sh'>>().toExtend<UnionpayOptionsInput>();
    // Each option the schema takes is typed (no schema field missing from the public type).
    expectTypeOf<keyof UnionpayOptionsInput>().toEqualTypeOf<keyof UnionpayOptions>();
    expectTypeOf<UnionpayOptions['merId']>().toEqualTypeOf<string>();
    expectTypeOf<UnionpayOptions['validateCnName']>().toEqualTypeOf<boolean | undefined>();
  });
});
