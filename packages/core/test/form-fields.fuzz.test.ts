/**
 * Fuzz test of signed form field boundaries (issue 10, item 6).
 *
 * A genuine field set is encoded as a form body and its signed string (Alipay and UnionPay: the
 * non-empty fields sorted by name, joined as `name=value&...` over decoded values) is taken as the
 * reference. The body is then mutated: characters re-encoded, fields reordered, duplicated, merged
 * into another value through `%26`, split in two, separators swapped between `&` and `%26`. Parsing a
 * mutated body must either throw a `ValidationError` or, whenever it yields the genuine signed bytes
 * (so the genuine signature would verify), yield exactly the genuine decoded fields as well: the
 * same names with the same non-empty values. (An empty field is never signed, by the protocols'
 * own rule, so anyone can add one to any body; adapters treat an empty value as absent.) Mutations
 * that only re-encode or reorder must always parse to the genuine fields, empty ones included, and
 * the genuine bytes.
 *
 * The run is short and seeded for `pnpm test`. For a longer nightly run:
 *
 * ```sh
 * HUTONG_FUZZ_RUNS=200000 pnpm vitest run packages/core/test/form-fields.fuzz.test.ts
 * HUTONG_FUZZ_RUNS=200000 HUTONG_FUZZ_SEED=$RANDOM pnpm vitest run packages/core/test/form-fields.fuzz.test.ts
 * ```
 *
 * A failure prints the seed and path to replay it with `HUTONG_FUZZ_SEED`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.js';
import { FormFields, splitsBetween } from '../src/provider-utils/index.js';

const RUNS = Number(process.env.HUTONG_FUZZ_RUNS ?? 3_000);
const SEED = Number(process.env.HUTONG_FUZZ_SEED ?? 20_240_610);
/** A long nightly run needs more than the default test timeout. */
const TIMEOUT_MS = Math.max(20_000, RUNS * 10);

type Field = readonly [name: string, value: string];

