/**
 * Reading a wallet's JSON reply into a typed value, with the errors the spec asks for: a reply that
 * cannot be read is an unknown outcome (`UnexpectedResponseError`), never input refused before
 * sending (`ValidationError`, which would mark the payment failed).
 *
 * @packageDocumentation
 */
import type { core, output } from 'zod/mini';
import { UnexpectedResponseError } from './errors.js';
import { checkWithSchema } from './validation.js';

/** Options of {@link readJsonReply}. */
export interface JsonReplyOptions<S extends core.$ZodType> {
  /** Provider id, for the errors. */
  provider: string;
  /** The reply's shape; synchronous (see `parseWithSchema`). */
  schema: S;
  /** Largest reply accepted, in UTF-8 bytes of `text`. Default 1 MiB. */
  maxBytes?: number | undefined;
  /** Prefix of the field names in errors, e.g. `reply`. Default `reply`. */
  field?: string | undefined;
}

/** The default {@link JsonReplyOptions.maxBytes}: 1 MiB. */
export const DEFAULT_MAX_JSON_REPLY_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

/**
 * Parses a reply's text as JSON and checks it against `schema`. Throws
 * {@link UnexpectedResponseError}: `too_large` past `maxBytes`, `malformed` for text that is not
 * JSON or a value the schema refuses (with `field` naming the place, e.g. `reply.amount.total`).
 * The reply's values are never quoted in the message.
 *
 * @example
 * ```ts
 * const replySchema = z.object({ order_id: z.string(), status: z.enum(['WAITING', 'PAID']) });
 * const reply = readJsonReply('{"order_id":"o1","status":"PAID"}', { provider: 'mywallet', schema: replySchema });
 * reply.status; // 'PAID', typed
 * ```
 */
export function readJsonReply<S extends core.$ZodType>(text: string, options: JsonReplyOptions<S>): output<S> {
  const prefix = options.field ?? 'reply';
  const limit = options.maxBytes ?? DEFAULT_MAX_JSON_REPLY_BYTES;
  if (text.length > limit || encoder.encode(text).byteLength > limit) {
    throw new UnexpectedResponseError(options.provider, 'too_large', `the reply is over ${limit} bytes`, {
      field: prefix,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnexpectedResponseError(options.provider, 'malformed', 'the reply is not JSON', { field: prefix });
  }
  const checked = checkWithSchema(options.schema, value);
  if (checked.success) return checked.data;
  const field = [prefix, ...checked.path].join('.');
  throw new UnexpectedResponseError(options.provider, 'malformed', `${field} ${checked.message}`, { field });
}
