import { describe, expect, it } from 'vitest';
import {
  createMemoryMerchantDirectory,
  createPayments,
  MemoryOrderStore,
  MemoryOutboxStore,
  MerchantError,
  type OrderStore,
  type StatementDifference,
  type StatementEventMap,
  UnsupportedOperationError,
  ValidationError,
} from '../src/index.js';
import { createFakeProvider, type FakeStatementEntry, withFakeStatement } from '../src/testing/index.js';

const DAY = '2026-12-01';
/** A mutable clock: orders are paid and refunded at the times the test sets. */
let clock = new Date('2026-12-01T10:00:00+08:00');
const at = (iso: string) => {
  clock = new Date(iso);
};

/**
 * A day with every kind of difference planted, on the fake provider: what the store has, what the
 * wallet's gateway has (queried for status differences), and the statement's lines.
 */
async function plantedDay(store: OrderStore) {
  const entries: FakeStatementEntry[] = [];
  const fake = withFakeStatement(createFakeProvider({ now: () => clock }), () => entries);
  const other = createFakeProvider({ id: 'other', now: () => clock });
  const payments = createPayments({ providers: [fake, other], store, now: () => clock });
  const paidOrder = async (id: string, amount: number, provider: 'fake' | 'other' = 'fake') => {
    await payments.createPayment({ provider, method: 'qr', amount, subject: 'Tea', orderId: id });
    const source = provider === 'fake' ? fake : other;
    await payments.handleNotification(provider, source.sandbox.pay(id, { transactionId: `txn${id}` }));
  };

  // The day before: paid, not on this statement, and not expected on it.
  at('2026-11-30T23:59:59+08:00');
  await paidOrder('yesterday01', 500);
  at('2026-12-01T09:00:00+08:00');
  await paidOrder('matched0001', 1000);
  await paidOrder('atstore0001', 2000); // missing_at_wallet
  await paidOrder('amount00001', 1000); // amount_mismatch
  await paidOrder('otherwallet', 700, 'other'); // another provider's: not expected
  // Paid at the wallet, the notification never arrived: status_mismatch, applied by the query.
  await payments.createPayment({
    provider: 'fake',
    method: 'qr',
    amount: 1500,
    subject: 'Tea',
    orderId: 'status00001',
  });
  fake.sandbox.pay('status00001', { transactionId: 'txnstatus00001' });
  // The wallet's file says paid, its query says not: status_mismatch, still differs.
  await payments.createPayment({
    provider: 'fake',
    method: 'qr',
    amount: 1600,
    subject: 'Tea',
    orderId: 'status00002',
  });
  // Refunds: one for another amount, one settled at the wallet but pending here, one missing at the wallet.
  await paidOrder('refund00001', 3000);
  await payments.refund('refund00001', { refundId: 'rfnd0000001', amount: 300 });
  await payments.handleNotification('fake', fake.sandbox.settleRefund('refund00001', 'rfnd0000001'));
  await paidOrder('refund00002', 3000);
  await payments.refund('refund00002', { refundId: 'rfnd0000002', amount: 400 });
  fake.sandbox.settleRefund('refund00002', 'rfnd0000002');
  await paidOrder('refund00003', 3000);
  await payments.refund('refund00003', { refundId: 'rfnd0000003', amount: 500 });
  await payments.handleNotification('fake', fake.sandbox.settleRefund('refund00003', 'rfnd0000003'));
  at('2026-12-02T02:00:00+08:00');

  entries.push(
    { orderId: 'matched0001', providerTradeId: 'txnmatched0001', amount: 1000, fee: 6 },
    { orderId: 'ghost000001', providerTradeId: 'txnghost', amount: 800, fee: 5 }, // missing_locally
    { orderId: 'amount00001', providerTradeId: 'txnamount00001', amount: 999, fee: 6 },
    { orderId: 'status00001', providerTradeId: 'txnstatus00001', amount: 1500, fee: 9 },
    { orderId: 'status00002', providerTradeId: 'txnstatus00002', amount: 1600, fee: 10 },
    { orderId: 'refund00001', providerTradeId: 'txnrefund00001', amount: 3000, fee: 18 },
    { orderId: 'refund00002', providerTradeId: 'txnrefund00002', amount: 3000, fee: 18 },
    { orderId: 'refund00003', providerTradeId: 'txnrefund00003', amount: 3000, fee: 18 },
    { kind: 'refund', orderId: 'refund00001', refundId: 'rfnd0000001', amount: 200, fee: -1 }, // refund_mismatch
    { kind: 'refund', orderId: 'refund00002', refundId: 'rfnd0000002', amount: 400, fee: -2 }, // pending here
    { kind: 'fee', amount: 50 }, // a fee of the day, of no order
  );
  return { payments, fake };
}

