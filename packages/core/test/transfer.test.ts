import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  createPayments,
  createReconciler,
  type ListOrdersQuery,
  MemoryOrderStore,
  MemoryOutboxStore,
  MovementNotFoundError,
  NetworkError,
  type Order,
  type OrderStore,
  UnexpectedResponseError,
  UnsupportedOperationError,
  ValidationError,
} from '../src/index.js';
import {
  createFakeMovementProvider,
  createFakeProvider,
  type FakeMovementProviderOptions,
  rejectionOf,
} from '../src/testing/index.js';

let clock = Date.parse('2024-05-01T08:00:00.000Z');
const now = () => new Date(clock);
const PAYEE_NAME = '王小明';

const input = {
  provider: 'fake' as const,
  transferId: 'payout0001',
  amount: 500,
  payee: { type: 'openid' as const, account: 'o4GgauInH_RCEdvrrNGrntXDuXXX', name: PAYEE_NAME },
  remark: '佣金',
};

const TRANSFER_EVENTS = [
  'transfer.pending_confirmation',
  'transfer.succeeded',
  'transfer.failed',
  'transfer.cancelled',
] as const;

function setup(options: FakeMovementProviderOptions = {}, store: OrderStore = new MemoryOrderStore()) {
  const fake = createFakeMovementProvider({ now, ...options });
  const errors: unknown[] = [];
  const payments = createPayments({ providers: [fake], store, now, onListenerError: (e) => errors.push(e) });
  const events: { type: string; payload: unknown }[] = [];
  for (const type of TRANSFER_EVENTS) {
    payments.on(type, (payload) => {
      events.push({ type, payload });
    });
  }
  payments.on('notification.rejected', ({ error }) => {
    errors.push(error);
  });
  return { fake, payments, events, errors, store };
}

describe('payments.transfer', () => {
  it('records the transfer, sends it, and settles it by notification with one transfer.succeeded', async () => {
    const { fake, payments, events } = setup();
    const transfer = await payments.transfer(input);
    expect(transfer).toMatchObject({ id: 'payout0001', status: 'processing', amount: 500, version: 2 });
    expect(transfer.providerTransferId).toMatch(/^pt/);
    expect(fake.movements.transfer('payout0001')?.payeeName).toBe(PAYEE_NAME);
    const result = await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));
    expect(result.ok && result.transfer?.status).toBe('succeeded');
    expect(events.map((e) => e.type)).toEqual(['transfer.succeeded']);
    expect((await payments.getTransfer('payout0001')).status).toBe('succeeded');
    const page = await payments.listTransfers({ status: 'succeeded' });
    expect(page.transfers.map((t) => t.id)).toEqual(['payout0001']);
  });

  it('is exactly once by transfer id: the same content returns the stored transfer, other content is a ConflictError', async () => {
    const { fake, payments } = setup();
    const [a, b] = await Promise.all([payments.transfer(input), payments.transfer(input)]);
    expect(a.id).toBe(b.id);
    expect(fake.movements.calls.transfer).toBe(1);
    const conflict = await rejectionOf(payments.transfer({ ...input, amount: 501 }));
    expect(ConflictError.isInstance(conflict) && conflict.code).toBe('duplicate_transfer');
    expect(JSON.stringify(conflict)).not.toContain(PAYEE_NAME);
    expect(String((conflict as Error).message)).not.toContain(PAYEE_NAME);
  });

  it('needs a store that keeps transfers and a provider that transfers', async () => {
    const bare: OrderStore = {
      create: (order: Order) => new MemoryOrderStore().create(order),
      get: async () => undefined,
      update: async () => false,
      listOrders: async (_query?: ListOrdersQuery) => ({ orders: [], cursor: null }),
    };
    const noStore = setup({}, bare);
    const error = await rejectionOf(noStore.payments.transfer(input));
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    const plain = createPayments({ providers: [createFakeProvider({ now })], now });
    expect(UnsupportedOperationError.isInstance(await rejectionOf(plain.transfer(input)))).toBe(true);
    expect(MovementNotFoundError.isInstance(await rejectionOf(plain.getTransfer('nope0000')))).toBe(true);
  });

  it("refuses what the provider's validateTransfer refuses before storing anything", async () => {
    const { fake, payments, store } = setup();
    fake.validateTransfer = ({ transfer }) => {
      if (!('sceneId' in transfer.providerOptions)) throw new ValidationError('providerOptions.sceneId', 'is required');
    };
    const error = await rejectionOf(payments.transfer(input));
    expect(ValidationError.isInstance(error) && error.field).toBe('providerOptions.sceneId');
    expect(await store.transfers?.get('payout0001')).toBeUndefined();
    expect(fake.movements.calls.transfer).toBe(0);
    const transfer = await payments.transfer({ ...input, providerOptions: { sceneId: '1005' } });
    expect(transfer.status).toBe('processing');
  });

  it('a stated refusal marks it failed with transfer.failed; a network failure leaves it created', async () => {
    const { payments, events } = setup({ balance: 100 });
    const refused = await rejectionOf(payments.transfer(input));
    expect(refused).toMatchObject({ providerCode: 'NOT_ENOUGH' });
    expect(await payments.getTransfer('payout0001')).toMatchObject({ status: 'failed', failReason: 'NOT_ENOUGH' });
    expect(events.map((e) => e.type)).toEqual(['transfer.failed']);

    const lost = setup();
    lost.fake.movements.failNext('transfer', new NetworkError('connection reset'));
    expect(NetworkError.isInstance(await rejectionOf(lost.payments.transfer(input)))).toBe(true);
    expect((await lost.payments.getTransfer('payout0001')).status).toBe('created');
    expect(lost.events).toEqual([]);
  });

  it('waits for the payee: pending_confirmation carries what the app needs, and can be cancelled', async () => {
    const { payments, events } = setup({ transferConfirmation: true });
    const transfer = await payments.transfer(input);
    expect(transfer.status).toBe('pending_confirmation');
    expect(transfer.confirmation).toMatch(/^package-/);
    const cancelled = await payments.cancelTransfer('payout0001');
    expect(cancelled).toMatchObject({ status: 'cancelled', confirmation: null });
    expect(events.map((e) => e.type)).toEqual(['transfer.pending_confirmation', 'transfer.cancelled']);
  });

  it('refuses a reply about another amount: the outcome stays unknown, nothing applied', async () => {
    const { fake, payments } = setup();
    const honest = fake.transfer?.bind(fake) as NonNullable<typeof fake.transfer>;
    fake.transfer = async (request) => ({ ...(await honest(request)), amount: 5000, status: 'succeeded' });
    const error = await rejectionOf(payments.transfer(input));
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
    expect((await payments.getTransfer('payout0001')).status).toBe('created');
  });

  it("never shows the payee's name in events (inline or outbox), notification results or errors", async () => {
    const outbox = new MemoryOutboxStore();
    const flows = [setup({ transferConfirmation: true }), setup({ transferConfirmation: true }, outbox)];
    const seen: unknown[] = [];
    for (const { fake, payments, events, errors } of flows) {
      await payments.transfer(input);
      seen.push(await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001')));
      await payments.transfer({ ...input, transferId: 'payout0002', amount: 9_999_999 }).catch((e) => seen.push(e));
      await payments.transfer({ ...input, remark: 'other' }).catch((e) => seen.push(e));
      seen.push(await payments.handleMovementNotification('fake', fake.movements.notification('{"type":"x"}')));
      seen.push(events, errors);
      await payments.relay?.stop();
    }
    const claimed = await outbox.outbox.claimEvents({ group: 'audit', consumer: 'c', limit: 100, leaseMs: 1000 });
    expect(claimed.map((e) => e.type)).toEqual([
      'transfer.pending_confirmation',
      'transfer.succeeded',
      'transfer.failed',
    ]);
    expect(claimed[0]?.orderId).toBe('transfer:payout0001');
    const text = JSON.stringify([seen, claimed], (_key, value) =>
      value instanceof Error ? { ...value, message: value.message, stack: value.stack } : value,
    );
    expect(text).toContain('payout0001');
    expect(text).not.toContain(PAYEE_NAME);
    // The stored record keeps it, for a resend.
    expect((await flows[0]?.payments.getTransfer('payout0001'))?.payee.name).toBe(PAYEE_NAME);
  });
});

