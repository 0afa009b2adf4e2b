/** A small benchmark runner: time-boxed batches, median of several samples, ops per second. */
import type { NotificationRequest } from '@hutong/core';
import type { PaymentEvent, PaymentProvider } from '@hutong/core/provider-utils';

export interface Measurement {
  name: string;
  opsPerSecond: number;
  nsPerOp: number;
  /**
   * CPU time (user + system, this process) per operation, median of the samples: on a machine
   * shared with other work, wall-clock rates move with the load, CPU time much less.
   */
  cpuNsPerOp?: number;
}

/**
 * Signing benchmarks: a sign takes most of a millisecond, so a 300 ms sample holds few operations;
 * seven samples keep one slow moment from deciding the median.
 */
export const SIGNING_SAMPLES: MeasureOptions = { samples: 7 };

export interface MeasureOptions {
  /** Samples to take; the median is reported. Default 5. */
  samples?: number;
  /** Minimum time per sample in ms. Default 300. */
  sampleMs?: number;
  /**
   * Fixed operations per sample (and for the warm-up) instead of a time box, for benchmarks that
   * consume pre-built inputs.
   */
  iterations?: number;
}

/** One case of {@link measureInterleaved}. */
export interface Case {
  name: string;
  /** Called with the iteration number, so a case can walk through pre-built inputs. */
  fn: (i: number) => unknown;
  /** Fixed operations per sample (and for the warm-up) instead of the time box. */
  iterations?: number;
}

/**
 * Measures `fn` (sync or async). `fn` receives the iteration number, so a benchmark can walk through
 * pre-built inputs.
 */
export async function measure(
  name: string,
  fn: (i: number) => unknown,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const [measurement] = await measureInterleaved([{ name, fn, iterations: options.iterations }], options);
  return measurement as Measurement;
}

/**
 * Measures several cases in rounds: each round takes one sample of every case, in an order that
 * rotates from round to round. A figure and its ceiling are thus sampled side by side, under the
 * same machine conditions, and a slow moment of a shared, noisy machine hits both alike.
 */
export async function measureInterleaved(cases: readonly Case[], options: MeasureOptions = {}): Promise<Measurement[]> {
  const samples = options.samples ?? 5;
  const sampleMs = options.sampleMs ?? 300;
  const counters = cases.map(() => 0);
  const rates: number[][] = cases.map(() => []);
  const cpuTimes: number[][] = cases.map(() => []);
  const runSample = async (index: number, record: boolean) => {
    const { fn, iterations } = cases[index] as Case;
    let i = counters[index] as number;
    let count = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let elapsed = 0;
    if (iterations !== undefined) {
      for (let k = 0; k < iterations; k++) await fn(i++);
      count = iterations;
      elapsed = performance.now() - start;
    } else {
      while (elapsed < sampleMs) {
        for (let k = 0; k < 64; k++) await fn(i++);
        count += 64;
        elapsed = performance.now() - start;
      }
    }
    const cpu = process.cpuUsage(cpuStart);
    counters[index] = i;
    if (record) {
      (rates[index] as number[]).push((count * 1000) / elapsed);
      (cpuTimes[index] as number[]).push(((cpu.user + cpu.system) * 1000) / count);
    }
  };
  // Warm-up: let the JIT settle on every case.
  for (let index = 0; index < cases.length; index++) await runSample(index, false);
  for (let round = 0; round < samples; round++) {
    for (let k = 0; k < cases.length; k++) await runSample((round + k) % cases.length, true);
  }
  return cases.map((c, index) => median(c.name, rates[index] as number[], cpuTimes[index] as number[]));
}

function median(name: string, rates: number[], cpuTimes: number[]): Measurement {
  rates.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const opsPerSecond = rates[Math.floor(rates.length / 2)] as number;
  return { name, opsPerSecond, nsPerOp: 1e9 / opsPerSecond, cpuNsPerOp: cpuTimes[Math.floor(cpuTimes.length / 2)] };
}

