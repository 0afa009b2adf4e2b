/**
 * What a day's statement must show, read from the store as the statement is read: the orders paid
 * in the day's window and the refunds settled in it, listed a page at a time just ahead of the
 * statement's lines (a wallet writes its bill in time order, and the store lists orders in the order
 * they were last updated), and crossed off as lines show them. Memory holds what one side has and
 * the other has not shown yet, not the day: for a statement in time order, about a page. The orders
 * listed are kept (a few thousand at most) while a line may still ask for them, so the line's lookup
 * needs no second read of the store.
 *
 * @packageDocumentation
 */
import type { Order, OrderStatus } from './order.js';
import { encodeOrderCursor, MAX_LIST_LIMIT, type OrderPage, type OrderStore } from './order-store.js';
import type { StatementWindow } from './statement-day.js';

/** Statuses of an order the wallet has been paid for. */
export const PAID_STATUSES: readonly OrderStatus[] = ['paid', 'partially_refunded', 'refunded'];

/** The most listed orders kept for the lines' lookups; beyond, only their ids are kept. */
const KEPT_ORDERS = 5000;

/** How far past the latest line's time the listing reads (a notification is processed after the payment). */
const LISTING_LEAD_MS = 60_000;

/**
 * The key of a refund in the expectations: its order's id and its own.
 *
 * @example
 * ```ts
 * refundKey('order0001', 'refund01'); // 'order0001\u0000refund01'
 * ```
 */
export function refundKey(orderId: string, refundId: string): string {
  return `${orderId}\u0000${refundId}`;
}

/**
 * The keys lines crossed off, as 64-bit digests (two 32-bit multiplicative hashes) in an
 * open-addressed table of typed arrays: 16 bytes a key or less, outside the JavaScript heap. It is
 * asked about every order listed, so that an order listed again after it changed (at its new place
 * in the listing) is not expected again once a line showed it. Two keys share a digest about once
 * in 10^19 pairs; a collision could only hide such an order's absence from the statement.
 */
class CrossedKeys {
  #slots = new Uint32Array(2 * 4096);
  #size = 0;

