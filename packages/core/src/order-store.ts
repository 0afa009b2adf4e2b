/**
 * Where orders live. Any database works if it can insert-if-absent and compare-and-set on the
 * order's `version`; `runOrderStoreTests` in `@hutong/core/testing` checks an implementation.
 *
 * @packageDocumentation
 */
import { ConflictError } from './errors.js';
import type { Order } from './order.js';

/**
 * Persistence for orders.
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
  /** Inserts a new order; throws `ConflictError` with code `duplicate_order` when the id exists. */
  create(order: Order): Promise<void>;
  /** The order with this id, or `undefined`. */
  get(id: string): Promise<Order | undefined>;
  /**
   * Replaces the order if, and only if, the stored version equals `expectedVersion`. Returns
   * whether it wrote. Never partially writes.
   */
  update(order: Order, expectedVersion: number): Promise<boolean>;
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

  /** {@inheritDoc OrderStore.create} */
  async create(order: Order): Promise<void> {
    if (this.#orders.has(order.id)) {
      throw new ConflictError('duplicate_order', order.id, `order ${order.id} already exists`);
    }
    this.#orders.set(order.id, freezeOrder(structuredClone(order)));
  }

  /** {@inheritDoc OrderStore.get} */
  async get(id: string): Promise<Order | undefined> {
    return this.#orders.get(id);
  }

  /** {@inheritDoc OrderStore.update} */
  async update(order: Order, expectedVersion: number): Promise<boolean> {
    const current = this.#orders.get(order.id);
    if (!current || current.version !== expectedVersion) return false;
    this.#orders.set(order.id, freezeOrder(order));
    return true;
  }

  /** Number of stored orders. */
  get size(): number {
    return this.#orders.size;
  }
}
