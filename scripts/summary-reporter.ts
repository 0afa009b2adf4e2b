import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/** One server-backed suite (tests tagged with `meta.serverSuite`) and whether it ran. */
interface ServerSuiteSummary {
  name: string;
  ran: boolean;
  passed: number;
  failed: number;
  /** Why it did not run. */
  reason?: string;
}

/** What {@link summarize} counted. */
export interface RunSummary {
  passed: number;
  failed: number;
  /** Tests skipped, including the ones standing for a suite that could not run. */
  skipped: number;
  /** Why suites or tests did not run (`meta.notRun`, `meta.serverSuiteNotRun`, a skip note), once each. */
  notRun: string[];
  servers: ServerSuiteSummary[];
}

/** The part of a vitest test case the summary reads. */
interface TestLike {
  result(): { state: string; note?: string | undefined };
  meta(): { serverSuite?: string; serverSuiteNotRun?: string; notRun?: string };
}

/** The part of a vitest test module the summary reads. */
interface ModuleLike {
  state(): string;
  children: { allTests(): Iterable<TestLike> };
}

/**
 * Counts a run. A test that stands for a suite that did not run (`meta.serverSuiteNotRun`, set by
 * the SQL store's suites; `meta.notRun`, set by `tests/support/unavailable.ts`) counts as skipped
 * whatever its state, never as passed: a summary must not say `0 skipped` when a suite did not run.
 */
export function summarize(testModules: ReadonlyArray<ModuleLike>): RunSummary {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const notRun = new Set<string>();
  const suites = new Map<string, ServerSuiteSummary>();
  for (const module of testModules) {
    let count = 0;
    for (const test of module.children.allTests()) {
      count++;
      const { state, note } = test.result();
      const meta = test.meta();
      const reason = meta.notRun ?? meta.serverSuiteNotRun;
      if (state === 'failed') failed++;
      else if (reason !== undefined || state !== 'passed') {
        skipped++;
        const why = reason ?? note;
        if (why) notRun.add(why);
      } else passed++;
      if (meta.serverSuite) {
        const suite = suites.get(meta.serverSuite) ?? { name: meta.serverSuite, ran: false, passed: 0, failed: 0 };
        if (meta.serverSuiteNotRun) suite.reason = meta.serverSuiteNotRun;
        else if (state === 'passed' || state === 'failed') {
          suite.ran = true;
          if (state === 'passed') suite.passed++;
          else suite.failed++;
        }
        suites.set(meta.serverSuite, suite);
      }
    }
    if (module.state() === 'failed' && count === 0) failed++;
  }
  const servers = [...suites.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { passed, failed, skipped, notRun: [...notRun], servers };
}

/** The closing lines: server suites, what did not run, and `tests: N passed, N failed, N skipped`. */
export function summaryLines(summary: RunSummary): string {
  const serverLine = summary.servers.length
    ? `server suites: ${summary.servers
        .map((s) =>
          s.ran ? `${s.name} ran (${s.passed} passed, ${s.failed} failed)` : `${s.name} NOT RUN (${s.reason})`,
        )
        .join('; ')}\n`
    : '';
  const notRunLine = summary.notRun.length ? `not run: ${summary.notRun.join('; ')}\n` : '';
  return `${serverLine}${notRunLine}tests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped\n`;
}

/**
 * Prints one closing line in the plain form CI tools read: `tests: N passed, N failed, N skipped`.
 * It is the last line of the whole `pnpm test` output, whose last step is the tests.
 *
 * Before it, one line says which server-backed suites (PostgreSQL, MariaDB/MySQL) ran and which
 * did not, and why, and one line lists every other suite or test that did not run, and why. With
 * `HUTONG_SERVER_SUITES_REPORT=<file>` it also writes the server suites to that file as JSON, which
 * `.ci/run` checks under `CI=true`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const summary = summarize(testModules);
    const reportFile = process.env.HUTONG_SERVER_SUITES_REPORT;
    if (reportFile) writeFileSync(reportFile, `${JSON.stringify({ suites: summary.servers }, null, 2)}\n`);
    // Printed as the process exits, so it stays the last line, after vitest's own summary.
    process.once('exit', () => {
      process.stdout.write(summaryLines(summary));
    });
  }
}
