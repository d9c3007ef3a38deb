import fc from 'fast-check';
import type { BadRecord, SourceRecord } from '../../../lib/source-support/SourceRecord';
import { FileSource, type FileSourceOptions, type FileSplit } from '../../../lib/sources/file';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, splitFor } from './readSplit';

/**
 * Item 6 of issue 9: the split size must not change what a file yields. For generated CSV and
 * JSON Lines files with random malformations, reading every byte range (at a random split
 * size, in random batch sizes) yields exactly the good records and the dead letters of
 * reading the file as one split.
 */

const OPTIONS = { maxRecordBytes: 1024 } as const; // the minimum, so generated files can exceed it

async function discoverSplits(options: FileSourceOptions): Promise<FileSplit[]> {
  const splits: FileSplit[] = [];
  for await (const page of new FileSource(options, () => undefined).createDiscoverer().discover(undefined)) splits.push(...page.splits);
  return splits;
}

/**
 * Dead letters as the user sees them. A JSON Lines range after the first does not count lines
 * from the file's start (it is cut without reading what lies before it), so there the line is
 * left out of the comparison on both sides; everything else must be equal.
 */
function deadLetters(bad: BadRecord[], splits: FileSplit[]): unknown[] {
  const knowsLine = (offset: number) => splits.find((s) => s.start <= offset && (s.end === -1 || offset < s.end))!.linesFromFileStart;
  return bad.map((b) => ({ id: b.id, reason: b.reason, offset: b.offset, raw: b.raw, file: b.file, ...(knowsLine(b.offset!) ? { line: b.line } : {}) }));
}

const word = fc.constantFrom('alpha', 'beta', 'γάμμα', 'x', '数据', '', ' sp ', 'a,b');
/** One CSV field: plain, quoted (with delimiters, doubled quotes and line breaks inside), or malformed. */
const csvField = fc.oneof(
  { weight: 6, arbitrary: word.map((w) => w.replace(',', '')) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom('a', ',', '""', '\n', '\r\n', 'é'), { maxLength: 6 }).map((parts) => `"${parts.join('')}"`) },
  { weight: 1, arbitrary: fc.constantFrom('ab"c', '"', '"open', '"ab"x', 'q""', '"a""b"c', 'z"') }, // stray, unclosed and badly closed quotes
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 1300 }).map((n) => (n % 2 ? 'L'.repeat(n) : `"${'Q\n'.repeat(n >> 1)}"`)) }, // longer than maxRecordBytes
);
const eol = fc.constantFrom('\n', '\r\n', '\r');
const csvRow = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(csvField, csvField, csvField).map((f) => f.join(',')) },
  { weight: 1, arbitrary: fc.array(csvField, { maxLength: 5 }).map((f) => f.join(',')) }, // ragged or blank
  { weight: 1, arbitrary: fc.constant('\uFEFFbom,mid,file') },
);
const csvText = fc
  .record({
    bom: fc.boolean(),
    header: fc.boolean(),
    blankLinesFirst: fc.nat({ max: 3 }),
    rows: fc.array(fc.tuple(csvRow, eol), { minLength: 1, maxLength: 40 }),
    lastEol: fc.boolean(),
  })
  .map(({ bom, header, blankLinesFirst, rows, lastEol }) => {
    let text = (bom ? '\uFEFF' : '') + '\n'.repeat(blankLinesFirst) + (header ? 'k,v,w\n' : '');
    rows.forEach(([row, end], i) => (text += row + (i < rows.length - 1 || lastEol ? end : '')));
    return { text, header };
  });

const jsonLine = fc.oneof(
  { weight: 6, arbitrary: fc.record({ i: fc.integer(), s: word }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('not json', '{"a":', '"unterminated', '{"q":"a\\"b"}', '', '   ', '\uFEFF{"bom":1}') },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 1300 }).map((n) => JSON.stringify({ long: 'x'.repeat(n) })) },
);
const jsonlText = fc
  .record({ bom: fc.boolean(), lines: fc.array(fc.tuple(jsonLine, fc.constantFrom('\n', '\r\n')), { minLength: 1, maxLength: 40 }), lastEol: fc.boolean() })
  .map(({ bom, lines, lastEol }) => (bom ? '\uFEFF' : '') + lines.map(([line, end], i) => line + (i < lines.length - 1 || lastEol ? end : '')).join(''));

describe('property: the split size does not change the result (issue 9 item 6)', () => {
  let fx: FixtureDir;
  beforeAll(() => {
    fx = makeFixtureDir();
  });
  afterAll(() => fx.cleanup());

  let n = 0;
  async function expectSameAsOneSplit(name: string, text: string, splitSize: number, maxRecords: number, options: Omit<FileSourceOptions, 'path'>): Promise<void> {
    const path = fx.write(`${n++}/${name}`, text);
    const whole = await readSplit(splitFor(path, name), options);
    const splits = await discoverSplits({ ...options, path, splitSize });
    const ranged = { records: [] as SourceRecord[], badRecords: [] as BadRecord[] };
    for (const split of splits) {
      const part = await readSplit(split, options, { maxRecords });
      ranged.records.push(...part.records);
      ranged.badRecords.push(...part.badRecords);
    }

    expect(ranged.records).toEqual(whole.records);
    expect(deadLetters(ranged.badRecords, splits)).toEqual(deadLetters(whole.badRecords, splits));
  }

  it('CSV with stray and unclosed quotes, ragged rows, long records, CRLF, quoted newlines and BOMs', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 7 }), async ({ text, header }, splitSize, maxRecords) => {
        await expectSameAsOneSplit('data.csv', text, splitSize, maxRecords, { ...OPTIONS, csv: { header } });
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 150) },
    );
  });

  it('JSON Lines with invalid lines, blank lines, long lines, CRLF and BOMs', async () => {
    await fc.assert(
      fc.asyncProperty(jsonlText, fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 7 }), async (text, splitSize, maxRecords) => {
        await expectSameAsOneSplit('data.jsonl', text, splitSize, maxRecords, OPTIONS);
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 100) },
    );
  });
});
