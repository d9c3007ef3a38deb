#!/usr/bin/env node
// Builds the package into dist/: esbuild compiles every lib/ file to CommonJS one to one (esbuild is
// a runtime dependency, so `npm ci --omit=dev` on a clone still builds a working `adf`), then tsc
// writes the .d.ts files when TypeScript is installed (a dev dependency; skipped, with a note, without it).
'use strict';
const { readdirSync, rmSync } = require('node:fs');
const { join, relative } = require('node:path');
const { spawnSync } = require('node:child_process');
const esbuild = require('esbuild');

const root = join(__dirname, '..');
const lib = join(root, 'lib');
const dist = join(root, 'dist');

function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

rmSync(dist, { recursive: true, force: true }); // no stale module of a deleted file survives a rebuild
esbuild.buildSync({
  entryPoints: tsFiles(lib).map((f) => relative(root, f)),
  absWorkingDir: root,
  outdir: 'dist',
  outbase: 'lib',
  format: 'cjs', // with platform node, esbuild annotates the export names, so ESM importers get named exports
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
} catch {
  process.stderr.write('adf build: typescript is not installed (dev dependency): dist/ has no .d.ts files\n');
  process.exit(0);
}
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(r.status ?? 1);
