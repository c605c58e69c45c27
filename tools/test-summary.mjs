// Prints the workspace-wide test summary written by tools/jest/summary-reporter.cjs, and exits non-zero when any test
// failed or no test ran at all.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'tmp', 'test-results');
const results = existsSync(dir)
  ? readdirSync(dir, { recursive: true })
      .filter((f) => f.endsWith('summary.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
      .sort((a, b) => a.project.localeCompare(b.project))
  : [];

const total = { passed: 0, failed: 0, skipped: 0, failedSuites: 0 };
console.log('\nTest summary');
for (const r of results) {
  console.log(`  ${r.project.padEnd(28)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  for (const k of Object.keys(total)) total[k] += r[k];
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || total.failedSuites > 0 || total.passed === 0 ? 1 : 0);
