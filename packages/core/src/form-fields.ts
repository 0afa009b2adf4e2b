/**
 * A signed form body (`application/x-www-form-urlencoded`, as Alipay and UnionPay post them), split
 * once and kept raw: a value is decoded only when asked for, and the string that the sender signed
 * (the fields sorted by name, empty ones left out, joined as raw `name=value&...`) is written
 * straight into UTF-8 bytes from the body, without building an intermediate string.
 *
 * Decoding is the same strict rule as {@link decodeFormEntries} (`+` is a space, `%XX` a byte, a
 * malformed escape or a byte sequence that is not UTF-8 is an error), so the bytes that are verified
 * and the values that are handed over always agree. So are the refusals of a form whose field
 * boundaries could be moved without changing the signed string (see {@link FormFields.parse}).
 *
 * @packageDocumentation
 */
import { isUtf8 } from 'node:buffer';
import { ValidationError } from './errors.js';
import {
  decodeFormComponent,
  type FormReadOptions,
  hasBalancedBraces,
  MAX_FORM_FIELDS,
  splitsBetween,
} from './form-encoding.js';

const PLUS = 0x2b;
const PERCENT = 0x25;
const AMPERSAND = 0x26;
const EQUALS = 0x3d;
/** {@link FormFields} `#escapes` bits. */
const NAME_ESCAPED = 1;
const VALUE_ESCAPED = 2;
/** Raw runs shorter than this are copied byte by byte; longer ones by one native copy. */
const NATIVE_COPY_FROM = 16;
/** Up to this many fields, an insertion sort (at most ~500 comparisons) beats the built-in sort. */
const INSERTION_SORT_LIMIT = 32;

/** The value of one hex digit, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * A form body split into fields once, for verifying a signature over its sorted fields and then
 * reading the few fields an adapter needs.
 *
 * @example
 * ```ts
 * const form = FormFields.parse(request.body, 'notification.body');
 * const signed = form.signedBytes(['sign', 'sign_type']); // 'a=1&b=x y' as UTF-8 bytes
 * if (!verify('sha256', signed, alipayPublicKey, Buffer.from(form.get('sign') ?? '', 'base64'))) ...
 * form.get('out_trade_no');
 * ```
 */
export class FormFields {
  readonly #body: string;
  readonly #field: string;
  readonly #braceGroups: boolean;
  /** Decoded names in body order, each once. */
  readonly #names: string[] = [];
  /** Positions of the fields sorted by name. */
  #sorted: number[] = [];
  /** Positions of the (rare) values with an escaped `&` followed by `=`: checked when signing. */
  readonly #splittable: number[] = [];
  /** The first three UTF-16 units of each name as one number: most comparisons end there. */
  readonly #keys: number[] = [];
  /** Where each field's name starts (its value starts after the `=`, or is empty). */
  readonly #nameStarts: number[] = [];
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  /** Per field: whether its name (bit 1) or value (bit 2) holds a `%` or `+` to decode. */
  readonly #escapes: number[] = [];

  private constructor(body: string, field: string, braceGroups: boolean) {
    this.#body = body;
    this.#field = field;
    this.#braceGroups = braceGroups;
  }

