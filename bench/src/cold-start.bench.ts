/**
 * Cold start: the time to import `@hutong/core` and the three adapters in a fresh Node process,
 * beside the official `alipay-sdk` alone, sampled in alternating fresh processes (serverless
 * functions pay this on every cold start). Target: at most 0.3× alipay-sdk's import.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Comparison, type Measurement, report } from './harness.js';

const SAMPLES = 9;
const here = fileURLToPath(new URL('..', import.meta.url));

/** Imports `specifiers` in a fresh process and returns the milliseconds the imports took there. */
function importTime(specifiers: readonly string[]): number {
  const script = `const t=performance.now();for(const s of ${JSON.stringify(specifiers)})await import(s);process.stdout.write(String(performance.now()-t));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: here, encoding: 'utf8' }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function benchColdStart(): Promise<boolean> {
  const hutongSpecifiers = [
    '@hutong/core',
    '@hutong/adapter-alipay',
    '@hutong/adapter-wechatpay',
    '@hutong/adapter-unionpay',
  ];
  const hutong: number[] = [];
  const official: number[] = [];
  importTime(hutongSpecifiers); // warm the file system cache for both
  importTime(['alipay-sdk']);
  for (let i = 0; i < SAMPLES; i++) {
    hutong.push(importTime(hutongSpecifiers));
    official.push(importTime(['alipay-sdk']));
  }
  const asMeasurement = (name: string, ms: number): Measurement => ({
    name,
    opsPerSecond: 1000 / ms,
    nsPerOp: ms * 1e6,
  });
  const ours = asMeasurement('import @hutong/core + the three adapters (fresh process)', median(hutong));
  const theirs = asMeasurement('import alipay-sdk alone (fresh process)', median(official));
  const comparisons: Comparison[] = [
    {
      label: 'hutong import ÷ alipay-sdk import (time)',
      ratio: ours.nsPerOp / theirs.nsPerOp,
      kind: 'max',
      target: 0.3,
    },
  ];
  return report('Cold start (median of fresh processes, alternating)', [ours, theirs], comparisons);
}
