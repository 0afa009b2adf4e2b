import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NOTIFICATION_BYTES, ValidationError } from '../src/index.js';
import { decodeFormEntries, FormFields, MAX_FORM_FIELDS } from '../src/provider-utils/index.js';
import { validationFieldOf } from '../src/testing/index.js';

/** The reference rule, written the slow and obvious way: decode, drop, sort, join, encode. */
function referenceSignedBytes(body: string, omit: readonly string[]): Buffer {
  const entries = decodeFormEntries(body);
  const names = [...entries.keys()].filter((name) => entries.get(name) !== '' && !omit.includes(name)).sort();
  return Buffer.from(names.map((name) => `${name}=${entries.get(name)}`).join('&'), 'utf8');
}

/** A name after `&` and before `=` in `value` sorting after `name` and before `next` (none: any). */
function splitsInto(value: string, name: string, next: string | undefined): boolean {
  return value
    .split('&')
    .slice(1)
    .some((part) => {
      if (!part.includes('=')) return false;
      const inner = part.slice(0, part.indexOf('='));
      return inner > name && (next === undefined || inner < next);
    });
}

/**
 * The refusal rules, written the slow and obvious way: a form whose decoded fields could be re-split
 * into other fields with the same signed string (a repeated name, a name holding `&` or `=`, a
 * signed value holding `&m=` with `m` between its name and the next signed one), or one with too
 * many fields. `omit` undefined: the decoder's rule, which does not know what is signed.
 */
