/**
 * Parse-only micro-benchmark: FastCsvChunkParser against csv-parse (CsvChunkParser) on
 * `generateCsv` data in 64 KiB chunks, alternated runs, medians. Not part of `npm run bench`
 * (the end-to-end figures are `bench:csv`'s); run it with
 *
 *   node --import tsx bench/csvScanner.micro.ts        ADF_BENCH_MB=40  ADF_BENCH_ROUNDS=5
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CsvChunkParser, type CsvRecordSink } from '../lib/sources/file/format/CsvChunkParser';
import { FastCsvChunkParser } from '../lib/sources/file/format/FastCsvChunkParser';
import { generateCsv } from './generateCsv';

const MB = Number(process.env.ADF_BENCH_MB ?? 40);
const ROUNDS = Number(process.env.ADF_BENCH_ROUNDS ?? 5);
const CHUNK = 64 << 10;
const dialect = { delimiter: ',', quote: '"', escape: '"', maxRecordSize: 1 << 24 };
const parsers = {
  fast: (sink: CsvRecordSink) => new FastCsvChunkParser(dialect, sink, true),
  'csv-parse': (sink: CsvRecordSink) => new CsvChunkParser(dialect, sink, true),
};

function megabytesPerSecond(data: Buffer, kind: keyof typeof parsers): number {
  let records = 0;
  const parser = parsers[kind](() => void records++);
  const started = process.hrtime.bigint();
  for (let at = 0; at < data.length; at += CHUNK) {
    const error = parser.write(data.subarray(at, at + CHUNK));
    if (error) throw error;
  }
  const error = parser.end();
  if (error) throw error;
  return data.length / (Number(process.hrtime.bigint() - started) / 1e9) / 1e6;
}

async function main(): Promise<void> {
  const dir = join(__dirname, 'data');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `scanner-${MB}mb.csv`);
  await generateCsv(path, MB * 1048576);
  const data = readFileSync(path);
  const rates: Record<keyof typeof parsers, number[]> = { fast: [], 'csv-parse': [] };
  const before = loadavg()[0]!.toFixed(2);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['csv-parse', 'fast'] as const) : (['fast', 'csv-parse'] as const);
    for (const kind of order) rates[kind].push(megabytesPerSecond(data, kind));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fast = median(rates.fast);
  const csvParse = median(rates['csv-parse']);
  console.log(`parse only, ${MB} MB, ${ROUNDS} alternated rounds, load ${before} → ${loadavg()[0]!.toFixed(2)}: fast ${fast.toFixed(1)} MB/s, csv-parse ${csvParse.toFixed(1)} MB/s, ${(fast / csvParse).toFixed(2)}×`);
}

void main();
