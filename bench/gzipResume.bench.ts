/**
 * `npm run bench:gzip`: how large a gzip file a default serverless reader can finish.
 *
 * gzip cannot seek. Within one invocation a gzip split streams (many batches, one
 * decompression); a split resumed by a later invocation decompresses from the file's start to
 * its committed position first. Each invocation therefore moves the split on by
 * (budget − position / skipRate) × readRate, and the position approaches budget × skipRate
 * without passing it: that is the largest decompressed size a reader with this budget ever
 * finishes (a split that gets stuck fails at once with SplitCannotFinishError, naming the file).
 * This bench measures both rates with the real file reader on this machine, alternated
 * (ADF_BENCH_ROUNDS, medians), and writes the limit for the default reader timeout.
 *
 *   ADF_BENCH_GZIP_MB=100 (decompressed)  ADF_BENCH_ROUNDS=3
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FileSourceReader, FileSplit, parseFileSourceOptions } from '../lib/sources/file';
import type { FilePosition } from '../lib/sources/file';
import { generateCsv } from './generateCsv';
import { writeResultSection } from './results';

const MB = Number(process.env.ADF_BENCH_GZIP_MB ?? 100);
const ROUNDS = Number(process.env.ADF_BENCH_ROUNDS ?? 3);
/** serverless.yml's readerTimeout and SERVERLESS_DEFAULTS.timeMarginMs. */
const READER_TIMEOUT_S = 120;
const TIME_MARGIN_S = 10;
const dataDir = join(__dirname, 'data');

function reader(): FileSourceReader {
  const config = parseFileSourceOptions({ path: '/' });
  return new FileSourceReader({ readerId: 0, sendSplitRequest() {} }, { formats: config.formats, limits: { maxRecords: 5_000, maxBytes: 8 * 1024 * 1024 } });
}

/** Reads the split to its end; returns seconds and the position of its last batch. */
async function readToEnd(split: FileSplit): Promise<{ seconds: number; records: number; end: FilePosition }> {
  const r = reader();
  r.addSplits([split]);
  const started = process.hrtime.bigint();
  let records = 0;
  let end = split.position;
  try {
    for (;;) {
      const { batch } = await r.poll();
      if (!batch) throw new Error('no batch');
      records += batch.records.length;
      if (batch.finished) break;
      end = batch.split.position;
    }
  } finally {
    await r.close();
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, records, end };
}

/** Resumes at `position` and reads one record: almost all of it is decompressing to the position. */
async function resumeAt(split: FileSplit, position: FilePosition): Promise<number> {
  const r = reader();
  r.addSplits([split.withPosition(position)]);
  const started = process.hrtime.bigint();
  try {
    await r.poll({ maxRecords: 1 });
  } finally {
    await r.close();
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const csv = join(dataDir, `gzip-${MB}.csv`);
  const gz = `${csv}.gz`;
  await generateCsv(csv, MB * 1048576);
  writeFileSync(gz, gzipSync(readFileSync(csv)));
  const split = FileSplit.create({ splitId: 'g', path: gz, fileId: 'g', format: 'csv', compression: 'gzip' });
  const reads: number[] = [];
  const skips: number[] = [];
  let at: FilePosition | undefined;
  let records = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const read = await readToEnd(split);
    reads.push(read.seconds);
    records = read.records;
    at = read.end;
    skips.push(await resumeAt(split, at));
    process.stderr.write(`round ${round + 1}: read ${read.seconds.toFixed(2)} s, resume at byte ${at.offset} ${skips.at(-1)!.toFixed(2)} s\n`);
  }
  const decompressed = statSync(csv).size;
  const readRate = decompressed / median(reads);
  const skipRate = at!.offset / median(skips);
  const budget = READER_TIMEOUT_S - TIME_MARGIN_S;
  const limitGb = (budget * skipRate) / 1e9;
  const mbps = (rate: number) => (rate / 1e6).toFixed(0);
  writeResultSection('gzip-resume', [
    '## gzip splits on Lambda: the largest file a default reader finishes',
    '',
    `Written by \`npm run bench:gzip\` on ${new Date().toISOString()} · ${cpus()[0]?.model.split(' ').slice(0, 3).join(' ')} × ${cpus().length} · Node ${process.version}.`,
    `One ${(decompressed / 1e6).toFixed(0)} MB CSV (${(statSync(gz).size / 1e6).toFixed(0)} MB gzip, ${records} records) read by the file reader, alternated ${ROUNDS} rounds, medians.`,
    '',
    '| step | seconds | decompressed MB/s |',
    '|---|---|---|',
    `| read the whole split (decompress + parse, null sink) | ${median(reads).toFixed(2)} | ${mbps(readRate)} |`,
    `| resume at its last batch (decompress from the start to there) | ${median(skips).toFixed(2)} | ${mbps(skipRate)} |`,
    '',
    `Within one invocation a gzip split streams: one decompression for all its batches. A later invocation`,
    `decompresses from the start to the committed position before it reads on, so with the default reader`,
    `(readerTimeout ${READER_TIMEOUT_S} s − timeMarginMs ${TIME_MARGIN_S} s = ${budget} s) the largest gzip that ever finishes holds`,
    `**≈ ${limitGb.toFixed(1)} GB of decompressed data on this machine** (${budget} s × ${mbps(skipRate)} MB/s); a 1024 MB Lambda has about`,
    `0.6 of a vCPU, so count on about half: ≈ ${(limitGb / 2).toFixed(1)} GB (a tenth of that compressed, for typical CSV). Long before that`,
    'limit most of each invocation goes to catching up. A split that cannot move on within an invocation is',
    'FAILED at once with `SplitCannotFinishError` (the file, the position, what to change), not retried.',
  ].join('\n'));
  process.stdout.write(`gzip: read ${mbps(readRate)} MB/s, resume skip ${mbps(skipRate)} MB/s, largest finishable ≈ ${limitGb.toFixed(1)} GB here\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
