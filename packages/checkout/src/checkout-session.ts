/**
 * What a checkout keeps: sessions (what the buyer is asked to pay) and attempts (each payer's try,
 * an ordinary hutong order).
 *
 * @packageDocumentation
 */
import type { PaymentMethod } from '@hutong/core';

/** A wallet the checkout routes to. */
export type CheckoutWallet = 'alipay' | 'wechatpay' | 'unionpay';

/** Every {@link CheckoutWallet}, in the order the desktop cashier lists them. */
export const CHECKOUT_WALLETS: readonly CheckoutWallet[] = ['alipay', 'wechatpay', 'unionpay'];

/**
 * The status of a session:
 * - `open`: payable;
 * - `completed`: paid (`maxCompletions` times for a reusable session); further payments are duplicates;
 * - `expired`: its time ran out before it completed.
 */
export type CheckoutSessionStatus = 'open' | 'completed' | 'expired';

/**
 * Bounds of an amount the payer types on a reusable session (a static code, 码牌), in fen.
 *
 * @example
 * ```ts
 * const bounds: PayerAmountBounds = { min: 100, max: 50_000 };
 * ```
 */
export interface PayerAmountBounds {
  /** Smallest amount, in fen. */
  readonly min: number;
  /** Largest amount, in fen. */
  readonly max: number;
}

/**
 * A second payment of a session that was already complete (two friends paid at the same moment).
 * Recorded once per order; refunded unless the checkout was created with
 * `refundDuplicatePayments: false`.
 *
 * @example
 * ```ts
 * for (const anomaly of session.anomalies) notifyOps(anomaly.orderId, anomaly.refundId);
 * ```
 */
export interface CheckoutAnomaly {
  readonly code: 'duplicate_payment';
  /** The attempt (order) that paid after the session completed. */
  readonly orderId: string;
  /** Amount paid, in fen. */
  readonly amount: number;
  /** The refund sent back to the payer, or `null` when none was (turned off or it failed). */
  readonly refundId: string | null;
  /** ISO-8601 time it was detected. */
  readonly detectedAt: string;
}

/**
 * A checkout session: one thing to pay, behind one signed link. Plain JSON; `version` rises by
 * exactly one with each change and is the store's compare-and-set token.
 *
 * @example
 * ```ts
 * const { session, url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
 * session.status; // 'open'
 * ```
 */
export interface CheckoutSession {
  /** 8 to 32 letters and digits. */
  readonly id: string;
  /** Amount in fen, or `null` when the payer types it (reusable sessions only). */
  readonly amount: number | null;
  /** Bounds of a typed amount; `null` when the amount is fixed. */
  readonly payerAmount: PayerAmountBounds | null;
  readonly subject: string;
  readonly status: CheckoutSessionStatus;
  /** A static code: each visit mints its own attempt, and it completes `maxCompletions` times. */
  readonly reusable: boolean;
  /** How many payments complete it; `null` for a reusable session without a limit. */
  readonly maxCompletions: number | null;
  /** The attempts (order ids) that completed it, in order. */
  readonly completedBy: readonly string[];
  /** Payments beyond `maxCompletions`. */
  readonly anomalies: readonly CheckoutAnomaly[];
  /** Where the paid page sends the buyer back (on the checkout's allow-list). */
  readonly returnUrl: string | null;
  /** The merchant's own data, copied onto every attempt's order. */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * Platform mode: the sub-merchant paid (the platform's key); every attempt is its order, and
   * the pages show its name. Absent: the checkout's own merchant.
   */
  readonly merchant?: string | undefined;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/**
 * One payer's try at a session: an ordinary hutong order (`orderId`), with the wallet it was made
 * for. Immutable once stored; its state is the order's.
 *
 * @example
 * ```ts
 * const attempts = await store.listAttempts(session.id);
 * ```
 */
export interface CheckoutAttempt {
  /** The hutong order id. */
  readonly orderId: string;
  readonly sessionId: string;
  readonly wallet: CheckoutWallet;
  /** The provider id it was made with. */
  readonly provider: string;
  readonly method: PaymentMethod;
  /** Amount in fen. */
  readonly amount: number;
  readonly createdAt: string;
}