const expectedDifferences: StatementDifference[] = [
  {
    code: 'missing_locally',
    kind: 'payment',
    orderId: 'ghost000001',
    providerTradeId: 'txnghost',
    statementAmount: 800,
    storeAmount: null,
    line: 3,
  },
  {
    code: 'amount_mismatch',
    kind: 'payment',
    orderId: 'amount00001',
    providerTradeId: 'txnamount00001',
    statementAmount: 999,
    storeAmount: 1000,
    line: 4,
  },
  {
    code: 'status_mismatch',
    kind: 'payment',
    orderId: 'status00001',
    providerTradeId: 'txnstatus00001',
    statementAmount: 1500,
    storeAmount: 1500,
    line: 5,
    resolution: 'applied',
  },
  {
    code: 'status_mismatch',
    kind: 'payment',
    orderId: 'status00002',
    providerTradeId: 'txnstatus00002',
    statementAmount: 1600,
    storeAmount: 1600,
    line: 6,
    resolution: 'still_differs',
  },
  {
    code: 'refund_mismatch',
    kind: 'refund',
    orderId: 'refund00001',
    refundId: 'rfnd0000001',
    providerTradeId: null,
    statementAmount: 200,
    storeAmount: 300,
    line: 10,
  },
  {
    code: 'refund_mismatch',
    kind: 'refund',
    orderId: 'refund00002',
    refundId: 'rfnd0000002',
    providerTradeId: null,
    statementAmount: 400,
    storeAmount: 400,
    line: 11,
    resolution: 'applied',
  },
  {
    code: 'missing_at_wallet',
    kind: 'payment',
    orderId: 'atstore0001',
    providerTradeId: 'txnatstore0001',
    statementAmount: null,
    storeAmount: 2000,
    line: null,
  },
  {
    code: 'refund_mismatch',
    kind: 'refund',
    orderId: 'refund00003',
    refundId: 'rfnd0000003',
    providerTradeId: 'txnrefund00003',
    statementAmount: null,
    storeAmount: 500,
    line: null,
  },
];