  static #digest(text: string): [number, number] {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c ^ text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 >>>= 0;
    h2 >>>= 0;
    // (0, 0) marks an empty slot.
    return h1 === 0 && h2 === 0 ? [0, 1] : [h1, h2];
  }

  /** The slot of a digest: where it is, or the empty one where it would go. */
  #find(slots: Uint32Array, h1: number, h2: number): number {
    const mask = slots.length / 2 - 1;
    for (let at = (h1 ^ (h2 * 0x9e3779b1)) & mask; ; at = (at + 1) & mask) {
      const a = slots[2 * at] as number;
      const b = slots[2 * at + 1] as number;
      if ((a === h1 && b === h2) || (a === 0 && b === 0)) return at;
    }
  }

  add(key: string): void {
    if ((this.#size + 1) * 4 > this.#slots.length) this.#grow();
    const [h1, h2] = CrossedKeys.#digest(key);
    const at = this.#find(this.#slots, h1, h2);
    if (this.#slots[2 * at] === 0 && this.#slots[2 * at + 1] === 0) this.#size++;
    this.#slots[2 * at] = h1;
    this.#slots[2 * at + 1] = h2;
  }

  has(key: string): boolean {
    if (this.#size === 0) return false;
    const [h1, h2] = CrossedKeys.#digest(key);
    const at = this.#find(this.#slots, h1, h2);
    return this.#slots[2 * at] === h1 && this.#slots[2 * at + 1] === h2;
  }

  #grow(): void {
    const old = this.#slots;
    const slots = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) {
      const h1 = old[at] as number;
      const h2 = old[at + 1] as number;
      if (h1 === 0 && h2 === 0) continue;
      const to = this.#find(slots, h1, h2);
      slots[2 * to] = h1;
      slots[2 * to + 1] = h2;
    }
    this.#slots = slots;
  }
}

/** One status's listing: its cursor, and how far (in `updatedAt`) it has read. */
interface Listing {
  readonly status: OrderStatus;
  cursor: string | null;
  position: number;
  /** The page after the one read, asked for already (the store answers while the lines are matched). */
  next: Promise<OrderPage> | undefined;
}

/**
 * The expectations of one statement's day, read from the store alongside the statement (see the
 * module's comment). `advance(until)` lists until every status's listing has passed `until` (plus a
 * lead); lines report what they show (`showPayment`, `showRefund`); `finish()` lists the rest and
 * returns what no line showed.
 *
 * An order changed while the day is matched is listed again at its new place: what a line crossed
 * off already is remembered (as a digest), so it is not expected a second time.
 *
 * @example
 * ```ts
 * const expected = new StatementExpectations(store, statementDayWindow('2026-12-01'), 'wechatpay', null);
 * await expected.advance(Date.parse(line.time));
 * expected.showPayment(line.orderId);
 * const { payments, refunds } = await expected.finish();
 * ```
 */
export class StatementExpectations {
  /** Ids of orders paid in the window that no line has shown yet. */
  readonly #payments = new Set<string>();
  /** Keys of refunds settled in the window that no line has shown yet. */
  readonly #refunds = new Set<string>();
  /** Shown by a line before the listing reached them (or of no order it lists). */
  readonly #shownPayments = new Set<string>();
  readonly #shownRefunds = new Set<string>();
  /** Listed orders, while something of theirs is outstanding: the lines' lookups. */
  readonly #kept = new Map<string, { order: Order; outstanding: number }>();
  readonly #crossed = new CrossedKeys();
  readonly #listings: Listing[];

  constructor(
    private readonly store: OrderStore,
    private readonly window: StatementWindow,
    private readonly provider: string | undefined,
    private readonly merchant: string | null,
  ) {
    const start = window.from.getTime();
    // One status at a time: a store lists one status in `(updatedAt, id)` order straight from an
    // index (SQL: `(status, updated_at, id)`), where a list of statuses makes it sort every page. An
    // order paid or refunded in the window was last updated at or after its start: the cursor starts there.
    this.#listings = PAID_STATUSES.map((status) => ({
      status,
      cursor: encodeOrderCursor({ updatedAt: start, id: '' }),
      position: start,
      next: undefined,
    }));
  }

  /** Lists until every status's listing has read past `until` (epoch ms) and a lead, or to its end. */
  async advance(until: number): Promise<void> {
    if (Number.isNaN(until)) return;
    for (const listing of this.#listings) {
      while (listing.cursor !== null && listing.position <= until + LISTING_LEAD_MS) await this.#page(listing);
    }
  }

  /** The order a line asks for, when the listing kept it. */
  kept(id: string): Order | undefined {
    return this.#kept.get(id)?.order;
  }

  /** A line showed the payment of order `id` (an order of the store). */
  showPayment(id: string): void {
    if (this.#payments.delete(id)) {
      this.#crossed.add(id);
      this.#release(id);
    } else this.#shownPayments.add(id);
  }

  /** A line showed the refund `refundId` of order `orderId` (a refund of the store). */
  showRefund(orderId: string, refundId: string): void {
    const key = refundKey(orderId, refundId);
    if (this.#refunds.delete(key)) {
      this.#crossed.add(key);
      this.#release(orderId);
    } else this.#shownRefunds.add(key);
  }

  /** Lists the rest and returns what no line showed: ids of orders paid in the window, keys of refunds settled in it. */
  async finish(): Promise<{ payments: ReadonlySet<string>; refunds: ReadonlySet<string> }> {
    await this.advance(Number.POSITIVE_INFINITY);
    return { payments: this.#payments, refunds: this.#refunds };
  }

  /** Reads a listing's next page, and asks for the one after it while that page is worked through. */
  async #page(listing: Listing): Promise<void> {
    const page = await (listing.next ?? this.#list(listing.status, listing.cursor as string));
    listing.next = page.cursor === null ? undefined : this.#list(listing.status, page.cursor);
    for (const order of page.orders) this.#listed(order);
    const last = page.orders.at(-1);
    if (last) listing.position = Date.parse(last.updatedAt);
    listing.cursor = page.cursor;
  }

  #list(status: OrderStatus, cursor: string): Promise<OrderPage> {
    const page = this.store.listOrders({
      status,
      limit: MAX_LIST_LIMIT,
      cursor,
      ...(this.provider === undefined ? {} : { provider: this.provider }),
      ...(this.merchant === null ? {} : { merchant: this.merchant }),
    });
    // Awaited when the listing reaches it; should matching stop first, its failure must not go unhandled.
    page.catch(() => undefined);
    return page;
  }

  #listed(order: Order): void {
    if ((order.merchant ?? null) !== this.merchant) return;
    const payment = within(order.paidAt, this.window);
    const refunds: string[] = [];
    for (const refund of order.refunds) {
      if (refund.status === 'succeeded' && within(refund.updatedAt, this.window))
        refunds.push(refundKey(order.id, refund.id));
    }
    let outstanding = 0;
    if (payment && this.#expect(order.id, this.#payments, this.#shownPayments)) outstanding++;
    for (const key of refunds) if (this.#expect(key, this.#refunds, this.#shownRefunds)) outstanding++;
    if (outstanding > 0 && this.#kept.size < KEPT_ORDERS) this.#kept.set(order.id, { order, outstanding });
  }

  /** Expects a key unless a line showed it already (before the listing, or before the order changed). */
  #expect(key: string, pending: Set<string>, shown: Set<string>): boolean {
    if (shown.delete(key)) {
      this.#crossed.add(key);
      return false;
    }
    if (this.#crossed.has(key)) return false;
    pending.add(key);
    return true;
  }

  #release(id: string): void {
    const entry = this.#kept.get(id);
    if (entry && --entry.outstanding === 0) this.#kept.delete(id);
  }
}

function within(iso: string | null, window: StatementWindow): boolean {
  if (iso === null) return false;
  const at = Date.parse(iso);
  return at >= window.from.getTime() && at < window.to.getTime();
}
