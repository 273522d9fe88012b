/**
 * One plain closing line after vitest's own summary, `tests: N passed, N failed, N skipped`,
 * so CI and anyone reading a log can count the run without parsing colours. Tests that never
 * finished (their worker process died) and errors outside any test are named on the lines
 * after it: vitest counts neither as failed.
 */
import { relative } from 'node:path';
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const unfinished: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else if (state === 'skipped') skipped++;
        else unfinished.push(`${relative(process.cwd(), module.moduleId)}: ${test.fullName}`);
      }
      // A file that failed to load has no tests but is a failure all the same.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    const lines = [`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`];
    if (unfinished.length > 0) lines.push(`tests not finished: ${unfinished.length}`, ...unfinished.map((name) => `  ${name}`));
    if (unhandledErrors.length > 0) {
      lines.push(`errors outside tests: ${unhandledErrors.length}`, ...unhandledErrors.map((e) => `  ${e.name ?? 'Error'}: ${e.message}`));
    }
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
