/**
 * Closing a day on each wallet's sandbox, against the SQL store on each server database: a day
 * with every kind of difference planted (missing both ways, an amount, a status, a refund) is
 * reported exactly by `payments.reconcileStatement`, and the status difference is settled by a
 * verified query, never by the file alone.
 */

import { alipay } from '@hutong/adapter-alipay';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { createPayments, type Order } from '@hutong/core';
import type { PaymentProvider } from '@hutong/core/provider-utils';
import type { WalletSandbox } from '@hutong/core/testing';
import { createSqlStore } from '@hutong/store-sql';
import { Kysely, MysqlDialect, PostgresDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY } from '../../adapter-alipay/test/sandbox-setup.js';
import { sandboxed as unionpaySandboxed } from '../../adapter-unionpay/test/sandbox-setup.js';
import { sandboxed as wechatSandboxed } from '../../adapter-wechatpay/test/sandbox-setup.js';
import { describeServerSuite, dropStoreTables, testPrefix } from './sql-store-suite.js';

type Wallet = 'wechatpay' | 'alipay' | 'unionpay';

/** Today in China, as the wallets date their statements. */
function chinaDate(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

function wallet(name: Wallet): { provider: PaymentProvider; sandbox: WalletSandbox } {
  if (name === 'wechatpay') return wechatSandboxed();
  if (name === 'alipay') {
    // The sandbox's own fetch: the statement is a zip, bytes the text-rewriting test fetch would spoil.
    const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    const provider = alipay({
      appId: APP_ID,
      privateKey: APP_PRIVATE_KEY,
      alipayPublicKey: sandbox.alipayPublicKey,
      sellerId: sandbox.sellerId,
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
    });
    return { provider, sandbox };
  }
  return unionpaySandboxed();
}

function plantedDay(engine: 'postgres' | 'mysql', connect: () => Kysely<unknown>) {
  const opened: Kysely<unknown>[] = [];
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const [index, db] of opened.entries()) {
      await dropStoreTables(db, prefixes[index] ?? '').catch(() => undefined);
      await db.destroy();
    }
  });

  for (const name of ['wechatpay', 'alipay', 'unionpay'] as const) {
    it(`${name}: every planted difference reported exactly, the status one settled by a verified query`, async () => {
      const db = connect();
      const prefix = `${testPrefix(`${engine}_st_${name.slice(0, 2)}`)}`;
      opened.push(db);
      prefixes.push(prefix);
      const store = createSqlStore({ db, tablePrefix: prefix });
      await store.ready();
      const { provider, sandbox } = wallet(name);
      const payments = createPayments({
        providers: [provider],
        store,
        notifyUrl: `https://shop.example/webhooks/${name}`,
      });
      const pay = async (amount: number, deliver = true): Promise<Order> => {
        const { order, action } = await payments.createPayment({
          provider: name,
          method: 'qr',
          amount,
          subject: '龙井',
        });
        sandbox.open(action);
        const notification = sandbox.pay(order.id);
        if (deliver) await payments.handleNotification(name, notification);
        return payments.getOrder(order.id);
      };
      const matched = await pay(1000);
      // missing_locally: the wallet has a paid trade the store never recorded.
      const foreign = await pay(1100);
      await sql`delete from ${sql.table(`${prefix}orders`)} where id = ${foreign.id}`.execute(db);
      // missing_at_wallet: the store has it paid, the wallet never saw a payment.
      const { order: unpaid } = await payments.createPayment({
        provider: name,
        method: 'qr',
        amount: 1200,
        subject: '龙井',
      });
      const stored = await payments.getOrder(unpaid.id);
      const now = new Date().toISOString();
      await store.update(
        {
          ...stored,
          status: 'paid',
          paidAmount: 1200,
          paidAt: now,
          providerTransactionId: 'nowhere',
          version: stored.version + 1,
          updatedAt: now,
        },
        stored.version,
      );
      // amount_mismatch: paid 1300 at the wallet, 1399 here.
      const differs = await pay(1300);
      await store.update({ ...differs, amount: 1399, paidAmount: 1399, version: differs.version + 1 }, differs.version);
      // status_mismatch: paid at the wallet, its notification lost; the store still has it pending.
      const lost = await pay(1400, false);
      expect(lost.status).toBe('pending');
      // refund_mismatch: a refund of 500 settled at the wallet, recorded here as 400.
      const refunded = await pay(1500);
      const { refund } = await payments.refund(refunded.id, { refundId: `R${refunded.id}`.slice(0, 32), amount: 500 });
      await payments.handleNotification(name, sandbox.settleRefund(refunded.id, refund.id));
      const afterRefund = await payments.sync(refunded.id);
      expect(afterRefund.refundedAmount).toBe(500);
      await store.update(
        {
          ...afterRefund,
          refundedAmount: 400,
          refunds: afterRefund.refunds.map((r) => ({ ...r, amount: 400 })),
          version: afterRefund.version + 1,
        },
        afterRefund.version,
      );

      const result = await payments.reconcileStatement({ provider: name, date: chinaDate() });
      const byOrder = (id: string) => result.differences.filter((d) => d.orderId === id).map((d) => d.code);
      expect(byOrder(foreign.id), 'missing locally').toEqual(['missing_locally']);
      expect(byOrder(unpaid.id), 'missing at the wallet').toEqual(['missing_at_wallet']);
      expect(byOrder(differs.id), 'amount').toEqual(['amount_mismatch']);
      expect(byOrder(lost.id), 'status').toEqual(['status_mismatch']);
      expect(result.differences.find((d) => d.orderId === lost.id)?.resolution).toBe('applied');
      expect(byOrder(refunded.id), 'refund').toEqual(['refund_mismatch']);
      expect(byOrder(matched.id), 'matched').toEqual([]);
      expect(result.differences).toHaveLength(5);
      // The verified query applied the lost payment; the file alone changed nothing else.
      expect((await payments.getOrder(lost.id)).status).toBe('paid');
      expect((await payments.getOrder(unpaid.id)).providerTransactionId).toBe('nowhere');
      // Totals: the statement's own payments and refunds, in fen.
      expect(result.totals.payments).toBe(1000 + 1100 + 1300 + 1400 + 1500);
      expect(result.totals.refunds).toBe(500);
      expect(result.totals.net).toBe(result.totals.payments - result.totals.refunds - result.totals.fees);
      // Stored, and a second run of the day replaces it.
      expect(await store.statements?.get(name, chinaDate(), null)).toMatchObject({ matched: result.matched });
      const again = await payments.reconcileStatement({ provider: name, date: chinaDate() });
      expect(again.differences.map((d) => d.code).sort()).toEqual(
        ['amount_mismatch', 'missing_at_wallet', 'missing_locally', 'refund_mismatch'].sort(),
      );
    }, 60_000);
  }
}

describeServerSuite('PostgreSQL (statement differences)', 'postgres', (url) => {
  plantedDay(
    'postgres',
    () => new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }) }),
  );
});

describeServerSuite('MariaDB/MySQL (statement differences)', 'mysql', (url) => {
  plantedDay(
    'mysql',
    () => new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 4 }) }) }),
  );
});