describe('transfer events through the outbox', () => {
  it('are written with the transfer and delivered by the relay once, with a stable id', async () => {
    const store = new MemoryOutboxStore();
    const fake = createFakeMovementProvider({ now });
    const payments = createPayments({ providers: [fake], store, now, relay: { autoStart: false } });
    const delivered: string[] = [];
    payments.on('transfer.succeeded', ({ transfer, eventId }) => {
      delivered.push(`${eventId} ${transfer.status}`);
    });
    await payments.transfer(input);
    await payments.handleMovementNotification('fake', fake.movements.completeTransfer('payout0001'));
    expect(delivered).toEqual([]);
    await payments.relay?.runOnce();
    await payments.relay?.runOnce();
    expect(delivered).toEqual(['transfer:payout0001:3:0 succeeded']);
  });
});

describe('the reconciler finishes transfers', () => {
  it('sends again a created transfer the wallet never received, once past the grace period', async () => {
    const { fake, payments, store } = setup();
    fake.movements.failNext('transfer', new NetworkError('connection reset'));
    await rejectionOf(payments.transfer(input));
    const reconciler = createReconciler({ payments, store, now });
    clock += 120_000;
    await reconciler.runOnce();
    expect(fake.movements.calls.transfer).toBe(1);
    clock += 300_000;
    const run = await reconciler.runOnce();
    expect(run.changed).toBe(1);
    expect(fake.movements.calls.transfer).toBe(2);
    expect(fake.movements.transfer('payout0001')?.payeeName).toBe(PAYEE_NAME);
    expect((await payments.getTransfer('payout0001')).status).toBe('processing');
  });

  it('reaches a later transfer however many older ones wait unchanged (each run goes on where the last stopped)', async () => {
    const { fake, payments, store } = setup();
    for (let n = 1; n <= 5; n++) {
      await payments.transfer({ ...input, transferId: `payout000${n}` });
      clock += 1000;
    }
    // The newest one settled at the wallet and its notification was lost; the four older ones wait.
    fake.movements.completeTransfer('payout0005');
    clock += 120_000;
    const reconciler = createReconciler({ payments, store, now, maxOrdersPerRun: 2 });
    for (let run = 0; run < 3; run++) await reconciler.runOnce();
    expect((await payments.getTransfer('payout0005')).status).toBe('succeeded');
    expect((await payments.getTransfer('payout0001')).status).toBe('processing');
  });

  it('finds a transfer whose reply was lost by querying, without paying twice', async () => {
    const { fake, payments, store } = setup();
    fake.movements.loseReplyNext('transfer');
    await rejectionOf(payments.transfer(input));
    fake.movements.completeTransfer('payout0001');
    clock += 120_000;
    await createReconciler({ payments, store, now }).runOnce();
    expect(fake.movements.calls.transfer).toBe(1);
    expect((await payments.getTransfer('payout0001')).status).toBe('succeeded');
  });
});
