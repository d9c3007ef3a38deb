import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, openSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { runEmbedded } from '../lib/runtime/embedded';

/** One timed run of the CSV benches: records read (or written) in wall-clock seconds. */
export interface Measurement {
  readonly records: number;
  readonly seconds: number;
  readonly peakRssMb: number;
}

export const rate = (m: Measurement): number => m.records / m.seconds;

/** The run of median rate: rounds alternate, so the median is robust to a neighbour's burst. */
export function median(ms: readonly Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => rate(a) - rate(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function sampleRss(): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  return () => {
    clearInterval(timer);
    return Math.round(Math.max(peak, process.memoryUsage.rss()) / 1048576);
  };
}

/** The baseline of every CSV ratio: a bare csv-parse stream (`columns: true`) over the file, parse only. */
export async function bareCsvParse(file: string): Promise<Measurement> {
  const rss = sampleRss();
  const started = process.hrtime.bigint();
  let records = 0;
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).pipe(parse({ columns: true })).on('data', () => records++).on('end', resolve).on('error', reject);
  });
  return { records, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMb: rss() };
}

/** Embedded `adf run` (worker threads) over `path` into the null sink or, with `out`, JSONL part files there. */
export async function adfRun(path: string, parallelism: number, name: string, stateRoot: string, out?: string): Promise<Measurement> {
  const sink = out === undefined ? { sink: 'null' } : { sink: 'jsonl', out };
  const rss = sampleRss();
  const started = process.hrtime.bigint();
  const summary = await runEmbedded(
    { kind: 'options', options: { name, source: 'file', path, format: 'csv', ...sink } },
    { parallelism, fresh: true, progress: false, stateDir: join(stateRoot, `.state-${name}`) },
  );
  const measured = { records: summary.records, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMb: rss() };
  if (out !== undefined) rmSync(out, { recursive: true, force: true }); // keep the page cache for the inputs
  return measured;
}

/** The Miller binary, or undefined where it is not installed (the Miller figure is then skipped). */
export function findMiller(): string | undefined {
  for (const bin of ['/usr/bin/mlr', '/usr/local/bin/mlr']) if (existsSync(bin)) return bin;
  try {
    return execFileSync('sh', ['-c', 'command -v mlr'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `mlr --icsv --ojsonl cat files… > out`, timed from spawn to exit; records are its output lines. */
export async function miller(bin: string, files: readonly string[], out: string): Promise<Measurement> {
  const fd = openSync(out, 'w');
  const started = process.hrtime.bigint();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(bin, ['--icsv', '--ojsonl', 'cat', ...files], { stdio: ['ignore', fd, 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mlr exited with ${code}`))));
    });
  } finally {
    closeSync(fd);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const records = Number(execFileSync('wc', ['-l', out], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
  rmSync(out, { force: true });
  return { records, seconds, peakRssMb: 0 };
}
