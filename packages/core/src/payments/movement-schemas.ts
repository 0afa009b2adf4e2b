/**
 * The run-time checks of the money movement inputs: what `split`, `returnSplit` and `transfer`
 * refuse with a `ValidationError` before anything is stored or sent. Messages name the field,
 * never its value (accounts and names are personal data).
 *
 * @packageDocumentation
 */
import { z } from '../schema.js';

const text = (max: number) =>
  z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));

const receiverSchema = z.object({
  type: z.enum(['merchant', 'personal'], { error: 'must be merchant or personal' }),
  account: text(64),
  amount: z.unknown(),
  description: text(80),
  name: z.optional(text(64)),
});

/** `split`'s input (amounts are checked apart, as integer fen). */
export const splitInputSchema = z.object({
  splitId: z.string({ error: 'is required: the id that makes a repeated split request safe' }),
  receivers: z
    .array(receiverSchema)
    .check(z.minLength(1, 'must name at least one receiver'), z.maxLength(50, 'must name at most 50 receivers')),
  finish: z.optional(z.boolean()),
});

/** `returnSplit`'s input (the amount is checked apart). */
export const splitReturnInputSchema = z.object({
  splitId: z.string(),
  returnId: z.string({ error: 'is required: the id that makes a repeated return request safe' }),
  account: text(64),
  amount: z.unknown(),
  description: text(80),
});

const payeeSchema = z.object({
  type: z.enum(['openid', 'userId', 'loginId', 'openId', 'bankCard'], {
    error: 'must be openid, userId, loginId, openId or bankCard',
  }),
  account: text(128),
  name: z.optional(text(64)),
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** `transfer`'s input (the amount is checked apart). */
export const transferInputSchema = z.object({
  provider: z.string().check(z.minLength(1)),
  transferId: z.string({ error: 'is required: the id that makes a repeated transfer safe' }),
  amount: z.unknown(),
  payee: payeeSchema,
  remark: text(32),
  merchant: z.optional(text(64)),
  notifyUrl: z.optional(httpUrl),
  providerOptions: z.optional(z.record(z.string(), z.unknown())),
});