  /**
   * Splits a form body. Names are decoded now; values stay raw until read.
   *
   * A form whose field boundaries could be moved without changing the string the sender signed
   * (values are signed decoded, so `%26` in a value reads as a field separator there) is refused: a
   * name that decodes to text holding `&` or `=` and a repeated name here, a value that could be
   * split into more signed fields by {@link FormFields.signedBytes}. A form of more than
   * {@link MAX_FORM_FIELDS} fields is refused before any sorting. The work is linear in the body,
   * plus sorting at most {@link MAX_FORM_FIELDS} names.
   *
   * @param field - named in the errors.
   * @param options - `braceGroups` for UnionPay's `{...}` composite values (see {@link FormReadOptions}).
   * @throws ValidationError for a malformed `%`-escape in a name, too many fields, a repeated name,
   *   a name that could move a field boundary, or (with `braceGroups`) a value with unbalanced braces.
   */
  static parse(body: string, field = 'body', options: FormReadOptions = {}): FormFields {
    const braceGroups = options.braceGroups === true;
    const form = new FormFields(body, field, braceGroups);
    const names = form.#names;
    const keys = form.#keys;
    const starts = form.#starts;
    const ends = form.#ends;
    const nameStarts = form.#nameStarts;
    const escapes = form.#escapes;
    const length = body.length;
    // Escapes and escaped `&`s are found by native searches, each advanced past a field at most
    // once, so no character is looked at one by one here and the work stays linear.
    let escapedAmpersand = body.indexOf('%26');
    let percent = body.indexOf('%');
    let plus = body.indexOf('+');
    let start = 0;
    while (start < length) {
      let end = body.indexOf('&', start);
      if (end === -1) end = length;
      if (end > start) {
        if (names.length === MAX_FORM_FIELDS)
          throw new ValidationError(field, `has more than ${MAX_FORM_FIELDS} fields`);
        let equals = body.indexOf('=', start);
        if (equals === -1 || equals > end) equals = end;
        if (percent !== -1 && percent < start) percent = body.indexOf('%', start);
        if (plus !== -1 && plus < start) plus = body.indexOf('+', start);
        let escaped = 0;
        let name = body.slice(start, equals);
        if ((percent !== -1 && percent < equals) || (plus !== -1 && plus < equals)) {
          escaped = NAME_ESCAPED;
          name = decodeFormComponent(name, field);
          if (name.includes('&') || name.includes('=')) {
            throw new ValidationError(field, 'has a field name holding & or =');
          }
        }
        const valueStart = equals === end ? end : equals + 1;
        if (percent !== -1 && percent < valueStart) percent = body.indexOf('%', valueStart);
        if (plus !== -1 && plus < valueStart) plus = body.indexOf('+', valueStart);
        if ((percent !== -1 && percent < end) || (plus !== -1 && plus < end)) escaped |= VALUE_ESCAPED;
        if (escapedAmpersand !== -1 && escapedAmpersand < end) {
          while (escapedAmpersand !== -1 && escapedAmpersand < valueStart) {
            escapedAmpersand = body.indexOf('%26', escapedAmpersand + 3);
          }
          if (escapedAmpersand !== -1 && escapedAmpersand < end) {
            if (hasEqualsSign(body, escapedAmpersand + 3, end)) form.#splittable.push(names.length);
            escapedAmpersand = body.indexOf('%26', end);
          }
        }
        names.push(name);
        keys.push(sortKey(name));
        nameStarts.push(start);
        starts.push(valueStart);
        ends.push(end);
        escapes.push(escaped);
      }
      start = end + 1;
    }
    form.#sorted = form.#sortByName();
    if (braceGroups) form.#refuseUnbalancedBraces();
    return form;
  }

