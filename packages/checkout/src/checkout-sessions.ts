/**
 * Sessions: creating one from the merchant's input, changing one with compare-and-set, expiring
 * the ones past their time, and closing the attempts a finished session no longer needs.
 *
 * @packageDocumentation
 */
import { assertAmount, generateId, ValidationError } from '@hutong/core';
import { assertHttpUrl } from '@hutong/core/provider-utils';
import { type CheckoutContext, linkFor } from './checkout-context.js';
import { checkSessionMerchant } from './checkout-merchant.js';
import { DEFAULT_PAYER_AMOUNT, DEFAULT_SESSION_TTL_SECONDS, MAX_SESSION_TTL_SECONDS } from './checkout-options.js';
import type { CheckoutSession, PayerAmountBounds } from './checkout-session.js';
import type { CreateSessionInput, CreateSessionOutput } from './checkout-types.js';

function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(field, 'must be a positive integer');
  }
  return value;
}

function isAllowedReturnUrl(url: URL, allowed: readonly URL[]): boolean {
  return allowed.some((prefix) => url.origin === prefix.origin && url.pathname.startsWith(prefix.pathname));
}

/** The amount, or the bounds of a typed one, of a new session. */
function amountOf(input: CreateSessionInput, reusable: boolean): Pick<CheckoutSession, 'amount' | 'payerAmount'> {
  if (input.amount !== undefined) {
    assertAmount(input.amount, 'amount');
    if (input.payerAmount !== undefined)
      throw new ValidationError('payerAmount', 'is only for sessions without amount');
    return { amount: input.amount, payerAmount: null };
  }
  if (!reusable) throw new ValidationError('amount', 'is required unless the session is reusable');
  const min = input.payerAmount?.min ?? DEFAULT_PAYER_AMOUNT.min;
  const max = input.payerAmount?.max ?? DEFAULT_PAYER_AMOUNT.max;
  assertAmount(min, 'payerAmount.min');
  assertAmount(max, 'payerAmount.max');
  if (min > max) throw new ValidationError('payerAmount', 'min must not be above max');
  const payerAmount: PayerAmountBounds = { min, max };
  return { amount: null, payerAmount };
}

/** How many payments complete a new session. */
function maxCompletionsOf(input: CreateSessionInput, reusable: boolean): number | null {
  if (reusable)
    return input.maxCompletions === undefined ? null : positiveInteger(input.maxCompletions, 'maxCompletions');
  if (input.maxCompletions !== undefined && input.maxCompletions !== 1) {
    throw new ValidationError('maxCompletions', 'must be 1 (or left out) unless the session is reusable');
  }
  return 1;
}

/** Creates a session and its signed link. */
export async function createSession(context: CheckoutContext, input: CreateSessionInput): Promise<CreateSessionOutput> {
  if (typeof input !== 'object' || input === null) throw new ValidationError('input', 'must be an object');
  const reusable = input.reusable === true;
  const subject = typeof input.subject === 'string' ? input.subject.trim() : '';
  if (subject.length < 1 || subject.length > 127) throw new ValidationError('subject', 'must be 1 to 127 characters');
  const { amount, payerAmount } = amountOf(input, reusable);
  const ttl = input.expiresIn ?? DEFAULT_SESSION_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl < 60 || ttl > MAX_SESSION_TTL_SECONDS) {
    throw new ValidationError('expiresIn', `must be whole seconds from 60 to ${MAX_SESSION_TTL_SECONDS}`);
  }
  const maxCompletions = maxCompletionsOf(input, reusable);
  let returnUrl: string | null = null;
  if (input.returnUrl !== undefined) {
    const url = assertHttpUrl(input.returnUrl, 'returnUrl');
    if (!isAllowedReturnUrl(url, context.allowedReturnUrls)) {
      throw new ValidationError('returnUrl', 'is not on the checkout’s allowedReturnUrls');
    }
    returnUrl = url.href;
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.metadata ?? {})) {
    if (typeof value !== 'string') throw new ValidationError(`metadata.${key}`, 'must be a string');
    metadata[key] = value;
  }
  const merchant = input.merchant === undefined ? undefined : await checkSessionMerchant(context, input.merchant);
  const at = context.now();
  const session: CheckoutSession = {
    id: generateId(),
    amount,
    payerAmount,
    subject,
    status: 'open',
    reusable,
    maxCompletions,
    completedBy: [],
    anomalies: [],
    returnUrl,
    metadata,
    ...(merchant === undefined ? {} : { merchant }),
    expiresAt: new Date(at.getTime() + ttl * 1000).toISOString(),
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    version: 1,
  };
  await context.store.createSession(session);
  return { session, url: linkFor(context, session.id) };
}

/** Applies `change` to the stored session with compare-and-set, re-reading when another writer won. */
export async function changeSession(
  context: CheckoutContext,
  id: string,
  change: (session: CheckoutSession) => Partial<CheckoutSession> | undefined,
): Promise<{ before: CheckoutSession; after: CheckoutSession } | undefined> {
  for (let round = 0; round < 32; round++) {
    const before = await context.store.getSession(id);
    if (!before) return undefined;
    const patch = change(before);
    if (!patch) return undefined;
    const after: CheckoutSession = {
      ...before,
      ...patch,
      version: before.version + 1,
      updatedAt: context.now().toISOString(),
    };
    if (await context.store.updateSession(after, before.version)) return { before, after };
  }
  throw new Error(`checkout session ${id} kept changing`);
}

/** Closes the session's attempts that can still be paid. */
export async function closeOpenAttempts(context: CheckoutContext, sessionId: string): Promise<void> {
  const { payments } = context;
  for (const attempt of await context.store.listAttempts(sessionId)) {
    try {
      const order = await payments.getOrder(attempt.orderId);
      if (order.status === 'created' || order.status === 'pending') await payments.close(order.id);
    } catch (error) {
      // Paid in the meantime (the wallet refused the close): the facade recorded the payment, and
      // `order.paid` handles it as a duplicate. A normal race, not an error.
      const latest = await payments.getOrder(attempt.orderId).catch(() => undefined);
      if (latest && latest.status !== 'created' && latest.status !== 'pending') continue;
      context.onError(error, `closing attempt ${attempt.orderId}`);
    }
  }
}

/** Expires the session if it is open and past its time: emits `checkout.expired`, closes its attempts. */
export async function expireSession(context: CheckoutContext, id: string): Promise<CheckoutSession | undefined> {
  const changed = await changeSession(context, id, (session) =>
    session.status === 'open' && Date.parse(session.expiresAt) <= context.now().getTime()
      ? { status: 'expired' }
      : undefined,
  );
  if (!changed) return undefined;
  await context.emitter.emit('checkout.expired', { session: changed.after });
  await closeOpenAttempts(context, id);
  return changed.after;
}

/** Expires every open session past its time; returns how many. */
export async function expireSessions(context: CheckoutContext): Promise<number> {
  let count = 0;
  for (;;) {
    const due = await context.store.listExpiredSessions(context.now(), 100);
    if (due.length === 0) return count;
    for (const session of due) if (await expireSession(context, session.id)) count++;
  }
}
