#!/usr/bin/env node
// `adf` run from the TypeScript sources (tsx, a dev dependency): the CLI tests exercise lib/ as it
// is now, with no build step. bin/adf.js runs the built package (see test/e2e/package.test.ts).
require('tsx/cjs/api').register();
require('../../lib/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
