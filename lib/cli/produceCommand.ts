import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { ConfigError } from '../errors';
import { closeRedisClients } from '../redis/redisClient';
import { RafkaProducer } from '../rafka/RafkaProducer';
import type { ProducerRecord } from '../rafka/RafkaProducer';
import { PRODUCE_HELP } from './help';
import { parseCommandArgs } from './parseCommandArgs';

const OPTIONS = {
  'key-field': { type: 'string' }, 'id-field': { type: 'string' }, file: { type: 'string' }, format: { type: 'string' },
  'redis-url': { type: 'string' }, 'batch-size': { type: 'string' }, quiet: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** Records per send: one pipeline round trip each. */
const DEFAULT_BATCH = 5_000;

/**
 * `adf produce <topic> [--key-field F] [--id-field F] [--file P] [--format jsonl|csv]`, like
 * kafka-console-producer: JSON Lines (or CSV with a header row) from stdin or a file, each
 * record to the partition of its key. A bad line is reported on stderr with its line number and
 * skipped (exit 1 at the end); the rest goes on. With --id-field, the producer is idempotent by
 * that field: a rerun after a crash appends only what is missing. Prints a summary on stdout.
 */
export async function produceCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs('produce', { args, options: OPTIONS, allowPositionals: true });
  if (v.help) return void process.stdout.write(PRODUCE_HELP), 0;
  if (positionals.length !== 1) throw new ConfigError('usage: adf produce <topic> [--key-field F] [--file P] (see adf produce --help)');
  const topic = positionals[0]!;
  const format = v.format ?? (v.file?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
  if (format !== 'jsonl' && format !== 'csv') throw new ConfigError(`--format must be jsonl or csv (got ${JSON.stringify(v.format)})`, { context: { field: 'format' } });
  const batchSize = v['batch-size'] === undefined ? DEFAULT_BATCH : Number(v['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new ConfigError(`--batch-size must be a whole number between 1 and 100000 (got ${JSON.stringify(v['batch-size'])})`, { context: { field: 'batch-size' } });
  const source = v.file ?? 'stdin';
  const producer = new RafkaProducer({ topic, url: v['redis-url'], idempotent: v['id-field'] !== undefined });
  const counts = { records: 0, keyless: 0, badLines: 0, duplicates: 0 };
  const perPartition = new Map<number, number>();
  try {
    await producer.partitions(); // a missing topic fails before reading any input
    let batch: ProducerRecord[] = [];
    const flush = async () => {
      for (const m of await producer.send(batch)) {
        if (m.duplicate) counts.duplicates++;
        perPartition.set(m.partition, (perPartition.get(m.partition) ?? 0) + 1);
      }
      counts.records += batch.length;
      batch = [];
    };
    const input: Readable = v.file ? createReadStream(v.file) : process.stdin;
    for await (const { line, value, json } of format === 'csv' ? csvRows(input) : jsonLines(input)) {
      if (typeof value === 'string') {
        counts.badLines++;
        process.stderr.write(`adf produce: ${source} line ${line}: ${value}; skipped\n`);
        continue;
      }
      const key = v['key-field'] === undefined ? undefined : fieldOf(value, v['key-field']);
      if (v['key-field'] !== undefined && key === undefined) counts.keyless++;
      const id = v['id-field'] === undefined ? undefined : fieldOf(value, v['id-field']);
      if (v['id-field'] !== undefined && id === undefined) {
        counts.badLines++;
        process.stderr.write(`adf produce: ${source} line ${line}: no "${v['id-field']}" field (--id-field); skipped\n`);
        continue;
      }
      batch.push({ key, ...(json !== undefined ? { valueJson: json } : { value }), ...(id !== undefined ? { id } : {}) });
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
  } finally {
    await producer.close();
    await closeRedisClients();
  }
  const partitions = Object.fromEntries([...perPartition].sort((a, b) => a[0] - b[0]));
  process.stdout.write(`${JSON.stringify({ topic, ...counts, partitions })}\n`);
  if (counts.keyless > 0 && !v.quiet) process.stderr.write(`adf produce: ${counts.keyless} record(s) had no "${v['key-field']}" field and went round-robin\n`);
  return counts.badLines > 0 ? 1 : 0;
}

/** A record's field as a key or id: strings as they are, numbers and booleans as text; else undefined. */
function fieldOf(value: Record<string, unknown>, field: string): string | undefined {
  const f = value[field];
  return typeof f === 'string' || typeof f === 'number' || typeof f === 'boolean' || typeof f === 'bigint' ? String(f) : undefined;
}

type Row = { line: number; value: Record<string, unknown> | string; json?: string };

/** JSON Lines: one object per line (blank lines skipped); `value` is the reason for a bad line. The text is kept so it is not encoded again. */
async function* jsonLines(input: Readable): AsyncIterable<Row> {
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    const trimmed = text.trim();
    if (trimmed === '') continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) yield { line, value: 'not a JSON object' };
      else yield { line, value: value as Record<string, unknown>, json: trimmed };
    } catch (e) {
      yield { line, value: `not valid JSON (${(e as Error).message})` };
    }
  }
}

/** CSV with a header row: each row an object of strings. */
async function* csvRows(input: Readable): AsyncIterable<Row> {
  const parser = input.pipe(parseCsv({ columns: true, skip_empty_lines: true, info: true, relax_column_count: false }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) yield { line: info.lines, value: record };
  } catch (e) {
    throw new ConfigError(`adf produce: CSV input: ${(e as Error).message}`);
  }
}