/** The reference signed string, the slow and obvious way. */
function signedString(fields: readonly Field[]): Buffer {
  const signed = fields
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`);
  return Buffer.from(signed.join('&'), 'utf8');
}

/** A tiny seeded generator, so one mutation's choices are reproducible from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const UNRESERVED = /^[A-Za-z0-9\-_.~*!'()]$/;

/** Encodes text with random but valid choices: raw or escaped, upper or lower hex, `+` or `%20`. */
function encodeRandomly(text: string, random: () => number, isName: boolean): string {
  let out = '';
  for (const char of text) {
    const escaped = [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
    const hex = random() < 0.5 ? escaped.toUpperCase() : escaped;
    if (char === ' ') out += random() < 0.5 ? '+' : hex;
    else if (UNRESERVED.test(char)) out += random() < 0.7 ? char : hex;
    else if (char === '=' && !isName) out += random() < 0.5 ? '=' : hex;
    else if (char.charCodeAt(0) >= 0x80) out += random() < 0.5 ? char : hex;
    else out += hex;
  }
  return out;
}

function decodeComponent(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/** A raw segment's decoded name and value (a bare name has an empty value). */
function splitSegment(segment: string): Field {
  const equals = segment.indexOf('=');
  if (equals === -1) return [decodeComponent(segment), ''];
  return [decodeComponent(segment.slice(0, equals)), decodeComponent(segment.slice(equals + 1))];
}

function nonEmpty(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== ''));
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('reencode' as const), index: fc.nat(), seed: fc.nat() }),
  fc.record({ kind: fc.constant('reorder' as const), seed: fc.nat() }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    index: fc.nat(),
    at: fc.nat(),
    value: fc.constantFrom('', '1', null),
  }),
  fc.record({ kind: fc.constant('merge' as const), from: fc.nat(), into: fc.nat(), rawEquals: fc.boolean() }),
  fc.record({ kind: fc.constant('split' as const), index: fc.nat(), at: fc.nat(), raw: fc.boolean() }),
  fc.record({ kind: fc.constant('swapSeparator' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** Applies one mutation to the body's raw `name=value` segments. */
function mutate(segments: string[], step: Mutation): string[] {
  const out = [...segments];
  const pick = (index: number) => index % out.length;
  if (out.length === 0) return out;
  switch (step.kind) {
    case 'reencode': {
      const index = pick(step.index);
      const [name, value] = splitSegment(out[index] as string);
      const random = prng(step.seed);
      out[index] = `${encodeRandomly(name, random, true)}=${encodeRandomly(value, random, false)}`;
      return out;
    }
    case 'reorder': {
      const random = prng(step.seed);
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [out[i], out[j]] = [out[j] as string, out[i] as string];
      }
      return out;
    }
    case 'duplicate': {
      const segment = out[pick(step.index)] as string;
      const [name] = splitSegment(segment);
      const copy = step.value === null ? segment : `${encodeURIComponent(name)}=${step.value}`;
      out.splice(step.at % (out.length + 1), 0, copy);
      return out;
    }
    case 'merge': {
      if (out.length < 2) return out;
      const from = pick(step.from);
      let into = pick(step.into);
      if (into === from) into = (into + 1) % out.length;
      const segment = out[from] as string;
      const equals = segment.indexOf('=');
      const folded =
        equals === -1 || step.rawEquals ? segment : `${segment.slice(0, equals)}%3D${segment.slice(equals + 1)}`;
      out[into] = `${out[into]}%26${folded}`;
      out.splice(from, 1);
      return out;
    }
    case 'split': {
      const index = pick(step.index);
      const [name, value] = splitSegment(out[index] as string);
      const chars = [...value];
      const at = step.at % (chars.length + 1);
      const head = chars.slice(0, at).join('');
      const tail = chars.slice(at).join('');
      // Raw: the tail's own `=` becomes a separator; escaped: it stays in the text.
      const tailText = step.raw ? tail.replace(/[%&+]/g, (c) => encodeURIComponent(c)) : encodeURIComponent(tail);
      out.splice(index, 1, `${encodeURIComponent(name)}=${encodeURIComponent(head)}`, tailText);
      return out;
    }
    case 'swapSeparator': {
      // Turns the n-th `&` separator into `%26`, or the n-th `%26` into a separator.
      const body = out.join('&');
      const positions: number[] = [];
      for (let i = 0; i < body.length; i++) if (body[i] === '&' || body.startsWith('%26', i)) positions.push(i);
      if (positions.length === 0) return out;
      const position = positions[step.at % positions.length] as number;
      const swapped =
        body[position] === '&'
          ? `${body.slice(0, position)}%26${body.slice(position + 1)}`
          : `${body.slice(0, position)}&${body.slice(position + 3)}`;
      return swapped.split('&');
    }
  }
}

const realisticName = fc.constantFrom(
  'out_trade_no',
  'trade_status',
  'refund_fee',
  'out_biz_no',
  'total_amount',
  'subject',
  'txnType',
  'respCode',
  'orderId',
  'reqReserved',
  '名',
  'ü',
);
const fieldName = fc.oneof(realisticName, fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,9}$/));
const fieldValue = fc.oneof(
  fc.constantFrom('', 'TRADE_SUCCESS', '19.99', 'a&b', 'x=y', '100%', 'a+b c', '{a=1}', '&', '=', '西湖龙井 🍵'),
  fc.stringMatching(/^[a-z0-9&=%+ ]{0,10}$/),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
/** Whether a genuine form is itself ambiguous (a value could be split into the next signed field). */
function splittable(fields: readonly Field[]): boolean {
  const signed = fields.filter(([, value]) => value !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return signed.some(([name, value], i) => splitsBetween(value, name, signed[i + 1]?.[0]));
}

/** A genuine field set: unique names, and no value that could itself be split (those are refused). */
const genuineFields = fc
  .uniqueArray(fc.tuple(fieldName, fieldValue), { minLength: 1, maxLength: 16, selector: ([name]) => name })
  .filter((fields) => !splittable(fields));

describe('FormFields fuzz: a field boundary cannot be moved under a genuine signature', () => {
  it(
    `mutated bodies are refused or parse to exactly the genuine fields (${RUNS} runs, seed ${SEED})`,
    () => {
      fc.assert(
        fc.property(genuineFields, fc.array(mutation, { minLength: 1, maxLength: 3 }), (fields, steps) => {
          const genuineBytes = signedString(fields);
          const genuineMap = Object.fromEntries(fields);
          const segments = fields.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
          const genuine = FormFields.parse(segments.join('&'));
          expect(genuine.toObject()).toEqual(genuineMap);
          expect(genuine.signedBytes()).toEqual(genuineBytes);

          const mutated = steps.reduce(mutate, segments).join('&');
          const preserving = steps.every((step) => step.kind === 'reencode' || step.kind === 'reorder');
          let map: Record<string, string>;
          let bytes: Buffer;
          try {
            const form = FormFields.parse(mutated);
            bytes = form.signedBytes();
            map = form.toObject();
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            expect(preserving).toBe(false);
            return;
          }
          if (preserving) {
            expect(map).toEqual(genuineMap);
            expect(bytes).toEqual(genuineBytes);
          } else if (bytes.equals(genuineBytes)) {
            // The genuine signature verifies this body: it must say exactly what the genuine one said.
            expect(nonEmpty(map)).toEqual(nonEmpty(genuineMap));
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
    },
    TIMEOUT_MS,
  );
});
