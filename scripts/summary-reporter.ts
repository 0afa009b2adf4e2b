import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one closing line in the plain form CI tools read: `tests: N passed, N failed, N skipped`.
 * It is the last line of the whole `pnpm test` output, whose last step is the tests.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    // Printed as the process exits, so it stays the last line, after vitest's own summary.
    process.once('exit', () => {
      process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    });
  }
}
