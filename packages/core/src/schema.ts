/**
 * The zod/mini schema functions hutong's packages build their schemas with. They are bundled into
 * `@hutong/core` once, and adapters take them from `@hutong/core/provider-utils`, so a process
 * loads one small copy instead of all of zod (about 60 ms of a cold start; `pnpm bench`).
 *
 * @packageDocumentation
 */
import * as mini from 'zod/mini';

/**
 * The `zod/mini` functions hutong's own schemas use, from the one copy bundled into
 * `@hutong/core`. An adapter that builds its schemas from these adds nothing to a cold start;
 * any other zod 4 schema, classic or mini, works with {@link parseWithSchema} and
 * {@link transportOptionsShape} too. Schema types come from `zod/mini` itself
 * (`import type { output } from 'zod/mini'`), which costs nothing at run time.
 *
 * @example
 * ```ts
 * import { parseWithSchema, transportOptionsShape, z } from '@hutong/core/provider-utils';
 *
 * const optionsSchema = z.strictObject({
 *   merchantId: z.string().check(z.regex(/^\d{15}$/, 'must be the 15-digit merchant id')),
 *   sandbox: z.optional(z.boolean()),
 *   ...transportOptionsShape,
 * });
 * const options = parseWithSchema(optionsSchema, input, 'options'); // ValidationError naming the field
 * ```
 */
export const z = {
  /** An array of one schema: `z.array(z.string())`. */
  array: mini.array,
  /** `true` or `false`. */
  boolean: mini.boolean,
  /** A value a predicate accepts: `z.custom<Fn>((value) => typeof value === 'function', 'must be a function')`. */
  custom: mini.custom,
  /** A `Date`. */
  date: mini.date,
  /** One of the strings given: `z.enum(['GET', 'POST'])`. */
  enum: mini.enum,
  /** An instance of a class: `z.instanceof(Uint8Array)`. */
  instanceof: mini.instanceof,
  /** A safe integer. */
  int: mini.int,
  /** An IPv4 address string. */
  ipv4: mini.ipv4,
  /** An IPv6 address string. */
  ipv6: mini.ipv6,
  /** Exactly the value given: `z.literal('SHA1')`. */
  literal: mini.literal,
  /** An object of the shape given that keeps unknown keys (wallet replies, which grow fields). */
  looseObject: mini.looseObject,
  /** Check: a number at most the limit. */
  maximum: mini.maximum,
  /** Check: a string or array at most this long. */
  maxLength: mini.maxLength,
  /** Check: a number at least the limit. */
  minimum: mini.minimum,
  /** Check: a string or array at least this long. */
  minLength: mini.minLength,
  /** What a `transform` returns after adding an issue. */
  NEVER: mini.NEVER,
  /** Check: a number of 0 or more. */
  nonnegative: mini.nonnegative,
  /** A finite number. */
  number: mini.number,
  /** An object of the shape given; unknown keys are dropped. */
  object: mini.object,
  /** The schema given, or `undefined`. */
  optional: mini.optional,
  /** The output of one schema parsed by another: `z.pipe(z.string(), z.transform(Number))`. */
  pipe: mini.pipe,
  /** Check: a number greater than 0. */
  positive: mini.positive,
  /** An object of any keys: `z.record(z.string(), z.string())`. */
  record: mini.record,
  /** Check: a predicate with its message: `z.refine((key) => key.length === 32, 'must be 32 bytes')`. */
  refine: mini.refine,
  /** Check: a string matching the pattern, with its message. */
  regex: mini.regex,
  /** Parses without throwing; {@link checkWithSchema} words the first issue. */
  safeParse: mini.safeParse,
  /** An object of the shape given that refuses unknown keys (options, so a typo is named). */
  strictObject: mini.strictObject,
  /** A string. */
  string: mini.string,
  /** Maps a value, for use inside `pipe`. */
  transform: mini.transform,
  /** Check: trims a string before the checks after it. */
  trim: mini.trim,
  /** The first of the schemas given that accepts the value. */
  union: mini.union,
  /** Anything. */
  unknown: mini.unknown,
  /** A URL string; `z.url({ protocol: /^https?$/ })` for http(s) only. */
  url: mini.url,
} as const;
