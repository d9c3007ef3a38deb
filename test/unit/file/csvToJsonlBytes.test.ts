import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { jsonlSink } from '../../../lib/sinks';
import { makeFixtureDir } from '../../helpers/files';
import { readSplit, splitFor } from './readSplit';

/**
 * CSV → JSONL output is byte for byte what it was before the CSV cursor built its records with
 * generated object literals (CsvRowBuilder): each line is `JSON.stringify({ id, value })` of a
 * plain object holding the header's columns in order, as csv-parse reads the same text.
 */
const cell = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('"', '""', ',', '\n', '\r\n', '\u2028', '😀', '\\', '\u0000', '0', ''));
const header = fc.uniqueArray(fc.oneof(fc.string({ unit: 'grapheme', minLength: 1 }), fc.constantFrom('__proto__', 'constructor', '0', '7', 'id', 'value')), { minLength: 1, maxLength: 6 });
const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;

function expectedLines(text: string, ids: readonly string[]): string {
  const [names, ...rows] = parse(text, { bom: true, relax_column_count: true, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];
  return rows
    .map((fields, i) => {
      const value = {};
      names!.forEach((name, k) => Object.defineProperty(value, name, { value: fields[k], enumerable: true, writable: true, configurable: true }));
      return `${JSON.stringify({ id: ids[i], value })}\n`;
    })
    .join('');
}

describe('CSV → JSONL bytes', () => {
  it('writes exactly JSON.stringify({ id, value }) per CSV row, for any header and fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        header.chain((names) => fc.tuple(fc.constant(names), fc.array(fc.array(cell, { minLength: names.length, maxLength: names.length }), { minLength: 1, maxLength: 20 }))),
        async ([names, rows]) => {
          const fx = makeFixtureDir();
          try {
            const text = [names, ...rows].map((r) => r.map(quoted).join(',')).join('\n') + '\n';
            const result = await readSplit(splitFor(fx.write('in.csv', text)));
            expect(result.badRecords).toEqual([]);
            const writer = await jsonlSink({ dir: fx.path('out') }).open({ readerId: 0 });
            let state: unknown;
            for (const batch of result.batches) state = await writer.write({ splitId: 'in.csv', records: batch.records, sinkState: state });
            await writer.close();
            const parts = readdirSync(fx.path('out')).filter((f) => f.endsWith('.jsonl'));
            expect(parts).toHaveLength(1);
            const written = readFileSync(join(fx.path('out'), parts[0]!), 'utf8');
            expect(written).toBe(expectedLines(text, result.records.map((r) => r.id)));
          } finally {
            fx.cleanup();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
