/**
 * The run-time checks of the facade's inputs: what each operation refuses with a
 * `ValidationError` before anything is stored or sent.
 *
 * @packageDocumentation
 */
import { isPaymentMethod } from '../payment-method.js';
import { z } from '../schema.js';
import { parseWithSchema } from '../validation.js';
import { splitReturnInputSchema } from './movement-schemas.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });
const authCodeFormat = z.regex(/^[0-9]{10,32}$/, 'must be the 10 to 32 digits of a payment code');

/** `createPayment`'s input (the amount is checked apart, as integer fen). */
export const createInputSchema = z.object({
  provider: z.string().check(z.minLength(1)),
  method: z.string().check(z.refine(isPaymentMethod, 'is not a payment method (qr, page, h5, jsapi, app, pos)')),
  amount: z.unknown(),
  subject: z
    .string()
    .check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(127, 'must be at most 127 characters')),
  orderId: z.optional(z.string()),
  expiresAt: z.optional(z.date()), // an Invalid Date fails as `must be a valid date`
  notifyUrl: z.optional(httpUrl),
  returnUrl: z.optional(httpUrl),
  buyerId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  authCode: z.optional(z.string().check(authCodeFormat)),
  clientIp: z.optional(ipAddress),
  metadata: z.optional(z.record(z.string(), z.string())),
  providerOptions: z.optional(z.record(z.string(), z.unknown())),
  merchant: z.optional(z.string()), // checked by assertMerchantKey
  split: z.optional(z.boolean()),
});

/** A payment code scanned at the till. */
export const authCodeSchema = z.string({ error: 'is required' }).check(authCodeFormat);

/** `resume`'s input. */
export const resumeInputSchema = z.object({
  clientIp: z.optional(ipAddress),
  providerOptions: z.optional(z.record(z.string(), z.unknown())),
  merchant: z.optional(z.string()),
});

/** `refund`'s input (the amount is checked apart, as integer fen). */
export const refundInputSchema = z.object({
  amount: z.unknown(),
  refundId: z.string({ error: 'is required: the id that makes a repeated refund request safe' }),
  reason: z.optional(z.string().check(z.maxLength(80, 'must be at most 80 characters'))),
  splitReturns: z.optional(z.array(splitReturnInputSchema).check(z.maxLength(50, 'must name at most 50 returns'))),
  merchant: z.optional(z.string()),
});

/** A notify URL given to the facade, checked like the one given for each order. */
export function checkNotifyUrl(url: unknown, field: string): string {
  return parseWithSchema(httpUrl, url, field);
}
