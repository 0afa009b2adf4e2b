/**
 * The SQL store's platform tables on one engine (issues 23–25): orders by merchant and pending
 * splits, `getMany`, the `0005` backfill, transfers, statement results and the merchant directory
 * with its encrypted credentials and key rotation.
 */
import { randomBytes } from 'node:crypto';
import type { Order, Split, StatementResult, Transfer } from '@hutong/core';
import * as core from '@hutong/core';
import { ConflictError, HutongError, StoreError, ValidationError } from '@hutong/core';
import { hasPendingSplit, type OutboxEvent } from '@hutong/core/store-kit';
import { sampleOrder } from '@hutong/core/testing';
import {
  createSqlMerchantDirectory,
  createSqlStore,
  type MerchantEncryptionKeys,
  MerchantSecretError,
  migrateToLatest,
  type SqlOrderStore,
} from '@hutong/store-sql';
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSchema, runMigrations } from '../src/sql-schema.js';

type Tables = Record<string, Record<string, string | number | null>>;
const tables = (db: Kysely<unknown>) => db as unknown as Kysely<Tables>;

const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString();

function split(id: string, status: Split['status']): Split {
  return {
    id,
    amount: 100,
    status,
    receivers: [{ type: 'merchant', account: '1900000109', amount: 100, description: 'fee', status }],
    finish: false,
    providerSplitId: null,
    returns: [],
    createdAt: at(1),
    updatedAt: at(1),
  };
}

