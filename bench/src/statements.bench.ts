/**
 * Closing a day: a synthetic WeChat Pay trade bill (ALL, backquote-prefixed CSV with its summary
 * rows) of 100k and 1M payments, one in twenty of them partly refunded ten minutes later (a REFUND
 * record in time order, 退款状态 SUCCESS), streamed from a file through `parseWechatpayBill` and matched by
 * `matchStatement` against a SQL store holding the matching orders (SQLite through libsql, and
 * PostgreSQL when a server answers), the day's window included (the store's orders of that day are
 * listed for `missing_at_wallet`). Beside it, the raw read-and-split rate of the same file: the
 * ceiling. Each size runs in a child process of its own, so its peak RSS is the day's alone.
 * Orders are written with multi-row inserts straight into the table; only parse + match is timed.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWechatpayBill } from '@hutong/adapter-wechatpay';
import { formatYuan, matchStatement, type Order, statementDayWindow } from '@hutong/core';
import { createSqlStore, migrateToLatest } from '@hutong/store-sql';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import Libsql from 'libsql';
import pg from 'pg';

const DAY = '2026-12-01';
/** The goals of issue 25: the whole day in at most 30 s, in at most 256 MB, flat as the day grows. */
const DAY_SECONDS_GOAL = 30;
const RSS_MB_GOAL = 256;
const SIZES = (process.env.HUTONG_BENCH_STATEMENT_SIZES ?? '100000,1000000').split(',').map(Number);
const ROWS_PER_INSERT = 500;
const DAY_START_MS = statementDayWindow(DAY).from.getTime();

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

const orderId = (i: number) => `bench${String(i).padStart(10, '0')}`;
const tradeId = (i: number) => `42000000002026120100${String(i).padStart(8, '0')}`;
const refundNo = (i: number) => `rf${String(i).padStart(10, '0')}`;
const amountOf = (i: number) => 100 + (i % 9900);
const feeOf = (amount: number) => Math.round((amount * 6) / 1000);
/** Seconds into the day of record `i` of `n`, spread over the day. */
const secondOf = (i: number, n: number) => Math.floor((i * 86_399) / Math.max(1, n - 1));
/** One order in twenty is partly refunded (half its amount), ten minutes after its payment, within the day. */
const REFUND_EVERY = 20;
const refunded = (i: number) => i % REFUND_EVERY === 0;
const refundAmountOf = (i: number) => Math.floor(amountOf(i) / 2);
const refundSecondOf = (i: number, n: number) => Math.min(86_399, secondOf(i, n) + 600);
/** The records of a bill of `n` payments: the payments and their refunds. */
export const recordsOf = (n: number) => n + Math.ceil(n / REFUND_EVERY);

function wallTime(second: number): string {
  const two = (v: number) => String(v).padStart(2, '0');
  return `${DAY} ${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}`;
}

/** The fee column's five decimals, from fen. */
const fee5 = (fen: number) => `${formatYuan(fen)}000`;

