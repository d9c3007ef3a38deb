/**
 * `npm run bench:csv`: the embedded file reader against a bare csv-parse stream over the same
 * generated file, into the null sink and into JSONL part files, and `--parallelism 2` into JSONL
 * against Miller (`mlr --icsv --ojsonl cat`, where installed) over the same two files. Every run
 * alternates within each round so all see the same machine state; each figure is the median of
 * the rounds. Writes ratios (never absolute targets) to bench/RESULTS.md and bench/.targets.json.
 *
 *   ADF_BENCH_MB=128 (per file)  ADF_BENCH_ROUNDS=3
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { adfRun, bareCsvParse, findMiller, median, miller, rate, type Measurement } from './csvRuns';
import { generateCsv } from './generateCsv';
import { writeResultSection } from './results';
import { recordTargets } from './targets';

// 128 MB: two 64 MB splits per file (the default split size), so 2 readers share one file
// evenly too, and the whole bench:csv stays within a few minutes on the 2-core machine.
const MB = Number(process.env.ADF_BENCH_MB ?? 128);
const ROUNDS = Number(process.env.ADF_BENCH_ROUNDS ?? 3);
const dataDir = join(__dirname, 'data');
const TARGETS = { single: 0.85, parallel: 1.6, jsonlSingle: 0.9, jsonlMiller: 1.0 } as const;

/** `adf run` as a user runs it, in its own process, over one file twice the size: its peak RSS is the memory claim. */
async function adfCliOnBigFile(): Promise<Measurement> {
  const file = join(dataDir, `one-big-${2 * MB}mb.csv`);
  if (!existsSync(file)) await generateCsv(file, 2 * MB * 1048576);
  const bin = join(__dirname, '..', 'bin', 'adf.js');
  const out = execFileSync(process.execPath, [bin, 'run', '--source', 'file', '--path', file, '--sink', 'null', '--parallelism', '1', '--fresh', '--quiet', '--state-dir', join(dataDir, '.state-cli')], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const summary = JSON.parse(out) as { records: number; seconds: number; peakRssMb: number };
  return { records: summary.records, seconds: summary.seconds, peakRssMb: summary.peakRssMb };
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const two = join(dataDir, `two-${MB}mb`);
  mkdirSync(two, { recursive: true });
  const [one, other] = [join(two, 'a.csv'), join(two, 'b.csv')];
  process.stderr.write(`generating ${MB} MB CSV files in ${two} (kept for later runs)…\n`);
  await generateCsv(one, MB * 1048576);
  await generateCsv(other, MB * 1048576);
  const mlr = findMiller();
  const loadBefore = load();

  const runs = { bare: [] as Measurement[], single: [] as Measurement[], parallel: [] as Measurement[], jsonlSingle: [] as Measurement[], jsonlParallel: [] as Measurement[], miller: [] as Measurement[] };
  const started = Date.now();
  for (let round = 1; round <= ROUNDS; round++) {
    runs.bare.push(await bareCsvParse(one));
    runs.jsonlSingle.push(await adfRun(one, 1, 'bench-jsonl-single', dataDir, join(dataDir, 'out-jsonl-single')));
    runs.single.push(await adfRun(one, 1, 'bench-single', dataDir));
    if (mlr) runs.miller.push(await miller(mlr, [one, other], join(dataDir, 'out-mlr.jsonl')));
    runs.jsonlParallel.push(await adfRun(two, 2, 'bench-jsonl-parallel', dataDir, join(dataDir, 'out-jsonl-parallel')));
    runs.parallel.push(await adfRun(two, 2, 'bench-parallel', dataDir));
    const r = (k: keyof typeof runs) => (runs[k].length > 0 ? Math.round(rate(runs[k].at(-1)!)) : '-');
    process.stderr.write(`round ${round} (load ${load()}): bare ${r('bare')} · p=1 null ${r('single')} · p=1 jsonl ${r('jsonlSingle')} · p=2 null ${r('parallel')} · p=2 jsonl ${r('jsonlParallel')} · mlr ${r('miller')} rec/s\n`);
  }
  const loadAfter = load();
  const [b, s, p, js, jp] = [median(runs.bare), median(runs.single), median(runs.parallel), median(runs.jsonlSingle), median(runs.jsonlParallel)];
  const m = mlr ? median(runs.miller) : undefined;
  const big = await adfCliOnBigFile();
  for (const [what, x, n] of [['adf p=1', s, 1], ['adf p=2', p, 2], ['jsonl p=1', js, 1], ['jsonl p=2', jp, 2], ['mlr', m, 2]] as const) {
    if (x && x.records !== n * b.records) throw new Error(`record counts differ: bare ${b.records} per file, ${what} ${x.records}`);
  }
  const ratio = { single: rate(s) / rate(b), parallel: rate(p) / rate(b), jsonlSingle: rate(js) / rate(b), jsonlMiller: m ? rate(jp) / rate(m) : undefined };
  const row = (label: string, x: Measurement, r: string, rss = `${x.peakRssMb} MB`) => `| ${label} | ${x.records} | ${x.seconds.toFixed(2)} | ${Math.round(rate(x))} | ${r} | ${rss} |`;
  const report = `## CSV throughput (embedded file reader)

Written by \`npm run bench:csv\` on ${new Date().toISOString()} · ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} · Node ${process.version}.
Each figure is the median of ${ROUNDS} rounds in which all runs alternate; targets are ratios against the baseline measured in the same run.
Load average (1/5/15 min) before the rounds: ${loadBefore}; after: ${loadAfter} (the machine is shared: figures vary with it). Rounds took ${Math.round((Date.now() - started) / 1000)} s.

| run | records | seconds | records/s | ratio | peak RSS |
|---|---|---|---|---|---|
${row(`bare csv-parse stream, one ${MB} MB file, parse only (baseline)`, b, '1.00')}
${row('adf run, 1 reader, same file, null sink', s, `**${ratio.single.toFixed(2)}** to csv-parse (target ≥ ${TARGETS.single})`)}
${row(`adf run, --parallelism 2, two such files (${2 * MB} MB), null sink`, p, `**${ratio.parallel.toFixed(2)}** to csv-parse (target ≥ ${TARGETS.parallel})`)}
${row('adf run, 1 reader, same file → JSONL sink', js, `**${ratio.jsonlSingle.toFixed(2)}** to csv-parse (target ≥ ${TARGETS.jsonlSingle})`)}
${m ? row(`Miller \`mlr --icsv --ojsonl cat\`, the two files → one JSONL file (baseline)`, m, '1.00', '-') : `| Miller | - | - | - | not installed: the Miller figure is skipped (\`apt-get install miller\`) | - |`}
${row('adf run, --parallelism 2, the two files → JSONL sink', jp, ratio.jsonlMiller !== undefined ? `**${ratio.jsonlMiller.toFixed(2)}** to Miller (target ≥ ${TARGETS.jsonlMiller})` : '-')}
${row(`\`adf run\` CLI in its own process, one ${2 * MB} MB file, 1 reader, null sink`, big, `${(rate(big) / rate(b)).toFixed(2)} to csv-parse`, `**${big.peakRssMb} MB** (target: flat, well under 300 MB)`)}

