/**
 * Creates facades as a process would at start: twice with the memory store (the default, then one
 * passed in), once with another store. The test reads the warnings this process prints.
 */
import {
  createPayments,
  type ListOrdersQuery,
  MemoryOrderStore,
  type Order,
  type OrderStore,
} from '../../src/index.js';
import { createFakeProvider } from '../../src/testing/index.js';

class OtherStore implements OrderStore {
  readonly #inner = new MemoryOrderStore();
  create(order: Order) {
    return this.#inner.create(order);
  }
  get(id: string) {
    return this.#inner.get(id);
  }
  update(order: Order, expectedVersion: number) {
    return this.#inner.update(order, expectedVersion);
  }
  listOrders(query?: ListOrdersQuery) {
    return this.#inner.listOrders(query);
  }
}

const which = process.argv[2];
if (which === 'other') createPayments({ providers: [createFakeProvider()], store: new OtherStore() });
else {
  createPayments({ providers: [createFakeProvider()] });
  createPayments({ providers: [createFakeProvider()], store: new MemoryOrderStore() });
}
