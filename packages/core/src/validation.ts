/**
 * Turns zod schema failures into {@link ValidationError}s that name the field. Adapters use it for
 * their option schemas so that every package reports bad input the same way.
 *
 * @packageDocumentation
 */
import type { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Parses `value` with `schema`; on failure throws a {@link ValidationError} naming the first bad
 * field (prefixed with `prefix`, e.g. `options`). Values are never echoed, so a secret passed in the
 * wrong field does not end up in a log.
 *
 * @example
 * ```ts
 * const options = parseWithSchema(optionsSchema, input, 'options');
 * ```
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = (issue?.path ?? []).map(String).join('.');
  const field = [prefix, path].filter(Boolean).join('.') || (prefix ?? 'input');
  throw new ValidationError(field, issue?.message ?? 'is invalid');
}