  /** With brace groups, every value holding a brace (raw or escaped) must balance its braces. */
  #refuseUnbalancedBraces(): void {
    const body = this.#body;
    if (!/[{}]|%7[BbDd]/.test(body)) return;
    for (let i = 0; i < this.#names.length; i++) {
      const raw = body.slice(this.#starts[i] as number, this.#ends[i] as number);
      if (!/[{}]|%7[BbDd]/.test(raw)) continue;
      if (!hasBalancedBraces(decodeFormComponent(raw, this.#field))) {
        throw new ValidationError(this.#field, 'has a value with unbalanced braces');
      }
    }
  }

  /**
   * Positions sorted by name; a repeated name is refused. A typical form (a few dozen fields) is
   * insertion-sorted, which is fastest there; a larger one (up to {@link MAX_FORM_FIELDS}) goes to
   * the built-in O(n log n) sort.
   */
  #sortByName(): number[] {
    const names = this.#names;
    const keys = this.#keys;
    const count = names.length;
    const order: number[] = [];
    if (count <= INSERTION_SORT_LIMIT) {
      for (let position = 0; position < count; position++) {
        const key = keys[position] as number;
        const name = names[position] as string;
        let at = position;
        order.push(position);
        while (at > 0) {
          const previous = order[at - 1] as number;
          const previousKey = keys[previous] as number;
          if (previousKey < key || (previousKey === key && (names[previous] as string) <= name)) break;
          order[at--] = previous;
        }
        order[at] = position;
      }
    } else {
      for (let position = 0; position < count; position++) order.push(position);
      order.sort((a, b) => {
        const byKey = (keys[a] as number) - (keys[b] as number);
        if (byKey !== 0) return byKey;
        const nameA = names[a] as string;
        const nameB = names[b] as string;
        return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
      });
    }
    for (let k = 1; k < order.length; k++) {
      if (names[order[k] as number] === names[order[k - 1] as number]) {
        throw new ValidationError(this.#field, 'repeats a field name');
      }
    }
    return order;
  }

  /** Position of `name`, or -1. */
  #find(name: string): number {
    return this.#names.indexOf(name);
  }

  /** Whether the body has this field (empty or not). */
  has(name: string): boolean {
    return this.#find(name) !== -1;
  }

  /**
   * The decoded value of a field, or `undefined` when the body has no such field.
   *
   * @throws ValidationError for a malformed `%`-escape in that value.
   */
  get(name: string): string | undefined {
    const position = this.#find(name);
    if (position === -1) return undefined;
    const raw = this.#body.slice(this.#starts[position] as number, this.#ends[position] as number);
    // Parsing noted which values hold a `%` or `+`: the others are their own decoding.
    return ((this.#escapes[position] as number) & VALUE_ESCAPED) === 0 ? raw : decodeFormComponent(raw, this.#field);
  }

  /**
   * The raw text of a field's value, still `%`-encoded as it stands in the body, or `undefined`.
   * Useful as a cache key for a large value that repeats from message to message.
   */
  raw(name: string): string | undefined {
    const position = this.#find(name);
    if (position === -1) return undefined;
    return this.#body.slice(this.#starts[position] as number, this.#ends[position] as number);
  }

  /** The field names in body order (each appears once: a repeated name is refused). */
  names(): string[] {
    return [...this.#names];
  }

  /** Every field decoded, as a plain object. */
  toObject(): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const name of this.names()) fields[name] = this.get(name) as string;
    return fields;
  }

  /**
   * The UTF-8 bytes of the string the sender signed: every field not in `omit` and not empty,
   * sorted by name (UTF-16 code-unit order, which is byte order for ASCII names), joined as
   * `name=value` with `&`, values decoded exactly once.
   *
   * @param known - one field whose decoded bytes the caller already holds (decoded earlier from this
   *   same raw text, see {@link FormFields.raw}): they are copied instead of decoded again.
   * @throws ValidationError for a malformed `%`-escape, escapes that are not UTF-8, or a value that
   *   could be split into another signed field (its text after an `&` reads as `name=value` for a
   *   name that sorts between its own and the next signed one).
   */
  signedBytes(omit: readonly string[] = [], known?: { name: string; bytes: Uint8Array }): Buffer {
    const order = this.#sortedPositions(omit);
    const ascii = this.#writeAscii(order, known);
    if (ascii !== undefined) return ascii;
    return this.#write(order, false, known) ?? (this.#write(order, true, known) as Buffer);
  }

  /** Positions of the fields to sign (not omitted, not empty), sorted by name. */
  #sortedPositions(omit: readonly string[]): number[] {
    const names = this.#names;
    const starts = this.#starts;
    const ends = this.#ends;
    const sorted = this.#sorted;
    // The omitted names are looked up once; the loop then compares positions, not strings.
    const omitted: number[] = [];
    for (let k = 0; k < omit.length; k++) {
      const position = names.indexOf(omit[k] as string);
      if (position !== -1) omitted.push(position);
    }
    const order: number[] = [];
    for (let k = 0; k < sorted.length; k++) {
      const position = sorted[k] as number;
      if ((ends[position] as number) <= (starts[position] as number)) continue;
      if (omitted.length > 0 && omitted.includes(position)) continue;
      order.push(position);
    }
    if (this.#splittable.length > 0) this.#refuseSplittable(order);
    return order;
  }

  /**
   * Refuses a signed value that could be split into more signed fields with the same signed string:
   * `n=x&m=y` (decoded) reads as the two fields `n=x` and `m=y` when `m` sorts between `n` and the
   * next signed field, the place the sorted string would put a field `m`. A split elsewhere gives
   * another string, so a value such as a subject `a&b=c` is kept.
   */
  #refuseSplittable(order: readonly number[]): void {
    const names = this.#names;
    for (let k = 0; k < order.length; k++) {
      const position = order[k] as number;
      if (!this.#splittable.includes(position)) continue;
      const name = names[position] as string;
      const next = k + 1 < order.length ? (names[order[k + 1] as number] as string) : undefined;
      const value = decodeFormComponent(
        this.#body.slice(this.#starts[position] as number, this.#ends[position] as number),
        this.#field,
      );
      if (splitsBetween(value, name, next, this.#braceGroups)) {
        throw new ValidationError(this.#field, 'has a value that could be split into another signed field');
      }
    }
  }

  /**
   * Writes the signed string of an all-ASCII body from its bytes: a raw name or value (no `%` or
   * `+`, known from parsing) is copied as it stands, an escaped one decoded byte by byte. Names that
   * were escaped are written from their decoded text.
   */
  #writeAscii(order: readonly number[], known?: { name: string; bytes: Uint8Array }): Buffer | undefined {
    const body = this.#body;
    const length = body.length;
    // One buffer: the body's bytes first, the signed string after them (never longer than the body
    // when it is ASCII), so a raw run is moved by `copyWithin` without another buffer.
    const out = Buffer.allocUnsafe(2 * length + (known ? known.bytes.byteLength : 0));
    if (out.write(body, 0, 'utf8') !== length) return undefined;
    const bytes = out;
    const names = this.#names;
    const nameStarts = this.#nameStarts;
    const starts = this.#starts;
    const ends = this.#ends;
    const escapes = this.#escapes;
    let written = length;
    let highBytes = false;
    for (let k = 0; k < order.length; k++) {
      const position = order[k] as number;
      const escaped = escapes[position] as number;
      if (k > 0) out[written++] = AMPERSAND;
      // A signed field has a value, so its name ends at the `=` just before the value.
      if ((escaped & NAME_ESCAPED) === 0) {
        written = copyRaw(bytes, nameStarts[position] as number, (starts[position] as number) - 1, written);
      } else {
        written += out.write(names[position] as string, written, 'utf8');
      }
      out[written++] = EQUALS;
      if (known !== undefined && names[position] === known.name) {
        out.set(known.bytes, written);
        written += known.bytes.byteLength;
        continue;
      }
      const start = starts[position] as number;
      const end = ends[position] as number;
      if ((escaped & VALUE_ESCAPED) === 0) {
        written = copyRaw(bytes, start, end, written);
        continue;
      }
      for (let i = start; i < end; i++) {
        const code = bytes[i] as number;
        if (code === PERCENT) {
          const high = i + 2 < end ? hexValue(bytes[i + 1] as number) : -1;
          const low = high === -1 ? -1 : hexValue(bytes[i + 2] as number);
          if (low === -1) throw new ValidationError(this.#field, 'has a malformed %-escape');
          const byte = (high << 4) | low;
          if (byte >= 0x80) highBytes = true;
          out[written++] = byte;
          i += 2;
        } else if (code === PLUS) {
          out[written++] = 0x20;
        } else {
          out[written++] = code;
        }
      }
    }
    const result = out.subarray(length, written);
    if (highBytes && !isUtf8(result)) throw new ValidationError(this.#field, 'has %-escapes that are not UTF-8');
    return result;
  }

  /**
   * Writes the signed string. The narrow pass assumes ASCII text (each character at most one byte)
   * and gives up, returning `undefined`, at the first character beyond it; the wide pass allows
   * three bytes per UTF-16 unit, the most UTF-8 needs.
   */
  #write(order: readonly number[], wide: boolean, known?: { name: string; bytes: Uint8Array }): Buffer | undefined {
    const names = this.#names;
    const starts = this.#starts;
    const ends = this.#ends;
    const body = this.#body;
    const out = Buffer.allocUnsafe((wide ? 3 : 1) * body.length + (known ? known.bytes.byteLength : 0));
    let written = 0;
    let highBytes = false;
    for (let k = 0; k < order.length; k++) {
      const position = order[k] as number;
      const name = names[position] as string;
      if (k > 0) out[written++] = AMPERSAND;
      for (let i = 0; i < name.length; i++) {
        const code = name.charCodeAt(i);
        if (code < 0x80) out[written++] = code;
        else if (!wide) return undefined;
        else {
          written += out.write(name.slice(i), written, 'utf8');
          break;
        }
      }
      out[written++] = EQUALS;
      if (known !== undefined && name === known.name) {
        out.set(known.bytes, written);
        written += known.bytes.byteLength;
        continue;
      }
      const end = ends[position] as number;
      for (let i = starts[position] as number; i < end; i++) {
        const code = body.charCodeAt(i);
        if (code === PERCENT) {
          const high = i + 2 < end ? hexValue(body.charCodeAt(i + 1)) : -1;
          const low = high === -1 ? -1 : hexValue(body.charCodeAt(i + 2));
          if (low === -1) throw new ValidationError(this.#field, 'has a malformed %-escape');
          const byte = (high << 4) | low;
          if (byte >= 0x80) highBytes = true;
          out[written++] = byte;
          i += 2;
        } else if (code === PLUS) {
          out[written++] = 0x20;
        } else if (code < 0x80) {
          out[written++] = code;
        } else {
          // Unescaped text beyond ASCII (a lenient sender): only the wide buffer takes it.
          if (!wide) return undefined;
          let run = i + 1;
          while (run < end && body.charCodeAt(run) >= 0x80) run++;
          written += out.write(body.slice(i, run), written, 'utf8');
          i = run - 1;
        }
      }
    }
    const bytes = out.subarray(0, written);
    if (highBytes && !isUtf8(bytes)) throw new ValidationError(this.#field, 'has %-escapes that are not UTF-8');
    return bytes;
  }
}

/** Copies `bytes[start, end)` to `at` in the same buffer; returns the position after it. */
function copyRaw(bytes: Buffer, start: number, end: number, at: number): number {
  if (end - start >= NATIVE_COPY_FROM) {
    bytes.copyWithin(at, start, end);
    return at + end - start;
  }
  for (let i = start; i < end; i++) bytes[at++] = bytes[i] as number;
  return at;
}

/** Whether `body` holds `=` or `%3D` between `from` and `end`. */
function hasEqualsSign(body: string, from: number, end: number): boolean {
  for (let i = from; i < end; i++) {
    const code = body.charCodeAt(i);
    if (code === EQUALS) return true;
    if (code === PERCENT && body.charCodeAt(i + 1) === 0x33 && (body.charCodeAt(i + 2) | 0x20) === 0x64) return true;
  }
  return false;
}

/**
 * The first three UTF-16 units of a name as one exact number (16 bits each, missing units as 0),
 * ordered as the names are up to that length.
 */
function sortKey(name: string): number {
  const a = name.length > 0 ? name.charCodeAt(0) : 0;
  const b = name.length > 1 ? name.charCodeAt(1) : 0;
  const c = name.length > 2 ? name.charCodeAt(2) : 0;
  return a * 0x100000000 + b * 0x10000 + c;
}
