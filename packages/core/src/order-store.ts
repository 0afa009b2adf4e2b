/**
 * Where orders live. Any database works if it can insert-if-absent and compare-and-set on the
 * order's `version`; `runOrderStoreTests` in `@hutong/core/conformance` (ESM-only) checks an implementation.
 *
 * @packageDocumentation
 */
import { ConflictError, ValidationError } from './errors.js';
import {
  compareOrderListPositions,
  DEFAULT_LIST_LIMIT,
  decodeOrderCursor,
  encodeOrderCursor,
  MAX_LIST_LIMIT,
  type OrderListPosition,
  orderListPosition,
  timeFilter,
} from './list-cursor.js';
import { assertMerchantKey } from './merchant-key.js';
import type { Transfer, TransferStatus } from './money-movement.js';
import type { Order, OrderStatus } from './order.js';
import { checkLease, checkOutboxName, type OrderClaims, type OrderOutbox, type OutboxEvent } from './outbox.js';
import { hasPendingSplit } from './split-amounts.js';
import type { StatementResult } from './statement.js';
import { MemoryStatementResultStore } from './statement-result-store.js';

export {
  compareOrderListPositions,
  DEFAULT_LIST_LIMIT,
  decodeOrderCursor,
  encodeOrderCursor,
  MAX_LIST_LIMIT,
  type OrderListPosition,
  orderListPosition,
} from './list-cursor.js';

import { MemoryTransferStore } from './transfer-store.js';

/**
 * Persistence for orders. {@link OrderStore.listOrders} pages through orders in the order of
 * `(updatedAt, id)`; {@link ListOrdersQuery} and {@link encodeOrderCursor} help an implementation
 * agree with the others.
 *
 * A store may offer a transactional outbox ({@link OrderStore.outbox}): its `create` and `update`
 * then write the `events` they are given in the same transaction as the order, and the facade
 * delivers its events through a relay instead of inline. A store without one ignores `events`.
 * A store may also offer {@link OrderStore.claims}, which the reconciler uses so several instances
 * never handle one order at the same time.
 *
 * @example
 * ```ts
 * class PostgresOrderStore implements OrderStore {
 *   async create(order) { await sql`insert into orders ...`; } // unique violation → ConflictError('duplicate_order', ...)
 *   async get(id) { ... }
 *   async update(order, expectedVersion) {
 *     const { rowCount } = await sql`update orders set data = ${order}, version = ${order.version}
 *       where id = ${order.id} and version = ${expectedVersion}`;
 *     return rowCount === 1;
 *   }
 * }
 * ```
 */
export interface OrderStore {
  /**
   * Inserts a new order; throws `ConflictError` with code `duplicate_order` when the id exists.
   * With an {@link OrderStore.outbox}, also inserts `events` in the same transaction (all or nothing).
   */
  create(order: Order, events?: readonly OutboxEvent[]): Promise<void>;
  /** The order with this id, or `undefined`. */
  get(id: string): Promise<Order | undefined>;
  /**
   * Replaces the order if, and only if, the stored version equals `expectedVersion`. Returns
   * whether it wrote. Never partially writes. With an {@link OrderStore.outbox}, `events` are
   * inserted in the same transaction, and only when the order was written.
   */
  update(order: Order, expectedVersion: number, events?: readonly OutboxEvent[]): Promise<boolean>;
  /**
   * One page of the orders that match every filter of `query`, oldest `updatedAt` first, ties by
   * `id`, and a cursor for the next page (`null` after the last). Throws `ValidationError` for a
   * bad limit, an empty status list or a cursor this store did not hand out.
   */
  listOrders(query?: ListOrdersQuery): Promise<OrderPage>;
  /**
   * Present when `create` and `update` store their `events` with the order in one transaction: the
   * facade then writes its events here and delivers them through `payments.relay`.
   */
  readonly outbox?: OrderOutbox | undefined;
  /** Present when the store can lease orders to one reconciler at a time. */
  readonly claims?: OrderClaims | undefined;
  /**
   * The orders with these ids, in any order, absent ones left out: one round trip for a batch
   * (statement matching asks for up to {@link MAX_LIST_LIMIT} at a time). Optional: without it the
   * facade calls `get` for each.
   */
  getMany?(ids: readonly string[]): Promise<Order[]>;
  /**
   * The orders of `provider` that have a split with the id `splitId` (several only when
   * sub-merchants reuse a split id; at most {@link MAX_SPLIT_ORDERS}), in any order. Given
   * `trade`, only those whose `providerTransactionId` is exactly `trade`, chosen before the cap:
   * the order of a trade is found however many orders share its split id. The facade finds a
   * split with it when the wallet's message names the split and the trade but not the order
   * (WeChat Pay's and Alipay's profit-sharing messages), so that the message applies at once, and
   * checks the trade itself too (a store written before `trade` existed may ignore it). Optional:
   * without it such a message is refused, and the reconciler finishes the split.
   */
  findOrdersBySplit?(provider: string, splitId: string, trade?: string): Promise<Order[]>;
  /** Present when the store keeps transfers (payouts). */
  readonly transfers?: TransferStore | undefined;
  /** Present when the store keeps the results of statement reconciliation. */
  readonly statements?: StatementResultStore | undefined;
}

