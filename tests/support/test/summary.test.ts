/**
 * A suite that could not run is reported as skipped, with its reason, never as passed; under
 * `CI=true` it fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { summarize, summaryLines } from '../../../scripts/summary-reporter.js';
import { skipUnavailable } from '../unavailable.js';

type Meta = { serverSuite?: string; serverSuiteNotRun?: string; notRun?: string };
const test = (state: string, meta: Meta = {}, note?: string) => ({
  result: () => ({ state, note }),
  meta: () => meta,
});
const module = (...tests: ReturnType<typeof test>[]) => ({
  state: () => 'passed',
  children: { allTests: () => tests },
});

describe('summarize', () => {
  it('counts passed, failed and skipped tests', () => {
    const summary = summarize([module(test('passed'), test('failed'), test('skipped', {}, 'no Deno'))]);
    expect(summaryLines(summary)).toBe('not run: no Deno\ntests: 1 passed, 1 failed, 1 skipped\n');
  });

  it('counts the passing stand-in of a suite that did not run as skipped, not passed', () => {
    const summary = summarize([
      module(
        test('passed'),
        test('passed', { serverSuite: 'PostgreSQL', serverSuiteNotRun: 'no server' }),
        test('skipped', { notRun: 'no Chromium at /usr/bin/chromium' }),
      ),
    ]);
    expect(summary).toMatchObject({ passed: 1, failed: 0, skipped: 2 });
    expect(summaryLines(summary)).toBe(
      'server suites: PostgreSQL NOT RUN (no server)\nnot run: no server; no Chromium at /usr/bin/chromium\ntests: 1 passed, 0 failed, 2 skipped\n',
    );
  });

  it('counts a module that failed to load as a failure', () => {
    const broken = { state: () => 'failed', children: { allTests: () => [] } };
    expect(summarize([broken]).failed).toBe(1);
  });
});

describe('skipUnavailable', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  function context() {
    const skipped: string[] = [];
    const task = { meta: {} as Meta };
    const skip = (note?: string) => {
      skipped.push(note ?? '');
    };
    return { context: { task, skip } as unknown as Parameters<typeof skipUnavailable>[0], task, skipped };
  }

  it('skips the test with the reason and records it for the summary', () => {
    delete process.env.CI;
    const { context: ctx, task, skipped } = context();
    skipUnavailable(ctx, 'no Chromium');
    expect(skipped).toEqual(['no Chromium']);
    expect(task.meta.notRun).toBe('no Chromium');
  });

  it('fails under CI=true, where every suite must run', () => {
    process.env.CI = 'true';
    const { context: ctx, skipped } = context();
    expect(() => skipUnavailable(ctx, 'no Chromium')).toThrow('cannot run under CI=true: no Chromium');
    expect(skipped).toEqual([]);
  });
});
