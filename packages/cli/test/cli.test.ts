/**
 * `hutong reconcile`, spawned as a user runs it, on a config module using the fake provider and a
 * memory store: the text summary, JSON and CSV, and the exit codes.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StatementResult } from '@hutong/core';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const config = 'packages/cli/test/fixtures/hutong.config.mjs';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hutong(args: readonly string[], scenario = 'differences'): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'packages/cli/src/cli.ts', ...args],
      { cwd: root, env: { ...process.env, HUTONG_TEST_SCENARIO: scenario } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
      },
    );
  });
}

const day = ['reconcile', '--config', config, '--provider', 'wechatpay', '--date', '2026-12-01'];

describe('hutong reconcile', () => {
  it('prints a readable summary and exits 0 when the statement and the store agree', async () => {
    const run = await hutong(day, 'clean');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Statement of wechatpay for 2026-12-01, reconciled');
    expect(run.stdout).toMatch(/Matched +2\n/);
    expect(run.stdout).toMatch(/Payments +¥35\.00\n/);
    expect(run.stdout).toMatch(/Fees +¥0\.21\n/);
    expect(run.stdout).toMatch(/Net +¥34\.79\n/);
    expect(run.stdout).toContain('No differences');
  });

  it('exits 1 and counts each difference when there are some', async () => {
    const run = await hutong(day);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Differences +2\n/);
    expect(run.stdout).toMatch(/missing_locally +1\n/);
    expect(run.stdout).toMatch(/missing_at_wallet +1\n/);
    expect(run.stdout).toMatch(/missing_at_wallet +payment +order0000002 .* - +¥25\.00/);
  });

  it('prints the stored result and the counts as JSON', async () => {
    const run = await hutong([...day, '--format', 'json']);
    expect(run.code).toBe(1);
    const printed = JSON.parse(run.stdout) as StatementResult & { counts: Record<string, number> };
    expect(printed).toMatchObject({ provider: 'wechatpay', date: '2026-12-01', merchant: null, matched: 1 });
    expect(printed.totals).toEqual({ lines: 2, payments: 1800, refunds: 0, fees: 11, net: 1789 });
    expect(printed.counts).toEqual({
      missing_locally: 1,
      missing_at_wallet: 1,
      amount_mismatch: 0,
      status_mismatch: 0,
      refund_mismatch: 0,
    });
    expect(printed.differences.map((d) => [d.code, d.orderId])).toEqual([
      ['missing_locally', 'ghost,"0001"'],
      ['missing_at_wallet', 'order0000002'],
    ]);
  });

  it('prints one CSV row per difference, quoted and safe to open in a spreadsheet', async () => {
    const run = await hutong([...day, '--format', 'csv']);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\r\n')).toEqual([
      'provider,date,merchant,code,kind,order_id,refund_id,movement_id,provider_trade_id,statement_amount_fen,store_amount_fen,line,resolution,statement_status',
      `wechatpay,2026-12-01,,missing_locally,payment,"ghost,""0001""",,,"'=HYPERLINK(""x"")",800,,4,,`,
      'wechatpay,2026-12-01,,missing_at_wallet,payment,order0000002,,,txnorder0000002,,2500,,,',
      '',
    ]);
  });

  it('reconciles one merchant with --merchant', async () => {
    const run = await hutong([...day, '--merchant', 'shop-42', '--format', 'json']);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as StatementResult;
    expect(printed).toMatchObject({ merchant: 'shop-42', matched: 1, differences: [] });
    expect(printed.totals.payments).toBe(1200);
    const unknown = await hutong([...day, '--merchant', 'shop-43']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown_merchant');
  });

  it('exits 2 with the usage for a missing option, a bad format or an unknown command', async () => {
    for (const args of [
      ['reconcile', '--config', config, '--provider', 'wechatpay'],
      [...day, '--format', 'xml'],
      [...day, '--dryrun'],
      ['reconcile', '--config', config, '--provider', 'wechatpay', '--date', '1 Dec'],
      ['close-the-day'],
    ]) {
      const run = await hutong(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('Usage:');
    }
  });

  it('exits 2 and names the error when the run fails', async () => {
    const unknown = await hutong(['reconcile', '--config', config, '--provider', 'alipay', '--date', '2026-12-01']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('validation_error: provider');
    const failing = await hutong(day, 'failing');
    expect(failing.code).toBe(2);
    expect(failing.stderr).toContain('the bill could not be downloaded');
    const notPayments = await hutong([
      'reconcile',
      '--config',
      'packages/cli/test/fixtures/not-payments.config.mjs',
      '--provider',
      'wechatpay',
      '--date',
      '2026-12-01',
    ]);
    expect(notPayments.code).toBe(2);
    expect(notPayments.stderr).toContain('must be a payments facade');
    const missing = await hutong([...day.slice(0, 2), 'packages/cli/test/fixtures/none.mjs', ...day.slice(3)]);
    expect(missing.code).toBe(2);
  });
});