/**
 * The most orders {@link OrderStore.findOrdersBySplit} returns for one split id (and trade).
 *
 * @example
 * ```ts
 * const orders = await store.findOrdersBySplit?.('wechatpay', 'split0001'); // at most MAX_SPLIT_ORDERS
 * const ofTrade = await store.findOrdersBySplit?.('wechatpay', 'split0001', '4200000000202401010000000001');
 * ```
 */
export const MAX_SPLIT_ORDERS = 100;

/**
 * Persistence for transfers (payouts), with the same contract as orders: insert-if-absent,
 * compare-and-set on `version`, and `events` written in the same transaction when the store has
 * an outbox.
 *
 * @example
 * ```ts
 * const transfer = await store.transfers?.get('payout0001');
 * ```
 */
export interface TransferStore {
  /** Inserts a transfer; throws `ConflictError` `duplicate_transfer` when the id exists. */
  create(transfer: Transfer, events?: readonly OutboxEvent[]): Promise<void>;
  /** The transfer with this id, or `undefined`. */
  get(id: string): Promise<Transfer | undefined>;
  /** Several at once, absent ones left out. */
  getMany(ids: readonly string[]): Promise<Transfer[]>;
  /** Replaces the transfer if, and only if, the stored version equals `expectedVersion`. */
  update(transfer: Transfer, expectedVersion: number, events?: readonly OutboxEvent[]): Promise<boolean>;
  /** One page of transfers, oldest `updatedAt` first, ties by `id`. */
  list(query?: ListTransfersQuery): Promise<TransferPage>;
}

/** Filters of {@link TransferStore.list}; they combine with AND. */
export interface ListTransfersQuery {
  readonly status?: TransferStatus | readonly TransferStatus[] | undefined;
  readonly provider?: string | undefined;
  readonly merchant?: string | undefined;
  readonly updatedBefore?: Date | undefined;
  readonly limit?: number | undefined;
  readonly cursor?: string | null | undefined;
}

/** One page of {@link TransferStore.list}. */
export interface TransferPage {
  readonly transfers: Transfer[];
  readonly cursor: string | null;
}

/**
 * Where the results of statement reconciliation are kept: one result per provider, day and
 * merchant, replaced when the day is reconciled again (idempotent).
 */
export interface StatementResultStore {
  /** Stores the result, replacing an earlier one for the same provider, date and merchant; `events` in the same transaction. */
  put(result: StatementResult, events?: readonly OutboxEvent[]): Promise<void>;
  /** The result stored for this provider, date and merchant (`null`: the provider's own account), or `undefined`. */
  get(provider: string, date: string, merchant: string | null): Promise<StatementResult | undefined>;
}

