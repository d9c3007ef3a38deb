// Prints the plain closing line "jest: N passed, N failed" after a run: jest's own summary is
// not a format every CI reads, this line is. Suites that crashed count as failures. Written at
// process exit, so it comes after jest's summary, on both streams (a combined log, or stdout alone).
const { writeSync } = require('node:fs');

class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `jest: ${results.numPassedTests} passed, ${failed} failed\n`;
    process.once('exit', () => {
      writeSync(2, line);
      writeSync(1, line);
    });
  }
}
module.exports = PlainSummaryReporter;