/** Writes the bill of `n` paid orders and their refunds, in time order, as WeChat Pay's trade bill (ALL) has them. */
export async function writeBill(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write(`${HEADER}\r\n`);
  let records = 0;
  let total = 0;
  let refundTotal = 0;
  let fees5 = 0;
  let chunk = '';
  // Refunds come ten minutes after their payments: a queue in time order, written as the day reaches them.
  const refunds: number[] = [];
  const refundRow = (j: number) => {
    const amount = refundAmountOf(j);
    refundTotal += amount;
    fees5 -= feeOf(amount) * 1000;
    records++;
    return `\`${wallTime(refundSecondOf(j, n))},\`wx8888888888888888,\`1900000100,\`0,\`,\`${tradeId(j)},\`${orderId(j)},\`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,\`NATIVE,\`REFUND,\`OTHERS,\`CNY,\`0.00,\`0.00,\`50300${String(j).padStart(12, '0')},\`${refundNo(j)},\`${formatYuan(amount)},\`0.00,\`ORIGINAL,\`SUCCESS,\`Tea,\`,\`-${fee5(feeOf(amount))},\`0.60%,\`0.00,\`${formatYuan(amount)},\`\r\n`;
  };
  for (let i = 0; i < n; i++) {
    while (refunds.length > 0 && refundSecondOf(refunds[0] as number, n) <= secondOf(i, n)) {
      chunk += refundRow(refunds.shift() as number);
    }
    const amount = amountOf(i);
    const fee = feeOf(amount);
    total += amount;
    fees5 += fee * 1000;
    records++;
    const yuan = formatYuan(amount);
    chunk += `\`${wallTime(secondOf(i, n))},\`wx8888888888888888,\`1900000100,\`0,\`,\`${tradeId(i)},\`${orderId(i)},\`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,\`NATIVE,\`SUCCESS,\`OTHERS,\`CNY,\`${yuan},\`0.00,\`0,\`0,\`0.00,\`0.00,\`,\`,\`Tea,\`,\`${fee5(fee)},\`0.60%,\`${yuan},\`0.00,\`\r\n`;
    if (refunded(i)) refunds.push(i);
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  for (const j of refunds) chunk += refundRow(j);
  await write(chunk);
  if (records !== recordsOf(n)) throw new Error(`wrote ${records} records, expected ${recordsOf(n)}`);
  const fees = `${fees5 < 0 ? '-' : ''}${formatYuan(Math.abs(fees5) / 1000)}000`;
  await write(`${SUMMARY_HEADER}\r\n`);
  await write(
    `\`${records},\`${formatYuan(total)},\`${formatYuan(refundTotal)},\`0.00,\`${fees},\`${formatYuan(total)},\`${formatYuan(refundTotal)}\r\n`,
  );
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** The order the store holds for payment `i`: paid during the day, for the bill's amount, and its refund if it has one. */
export function orderOf(i: number, n: number): Order {
  const at = new Date(DAY_START_MS + secondOf(i, n) * 1000).toISOString();
  const amount = amountOf(i);
  const refundAt = new Date(DAY_START_MS + refundSecondOf(i, n) * 1000).toISOString();
  const refund = refunded(i)
    ? {
        id: refundNo(i),
        amount: refundAmountOf(i),
        status: 'succeeded' as const,
        providerRefundId: `50300${String(i).padStart(12, '0')}`,
        reason: null,
        createdAt: refundAt,
        updatedAt: refundAt,
      }
    : undefined;
  return {
    id: orderId(i),
    provider: 'wechatpay',
    method: 'qr',
    amount,
    currency: 'CNY',
    subject: 'Tea',
    status: refund ? 'partially_refunded' : 'paid',
    paidAmount: amount,
    refundedAmount: refund?.amount ?? 0,
    providerTransactionId: tradeId(i),
    refunds: refund ? [refund] : [],
    anomalies: [],
    version: refund ? 5 : 3,
    buyerId: null,
    expiresAt: null,
    paidAt: at,
    notifyUrl: null,
    returnUrl: null,
    metadata: {},
    providerData: {},
    createdAt: at,
    updatedAt: refund ? refundAt : at,
  };
}

export const COLUMNS = [
  'id',
  'provider',
  'status',
  'version',
  'pending_refunds',
  'expires_at',
  'updated_at',
  'created_at',
  'data',
  'merchant',
  'pending_splits',
] as const;

export function rowOf(order: Order): unknown[] {
  const at = Date.parse(order.updatedAt);
  return [order.id, order.provider, order.status, order.version, 0, null, at, at, JSON.stringify(order), null, 0];
}

/** Writes the `n` orders straight into the table, `ROWS_PER_INSERT` rows per statement. */
async function populate(n: number, insert: (rows: unknown[][]) => Promise<void>): Promise<void> {
  for (let start = 0; start < n; start += ROWS_PER_INSERT) {
    const rows: unknown[][] = [];
    for (let i = start; i < Math.min(n, start + ROWS_PER_INSERT); i++) rows.push(rowOf(orderOf(i, n)));
    await insert(rows);
  }
}

interface ChildResult {
  lines: number;
  matched: number;
  differences: number;
  matchSeconds: number;
  rawSeconds: number;
  rawLines: number;
  peakRssMb: number;
}

// ── The child: one engine, one size, one file ────────────────────────────────────────────────

async function rawReadAndSplit(file: string): Promise<{ lines: number; seconds: number }> {
  const started = performance.now();
  let lines = 0;
  let fields = 0;
  let tail = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const parts = (tail + chunk).split('\n');
    tail = parts.pop() ?? '';
    for (const part of parts) {
      fields += part.split(',').length;
      lines++;
    }
  }
  if (fields === 0) throw new Error('nothing read');
  return { lines, seconds: (performance.now() - started) / 1000 };
}

/**
 * This process's peak RSS in MB. Linux's `VmHWM` belongs to the process image since its exec;
 * `getrusage`'s `maxRSS` is not used because Linux carries it across exec, so a child would report
 * its parent's peak (the parent holds the generated orders).
 */
function peakRssMb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

async function child(engine: string, file: string, prefix: string, target: string): Promise<void> {
  const raw = await rawReadAndSplit(file);
  let db: Kysely<unknown>;
  if (engine === 'sqlite') db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Libsql(target) }) });
  else
    db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target, max: 4 }) }),
    });
  const store = createSqlStore({ db, tablePrefix: prefix, migrate: false });
  const started = performance.now();
  const lines = parseWechatpayBill(createReadStream(file, { highWaterMark: 1 << 16 }), { kind: 'trade' });
  const result = await matchStatement(lines, store, { provider: 'wechatpay', window: statementDayWindow(DAY) });
  const matchSeconds = (performance.now() - started) / 1000;
  await db.destroy();
  const out: ChildResult = {
    lines: result.totals.lines,
    matched: result.matched,
    differences: result.differences.length,
    matchSeconds,
    rawSeconds: raw.seconds,
    rawLines: raw.lines,
    peakRssMb: peakRssMb(),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// ── The parent: files, databases, one child per size ────────────────────────────────────────

function runChild(engine: string, file: string, prefix: string, target: string): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, self, '--statements-child', engine, file, prefix, target],
    { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(output.trim().split('\n').at(-1) as string) as ChildResult;
}

