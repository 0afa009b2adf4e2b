import { describe, expect, it } from 'vitest';
import {
  createPayments,
  type ListOrdersQuery,
  MemoryOrderStore,
  type Order,
  type OrderStore,
  ProviderApiError,
  type RefundInput,
  ValidationError,
} from '../src/index.js';
import { createFakeProvider, rejectionOf } from '../src/testing/index.js';

const NOW = new Date('2024-05-01T08:00:00.000Z');

/** A store whose reads and writes yield first, so that concurrent callers really interleave. */
class InterleavingStore implements OrderStore {
  readonly inner = new MemoryOrderStore();
  async create(order: Order) {
    return this.inner.create(order);
  }
  async get(id: string) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    return this.inner.get(id);
  }
  async update(order: Order, expectedVersion: number) {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.update(order, expectedVersion);
  }
  async listOrders(query?: ListOrdersQuery) {
    return this.inner.listOrders(query);
  }
}

async function paidOrder(store: OrderStore = new MemoryOrderStore()) {
  const fake = createFakeProvider({ now: () => NOW });
  const payments = createPayments({ providers: [fake], store, now: () => NOW });
  const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
  await payments.handleNotification('fake', fake.sandbox.pay(order.id));
  return { payments, fake, order };
}

describe('refunds are idempotent by refund id', () => {
  for (const [name, makeStore] of [
    ['the memory store', () => new MemoryOrderStore()],
    ['a store whose callers interleave', () => new InterleavingStore()],
  ] as const) {
    it(`a double-clicked refund refunds once, with ${name}`, async () => {
      const { payments, fake, order } = await paidOrder(makeStore());
      const click = () => payments.refund(order.id, { refundId: 'refund0001', amount: 500, reason: '少发一盒' });
      const [first, second] = await Promise.all([click(), click()]);
      // The same refund; the slower click may see it before the wallet's reply was recorded.
      for (const { refund } of [first, second]) {
        expect(refund).toMatchObject({ id: 'refund0001', amount: 500, status: 'pending', reason: '少发一盒' });
      }
      expect(fake.sandbox.calls.refund).toBe(1);
      const after = await payments.getOrder(order.id);
      expect(after.refunds).toHaveLength(1);
      expect(fake.sandbox.payment(order.id)?.refunds.size).toBe(1);
    });
  }

  it('a later call with the same refund id returns the same refund without asking the wallet again', async () => {
    const { payments, fake, order } = await paidOrder();
    const first = await payments.refund(order.id, { refundId: 'refund0002', amount: 700 });
    const again = await payments.refund(order.id, { refundId: 'refund0002', amount: 700 });
    expect(again.refund).toEqual(first.refund);
    expect(fake.sandbox.calls.refund).toBe(1);
  });

  it('sends a refund the wallet refused again under the same id (nothing was refunded)', async () => {
    const { payments, fake, order } = await paidOrder();
    fake.sandbox.failNext(
      'refund',
      new ProviderApiError({ provider: 'fake', providerCode: 'BUSY_BALANCE', normalizedCode: 'refund_rejected' }),
    );
    await rejectionOf(payments.refund(order.id, { refundId: 'refund0003', amount: 700 }));
    expect((await payments.getOrder(order.id)).refunds).toMatchObject([{ id: 'refund0003', status: 'failed' }]);
    const again = await payments.refund(order.id, { refundId: 'refund0003', amount: 700 });
    expect(again.refund).toMatchObject({ id: 'refund0003', status: 'pending' });
    expect(fake.sandbox.calls.refund).toBe(2);
    expect(fake.sandbox.payment(order.id)?.refunds.size).toBe(1);
  });

  it('refuses a refund without a refund id, before anything is stored or sent', async () => {
    const { payments, fake, order } = await paidOrder();
    const error = await rejectionOf(payments.refund(order.id, { amount: 500 } as unknown as RefundInput));
    expect(ValidationError.isInstance(error) && error.field).toBe('input.refundId');
    expect(fake.sandbox.calls.refund).toBe(0);
    expect((await payments.getOrder(order.id)).refunds).toEqual([]);
  });

  it('requires refundId in the type', () => {
    // @ts-expect-error refundId is required
    const input: RefundInput = { amount: 500 };
    expect(input.amount).toBe(500);
  });
});
