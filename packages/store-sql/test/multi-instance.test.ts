/**
 * Four OS processes, each with its own facade, fake provider and relay over one database: 500
 * orders, every notification delivered to every process at once, concurrent refunds (more than the
 * orders can take) and reconciler runs. Afterwards the database must hold exactly one transition
 * per distinct event, one outbox event per transition that has one, no refund beyond what was paid,
 * nothing pending that was paid, and every event delivered once. The orders are spread over 50
 * merchants (platform mode) and some of the provider's own: every order keeps its merchant through
 * every process's writes, and listing by merchant finds exactly each merchant's orders.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPayments, type NotificationInput, type Order } from '@hutong/core';
import { createFakeProvider } from '@hutong/core/testing';
import { createSqlStore, migrateToLatest } from '@hutong/store-sql';
import type { Kysely } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { connect } from './processes/connect.js';
import { MERCHANTS, merchantOf, multiMerchants } from './processes/multi-merchants.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const ORDERS = 500;
const NOTIFIED = 450; // the last 50 notifications are lost: the reconcilers must settle those orders
const REFUND_ORDERS = 100; // each of the four processes refunds 40% of these: at most two fit
const AMOUNT = 1000;
type Rows = Record<string, Record<string, string | number | null>>;

async function runInstances(url: string, tablePrefix: string): Promise<void> {
  const db = connect(url, 4);
  const directory = mkdtempSync(join(tmpdir(), 'hutong-multi-'));
  try {
    await dropStoreTables(db, tablePrefix);
    await migrateToLatest(db, { tablePrefix });
    const fake = createFakeProvider({ secret: 'multi-instance-secret', merchants: true });
    const store = createSqlStore({ db, tablePrefix, migrate: false });
    const payments = createPayments({ providers: [fake], store, merchants: multiMerchants() });
    const orders: { id: string; amount: number }[] = [];
    const notifications: NotificationInput[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; i < ORDERS; i += 8) {
          const orderId = `multi${String(i).padStart(5, '0')}`;
          // Each order made for its merchant (platform mode); the processes' facades must keep it
          // through every write they make, and bind every notification to it.
          const merchant = merchantOf(i);
          await payments.createPayment({
            provider: 'fake',
            method: 'qr',
            amount: AMOUNT,
            subject: 'Tea',
            orderId,
            ...(merchant ? { merchant } : {}),
          });
        }
      }),
    );
    for (let i = 0; i < ORDERS; i++) {
      const id = `multi${String(i).padStart(5, '0')}`;
      orders.push({ id, amount: AMOUNT });
      const notification = fake.sandbox.pay(id, { transactionId: `txn${id}` });
      if (i < NOTIFIED) notifications.push(notification);
    }
    const workFile = join(directory, 'work.json');
    writeFileSync(workFile, JSON.stringify({ orders, notifications, refundOrders: REFUND_ORDERS }));
    const startAt = String(Date.now() + 6000);
    const outputs = await Promise.all(
      [0, 1, 2, 3].map((index) =>
        promisify(execFile)(
          tsx,
          ['test/processes/multi-child.ts', url, tablePrefix, String(index), workFile, startAt],
          {
            cwd: packageDir,
            timeout: 240_000,
            maxBuffer: 16 * 1024 * 1024,
          },
        ).catch((error: { stderr?: string; message: string }) => {
          throw new Error(`instance ${index} failed: ${error.message}\n${error.stderr ?? ''}`.slice(0, 4000));
        }),
      ),
    );
    const results = outputs.map(
      ({ stdout }) =>
        JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
          delivered: string[];
          rejected: string[];
          refunds: { succeeded: number; refused: number };
        },
    );

    const tables = db as unknown as Kysely<Rows>;
    const stored = (await tables.selectFrom(`${tablePrefix}orders`).select('data').execute()).map(
      (row) => JSON.parse(String(row.data)) as Order,
    );
    const events = await tables.selectFrom(`${tablePrefix}outbox`).select(['id', 'order_id', 'type']).execute();
    expect(stored).toHaveLength(ORDERS);
    expect(results.flatMap((r) => r.rejected)).toEqual([]);

    let refundsSucceeded = 0;
    for (const order of stored) {
      // Nothing pending that was paid: every payment is PAID at the gateway.
      expect(order.status, order.id).not.toBe('pending');
      expect(order.paidAmount).toBe(AMOUNT);
      // Refunds never beyond paid, and the total matches the refunds.
      const settled = order.refunds.filter((refund) => refund.status === 'succeeded');
      expect(order.refunds.every((refund) => refund.status === 'succeeded')).toBe(true);
      expect(order.refundedAmount).toBe(settled.reduce((sum, refund) => sum + refund.amount, 0));
      expect(order.refundedAmount).toBeLessThanOrEqual(order.paidAmount);
      refundsSucceeded += settled.length;
      // Exactly one transition per distinct event: created, initiated, paid, and per refund its
      // request and its settlement, however many processes applied the same notification.
      expect(order.version, order.id).toBe(3 + 2 * settled.length);
      // Exactly one outbox event per transition that reports something.
      const mine = events.filter((event) => event.order_id === order.id).map((event) => `${event.id} ${event.type}`);
      const refunded = mine.filter((e) => e.endsWith(' order.refunded'));
      expect(mine.sort()).toEqual(
        [
          `${order.id}:1:0 order.created`,
          `${order.id}:2:0 order.pending`,
          `${order.id}:3:0 order.paid`,
          ...refunded,
        ].sort(),
      );
      expect(refunded).toHaveLength(settled.length);
    }
    // Four processes wanted 40% of each of the first hundred orders: exactly two fit each time.
    expect(refundsSucceeded).toBe(2 * REFUND_ORDERS);
    expect(results.reduce((sum, r) => sum + r.refunds.succeeded, 0)).toBe(2 * REFUND_ORDERS);
    // Every order kept its merchant, and listing by merchant finds exactly each merchant's orders.
    const expectedByMerchant = new Map<string, string[]>();
    for (let i = 0; i < ORDERS; i++) {
      const merchant = merchantOf(i);
      const id = `multi${String(i).padStart(5, '0')}`;
      expect(stored.find((order) => order.id === id)?.merchant, id).toBe(merchant);
      if (merchant) expectedByMerchant.set(merchant, [...(expectedByMerchant.get(merchant) ?? []), id]);
    }
    expect(expectedByMerchant.size).toBe(MERCHANTS);
    for (const [merchant, ids] of expectedByMerchant) {
      const listed: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listOrders({ merchant, limit: 4, cursor });
        listed.push(...page.orders.map((order) => order.id));
        cursor = page.cursor;
      } while (cursor);
      expect(listed.sort(), merchant).toEqual(ids);
    }
    const byId = await store.getMany(stored.map((order) => order.id));
    expect(byId).toHaveLength(ORDERS);
    // Every event delivered to one instance's listeners, once.
    const delivered = results.flatMap((r) => r.delivered);
    expect(delivered.length).toBe(events.length);
    expect(new Set(delivered)).toEqual(new Set(events.map((event) => event.id)));
  } finally {
    await dropStoreTables(db, tablePrefix).catch(() => undefined);
    await db.destroy();
    rmSync(directory, { recursive: true, force: true });
  }
}

describeServerSuite('PostgreSQL (four instances)', 'postgres', (url) => {
  afterAll(() => undefined);
  it('500 orders, every notification to four processes, refunds and reconcilers', { timeout: 300_000 }, async () => {
    await runInstances(url, testPrefix('pgmulti'));
  });
});

describeServerSuite('MariaDB/MySQL (four instances)', 'mysql', (url) => {
  it('500 orders, every notification to four processes, refunds and reconcilers', { timeout: 300_000 }, async () => {
    await runInstances(url, testPrefix('mymulti'));
  });
});
