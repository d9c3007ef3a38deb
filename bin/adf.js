#!/usr/bin/env node
// The adf command: runs the compiled package (dist/, built by `npm run build`, which `npm ci`,
// `npm install` and `npm pack` run through the prepare script).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`adf: ${main} is missing: build the package first (npm run build)\n`);
  process.exit(2);
}
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  require(main)
    .main(args)
    .then((code) => {
      process.exitCode = code;
    });
}