/**
 * What {@link OrderStore.listOrders} returns: every filter given must match (they combine with AND).
 *
 * @example
 * ```ts
 * // Pending orders untouched for ten minutes, a hundred at a time.
 * const query: ListOrdersQuery = { status: 'pending', updatedBefore: new Date(Date.now() - 600_000) };
 * ```
 */
export interface ListOrdersQuery {
  /** One status or any of several (a non-empty list). */
  readonly status?: OrderStatus | readonly OrderStatus[] | undefined;
  /** Provider id, e.g. `wechatpay`. */
  readonly provider?: string | undefined;
  /** Only orders of this merchant (platform mode). */
  readonly merchant?: string | undefined;
  /** `true`: only orders with a `pending` split; `false`: only orders without one. */
  readonly hasPendingSplits?: boolean | undefined;
  /** Only orders whose `updatedAt` is strictly before this time. */
  readonly updatedBefore?: Date | undefined;
  /** Only orders with an `expiresAt`, strictly before this time. */
  readonly expiresBefore?: Date | undefined;
  /** `true`: only orders with a `pending` refund; `false`: only orders without one. */
  readonly hasPendingRefunds?: boolean | undefined;
  /** Page size, an integer from 1 to {@link MAX_LIST_LIMIT}. Default {@link DEFAULT_LIST_LIMIT}. */
  readonly limit?: number | undefined;
  /** The `cursor` of the previous page, given with the same filters; absent or `null` for the first page. */
  readonly cursor?: string | null | undefined;
}

/**
 * One page of {@link OrderStore.listOrders}.
 *
 * @example
 * ```ts
 * let cursor: string | null = null;
 * do {
 *   const page: OrderPage = await store.listOrders({ status: 'pending', cursor });
 *   for (const order of page.orders) await payments.sync(order.id);
 *   cursor = page.cursor;
 * } while (cursor);
 * ```
 */
export interface OrderPage {
  /** The orders, oldest `updatedAt` first, ties by `id`. */
  readonly orders: Order[];
  /** Pass it back as {@link ListOrdersQuery.cursor} for the next page; `null` when there is none. */
  readonly cursor: string | null;
}

/**
 * A {@link ListOrdersQuery} checked and with its defaults applied, as a store implementation needs it.
 *
 * @example
 * ```ts
 * const { statuses, limit, after } = normalizeListOrdersQuery(query);
 * ```
 */
export interface NormalizedListOrdersQuery {
  /** The statuses to match, or `undefined` for any. Never empty. */
  readonly statuses: readonly OrderStatus[] | undefined;
  readonly provider: string | undefined;
  /** Only this merchant's orders, or `undefined` for every order (a merchant's and the provider's own). */
  readonly merchant: string | undefined;
  /** Epoch milliseconds, or `undefined`. */
  readonly updatedBefore: number | undefined;
  /** Epoch milliseconds, or `undefined`. */
  readonly expiresBefore: number | undefined;
  readonly hasPendingRefunds: boolean | undefined;
  /** `ListOrdersQuery.hasPendingSplits`: a pending split or split return (see `hasPendingSplit`). */
  readonly hasPendingSplits?: boolean | undefined;
  /** 1 to {@link MAX_LIST_LIMIT}. */
  readonly limit: number;
  /** Start strictly after this position, or at the beginning. */
  readonly after: OrderListPosition | undefined;
}

/**
 * Checks a {@link ListOrdersQuery} and applies its defaults; throws `ValidationError` naming the
 * field at fault. Every store calls it, so all refuse the same queries.
 *
 * @example
 * ```ts
 * normalizeListOrdersQuery({ status: 'pending' }).limit; // 100
 * normalizeListOrdersQuery({ limit: 0 }); // ValidationError { field: 'limit' }
 * ```
 */
