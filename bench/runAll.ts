/**
 * `npm run bench`: every benchmark in turn, each in its own process (so one's memory and JIT
 * state do not colour the next), then one table of every target (bench/targets.ts) in
 * bench/RESULTS.md. A bench that crashes is reported and the others still run; the exit code
 * is 1 when a bench failed or a target was missed.
 *
 *   npm run bench                   all of them
 *   npm run bench -- csv rafka-read only these (the names below)
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isMet, targetLine, writeTargetSummary } from './targets';

/** Name → npm script, in the order they run (each script's own header says what it measures). */
const BENCHES: Record<string, string> = {
  csv: 'bench:csv',
  discovery: 'bench:discovery',
  'rafka-produce': 'bench:rafka',
  'rafka-read': 'bench:rafka-read',
  latency: 'bench:latency',
  serverless: 'bench:serverless',
  coldstart: 'bench:coldstart',
  gzip: 'bench:gzip',
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
const names = asked.length > 0 ? asked : Object.keys(BENCHES);
if (asked.length === 0) rmSync(join(__dirname, '.targets.json'), { force: true });

// The CLI benches run bin/adf.js, which runs dist/: build it from this checkout's sources first,
// or they would time whatever was compiled last.
const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write('npm run build failed: the benches would time a stale dist/\n');
  process.exit(1);
}

const failed: string[] = [];
for (const name of names) {
  const started = Date.now();
  process.stderr.write(`\n== bench ${name} (npm run ${BENCHES[name]})\n`);
  const run = spawnSync('npm', ['run', '-s', BENCHES[name]!], { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (run.status !== 0) failed.push(name);
  process.stderr.write(`== bench ${name}: ${run.status === 0 ? 'done' : `FAILED (exit ${run.status ?? run.signal})`} in ${seconds} s\n`);
}
const figures = writeTargetSummary();
for (const f of figures) process.stdout.write(`${targetLine(f)}\n`);
const missed = figures.filter((f) => !isMet(f)).length;
process.stdout.write(`\n${failed.length === 0 ? 'every bench ran' : `benches that failed: ${failed.join(', ')}`}; ${missed === 0 ? 'every target met' : `${missed} target(s) missed`} (bench/RESULTS.md, "Targets")\n`);
process.exitCode = failed.length > 0 || missed > 0 ? 1 : 0;
