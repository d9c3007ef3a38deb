/**
 * `npm run bench`: the embedded file reader against a bare csv-parse stream over the same
 * generated file, interleaved in one run so both see the same machine state. Writes ratios
 * (never absolute targets) to bench/RESULTS.md.
 *
 *   ADF_BENCH_MB=500 (per file)  ADF_BENCH_ROUNDS=2
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { runEmbedded } from '../lib/runtime/embedded';
import { generateCsv } from './generateCsv';
import { writeResultSection } from './results';

const MB = Number(process.env.ADF_BENCH_MB ?? 500);
const ROUNDS = Number(process.env.ADF_BENCH_ROUNDS ?? 2);
const dataDir = join(__dirname, 'data');

interface Measurement {
  records: number;
  seconds: number;
  peakRssMb: number;
}

function sampleRss(): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  return () => {
    clearInterval(timer);
    return Math.round(Math.max(peak, process.memoryUsage.rss()) / 1048576);
  };
}

async function bareCsvParse(file: string): Promise<Measurement> {
  const rss = sampleRss();
  const started = process.hrtime.bigint();
  let records = 0;
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).pipe(parse({ columns: true })).on('data', () => records++).on('end', resolve).on('error', reject);
  });
  return { records, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMb: rss() };
}

async function adf(path: string, parallelism: number, name: string): Promise<Measurement> {
  const rss = sampleRss();
  const started = process.hrtime.bigint();
  const summary = await runEmbedded(
    { kind: 'options', options: { name, source: 'file', path, sink: 'null', format: 'csv' } },
    { parallelism, fresh: true, progress: false, stateDir: join(dataDir, `.state-${name}`) },
  );
  return { records: summary.records, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMb: rss() };
}

/** `adf run` as a user runs it, in its own process, over one file twice the size: its peak RSS is the memory claim. */
async function adfCliOnBigFile(): Promise<Measurement & { file: string }> {
  const file = join(dataDir, 'one-big.csv');
  if (!existsSync(file)) await generateCsv(file, 2 * MB * 1048576);
  const bin = join(__dirname, '..', 'bin', 'adf.js');
  const out = execFileSync(process.execPath, [bin, 'run', '--source', 'file', '--path', file, '--sink', 'null', '--parallelism', '1', '--fresh', '--quiet', '--state-dir', join(dataDir, '.state-cli')], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const summary = JSON.parse(out) as { records: number; seconds: number; peakRssMb: number };
  return { file, records: summary.records, seconds: summary.seconds, peakRssMb: summary.peakRssMb };
}

const rate = (m: Measurement) => m.records / m.seconds;
const best = (ms: Measurement[]) => ms.reduce((a, b) => (rate(b) > rate(a) ? b : a));

async function main(): Promise<void> {
  mkdirSync(join(dataDir, 'two'), { recursive: true });
  const one = join(dataDir, 'two', 'a.csv');
  process.stderr.write(`generating ${MB} MB CSV files in ${dataDir} (kept for later runs)…\n`);
  await generateCsv(one, MB * 1048576);
  await generateCsv(join(dataDir, 'two', 'b.csv'), MB * 1048576);

  const bare: Measurement[] = [];
  const single: Measurement[] = [];
  const parallel: Measurement[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    bare.push(await bareCsvParse(one));
    single.push(await adf(one, 1, 'bench-single'));
    parallel.push(await adf(join(dataDir, 'two'), 2, 'bench-parallel'));
    process.stderr.write(`round ${round}: bare ${Math.round(rate(bare.at(-1)!))} rec/s · adf p=1 ${Math.round(rate(single.at(-1)!))} rec/s · adf p=2 ${Math.round(rate(parallel.at(-1)!))} rec/s\n`);
  }
  const [b, s, p] = [best(bare), best(single), best(parallel)];
  const big = await adfCliOnBigFile();
  if (s.records !== b.records || p.records !== 2 * b.records) throw new Error(`record counts differ: bare ${b.records}, adf ${s.records}, parallel ${p.records}`);
  const ratio1 = rate(s) / rate(b);
  const ratio2 = rate(p) / rate(b);
  const scaling = rate(p) / rate(s);
  const report = `## CSV throughput (embedded file reader)

Written by \`npm run bench\` on ${new Date().toISOString()} · ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} · Node ${process.version}.
Each figure is the best of ${ROUNDS} interleaved rounds; targets are ratios against the baseline measured in the same run.

| run | records | seconds | records/s | ratio to bare csv-parse | peak RSS |
|---|---|---|---|---|---|
| bare csv-parse stream, one ${MB} MB file (baseline) | ${b.records} | ${b.seconds.toFixed(2)} | ${Math.round(rate(b))} | 1.00 | ${b.peakRssMb} MB |
| adf run, 1 reader, same file, null sink | ${s.records} | ${s.seconds.toFixed(2)} | ${Math.round(rate(s))} | **${ratio1.toFixed(2)}** (target ≥ 0.85) | ${s.peakRssMb} MB |
| adf run, --parallelism 2, two such files (${2 * MB} MB) | ${p.records} | ${p.seconds.toFixed(2)} | ${Math.round(rate(p))} | **${ratio2.toFixed(2)}** (target ≥ 1.6) | ${p.peakRssMb} MB |
| \`adf run\` CLI in its own process, one ${2 * MB} MB file, 1 reader | ${big.records} | ${big.seconds.toFixed(2)} | ${Math.round(rate(big))} | ${(rate(big) / rate(b)).toFixed(2)} | **${big.peakRssMb} MB** (target: flat, well under 300 MB) |

Scaling of 2 readers over 1: ${scaling.toFixed(2)}×. The adf runs include starting the worker threads and
committing a checkpoint after every batch of 5,000 records. Peak RSS is the whole process
(workers included), sampled every 50 ms, for the in-process runs (they share the process with the
baseline); the CLI row is the \`peakRssMb\` an \`adf run\` reports for itself (the process's maxRSS).
`;
  writeResultSection('csv-throughput', report);
  process.stdout.write(report);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
