/**
 * The facade on a store with an outbox: events go through the outbox and the relay (not inline),
 * carry their event id, come again after a listener failed, and go to one instance per group.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPayments, MemoryOrderStore } from '@hutong/core';
import { createFakeProvider } from '@hutong/core/testing';
import { createSqlStore } from '@hutong/store-sql';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'libsql';
import { afterAll, describe, expect, it } from 'vitest';

const directory = mkdtempSync(join(tmpdir(), 'hutong-relay-'));
const databases: Kysely<unknown>[] = [];
afterAll(async () => {
  for (const db of databases) await db.destroy();
  rmSync(directory, { recursive: true, force: true });
});
let files = 0;
function sqliteStore() {
  const db = new Kysely<unknown>({
    dialect: new SqliteDialect({ database: new Database(join(directory, `relay${++files}.db`)) }),
  });
  databases.push(db);
  return createSqlStore({ db });
}

describe('the facade with an outbox store', () => {
  it('writes its events to the outbox and delivers them through the relay, each with its id', async () => {
    const fake = createFakeProvider();
    const payments = createPayments({ providers: [fake], store: sqliteStore(), relay: { autoStart: false } });
    const seen: string[] = [];
    payments.on('order.created', ({ eventId }) => void seen.push(eventId));
    payments.on('order.paid', ({ order, eventId }) => void seen.push(`${eventId} ${order.status}`));
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    expect(seen).toEqual([]); // not inline
    expect(payments.relay?.running).toBe(false);
    expect(await payments.relay?.runOnce()).toBe(3);
    expect(seen).toEqual([`${order.id}:1:0`, `${order.id}:3:0 paid`]);
    expect(await payments.relay?.runOnce()).toBe(0);
  });

  it('starts the relay with the first listener, and delivers soon after the write', async () => {
    const fake = createFakeProvider();
    const payments = createPayments({ providers: [fake], store: sqliteStore(), relay: { pollIntervalMs: 10_000 } });
    const paid = new Promise<string>((resolve) => payments.on('order.paid', ({ eventId }) => resolve(eventId)));
    expect(payments.relay?.running).toBe(true);
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    expect(await paid).toBe(`${order.id}:3:0`);
    await payments.relay?.stop();
  });

  it('delivers again, with the same id, an event whose listener threw', async () => {
    const fake = createFakeProvider();
    const errors: unknown[] = [];
    const payments = createPayments({
      providers: [fake],
      store: sqliteStore(),
      relay: { autoStart: false, leaseMs: 1500 },
      onListenerError: (error) => void errors.push(error),
    });
    const calls: string[] = [];
    payments.on('order.created', ({ eventId }) => {
      calls.push(eventId);
      if (calls.length === 1) throw new Error('fulfilment down');
    });
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    // order.created failed; order.pending (no listener) waits behind it, as one order's events stay in order.
    expect(await payments.relay?.runOnce()).toBe(0);
    expect(await payments.relay?.runOnce()).toBe(0); // backing off
    await new Promise((resolve) => setTimeout(resolve, 1600)); // past the first retry delay (at most 1 s)
    expect(await payments.relay?.runOnce()).toBe(2);
    expect(calls).toEqual([`${order.id}:1:0`, `${order.id}:1:0`]);
    expect(errors).toHaveLength(1);
  });

  it('gives each event to one instance of a shared group, and to every instance with a group each', async () => {
    const store = sqliteStore();
    const fake = createFakeProvider();
    const instance = (group: string) => {
      const payments = createPayments({ providers: [fake], store, relay: { autoStart: false, group } });
      const seen: string[] = [];
      payments.on('order.created', ({ eventId }) => void seen.push(eventId));
      return { payments, seen };
    };
    const shared = [instance('default'), instance('default')];
    const own = [instance('instanceA'), instance('instanceB')];
    const first = shared[0] as (typeof shared)[0];
    for (let i = 0; i < 6; i++) {
      await first.payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea' });
    }
    for (const { payments } of [...shared, ...own]) await payments.relay?.runOnce();
    for (const { payments } of [...shared, ...own]) await payments.relay?.runOnce();
    const sharedSeen = shared.flatMap((i) => i.seen);
    expect(sharedSeen).toHaveLength(6);
    expect(new Set(sharedSeen).size).toBe(6);
    for (const { seen } of own) expect(seen.sort()).toEqual([...sharedSeen].sort());
  });

  it('delivers order.paid of other orders past an order.created listener that never settles, and stops in bounded time', async () => {
    const fake = createFakeProvider();
    // The relay's own options (deadline, backoff, drain) reach it through the facade's `relay`.
    const relay = { pollIntervalMs: 20, deliveryTimeoutMs: 200, retryDelayMs: 50, drainTimeoutMs: 300 };
    const payments = createPayments({ providers: [fake], store: sqliteStore(), relay });
    const paid: string[] = [];
    let hung = 0;
    payments.on('order.created', () => {
      hung++;
      if (hung === 1) return new Promise<void>(() => undefined); // the first one never settles
    });
    payments.on('order.paid', ({ order }) => void paid.push(order.id));
    const first = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    const second = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 2999, subject: 'Tea' });
    await payments.handleNotification('fake', fake.sandbox.pay(second.order.id));
    await payments.handleNotification('fake', fake.sandbox.pay(first.order.id));
    const deadline = Date.now() + 10_000;
    while (paid.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // The second order's payment arrives first; the first order's, once its order.created is retried.
    expect(paid).toEqual([second.order.id, first.order.id]);
    const started = Date.now();
    await payments.relay?.stop();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps inline delivery with the memory store, with the same event ids', async () => {
    const fake = createFakeProvider();
    const payments = createPayments({ providers: [fake], store: new MemoryOrderStore() });
    expect(payments.relay).toBeUndefined();
    const seen: string[] = [];
    payments.on('order.paid', ({ eventId }) => void seen.push(eventId));
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 1999, subject: 'Tea' });
    await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    expect(seen).toEqual([`${order.id}:3:0`]);
  });
});
