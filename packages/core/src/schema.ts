/**
 * The zod/mini schema functions hutong's packages build their schemas with. They are bundled into
 * `@hutong/core` once, and adapters take them from `@hutong/core/provider-utils`, so a process
 * loads one small copy instead of all of zod (about 60 ms of a cold start; `pnpm bench`).
 *
 * @packageDocumentation
 */
import {
  array,
  boolean,
  custom,
  date,
  enum as enumOf,
  instanceof as instanceOf,
  int,
  ipv4,
  ipv6,
  literal,
  looseObject,
  maximum,
  maxLength,
  minimum,
  minLength,
  NEVER,
  nonnegative,
  number,
  object,
  optional,
  pipe,
  positive,
  record,
  refine,
  regex,
  safeParse,
  strictObject,
  string,
  transform,
  trim,
  union,
  unknown,
  url,
} from 'zod/mini';

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
  array,
  boolean,
  custom,
  date,
  enum: enumOf,
  instanceof: instanceOf,
  int,
  ipv4,
  ipv6,
  literal,
  looseObject,
  maximum,
  maxLength,
  minimum,
  minLength,
  NEVER,
  nonnegative,
  number,
  object,
  optional,
  pipe,
  positive,
  record,
  refine,
  regex,
  safeParse,
  strictObject,
  string,
  transform,
  trim,
  union,
  unknown,
  url,
} as const;
