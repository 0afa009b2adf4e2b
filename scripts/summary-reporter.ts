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

/**
 * Prints one closing line in the plain form CI tools read: `tests: N passed, N failed, N skipped`.
 * It is the last line of the whole `pnpm test` output, whose last step is the tests.
 *
 * Before it, one line says which server-backed suites (PostgreSQL, MariaDB/MySQL) ran and which
 * did not, and why. With `HUTONG_SERVER_SUITES_REPORT=<file>` it also writes them to that file as
 * JSON, which `.ci/run` checks under `CI=true`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const suites = new Map<string, ServerSuiteSummary>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        const meta = test.meta();
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
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    const servers = [...suites.values()].sort((a, b) => a.name.localeCompare(b.name));
    const reportFile = process.env.HUTONG_SERVER_SUITES_REPORT;
    if (reportFile) writeFileSync(reportFile, `${JSON.stringify({ suites: servers }, null, 2)}\n`);
    const serverLine = servers.length
      ? `server suites: ${servers
          .map((s) =>
            s.ran ? `${s.name} ran (${s.passed} passed, ${s.failed} failed)` : `${s.name} NOT RUN (${s.reason})`,
          )
          .join('; ')}\n`
      : '';
    // Printed as the process exits, so it stays the last line, after vitest's own summary.
    process.once('exit', () => {
      process.stdout.write(`${serverLine}tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    });
  }
}