describe('payments.reconcileStatement: a day with every kind of difference planted', () => {
  it('reports each planted difference exactly, with the fee and net totals', async () => {
    const store = new MemoryOrderStore();
    const { payments } = await plantedDay(store);
    const result = await payments.reconcileStatement({ provider: 'fake', date: DAY });
    expect(result.differences).toEqual(expectedDifferences);
    expect(result.matched).toBe(4); // the payments of matched0001 and of the three refunded orders
    const payments_ = 1000 + 800 + 999 + 1500 + 1600 + 3000 * 3;
    const fees = 6 + 5 + 6 + 9 + 10 + 18 * 3 - 1 - 2 + 50;
    expect(result.totals).toEqual({
      lines: 11,
      payments: payments_,
      refunds: 600,
      fees,
      net: payments_ - 600 - fees,
    });
    expect(result).toMatchObject({ provider: 'fake', date: DAY, merchant: null });
    expect(result.reconciledAt).toBe('2026-12-01T18:00:00.000Z');
  });

  it('applies a status difference only through the verified query: the paid order and settled refund', async () => {
    const store = new MemoryOrderStore();
    const { payments, fake } = await plantedDay(store);
    const queriesBefore = fake.sandbox.calls.queryPayment;
    await payments.reconcileStatement({ provider: 'fake', date: DAY });
    expect((await payments.getOrder('status00001')).status).toBe('paid');
    expect((await payments.getOrder('status00002')).status).toBe('pending');
    expect((await payments.getOrder('refund00002')).refunds[0]?.status).toBe('succeeded');
    // One query per payment or refund status difference, none for the others.
    expect(fake.sandbox.calls.queryPayment - queriesBefore).toBe(3);
  });

  it('records query_failed when the wallet cannot be asked, and changes nothing', async () => {
    const store = new MemoryOrderStore();
    const { payments, fake } = await plantedDay(store);
    fake.sandbox.failNext('queryPayment', new Error('network down'));
    const result = await payments.reconcileStatement({ provider: 'fake', date: DAY });
    const resolutions = result.differences.filter((d) => d.resolution).map((d) => d.resolution);
    expect(resolutions).toContain('query_failed');
  });

  it('stores the result, and a day reconciled again replaces it (idempotent)', async () => {
    const store = new MemoryOrderStore();
    const { payments } = await plantedDay(store);
    const first = await payments.reconcileStatement({ provider: 'fake', date: DAY });
    expect(await store.statements.get('fake', DAY, null)).toEqual(first);
    const second = await payments.reconcileStatement({ provider: 'fake', date: DAY });
    // The applied status difference is gone: the store now agrees with the wallet.
    expect(second.differences.map((d) => d.orderId)).not.toContain('status00001');
    expect(second.differences).toHaveLength(first.differences.length - 2);
    expect(await store.statements.get('fake', DAY, null)).toEqual(second);
    const third = await payments.reconcileStatement({ provider: 'fake', date: DAY });
    expect(third.differences).toEqual(second.differences);
    expect(await store.statements.get('fake', DAY, null)).toEqual(third);
  });

  it('emits statement.difference per difference and statement.reconciled inline with a memory store', async () => {
    const store = new MemoryOrderStore();
    const { payments } = await plantedDay(store);
    const seen: StatementEventMap['statement.difference'][] = [];
    const done: StatementEventMap['statement.reconciled'][] = [];
    payments.on('statement.difference', (event) => {
      seen.push(event);
    });
    payments.on('statement.reconciled', (event) => {
      done.push(event);
    });
    const result = await payments.reconcileStatement({ provider: 'fake', date: DAY });
    expect(seen.map((event) => event.difference)).toEqual(result.differences);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      provider: 'fake',
      date: DAY,
      merchant: null,
      matched: 4,
      counts: { missing_locally: 1, missing_at_wallet: 1, amount_mismatch: 1, status_mismatch: 2, refund_mismatch: 3 },
      totals: result.totals,
    });
    expect(new Set([...seen, ...done].map((event) => event.eventId)).size).toBe(seen.length + 1);
  });

  it('writes the events to the outbox with the result when the store has one', async () => {
    const store = new MemoryOutboxStore();
    const { payments } = await plantedDay(store);
    await payments.relay?.stop();
    const result = await payments.reconcileStatement({ provider: 'fake', date: DAY });
    const claimed = await store.outbox.claimEvents({ group: 'test', consumer: 'c', limit: 1000, leaseMs: 60_000 });
    const statementEvents = claimed.filter((event) => event.type.startsWith('statement.'));
    expect(statementEvents.map((event) => event.type)).toEqual([
      ...result.differences.map(() => 'statement.difference'),
      'statement.reconciled',
    ]);
    expect(new Set(statementEvents.map((event) => event.orderId))).toEqual(new Set(['statement:fake:2026-12-01']));
    expect(await store.statements.get('fake', DAY, null)).toEqual(result);
  });

  it("reconciles a sub-merchant's statement with its account from the directory, and refuses one without", async () => {
    const store = new MemoryOrderStore();
    const seen: (string | null | undefined)[] = [];
    const fake = withFakeStatement(createFakeProvider({ merchants: true }), (request) => {
      seen.push(request.merchant?.accountId);
      return [];
    });
    const merchants = createMemoryMerchantDirectory([
      { merchant: 'shop-42', provider: 'fake', accountId: '1900000109', enabled: true, fields: {} },
    ]);
    const platform = createPayments({ providers: [fake], store, merchants });
    const result = await platform.reconcileStatement({ provider: 'fake', date: DAY, merchant: 'shop-42' });
    expect(result.merchant).toBe('shop-42');
    expect(seen).toEqual(['1900000109']);
    expect(await store.statements.get('fake', DAY, 'shop-42')).toEqual(result);
    const unknown = await platform
      .reconcileStatement({ provider: 'fake', date: DAY, merchant: 'shop-43' })
      .catch((e: unknown) => e);
    expect(MerchantError.isInstance(unknown) && unknown.code).toBe('unknown_merchant');
    const direct = createPayments({ providers: [fake] });
    const refused = await direct
      .reconcileStatement({ provider: 'fake', date: DAY, merchant: 'shop-42' })
      .catch((e: unknown) => e);
    expect(MerchantError.isInstance(refused) && refused.code).toBe('merchant_unsupported');
    expect(seen).toHaveLength(1);
  });

  it('refuses a provider without statements and a date that is not a day', async () => {
    const payments = createPayments({ providers: [createFakeProvider()] });
    const error = await payments.reconcileStatement({ provider: 'fake', date: DAY }).catch((e: unknown) => e);
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    const withStatements = createPayments({ providers: [withFakeStatement(createFakeProvider(), {})] });
    for (const date of ['2026-13-01', '2026-02-30', '20261201', '']) {
      const bad = await withStatements.reconcileStatement({ provider: 'fake', date }).catch((e: unknown) => e);
      expect(ValidationError.isInstance(bad) && bad.field).toBe('date');
    }
  });
});

