// `npm test`: every test level in one vitest run, then one closing line of totals for CI:
// "N passed, N failed" (", N skipped" when some were skipped).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ChromiumMissingError, findChromium } from './chromium.ts';

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
  testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
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
// Skipped tests name why in their titles (a missing test peer, an unset model path): list them.
for (const file of report.testResults ?? []) {
  for (const test of file.assertionResults) {
    if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo')
      console.log(`skipped: ${test.fullName} (${relative(process.cwd(), file.name)})`);
  }
}
console.log(
  `${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
process.exit(run.status ?? 1);