export function sampleTransfer(overrides: Partial<Transfer> = {}): Transfer {
  return {
    id: 'payout000001',
    provider: 'fake',
    merchant: null,
    amount: 500,
    currency: 'CNY',
    payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX', name: '张三' },
    remark: '佣金',
    status: 'created',
    providerTransferId: null,
    confirmation: null,
    failReason: null,
    providerOptions: {},
    version: 1,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

function sampleResult(overrides: Partial<StatementResult> = {}): StatementResult {
  return {
    provider: 'fake',
    date: '2024-01-01',
    merchant: null,
    matched: 10,
    differences: [],
    totals: { lines: 10, payments: 1000, refunds: 0, fees: 6, net: 994 },
    reconciledAt: at(30),
    ...overrides,
  };
}

function event(id: string, orderId: string, type = 'order.paid'): OutboxEvent {
  return { id, orderId, type, payload: { orderId }, createdAt: at(0) } as unknown as OutboxEvent;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const key = () => randomBytes(32);

/**
 * Registers the platform tests on the database `db()` gives (migrated under `prefix`); `fresh()`
 * is a prefix whose tables do not exist yet.
 */
export function runSqlPlatformTests(name: string, db: () => Kysely<unknown>, prefix: string, fresh: () => string) {
  const store = (): SqlOrderStore => createSqlStore({ db: db(), tablePrefix: prefix, migrate: false });
  const clear = async (...names: string[]) => {
    for (const table of names) await tables(db()).deleteFrom(`${prefix}${table}`).execute();
  };
  const outboxIds = async (ownerId: string) =>
    (await tables(db()).selectFrom(`${prefix}outbox`).select('id').where('order_id', '=', ownerId).execute()).map(
      (row) => row.id,
    );

  describe(`orders by merchant and pending splits on ${name}`, () => {
    beforeAll(() => clear('orders', 'outbox'));

    it('stores the merchant and the number of pending splits as columns', async () => {
      const s = store();
      await s.create(
        sampleOrder({
          id: 'platCols0001',
          merchant: 'shop-7',
          status: 'paid',
          paidAmount: 1999,
          splits: [
            split('sp1', 'pending'),
            split('sp2', 'succeeded'),
            split('sp3', 'pending'),
            // A settled split with a return still pending counts too (core's hasPendingSplit).
            {
              ...split('sp4', 'succeeded'),
              returns: [
                {
                  id: 'ret1',
                  account: '1900000109',
                  amount: 50,
                  status: 'pending',
                  createdAt: at(2),
                  updatedAt: at(2),
                },
              ],
            },
          ],
        }),
      );
      expect(hasPendingSplit((await s.get('platCols0001')) as Order)).toBe(true);
      await s.create(sampleOrder({ id: 'platCols0002' }));
      const rows = await tables(db())
        .selectFrom(`${prefix}orders`)
        .select(['id', 'merchant', 'pending_splits'])
        .where('id', 'in', ['platCols0001', 'platCols0002'])
        .orderBy('id')
        .execute();
      expect(rows.map((row) => [row.id, row.merchant, Number(row.pending_splits)])).toEqual([
        ['platCols0001', 'shop-7', 3],
        ['platCols0002', null, 0],
      ]);
    });

    it('lists one merchant’s orders, across pages, with the other filters', async () => {
      await clear('orders');
      const s = store();
      for (let i = 0; i < 30; i++) {
        await s.create(
          sampleOrder({
            id: `platM${String(i).padStart(7, '0')}`,
            merchant: i % 3 === 0 ? undefined : `shop-${i % 3}`,
            status: i % 2 === 0 ? 'pending' : 'paid',
            // Ties on updatedAt: the cursor must break them by id.
            updatedAt: at(i % 4),
          }),
        );
      }
      const all = async (query: Parameters<SqlOrderStore['listOrders']>[0]) => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await s.listOrders({ ...query, limit: 3, cursor });
          ids.push(...page.orders.map((o) => o.id));
          cursor = page.cursor;
        } while (cursor);
        return ids.sort();
      };
      const expected = (pick: (i: number) => boolean) =>
        Array.from({ length: 30 }, (_, i) => i)
          .filter(pick)
          .map((i) => `platM${String(i).padStart(7, '0')}`);
      expect(await all({ merchant: 'shop-1' })).toEqual(expected((i) => i % 3 === 1));
      expect(await all({ merchant: 'shop-2', status: 'paid' })).toEqual(expected((i) => i % 3 === 2 && i % 2 === 1));
      expect(await all({ merchant: 'shop-9' })).toEqual([]);
      expect(await all({})).toEqual(expected(() => true));
    });

    it('lists orders with and without a pending split, following updates', async () => {
      await clear('orders');
      const s = store();
      const pending = sampleOrder({ id: 'platSplit001', status: 'paid', splits: [split('sp1', 'pending')] });
      await s.create(pending);
      await s.create(sampleOrder({ id: 'platSplit002', status: 'paid', splits: [split('sp1', 'succeeded')] }));
      await s.create(sampleOrder({ id: 'platSplit003', status: 'paid' }));
      const ids = async (hasPendingSplits: boolean) =>
        (await s.listOrders({ hasPendingSplits })).orders.map((o) => o.id).sort();
      expect(await ids(true)).toEqual(['platSplit001']);
      expect(await ids(false)).toEqual(['platSplit002', 'platSplit003']);
      expect(await s.update({ ...pending, version: 2, updatedAt: at(5), splits: [split('sp1', 'succeeded')] }, 1)).toBe(
        true,
      );
      expect(await ids(true)).toEqual([]);
      expect(await ids(false)).toEqual(['platSplit001', 'platSplit002', 'platSplit003']);
    });

    it('refuses a merchant filter or an order merchant no column can hold', async () => {
      const s = store();
      for (const merchant of ['', 'x'.repeat(65), 'shop\u0000one']) {
        const error = await rejection(s.listOrders({ merchant }));
        expect(ValidationError.isInstance(error) && error.field).toBe('merchant');
      }
      const error = await rejection(s.create(sampleOrder({ id: 'platBadM0001', merchant: 'x'.repeat(65) })));
      expect(ValidationError.isInstance(error) && error.field).toBe('order.merchant');
      const flag = await rejection(s.listOrders({ hasPendingSplits: 'yes' as unknown as boolean }));
      expect(ValidationError.isInstance(flag) && flag.field).toBe('hasPendingSplits');
    });

    it('getMany returns the orders found, once each, in one statement per thousand ids', async () => {
      await clear('orders');
      const s = store();
      const ids = Array.from({ length: 2100 }, (_, i) => `platMany${String(i).padStart(5, '0')}`);
      // Inserted in bulk (2100 creates would take a while on a server).
      const rows = ids.map((id, i) => {
        const order = sampleOrder({ id, amount: 100 + i, merchant: 'shop-1' });
        return {
          id,
          provider: 'fake',
          status: 'created',
          version: 1,
          pending_refunds: 0,
          merchant: 'shop-1',
          pending_splits: 0,
          expires_at: null,
          updated_at: Date.parse(order.updatedAt),
          created_at: Date.parse(order.createdAt),
          data: JSON.stringify(order),
        };
      });
      for (let i = 0; i < rows.length; i += 300) {
        await tables(db())
          .insertInto(`${prefix}orders`)
          .values(rows.slice(i, i + 300))
          .execute();
      }
      const asked = [...ids.filter((_, i) => i % 2 === 0), 'platMissing1', 'platMany00000', 'bad\u0000id'];
      const found = await s.getMany(asked);
      expect(found.map((o) => o.id).sort()).toEqual(ids.filter((_, i) => i % 2 === 0));
      expect(found.find((o) => o.id === 'platMany00002')?.amount).toBe(102);
      expect(await s.getMany([])).toEqual([]);
      expect(await s.getMany(['platMissing1'])).toEqual([]);
      const error = await rejection(s.getMany('platMany00000' as unknown as string[]));
      expect(ValidationError.isInstance(error) && error.field).toBe('ids');
    });

    it('migrations 0005 and 0009 fill merchant, pending_splits and the split index from orders stored before them', async () => {
      const tablePrefix = fresh();
      const schema = resolveSchema(db(), { tablePrefix });
      expect(await runMigrations(db(), schema, '0004_create_checkout')).toHaveLength(4);
      const older = (order: Order) => ({
        id: order.id,
        provider: order.provider,
        status: order.status,
        version: order.version,
        pending_refunds: 0,
        expires_at: null,
        updated_at: Date.parse(order.updatedAt),
        created_at: Date.parse(order.createdAt),
        data: JSON.stringify(order),
      });
      const orders = [
        sampleOrder({ id: 'backfill0001', merchant: 'shop-1', splits: [split('a', 'pending'), split('b', 'pending')] }),
        sampleOrder({ id: 'backfill0002', merchant: 'shop-2' }),
        sampleOrder({ id: 'backfill0003', splits: [split('a', 'closed')] }),
        sampleOrder({ id: 'backfill0004' }),
      ];
      await tables(db()).insertInto(`${tablePrefix}orders`).values(orders.map(older)).execute();
      expect(await migrateToLatest(db(), { tablePrefix })).toEqual([
        '0005_orders_merchant_splits',
        '0006_create_merchants',
        '0007_create_transfers',
        '0008_create_statement_results',
        '0009_create_order_splits',
        '0010_order_splits_trade',
      ]);
      const rows = await tables(db())
        .selectFrom(`${tablePrefix}orders`)
        .select(['id', 'merchant', 'pending_splits'])
        .orderBy('id')
        .execute();
      expect(rows.map((row) => [row.id, row.merchant, Number(row.pending_splits)])).toEqual([
        ['backfill0001', 'shop-1', 2],
        ['backfill0002', 'shop-2', 0],
        ['backfill0003', null, 0],
        ['backfill0004', null, 0],
      ]);
      const s = createSqlStore({ db: db(), tablePrefix, migrate: false });
      expect((await s.listOrders({ merchant: 'shop-1', hasPendingSplits: true })).orders.map((o) => o.id)).toEqual([
        'backfill0001',
      ]);
      const bySplit = async (splitId: string) => (await s.findOrdersBySplit('fake', splitId)).map((o) => o.id).sort();
      expect(await bySplit('a')).toEqual(['backfill0001', 'backfill0003']);
      expect(await bySplit('b')).toEqual(['backfill0001']);
      expect(await bySplit('c')).toEqual([]);
    });
  });

  describe(`store.transfers on ${name}`, () => {
    beforeAll(() => clear('transfers', 'outbox'));

    it('creates, reads and refuses a duplicate id with ConflictError duplicate_transfer', async () => {
      const { transfers } = store();
      const transfer = sampleTransfer({ id: 'tfCreate0001', merchant: 'shop-1' });
      await transfers.create(transfer);
      expect(await transfers.get('tfCreate0001')).toEqual(transfer);
      expect(await transfers.get('tfMissing001')).toBeUndefined();
      expect(await transfers.get('bad\u0000id')).toBeUndefined();
      const error = await rejection(transfers.create(sampleTransfer({ id: 'tfCreate0001', amount: 1 })));
      expect(ConflictError.isInstance(error) && error.code).toBe('duplicate_transfer');
      expect((await transfers.get('tfCreate0001'))?.amount).toBe(500);
    });

    it('lets one of many concurrent creates of one id win', async () => {
      const { transfers } = store();
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => transfers.create(sampleTransfer({ id: 'tfRace000001', amount: 100 + i }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected')
          expect(ConflictError.isInstance(r.reason) && r.reason.code).toBe('duplicate_transfer');
      }
    });

    it('writes events with the transfer, in one transaction', async () => {
      const { transfers } = store();
      await transfers.create(sampleTransfer({ id: 'tfEvents0001' }), [event('tfEvents0001:1:0', 'tfEvents0001')]);
      expect(await outboxIds('tfEvents0001')).toEqual(['tfEvents0001:1:0']);
      // An event id already stored fails the insert: the transfer is not stored either.
      const error = await rejection(
        transfers.create(sampleTransfer({ id: 'tfEvents0002' }), [event('tfEvents0001:1:0', 'tfEvents0002')]),
      );
      expect(HutongError.isInstance(error)).toBe(true);
      expect(await transfers.get('tfEvents0002')).toBeUndefined();
    });

    it('updates by compare-and-set on version, with its events only when it wrote', async () => {
      const { transfers } = store();
      const transfer = sampleTransfer({ id: 'tfUpdate0001' });
      await transfers.create(transfer);
      const processing: Transfer = { ...transfer, status: 'processing', version: 2, updatedAt: at(2) };
      expect(await transfers.update(processing, 1, [event('tfUpdate0001:2:0', 'tfUpdate0001')])).toBe(true);
      const stale: Transfer = { ...transfer, status: 'failed', version: 2, updatedAt: at(3) };
      expect(await transfers.update(stale, 1, [event('tfUpdate0001:2:1', 'tfUpdate0001')])).toBe(false);
      expect(await transfers.get('tfUpdate0001')).toEqual(processing);
      expect(await outboxIds('tfUpdate0001')).toEqual(['tfUpdate0001:2:0']);
      expect(await transfers.update(sampleTransfer({ id: 'tfAbsent0001', version: 2 }), 1)).toBe(false);
      const racers = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          transfers.update({ ...processing, status: 'succeeded', version: 3, remark: `r${i}` }, 2),
        ),
      );
      expect(racers.filter(Boolean)).toHaveLength(1);
    });

    it('getMany returns the transfers found, once each', async () => {
      const { transfers } = store();
      await transfers.create(sampleTransfer({ id: 'tfMany000001' }));
      await transfers.create(sampleTransfer({ id: 'tfMany000002' }));
      const found = await transfers.getMany(['tfMany000002', 'tfMany000001', 'tfMany000001', 'tfNope000001']);
      expect(found.map((t) => t.id).sort()).toEqual(['tfMany000001', 'tfMany000002']);
      expect(await transfers.getMany([])).toEqual([]);
    });

    it('lists by status, provider, merchant and time, oldest first, in pages', async () => {
      await clear('transfers');
      const { transfers } = store();
      const made: Transfer[] = [];
      for (let i = 0; i < 24; i++) {
        const transfer = sampleTransfer({
          id: `tfList${String(i).padStart(6, '0')}`,
          provider: i % 2 === 0 ? 'fake' : 'other',
          merchant: i % 3 === 0 ? null : `shop-${i % 3}`,
          status: i % 4 === 0 ? 'succeeded' : 'processing',
          updatedAt: at(10 - (i % 5)),
        });
        made.push(transfer);
        await transfers.create(transfer);
      }
      const order = (list: Transfer[]) =>
        [...list].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || (a.id < b.id ? -1 : 1)).map((t) => t.id);
      const pages = async (query: Parameters<typeof transfers.list>[0]) => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await transfers.list({ ...query, limit: 4, cursor });
          expect(page.transfers.length).toBeLessThanOrEqual(4);
          ids.push(...page.transfers.map((t) => t.id));
          cursor = page.cursor;
        } while (cursor);
        return ids;
      };
      expect(await pages({})).toEqual(order(made));
      expect(await pages({ status: 'succeeded' })).toEqual(order(made.filter((t) => t.status === 'succeeded')));
      expect(await pages({ status: ['succeeded', 'processing'], provider: 'other' })).toEqual(
        order(made.filter((t) => t.provider === 'other')),
      );
      expect(await pages({ merchant: 'shop-2' })).toEqual(order(made.filter((t) => t.merchant === 'shop-2')));
      expect(await pages({ updatedBefore: new Date(at(8)) })).toEqual(order(made.filter((t) => t.updatedAt < at(8))));
      const last = await transfers.list({ limit: 24 });
      expect(last.cursor).toBeNull();
    });

    it('refuses a bad limit, status or cursor with ValidationError', async () => {
      const { transfers } = store();
      const field = async (query: Parameters<typeof transfers.list>[0]) => {
        const error = await rejection(transfers.list(query));
        return ValidationError.isInstance(error) ? error.field : error;
      };
      expect(await field({ limit: 0 })).toBe('limit');
      expect(await field({ limit: 1001 })).toBe('limit');
      expect(await field({ status: [] })).toBe('status');
      expect(await field({ status: 'paid' as unknown as 'created' })).toBe('status');
      expect(await field({ cursor: 'not-a-cursor' })).toBe('cursor');
    });
  });

  describe(`store.statements on ${name}`, () => {
    beforeAll(() => clear('statement_results', 'outbox'));

    it('keeps one result per provider, date and merchant, replaced on a rerun', async () => {
      const { statements } = store();
      const own = sampleResult();
      const shop = sampleResult({ merchant: 'shop-1', matched: 3 });
      await statements.put(own);
      await statements.put(shop);
      expect(await statements.get('fake', '2024-01-01', null)).toEqual(own);
      expect(await statements.get('fake', '2024-01-01', 'shop-1')).toEqual(shop);
      expect(await statements.get('fake', '2024-01-02', null)).toBeUndefined();
      expect(await statements.get('other', '2024-01-01', null)).toBeUndefined();
      const rerun = sampleResult({
        matched: 9,
        reconciledAt: at(50),
        differences: [
          {
            code: 'missing_locally',
            kind: 'payment',
            orderId: 'o1',
            providerTradeId: 't1',
            statementAmount: 100,
            storeAmount: null,
            line: 2,
          },
        ],
      });
      await statements.put(rerun);
      expect(await statements.get('fake', '2024-01-01', null)).toEqual(rerun);
      expect(await statements.get('fake', '2024-01-01', 'shop-1')).toEqual(shop);
      const rows = await tables(db()).selectFrom(`${prefix}statement_results`).select('provider').execute();
      expect(rows).toHaveLength(2);
    });

    it('writes its events in the same transaction: a failed event leaves the earlier result', async () => {
      const { statements } = store();
      const first = sampleResult({ date: '2024-02-01' });
      await statements.put(first, [event('stmt:fake:2024-02-01:1', 'stmt:fake:2024-02-01', 'statement.reconciled')]);
      expect(await outboxIds('stmt:fake:2024-02-01')).toEqual(['stmt:fake:2024-02-01:1']);
      const error = await rejection(
        statements.put(sampleResult({ date: '2024-02-01', matched: 99 }), [
          event('stmt:fake:2024-02-01:1', 'stmt:fake:2024-02-01', 'statement.reconciled'),
        ]),
      );
      expect(HutongError.isInstance(error)).toBe(true);
      expect(await statements.get('fake', '2024-02-01', null)).toEqual(first);
    });

    it('lets concurrent reruns of one day all succeed, one result left', async () => {
      const { statements } = store();
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => statements.put(sampleResult({ date: '2024-03-01', matched: i }))),
      );
      const rows = await tables(db())
        .selectFrom(`${prefix}statement_results`)
        .select('data')
        .where('statement_date', '=', '2024-03-01')
        .execute();
      expect(rows).toHaveLength(1);
    });

    it('refuses a malformed date', async () => {
      const { statements } = store();
      for (const date of ['2024-1-01', '20240101', 'yesterday']) {
        const error = await rejection(statements.get('fake', date, null));
        expect(ValidationError.isInstance(error) && error.field).toBe('date');
      }
    });
  });

  describe(`createSqlMerchantDirectory on ${name}`, () => {
    const k1 = key();
    const k2 = key();
    const TOKEN = 'authTokenSECRET-9f8e7d6c5b4a';
    const REFRESH = 'refreshTokenSECRET-1a2b3c4d';
    const directory = (encryptionKeys: MerchantEncryptionKeys) =>
      createSqlMerchantDirectory({ db: db(), tablePrefix: prefix, migrate: false, encryptionKeys });
    const alipay = {
      merchant: 'shop-42',
      provider: 'alipay',
      accountId: '2021000000000001',
      name: '老王煎饼',
      enabled: true,
      fields: { appAuthToken: TOKEN, appRefreshToken: REFRESH, expiresAt: '2025-01-01T00:00:00Z' },
    };
    const wechat = {
      merchant: 'shop-42',
      provider: 'wechatpay',
      accountId: '1900000109',
      enabled: true,
      fields: { subAppId: 'wx8888888888888888' },
    };
    beforeAll(() => clear('merchants'));

    it('puts, resolves and lists accounts', async () => {
      const d = directory({ current: 'k1', keys: { k1 } });
      await d.put(alipay);
      await d.put(wechat);
      expect(await d.resolve('shop-42', 'alipay')).toEqual(alipay);
      expect(await d.resolve('shop-42', 'wechatpay')).toEqual(wechat);
      expect(await d.list('shop-42')).toEqual([alipay, wechat]);
      expect(await d.list('shop-00')).toEqual([]);
      // put replaces (a refreshed token).
      const refreshed = { ...alipay, fields: { ...alipay.fields, appAuthToken: `${TOKEN}-2` } };
      await d.put(refreshed);
      expect(await d.resolve('shop-42', 'alipay')).toEqual(refreshed);
      await d.put(alipay);
    });

    it('keeps no credential, and no field name, in clear in the table', async () => {
      const rows = await tables(db()).selectFrom(`${prefix}merchants`).selectAll().execute();
      expect(rows.length).toBeGreaterThanOrEqual(2);
      const raw = JSON.stringify(rows);
      for (const secret of [TOKEN, REFRESH, 'SECRET', 'appAuthToken', 'wx8888888888888888', 'subAppId']) {
        expect(raw).not.toContain(secret);
        expect(raw).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
      }
      for (const row of rows) {
        expect(row.key_id).toBe('k1');
        expect(String(row.fields)).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
      }
      // The plain columns are what routing needs, not secrets.
      expect(raw).toContain('2021000000000001');
    });

    it('answers unknown, not onboarded and disabled merchants with their codes', async () => {
      const d = directory({ current: 'k1', keys: { k1 } });
      await d.put({ ...wechat, merchant: 'shop-off', enabled: false });
      const code = async (merchant: string, provider: string) => {
        const error = await rejection(d.resolve(merchant, provider));
        expect(HutongError.isInstance(error)).toBe(true);
        // Core's MerchantError once the core in use has it (the platform-mode branch adds it).
        const { MerchantError } = core as unknown as { MerchantError?: { isInstance(e: unknown): boolean } };
        if (MerchantError) expect(MerchantError.isInstance(error)).toBe(true);
        expect(String((error as Error).message)).not.toContain(TOKEN);
        return (error as HutongError).code;
      };
      expect(await code('shop-none', 'alipay')).toBe('unknown_merchant');
      expect(await code('shop-42', 'unionpay')).toBe('merchant_not_enabled');
      expect(await code('shop-off', 'wechatpay')).toBe('merchant_disabled');
      // Listing shows a disabled account as it is.
      expect((await d.list('shop-off')).map((a) => a.enabled)).toEqual([false]);
    });

    it('refuses to open rows with a wrong or missing key: a typed error, never garbage', async () => {
      const wrong = directory({ current: 'k1', keys: { k1: k2 } });
      const failed = await rejection(wrong.resolve('shop-42', 'alipay'));
      expect(MerchantSecretError.isInstance(failed) && [failed.reason, failed.keyId]).toEqual([
        'decryption_failed',
        'k1',
      ]);
      expect(StoreError.isInstance(failed) && failed.code).toBe('store_error');
      expect(String((failed as Error).message)).not.toContain(TOKEN);
      const missing = directory({ current: 'k2', keys: { k2 } });
      const unknown = await rejection(missing.list('shop-42'));
      expect(MerchantSecretError.isInstance(unknown) && unknown.reason).toBe('unknown_key');
    });

    it('refuses a row whose ciphertext was moved onto another merchant (bound to merchant and provider)', async () => {
      const d = directory({ current: 'k1', keys: { k1 } });
      await d.put({ ...alipay, merchant: 'shop-43', fields: { appAuthToken: 'other' } });
      const source = await tables(db())
        .selectFrom(`${prefix}merchants`)
        .select('fields')
        .where('merchant', '=', 'shop-42')
        .where('provider', '=', 'alipay')
        .executeTakeFirstOrThrow();
      await tables(db())
        .updateTable(`${prefix}merchants`)
        .set({ fields: source.fields })
        .where('merchant', '=', 'shop-43')
        .execute();
      const error = await rejection(d.resolve('shop-43', 'alipay'));
      expect(MerchantSecretError.isInstance(error) && error.reason).toBe('decryption_failed');
      await tables(db()).deleteFrom(`${prefix}merchants`).where('merchant', '=', 'shop-43').execute();
    });

    it('rotate() re-seals every row under the current key; the old key is then not needed', async () => {
      const rotating = directory({ current: 'k2', keys: { k1, k2 } });
      // Reads work across keys while rows are mixed.
      await rotating.put({ ...wechat, merchant: 'shop-new' });
      expect(await rotating.resolve('shop-42', 'alipay')).toEqual(alipay);
      const before = await tables(db()).selectFrom(`${prefix}merchants`).select('key_id').execute();
      const underK1 = before.filter((row) => row.key_id === 'k1').length;
      expect(underK1).toBeGreaterThanOrEqual(3);
      expect(await rotating.rotate({ batchSize: 1 })).toEqual({ rotated: underK1 });
      expect(await rotating.rotate()).toEqual({ rotated: 0 });
      const after = await tables(db()).selectFrom(`${prefix}merchants`).select('key_id').execute();
      expect(new Set(after.map((row) => row.key_id))).toEqual(new Set(['k2']));
      const onlyK2 = directory({ current: 'k2', keys: { k2 } });
      expect(await onlyK2.resolve('shop-42', 'alipay')).toEqual(alipay);
      expect(await onlyK2.list('shop-42')).toEqual([alipay, wechat]);
      const onlyK1 = directory({ current: 'k1', keys: { k1 } });
      const error = await rejection(onlyK1.resolve('shop-42', 'alipay'));
      expect(MerchantSecretError.isInstance(error) && error.reason).toBe('unknown_key');
      // A rotation that meets a row under a key it was not given says so.
      const stuck = await rejection(directory({ current: 'k3', keys: { k3: key() } }).rotate());
      expect(MerchantSecretError.isInstance(stuck) && stuck.reason).toBe('unknown_key');
    });

    it('refuses bad keys and accounts with ValidationError, never quoting a key or a token', () => {
      const field = (run: () => unknown) => {
        try {
          run();
        } catch (error) {
          expect(String((error as Error).message)).not.toContain('c2hvcnQ');
          return ValidationError.isInstance(error) ? error.field : error;
        }
        return undefined;
      };
      expect(field(() => directory({ current: 'k1', keys: { k1: 'c2hvcnQ=' } }))).toBe('encryptionKeys.keys.k1');
      expect(field(() => directory({ current: 'k9', keys: { k1 } }))).toBe('encryptionKeys.current');
      expect(field(() => directory(undefined as unknown as MerchantEncryptionKeys))).toBe('encryptionKeys');
      expect(field(() => directory({ current: 'k1', keys: { k1: k1.toString('hex') } }))).toBeUndefined();
      expect(field(() => directory({ current: 'k1', keys: { k1: k1.toString('base64') } }))).toBeUndefined();
    });

    it('refuses an account that breaks the contract', async () => {
      const d = directory({ current: 'k1', keys: { k1 } });
      const field = async (account: unknown) => {
        const error = await rejection(d.put(account as typeof alipay));
        expect(String((error as Error).message)).not.toContain(TOKEN);
        return ValidationError.isInstance(error) ? error.field : error;
      };
      expect(await field({ ...alipay, merchant: '' })).toBe('account.merchant');
      expect(await field({ ...alipay, enabled: 'yes' })).toBe('account.enabled');
      expect(await field({ ...alipay, accountId: '' })).toBe('account.accountId');
      expect(await field({ ...alipay, fields: { appAuthToken: 42 } })).toBe('account.fields.appAuthToken');
    });

    it('keys rows as the contract does: the same merchant key with different case is another merchant', async () => {
      const d = directory({ current: 'k1', keys: { k1 } });
      const error = await rejection(d.resolve('SHOP-42', 'alipay'));
      expect((error as HutongError).code).toBe('unknown_merchant');
    });
  });
}