describe('payments.reconcileStatement: the refund statuses a statement states (WeChat Pay 退款状态)', () => {
  it('holds the store to the stated status; a query settles the store where the wallet confirms it', async () => {
    const store = new MemoryOrderStore();
    const entries: FakeStatementEntry[] = [];
    const fake = withFakeStatement(createFakeProvider({ now: () => clock }), () => entries);
    const payments = createPayments({ providers: [fake], store, now: () => clock });
    at('2026-12-01T09:00:00+08:00');
    const refunded = async (id: string, settle: 'no' | 'succeeded' | 'failed at the wallet only') => {
      await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1000, subject: 'Tea', orderId: id });
      await payments.handleNotification('fake', fake.sandbox.pay(id, { transactionId: `txn${id}` }));
      await payments.refund(id, { refundId: `r${id}`, amount: 100 });
      if (settle === 'succeeded') await payments.handleNotification('fake', fake.sandbox.settleRefund(id, `r${id}`));
      if (settle === 'failed at the wallet only') fake.sandbox.settleRefund(id, `r${id}`, { fail: true });
      entries.push({ orderId: id, providerTradeId: `txn${id}`, amount: 1000 });
    };
    await refunded('pendinghere', 'no'); // stated pending, pending here: agrees
    await refunded('succeeded01', 'succeeded'); // stated pending, succeeded since: agrees
    await refunded('failedthere', 'failed at the wallet only'); // stated failed, pending here: the query applies it
    await refunded('succeeded02', 'succeeded'); // stated failed, succeeded here: differs, and still does
    at('2026-12-02T02:00:00+08:00');
    entries.push(
      { kind: 'refund', orderId: 'pendinghere', refundId: 'rpendinghere', amount: 100, status: 'pending' },
      { kind: 'refund', orderId: 'succeeded01', refundId: 'rsucceeded01', amount: 100, status: 'pending' },
      { kind: 'refund', orderId: 'failedthere', refundId: 'rfailedthere', amount: 100, status: 'failed' },
      { kind: 'refund', orderId: 'succeeded02', refundId: 'rsucceeded02', amount: 100, status: 'failed' },
    );
    const result = await payments.reconcileStatement({ provider: 'fake', date: DAY });
    const common = { code: 'refund_mismatch', kind: 'refund', providerTradeId: null, statementAmount: 100 };
    expect(result.differences).toEqual([
      {
        ...common,
        orderId: 'failedthere',
        refundId: 'rfailedthere',
        storeAmount: 100,
        line: 8,
        status: 'failed',
        resolution: 'applied',
      },
      {
        ...common,
        orderId: 'succeeded02',
        refundId: 'rsucceeded02',
        storeAmount: 100,
        line: 9,
        status: 'failed',
        resolution: 'still_differs',
      },
    ]);
    expect(result.matched).toBe(4 + 2);
    expect((await payments.getOrder('failedthere')).refunds[0]?.status).toBe('failed');
    expect((await payments.getOrder('pendinghere')).refunds[0]?.status).toBe('pending');
  });
});
