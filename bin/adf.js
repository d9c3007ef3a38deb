#!/usr/bin/env node
// Registers tsx so the CLI and TypeScript flow files run without a build step.
require('tsx/cjs/api').register();
require('../lib/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
