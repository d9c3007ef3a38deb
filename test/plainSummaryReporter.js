// Prints the plain closing line "jest: N passed, N failed" after a run: jest's own summary is
// not a format every CI reads, this line is. Suites that crashed count as failures.
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `jest: ${results.numPassedTests} passed, ${failed} failed\n`;
    // Both streams: after jest's own summary (stderr) in a combined log, and on stdout alone.
    process.stderr.write(line);
    process.stdout.write(line);
  }
}
module.exports = PlainSummaryReporter;