Scaling of 2 readers over 1: ${(rate(p) / rate(s)).toFixed(2)}× (null sink), ${(rate(jp) / rate(js)).toFixed(2)}× (JSONL). The adf runs are
embedded \`adf run\`s in this process and include starting the worker threads and committing a checkpoint after every
batch of 5,000 records; JSONL runs write \`{"id":…,"value":{…}}\` lines (${m ? 'Miller writes its own typed lines, to a file on the same disk' : ''}).
Peak RSS is the whole process (workers included), sampled every 50 ms, for the in-process runs (they share the process with the
baseline); the CLI row is the \`peakRssMb\` an \`adf run\` reports for itself (the process's maxRSS).
`;
  writeResultSection('csv-throughput', report);
  const bench = 'csv-throughput';
  recordTargets([
    { bench, figure: 'CSV → null sink, 1 reader ÷ bare csv-parse', value: ratio.single, op: '>=', target: TARGETS.single, unit: '×' },
    { bench, figure: 'CSV → null sink, --parallelism 2 ÷ bare csv-parse (1 file)', value: ratio.parallel, op: '>=', target: TARGETS.parallel, unit: '×' },
    { bench, figure: 'CSV → JSONL, 1 reader ÷ bare csv-parse parse-only', value: ratio.jsonlSingle, op: '>=', target: TARGETS.jsonlSingle, unit: '×' },
    ...(ratio.jsonlMiller !== undefined ? [{ bench, figure: 'CSV → JSONL, --parallelism 2 ÷ Miller 6 mlr --icsv --ojsonl cat', value: ratio.jsonlMiller, op: '>=' as const, target: TARGETS.jsonlMiller, unit: '×' }] : []),
  ]);
  process.stdout.write(report);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