export function formatRate(m: Measurement): string {
  const ops = m.opsPerSecond >= 1000 ? `${(m.opsPerSecond / 1000).toFixed(1)}k` : m.opsPerSecond.toFixed(0);
  const cpu = m.cpuNsPerOp === undefined ? '' : `  (CPU ${(m.cpuNsPerOp / 1000).toFixed(2)} µs/op)`;
  return `${ops.padStart(9)} ops/s  ${(m.nsPerOp / 1000).toFixed(2).padStart(9)} µs/op${cpu}`;
}

/** One printed comparison: a figure, what it is compared to, the ratio and the target. */
export interface Comparison {
  label: string;
  ratio: number;
  /** `min`: ratio must be at least target; `max`: at most; `info`: printed for reference only. */
  kind: 'min' | 'max' | 'info';
  target: number;
}

export function report(title: string, measurements: Measurement[], comparisons: Comparison[]): boolean {
  console.log(`\n${title}`);
  for (const m of measurements) console.log(`  ${m.name.padEnd(58)} ${formatRate(m)}`);
  let ok = true;
  for (const c of comparisons) {
    if (c.kind === 'info') {
      console.log(`  ${c.label.padEnd(58)} ${c.ratio.toFixed(3).padStart(9)}   (for reference)`);
      continue;
    }
    const pass = c.kind === 'min' ? c.ratio >= c.target : c.ratio <= c.target;
    ok &&= pass;
    const sign = c.kind === 'min' ? '≥' : '≤';
    console.log(
      `  ${c.label.padEnd(58)} ${c.ratio.toFixed(3).padStart(9)}   target ${sign} ${c.target}   ${pass ? 'PASS' : 'FAIL'}`,
    );
  }
  return ok;
}

/**
 * A provider with no code of its own: `verifyNotification` runs exactly `handle`, which does only
 * the work the protocol cannot do without (the raw crypto, and the decoding and parsing any adapter
 * must do) and returns the event. Run through `handleNotification`, it measures the floor: the best
 * any adapter can reach on this machine in this run.
 */
export function floorProvider(id: string, handle: (request: NotificationRequest) => PaymentEvent): PaymentProvider {
  return {
    specificationVersion: 'v1',
    id,
    wallet: id,
    capabilities: {
      methods: ['qr'],
      query: false,
      close: false,
      refund: false,
      partialRefund: false,
      multipleRefunds: false,
      refundQuery: false,
      refundNotifications: false,
      resume: false,
    },
    async createPayment() {
      return { action: { type: 'none' } };
    },
    async verifyNotification(request) {
      return { event: handle(request) };
    },
    acknowledgeNotification: (outcome) => ({ status: outcome.accepted ? 200 : 400, headers: {}, body: '' }),
  };
}

/**
 * The two reference lines that go with a floor: how close the floor itself comes to the ceiling
 * (the best any adapter can reach), and how close hutong comes to the floor.
 */
export function floorComparisons(
  hutong: Measurement,
  floor: Measurement,
  ceiling: Measurement,
  ceilingLabel: string,
): Comparison[] {
  return [
    {
      label: `best any adapter can reach: floor ÷ ${ceilingLabel}`,
      ratio: floor.opsPerSecond / ceiling.opsPerSecond,
      kind: 'info',
      target: 0,
    },
    {
      label: 'notification: hutong ÷ floor (rate)',
      ratio: hutong.opsPerSecond / floor.opsPerSecond,
      kind: 'info',
      target: 0,
    },
    ...(hutong.cpuNsPerOp !== undefined && floor.cpuNsPerOp !== undefined
      ? [
          {
            label: 'notification: hutong ÷ floor (rate by CPU time)',
            ratio: floor.cpuNsPerOp / hutong.cpuNsPerOp,
            kind: 'info' as const,
            target: 0,
          },
        ]
      : []),
  ];
}