export function normalizeListOrdersQuery(query: ListOrdersQuery = {}): NormalizedListOrdersQuery {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ValidationError('limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  let statuses: readonly OrderStatus[] | undefined;
  if (query.status !== undefined) {
    statuses = typeof query.status === 'string' ? [query.status] : [...query.status];
    if (statuses.length === 0) throw new ValidationError('status', 'must name at least one status');
  }
  if (query.provider !== undefined && typeof query.provider !== 'string') {
    throw new ValidationError('provider', 'must be a provider id');
  }
  if (query.merchant !== undefined) assertMerchantKey(query.merchant, 'merchant');
  if (query.hasPendingRefunds !== undefined && typeof query.hasPendingRefunds !== 'boolean') {
    throw new ValidationError('hasPendingRefunds', 'must be a boolean');
  }
  if (query.hasPendingSplits !== undefined && typeof query.hasPendingSplits !== 'boolean') {
    throw new ValidationError('hasPendingSplits', 'must be a boolean');
  }
  return {
    statuses,
    provider: query.provider,
    merchant: query.merchant,
    updatedBefore: timeFilter(query.updatedBefore, 'updatedBefore'),
    expiresBefore: timeFilter(query.expiresBefore, 'expiresBefore'),
    hasPendingRefunds: query.hasPendingRefunds,
    hasPendingSplits: query.hasPendingSplits,
    limit,
    after: query.cursor == null ? undefined : decodeOrderCursor(query.cursor),
  };
}

/**
 * Whether an order has a refund still `pending` (the filter {@link ListOrdersQuery.hasPendingRefunds}).
 *
 * @example
 * ```ts
 * if (hasPendingRefund(order)) await payments.sync(order.id);
 * ```
 */
export function hasPendingRefund(order: Order): boolean {
  return order.refunds.some((refund) => refund.status === 'pending');
}

function freezeList<T extends object>(list: readonly T[]): void {
  if (Object.isFrozen(list)) return;
  for (const item of list) Object.freeze(item);
  Object.freeze(list);
}

/**
 * Freezes an order and everything it holds. Only the parts the state machine can replace are
 * walked (an order's fields are otherwise strings, numbers and null), and parts already frozen are
 * skipped, so freezing a new version of an order costs a handful of checks.
 */
function freezeOrder(order: Order): Order {
  freezeList(order.refunds);
  freezeList(order.anomalies);
  if (order.splits && !Object.isFrozen(order.splits)) {
    for (const split of order.splits) {
      freezeList(split.receivers);
      freezeList(split.returns);
    }
    freezeList(order.splits);
  }
  Object.freeze(order.metadata);
  return Object.freeze(order);
}

/**
 * An in-process {@link OrderStore}: the default, for tests, demos and single-process servers.
 * Orders are deep-frozen when stored, so no caller can change a stored order behind the store's back.
 * Everything is lost when the process exits: use a durable store in production.
 *
 * @example
 * ```ts
 * const payments = createPayments({ providers: [provider], store: new MemoryOrderStore() });
 * ```
 */
export class MemoryOrderStore implements OrderStore {
  readonly #orders = new Map<string, Order>();
  /** Order ids by `provider NUL splitId` (a split is never removed from its order). */
  readonly #bySplit = new Map<string, Set<string>>();
  readonly #claims = new Map<string, { owner: string; until: number }>();

  /** The transfers (payouts), kept in memory beside the orders. */
  readonly transfers: MemoryTransferStore = new MemoryTransferStore();

  /**
   * Leases on orders for reconcilers sharing this store in one process (see {@link OrderClaims}).
   * The memory store has no `outbox`: the facade calls its listeners inline, as always.
   */
  readonly claims: OrderClaims = {
    claimOrders: async (ids, options) => {
      const owner = checkOutboxName(options?.owner, 'owner');
      const leaseMs = checkLease(options.leaseMs);
      const at = Date.now();
      const claimed: string[] = [];
      for (const id of new Set(ids)) {
        const held = this.#claims.get(id);
        if (held && held.owner !== owner && held.until > at) continue;
        this.#claims.set(id, { owner, until: at + leaseMs });
        claimed.push(id);
      }
      return claimed;
    },
    releaseOrders: async (ids, owner) => {
      for (const id of ids) if (this.#claims.get(id)?.owner === owner) this.#claims.delete(id);
    },
  };

  /** {@inheritDoc OrderStore.create} */
  async create(order: Order): Promise<void> {
    if (this.#orders.has(order.id)) {
      throw new ConflictError('duplicate_order', order.id, `order ${order.id} already exists`);
    }
    this.#orders.set(order.id, freezeOrder(structuredClone(order)));
    this.#indexSplits(order);
  }

  /** {@inheritDoc OrderStore.get} */
  async get(id: string): Promise<Order | undefined> {
    return this.#orders.get(id);
  }

  /** Results of statement reconciliation, in memory like the orders. */
  readonly statements: StatementResultStore = new MemoryStatementResultStore();

  /** {@inheritDoc OrderStore.getMany} */
  async getMany(ids: readonly string[]): Promise<Order[]> {
    const found: Order[] = [];
    for (const id of new Set(ids)) {
      const order = this.#orders.get(id);
      if (order) found.push(order);
    }
    return found;
  }

  /** {@inheritDoc OrderStore.update} */
  async update(order: Order, expectedVersion: number): Promise<boolean> {
    const current = this.#orders.get(order.id);
    if (!current || current.version !== expectedVersion) return false;
    this.#orders.set(order.id, freezeOrder(order));
    this.#indexSplits(order);
    return true;
  }

  #indexSplits(order: Order): void {
    for (const split of order.splits ?? []) {
      const key = `${order.provider}\u0000${split.id}`;
      const ids = this.#bySplit.get(key) ?? new Set<string>();
      ids.add(order.id);
      this.#bySplit.set(key, ids);
    }
  }

  /** {@inheritDoc OrderStore.findOrdersBySplit} */
  async findOrdersBySplit(provider: string, splitId: string, trade?: string): Promise<Order[]> {
    const ids = [...(this.#bySplit.get(`${provider}\u0000${splitId}`) ?? [])];
    const orders = ids.map((id) => this.#orders.get(id) as Order);
    // The trade narrows before the cap, so the cap never drops the order of the trade asked for.
    const ofTrade = trade === undefined ? orders : orders.filter((order) => order.providerTransactionId === trade);
    return ofTrade.slice(0, MAX_SPLIT_ORDERS);
  }

  /** {@inheritDoc OrderStore.listOrders} */
  async listOrders(query?: ListOrdersQuery): Promise<OrderPage> {
    const q = normalizeListOrdersQuery(query);
    const matches: { order: Order; position: OrderListPosition }[] = [];
    for (const order of this.#orders.values()) {
      if (q.statuses && !q.statuses.includes(order.status)) continue;
      if (q.provider !== undefined && order.provider !== q.provider) continue;
      if (q.merchant !== undefined && order.merchant !== q.merchant) continue;
      if (q.hasPendingRefunds !== undefined && hasPendingRefund(order) !== q.hasPendingRefunds) continue;
      if (q.hasPendingSplits !== undefined && hasPendingSplit(order) !== q.hasPendingSplits) continue;
      if (q.expiresBefore !== undefined) {
        if (order.expiresAt === null || !(Date.parse(order.expiresAt) < q.expiresBefore)) continue;
      }
      const position = orderListPosition(order);
      if (q.updatedBefore !== undefined && !(position.updatedAt < q.updatedBefore)) continue;
      if (q.after && compareOrderListPositions(position, q.after) <= 0) continue;
      matches.push({ order, position });
    }
    matches.sort((a, b) => compareOrderListPositions(a.position, b.position));
    const page = matches.slice(0, q.limit);
    const last = page.at(-1);
    return {
      orders: page.map((match) => match.order),
      cursor: matches.length > q.limit && last ? encodeOrderCursor(last.position) : null,
    };
  }

  /** Number of stored orders. */
  get size(): number {
    return this.#orders.size;
  }
}
