// `npm test`: every test level in one vitest run, then one closing line of totals for CI:
// "N passed, N failed" (", N skipped" when some were skipped).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { ChromiumMissingError, findChromium } from './chromium.ts';

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
}

try {
  findChromium();
} catch (error) {
  if (error instanceof ChromiumMissingError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const reportPath = 'test-results/vitest.json';
mkdirSync('test-results', { recursive: true });
const run = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportPath}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);

let report: JsonReport;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8')) as JsonReport;
} catch {
  console.error('vitest wrote no report: it failed before running tests (see above).');
  process.exit(run.status || 1);
}
// A suite that fails to load counts as a failure even though none of its tests ran.
const failed =
  report.numFailedTests + (report.numFailedTests === 0 ? report.numFailedTestSuites : 0);
const skipped = report.numPendingTests + report.numTodoTests;
console.log(
  `${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
process.exit(run.status ?? 1);
