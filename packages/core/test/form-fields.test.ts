import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.js';
import { decodeFormEntries, FormFields } from '../src/provider-utils/index.js';
import { validationFieldOf } from '../src/testing/index.js';

/** The reference rule, written the slow and obvious way: decode, drop, sort, join, encode. */
function referenceSignedBytes(body: string, omit: readonly string[]): Buffer {
  const entries = decodeFormEntries(body);
  const names = [...entries.keys()].filter((name) => entries.get(name) !== '' && !omit.includes(name)).sort();
  return Buffer.from(names.map((name) => `${name}=${entries.get(name)}`).join('&'), 'utf8');
}

const name = fc.stringMatching(/^[a-z_]{1,12}$/);
const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('', '+', '%', 'a=b&c', ' '));
const fields = fc.dictionary(name, value, { maxKeys: 30 });

describe('FormFields', () => {
  it('decodes each value exactly once', () => {
    const form = FormFields.parse('subject=a%2Bb+c%25&emoji=%F0%9F%8D%B5&raw=西湖&empty=&bare');
    expect(form.get('subject')).toBe('a+b c%');
    expect(form.get('emoji')).toBe('🍵');
    expect(form.get('raw')).toBe('西湖');
    expect(form.get('empty')).toBe('');
    expect(form.get('bare')).toBe('');
    expect(form.get('absent')).toBeUndefined();
    expect(form.has('empty')).toBe(true);
    expect(form.has('absent')).toBe(false);
    expect(form.names()).toEqual(['subject', 'emoji', 'raw', 'empty', 'bare']);
  });

  it('signs the sorted, non-empty fields without the omitted ones', () => {
    const form = FormFields.parse('b=2&sign=xx&a=1+%2B1&c=&sign_type=RSA2');
    expect(form.signedBytes(['sign', 'sign_type']).toString('utf8')).toBe('a=1 +1&b=2');
    expect(form.signedBytes(['sign']).toString('utf8')).toBe('a=1 +1&b=2&sign_type=RSA2');
  });

  it('keeps the last value of a repeated name, as decodeFormEntries does', () => {
    const form = FormFields.parse('a=1&b=2&a=3');
    expect(form.get('a')).toBe('3');
    expect(form.signedBytes().toString('utf8')).toBe('a=3&b=2');
    expect(form.toObject()).toEqual({ a: '3', b: '2' });
  });

  it('writes text beyond ASCII as UTF-8, escaped or not', () => {
    const escaped = FormFields.parse(`s=${encodeURIComponent('龙井 🍵')}`);
    const raw = FormFields.parse('s=龙井 🍵');
    expect(escaped.signedBytes()).toEqual(Buffer.from('s=龙井 🍵', 'utf8'));
    expect(raw.signedBytes()).toEqual(Buffer.from('s=龙井 🍵', 'utf8'));
  });

  it('sorts and writes names beyond ASCII, escaped or not', () => {
    const form = FormFields.parse(`${encodeURIComponent('名')}=1&b=2&ü=3&a=4`);
    expect(form.get('名')).toBe('1');
    expect(form.signedBytes().toString('utf8')).toBe('a=4&b=2&ü=3&名=1');
  });

  it('hands out raw values and copies known bytes instead of decoding them again', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB+/=\n-----END CERTIFICATE-----';
    const body = `signature=c2ln&signPubKeyCert=${encodeURIComponent(pem)}&txnAmt=1`;
    const form = FormFields.parse(body);
    const raw = form.raw('signPubKeyCert') as string;
    expect(raw).toBe(encodeURIComponent(pem));
    expect(form.raw('absent')).toBeUndefined();
    const expected = form.signedBytes(['signature']);
    const known = { name: 'signPubKeyCert', bytes: Buffer.from(pem, 'utf8') };
    expect(form.signedBytes(['signature'], known)).toEqual(expected);
    // The copied bytes are what is signed: other bytes give another string.
    const other = { name: 'signPubKeyCert', bytes: Buffer.from('x', 'utf8') };
    expect(form.signedBytes(['signature'], other).toString('utf8')).toBe('signPubKeyCert=x&txnAmt=1');
    // Beyond ASCII elsewhere in the body, with known bytes in place.
    const wide = FormFields.parse(`${body}&subject=${'龙'.repeat(40)}`);
    expect(wide.signedBytes(['signature'], known)).toEqual(wide.signedBytes(['signature']));
  });

  it('refuses a malformed escape, naming the field, when signing and when reading', () => {
    for (const body of ['a=%2', 'a=%zz', 'a=x%']) {
      const form = FormFields.parse(body, 'notification.body');
      expect(validationFieldOf(() => form.signedBytes())).toBe('notification.body');
      expect(validationFieldOf(() => form.get('a'))).toBe('notification.body');
    }
  });

  it('refuses escapes that are not UTF-8, as decodeURIComponent does', () => {
    const form = FormFields.parse('a=%FF%FE', 'notification.body');
    expect(() => form.signedBytes()).toThrow(ValidationError);
    expect(() => form.get('a')).toThrow(ValidationError);
    // Omitted fields are not decoded for signing; reading one still checks it.
    expect(form.signedBytes(['a']).length).toBe(0);
  });

  it('agrees with the reference rule on any form (URLSearchParams encoding)', () => {
    fc.assert(
      fc.property(fields, fc.subarray(['sign', 'sign_type', 'a']), (record, omit) => {
        const body = new URLSearchParams(record).toString();
        expect(FormFields.parse(body).signedBytes(omit)).toEqual(referenceSignedBytes(body, omit));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the reference rule on any form (encodeURIComponent, raw text, repeated names)', () => {
    const pairs = fc.array(fc.tuple(name, value, fc.boolean()), { maxLength: 30 });
    fc.assert(
      fc.property(pairs, (list) => {
        const body = list
          .map(([key, text, escaped]) => `${key}=${escaped ? encodeURIComponent(text) : text.replace(/[%&+=]/g, '')}`)
          .join('&');
        const form = FormFields.parse(body);
        expect(form.signedBytes()).toEqual(referenceSignedBytes(body, []));
        for (const [key, text] of decodeFormEntries(body)) expect(form.get(key)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
