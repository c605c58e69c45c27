// Writes one small JSON result per Jest run so `tools/test-summary.mjs` can print a single
// "N passed, N failed" line for the whole workspace after `nx run-many -t test`.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const workspaceRoot = path.join(__dirname, '..', '..');
    const project = path.relative(workspaceRoot, this.rootDir);
    // Declared as an output of the `test` target in nx.json, so a cached run restores it too.
    const dir = path.join(workspaceRoot, 'tmp', 'test-results', project);
    fs.mkdirSync(dir, { recursive: true });
    const summary = {
      project,
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      failedSuites: results.numFailedTestSuites + results.numRuntimeErrorTestSuites,
    };
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary) + '\n');
  }
}

module.exports = SummaryReporter;
