/**
 * Transfers in memory, and the list query every transfer store checks the same way: the
 * reference implementation of `TransferStore` (in `order-store.ts`), which
 * `runTransferStoreTests` in `@hutong/core/conformance` checks.
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
  timeFilter,
} from './list-cursor.js';
import type { Transfer, TransferStatus } from './money-movement.js';
import type { ListTransfersQuery, TransferPage, TransferStore } from './order-store.js';
import type { OutboxEvent } from './outbox-events.js';

/** Every {@link TransferStatus}, in lifecycle order. */
export const TRANSFER_STATUSES: readonly TransferStatus[] = [
  'created',
  'pending_confirmation',
  'processing',
  'succeeded',
  'failed',
  'cancelled',
];

/**
 * A {@link ListTransfersQuery} checked and with its defaults applied.
 *
 * @example
 * ```ts
 * const { statuses, limit, after } = normalizeListTransfersQuery({ status: 'processing' });
 * ```
 */
export interface NormalizedListTransfersQuery {
  /** The statuses to match, or `undefined` for any. Never empty. */
  readonly statuses: readonly TransferStatus[] | undefined;
  readonly provider: string | undefined;
  readonly merchant: string | undefined;
  /** Epoch milliseconds, or `undefined`. */
  readonly updatedBefore: number | undefined;
  /** 1 to `MAX_LIST_LIMIT`. */
  readonly limit: number;
  /** Start strictly after this position (the same cursors as orders'), or at the beginning. */
  readonly after: OrderListPosition | undefined;
}

/**
 * Checks a {@link ListTransfersQuery} and applies its defaults; throws `ValidationError` naming the
 * field at fault. Every transfer store calls it, so all refuse the same queries.
 *
 * @example
 * ```ts
 * normalizeListTransfersQuery({ status: ['created', 'processing'] }).limit; // 100
 * ```
 */
export function normalizeListTransfersQuery(query: ListTransfersQuery = {}): NormalizedListTransfersQuery {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ValidationError('limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  let statuses: readonly TransferStatus[] | undefined;
  if (query.status !== undefined) {
    statuses = typeof query.status === 'string' ? [query.status] : [...query.status];
    if (statuses.length === 0) throw new ValidationError('status', 'must name at least one status');
    for (const status of statuses) {
      if (!TRANSFER_STATUSES.includes(status)) throw new ValidationError('status', 'is not a transfer status');
    }
  }
  if (query.provider !== undefined && typeof query.provider !== 'string') {
    throw new ValidationError('provider', 'must be a provider id');
  }
  if (query.merchant !== undefined && typeof query.merchant !== 'string') {
    throw new ValidationError('merchant', 'must be a merchant key');
  }
  return {
    statuses,
    provider: query.provider,
    merchant: query.merchant,
    updatedBefore: timeFilter(query.updatedBefore, 'updatedBefore'),
    limit,
    after: query.cursor == null ? undefined : decodeOrderCursor(query.cursor),
  };
}

/**
 * The position of a transfer in the listing order: its `updatedAt` in epoch milliseconds, and its id.
 *
 * @example
 * ```ts
 * const cursor = encodeOrderCursor(transferListPosition(page.transfers.at(-1)));
 * ```
 */
export function transferListPosition(transfer: Transfer): OrderListPosition {
  const updatedAt = Date.parse(transfer.updatedAt);
  if (Number.isNaN(updatedAt)) throw new ValidationError('updatedAt', 'is not an ISO-8601 time');
  return { updatedAt, id: transfer.id };
}

function freezeTransfer(transfer: Transfer): Transfer {
  Object.freeze(transfer.payee);
  Object.freeze(transfer.providerOptions);
  return Object.freeze(transfer);
}

/** Options of {@link MemoryTransferStore}. */
export interface MemoryTransferStoreOptions {
  /**
   * Where the events of each write go, in the same step as the transfer (all or nothing): the
   * `MemoryOutboxStore` passes its outbox. Without it, `events` are ignored.
   */
  readonly outbox?: { checkNew(events: readonly OutboxEvent[]): void; append(events: readonly OutboxEvent[]): void };
}

/**
 * A {@link TransferStore} in memory: transfers deep-frozen when stored, insert-if-absent and
 * compare-and-set on `version`. `MemoryOrderStore` has one as `store.transfers`.
 *
 * @example
 * ```ts
 * const transfers = new MemoryTransferStore();
 * await transfers.create(transfer);
 * await transfers.update({ ...transfer, status: 'processing', version: 2 }, 1); // true
 * ```
 */
export class MemoryTransferStore implements TransferStore {
  readonly #transfers = new Map<string, Transfer>();
  readonly #outbox: MemoryTransferStoreOptions['outbox'];

  constructor(options: MemoryTransferStoreOptions = {}) {
    this.#outbox = options.outbox;
  }

  /** {@inheritDoc TransferStore.create} */
  async create(transfer: Transfer, events?: readonly OutboxEvent[]): Promise<void> {
    if (this.#transfers.has(transfer.id)) {
      throw new ConflictError('duplicate_transfer', transfer.id, `transfer ${transfer.id} already exists`);
    }
    if (this.#outbox && events?.length) this.#outbox.checkNew(events);
    this.#transfers.set(transfer.id, freezeTransfer(structuredClone(transfer)));
    if (this.#outbox && events?.length) this.#outbox.append(events);
  }

  /** {@inheritDoc TransferStore.get} */
  async get(id: string): Promise<Transfer | undefined> {
    return this.#transfers.get(id);
  }

  /** {@inheritDoc TransferStore.getMany} */
  async getMany(ids: readonly string[]): Promise<Transfer[]> {
    const found: Transfer[] = [];
    for (const id of new Set(ids)) {
      const transfer = this.#transfers.get(id);
      if (transfer) found.push(transfer);
    }
    return found;
  }

  /** {@inheritDoc TransferStore.update} */
  async update(transfer: Transfer, expectedVersion: number, events?: readonly OutboxEvent[]): Promise<boolean> {
    const current = this.#transfers.get(transfer.id);
    if (!current || current.version !== expectedVersion) return false;
    if (this.#outbox && events?.length) this.#outbox.checkNew(events);
    this.#transfers.set(transfer.id, freezeTransfer(structuredClone(transfer)));
    if (this.#outbox && events?.length) this.#outbox.append(events);
    return true;
  }

  /** {@inheritDoc TransferStore.list} */
  async list(query?: ListTransfersQuery): Promise<TransferPage> {
    const q = normalizeListTransfersQuery(query);
    const matches: { transfer: Transfer; position: OrderListPosition }[] = [];
    for (const transfer of this.#transfers.values()) {
      if (q.statuses && !q.statuses.includes(transfer.status)) continue;
      if (q.provider !== undefined && transfer.provider !== q.provider) continue;
      if (q.merchant !== undefined && transfer.merchant !== q.merchant) continue;
      const position = transferListPosition(transfer);
      if (q.updatedBefore !== undefined && !(position.updatedAt < q.updatedBefore)) continue;
      if (q.after && compareOrderListPositions(position, q.after) <= 0) continue;
      matches.push({ transfer, position });
    }
    matches.sort((a, b) => compareOrderListPositions(a.position, b.position));
    const page = matches.slice(0, q.limit);
    const last = page.at(-1);
    return {
      transfers: page.map((match) => match.transfer),
      cursor: matches.length > q.limit && last ? encodeOrderCursor(last.position) : null,
    };
  }

  /** Number of stored transfers. */
  get size(): number {
    return this.#transfers.size;
  }
}