interface Engine {
  name: string;
  key: string;
  target: string;
  db: () => Kysely<unknown>;
  insert: (table: string) => (rows: unknown[][]) => Promise<void>;
  close?: () => Promise<void>;
}

function print(name: string, size: number, r: ChildResult): boolean {
  const rate = r.lines / r.matchSeconds;
  const ceiling = r.rawLines / r.rawSeconds;
  const daySeconds = (r.matchSeconds * 1_000_000) / r.lines;
  const dayOk = daySeconds <= DAY_SECONDS_GOAL;
  const rssOk = r.peakRssMb <= RSS_MB_GOAL;
  const exact = r.matched === r.lines && r.differences === 0 && r.lines === recordsOf(size);
  const k = (v: number) => `${(v / 1000).toFixed(1)}k`;
  console.log(
    `  ${name}, ${size.toLocaleString('en')} payments (${r.lines.toLocaleString('en')} lines with the refunds):`,
  );
  console.log(`    parse + match        ${k(rate).padStart(9)} lines/s   ${r.matchSeconds.toFixed(2).padStart(7)} s`);
  console.log(
    `    read + split (ceiling) ${k(ceiling).padStart(7)} lines/s   ${r.rawSeconds.toFixed(2).padStart(7)} s   hutong ÷ ceiling ${(rate / ceiling).toFixed(3)}`,
  );
  console.log(
    `    a day of 1M lines at this rate ${daySeconds.toFixed(1).padStart(6)} s   target ≤ ${DAY_SECONDS_GOAL} s   ${dayOk ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `    peak RSS             ${r.peakRssMb.toFixed(0).padStart(6)} MB   target ≤ ${RSS_MB_GOAL} MB   ${rssOk ? 'PASS' : 'FAIL'}`,
  );
  if (!exact) console.log(`    FAIL: matched ${r.matched} of ${r.lines} lines with ${r.differences} differences`);
  return dayOk && rssOk && exact;
}

async function benchEngine(engine: Engine, files: Map<number, string>): Promise<boolean> {
  let ok = true;
  const peaks: number[] = [];
  for (const size of SIZES) {
    const prefix = `bstmt${process.pid}_${size}_`;
    const db = engine.db();
    try {
      await migrateToLatest(db, { tablePrefix: prefix });
      const populated = performance.now();
      await populate(size, engine.insert(`${prefix}orders`));
      if (engine.key === 'postgres') await sql.raw(`analyze ${prefix}orders`).execute(db);
      const setup = ((performance.now() - populated) / 1000).toFixed(1);
      console.log(`  (${size.toLocaleString('en')} orders written in ${setup} s, not timed)`);
      const result = runChild(engine.key, files.get(size) as string, prefix, engine.target);
      ok = print(engine.name, size, result) && ok;
      peaks.push(result.peakRssMb);
    } finally {
      for (const table of [
        'outbox_claims',
        'outbox_cursors',
        'outbox',
        'order_claims',
        'orders',
        'checkout_tokens',
        'checkout_attempts',
        'checkout_sessions',
        'merchants',
        'transfers',
        'statement_results',
        'migrations',
        'migration_lock',
      ]) {
        await db.schema
          .dropTable(`${prefix}${table}`)
          .ifExists()
          .execute()
          .catch(() => undefined);
      }
      await db.destroy();
    }
  }
  if (peaks.length >= 2) {
    const growth = (peaks.at(-1) as number) / (peaks[0] as number);
    const flat = growth <= 1.5;
    console.log(
      `  ${engine.name}: peak RSS at ${SIZES.at(-1)?.toLocaleString('en')} ÷ at ${SIZES[0]?.toLocaleString('en')} lines ${growth.toFixed(2)}   target ≤ 1.5 (flat)   ${flat ? 'PASS' : 'FAIL'}`,
    );
    ok &&= flat;
  }
  return ok;
}

export async function benchStatements(): Promise<boolean> {
  console.log('\nClosing a day: a WeChat Pay trade bill parsed from a file and matched against the SQL store');
  const directory = mkdtempSync(join(tmpdir(), 'hutong-statements-'));
  let ok = true;
  try {
    const files = new Map<number, string>();
    for (const size of SIZES) {
      const file = join(directory, `tradebill-${size}.csv`);
      await writeBill(file, size);
      files.set(size, file);
    }
    const sqliteFile = join(directory, 'statements.db');
    const engines: Engine[] = [
      {
        name: 'SQLite (libsql)',
        key: 'sqlite',
        target: sqliteFile,
        db: () => new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Libsql(sqliteFile) }) }),
        insert: (table) => {
          const raw = new Libsql(sqliteFile);
          raw.exec('pragma synchronous = off');
          const placeholders = (count: number) =>
            Array.from({ length: count }, () => `(${COLUMNS.map(() => '?').join(',')})`).join(',');
          return async (rows) => {
            raw
              .prepare(`insert into ${table} (${COLUMNS.join(',')}) values ${placeholders(rows.length)}`)
              .run(rows.flat());
          };
        },
      },
    ];
    const url = process.env.HUTONG_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const probe = new pg.Pool({ connectionString: url, max: 1 });
    const answers =
      url !== 'off' &&
      (await probe.query('select 1').then(
        () => true,
        () => false,
      ));
    await probe.end().catch(() => undefined);
    if (answers) {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      engines.push({
        name: 'PostgreSQL',
        key: 'postgres',
        target: url,
        db: () =>
          new Kysely<unknown>({
            dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
          }),
        insert: (table) => async (rows) => {
          const values = rows
            .map((_, r) => `(${COLUMNS.map((__, c) => `$${r * COLUMNS.length + c + 1}`).join(',')})`)
            .join(',');
          await pool.query(`insert into ${table} (${COLUMNS.join(',')}) values ${values}`, rows.flat());
        },
        close: () => pool.end(),
      });
    } else {
      console.log(`  PostgreSQL: not run (no server answered at ${url})`);
    }
    for (const engine of engines) {
      ok = (await benchEngine(engine, files)) && ok;
      await engine.close?.();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return ok;
}

if (process.argv[2] === '--statements-child') {
  const [, , , engine, file, prefix, target] = process.argv;
  await child(engine as string, file as string, prefix as string, target as string);
}