function movableBoundaries(entries: ReadonlyArray<readonly [string, string]>, omit?: readonly string[]): boolean {
  const names = entries.map(([key]) => key);
  if (names.length > MAX_FORM_FIELDS || new Set(names).size !== names.length) return true;
  if (names.some((key) => key.includes('&') || key.includes('='))) return true;
  if (omit === undefined) return entries.some(([key, text]) => splitsInto(text, key, undefined));
  const signed = entries
    .filter(([key, text]) => text !== '' && !omit.includes(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return signed.some(([key, text], i) => splitsInto(text, key, signed[i + 1]?.[0]));
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

  it('refuses a repeated name instead of keeping one of its values', () => {
    expect(validationFieldOf(() => FormFields.parse('a=1&b=2&a=3', 'notification.body'))).toBe('notification.body');
    expect(() => FormFields.parse('a=1&b=2&a=')).toThrow(ValidationError);
    expect(() => FormFields.parse('a=1&b=2&%61=1')).toThrow(ValidationError);
    expect(() => decodeFormEntries('a=1&b=2&a=3')).toThrow(ValidationError);
  });

  it('refuses a name that decodes to text holding & or =', () => {
    for (const body of ['a%26b=1&c=2', 'a%3Db=1', 'a%3db', 'x=1&out%26biz_no=2']) {
      expect(validationFieldOf(() => FormFields.parse(body, 'notification.body'))).toBe('notification.body');
      expect(() => decodeFormEntries(body)).toThrow(ValidationError);
    }
  });

  it('refuses a value that folds another field in with an escaped &', () => {
    // 'out_trade_no=1&refund_fee=5' folded into one value signs exactly as the two fields do.
    for (const body of [
      'out_trade_no=1%26refund_fee%3D5&trade_status=TRADE_SUCCESS',
      'out_trade_no=1%26refund_fee=5&trade_status=TRADE_SUCCESS',
      'out_trade_no=1%26refund_fee%3d5',
      'a=x%26y%26z%3D1',
      'a=x%26%26c%3D1&b=&d=2',
    ]) {
      const form = FormFields.parse(body, 'notification.body');
      expect(validationFieldOf(() => form.signedBytes(['sign']))).toBe('notification.body');
      expect(() => decodeFormEntries(body)).toThrow(ValidationError);
    }
  });

  it('keeps a value whose `&name=` cannot be a field of the same signed string', () => {
    // 'b' sorts before 'subject': split out, a field b would come first and the string would change.
    const subject = 'subject=100%25+tea+a%26b%3Dc&total_amount=1';
    expect(FormFields.parse(subject).signedBytes().toString('utf8')).toBe('subject=100% tea a&b=c&total_amount=1');
    expect(decodeFormEntries(subject).get('subject')).toBe('100% tea a&b=c');
    // 'z' sorts after the next signed field 'b'.
    expect(FormFields.parse('a=x%26z%3D1&b=2').signedBytes().toString('utf8')).toBe('a=x&z=1&b=2');
  });

  it('judges a split against the next field actually signed, so omitted fields cannot hide one', () => {
    // Without sign and sign_type, 'sigz' would sit between seller_id and subject: refused. With
    // sign_type signed, it would come after sign_type: another string, so no threat.
    const form = FormFields.parse('seller_id=X%26sigz%3D1&sign=s&sign_type=RSA2&subject=t');
    expect(() => form.signedBytes(['sign', 'sign_type'])).toThrow(ValidationError);
    expect(form.signedBytes(['sign']).toString('utf8')).toBe('seller_id=X&sigz=1&sign_type=RSA2&subject=t');
    // An empty field is not signed either: the next signed field after a is d.
    expect(() => FormFields.parse('a=x%26c%3D1&b=&d=2').signedBytes()).toThrow(ValidationError);
  });

  it(`refuses more than MAX_FORM_FIELDS (${MAX_FORM_FIELDS}) fields and accepts exactly that many`, () => {
    const body = (count: number) => Array.from({ length: count }, (_, i) => `f${i}=${i}`).join('&');
    expect(FormFields.parse(body(MAX_FORM_FIELDS)).names()).toHaveLength(MAX_FORM_FIELDS);
    // Sorted right beyond the few dozen fields of a typical form, too.
    const shuffled = body(MAX_FORM_FIELDS).split('&').reverse().join('&');
    expect(FormFields.parse(shuffled).signedBytes()).toEqual(referenceSignedBytes(shuffled, []));
    expect(decodeFormEntries(body(MAX_FORM_FIELDS)).size).toBe(MAX_FORM_FIELDS);
    expect(validationFieldOf(() => FormFields.parse(body(MAX_FORM_FIELDS + 1), 'notification.body'))).toBe(
      'notification.body',
    );
    expect(() => decodeFormEntries(body(MAX_FORM_FIELDS + 1))).toThrow(ValidationError);
  });

  it('refuses the worst form that fits MAX_NOTIFICATION_BYTES in under 50 ms', () => {
    // Distinct three-character names in descending order (the worst order for an insertion sort),
    // as many as fit in 1 MiB: about 238,000 fields, none of them signed.
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const names: string[] = [];
    let size = 0;
    outer: for (let a = alphabet.length - 1; a >= 0; a--)
      for (let b = alphabet.length - 1; b >= 0; b--)
        for (let c = alphabet.length - 1; c >= 0; c--) {
          if (size + 4 > MAX_NOTIFICATION_BYTES) break outer;
          names.push(`${alphabet[a]}${alphabet[b]}${alphabet[c]}`);
          size += 4;
        }
    const body = names.join('&');
    expect(body.length).toBeLessThanOrEqual(MAX_NOTIFICATION_BYTES);
    expect(names.length).toBeGreaterThan(200_000);
    for (const parse of [
      () => FormFields.parse(body, 'notification.body').signedBytes(['sign']),
      () => decodeFormEntries(body, 'notification.body'),
    ]) {
      const started = performance.now();
      expect(parse).toThrow(ValidationError);
      expect(performance.now() - started).toBeLessThan(50);
    }
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
        if (movableBoundaries(Object.entries(record), omit)) {
          expect(() => FormFields.parse(body).signedBytes(omit)).toThrow(ValidationError);
          return;
        }
        expect(FormFields.parse(body).signedBytes(omit)).toEqual(referenceSignedBytes(body, omit));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the reference rule on any form (encodeURIComponent, raw text, repeated names)', () => {
    const pairs = fc.array(fc.tuple(name, value, fc.boolean()), { maxLength: 30 });
    fc.assert(
      fc.property(pairs, (list) => {
        const encoded = list.map(
          ([key, text, escaped]) => [key, escaped ? encodeURIComponent(text) : text.replace(/[%&+=]/g, '')] as const,
        );
        const body = encoded.map(([key, text]) => `${key}=${text}`).join('&');
        const decoded = encoded.map(([key, text]) => [key, decodeURIComponent(text)] as const);
        if (movableBoundaries(decoded)) expect(() => decodeFormEntries(body)).toThrow(ValidationError);
        if (movableBoundaries(decoded, [])) {
          expect(() => FormFields.parse(body).signedBytes()).toThrow(ValidationError);
          return;
        }
        const form = FormFields.parse(body);
        expect(form.signedBytes()).toEqual(referenceSignedBytes(body, []));
        for (const [key, text] of decoded) expect(form.get(key)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('brace groups (UnionPay composite values)', () => {
  const genuine = 'tokenPayData=%7Btoken%3D6235%26trId%3D6200%26tokenType%3D01%7D&txnSubType=00&txnType=79&signature=x';

  it('keeps a balanced {…} group whose inner & would otherwise read as a split', () => {
    expect(() => FormFields.parse(genuine).signedBytes(['signature'])).toThrow(ValidationError);
    const form = FormFields.parse(genuine, 'body', { braceGroups: true });
    expect(form.signedBytes(['signature']).toString()).toBe(
      'tokenPayData={token=6235&trId=6200&tokenType=01}&txnSubType=00&txnType=79',
    );
    expect(decodeFormEntries(genuine, 'body', { braceGroups: true }).get('tokenPayData')).toBe(
      '{token=6235&trId=6200&tokenType=01}',
    );
  });

  it('refuses the same group split into two fields with the same signed string', () => {
    const split = 'tokenPayData=%7Btoken%3D6235&trId=6200%26tokenType%3D01%7D&txnSubType=00&txnType=79&signature=x';
    const asSent = FormFields.parse(genuine, 'body', { braceGroups: true }).signedBytes(['signature']).toString();
    expect(FormFields.parse(split).signedBytes(['signature']).toString()).toBe(asSent); // the attack's premise
    expect(validationFieldOf(() => FormFields.parse(split, 'body', { braceGroups: true }))).toBe('body');
    expect(validationFieldOf(() => decodeFormEntries(split, 'body', { braceGroups: true }))).toBe('body');
  });

  it('still refuses an escaped & outside any group', () => {
    const folded = 'txnSubType=00%26txnType%3D04&signature=x';
    expect(
      validationFieldOf(() => FormFields.parse(folded, 'body', { braceGroups: true }).signedBytes(['signature'])),
    ).toBe('body');
  });
});
