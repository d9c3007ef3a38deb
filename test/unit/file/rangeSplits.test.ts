import { readFileSync } from 'node:fs';
import type { BadRecord, SourceRecord } from '../../../lib/source-support/SourceRecord';
import {
  CsvCutScanner,
  FileSource,
  FileSourceReader,
  TO_END_OF_FILE,
  parseFileSourceOptions,
  type FileSourceOptions,
  type FileSplit,
  type SkippedFile,
} from '../../../lib/sources/file';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, roundTrip, splitFor } from './readSplit';

/** Small, seeded PRNG (mulberry32): every run of a seed builds the same files. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function discoverSplits(options: FileSourceOptions, onSkip: (f: SkippedFile) => void = () => undefined): Promise<FileSplit[]> {
  const splits: FileSplit[] = [];
  for await (const page of new FileSource(options, onSkip).createDiscoverer().discover(undefined)) splits.push(...page.splits);
  return splits;
}

/** Reads `split` one batch per fresh reader, each from the checkpoint (through the serializer) of the previous batch. */
async function readResuming(split: FileSplit, options: Omit<FileSourceOptions, 'path'>, maxRecords: number): Promise<{ records: SourceRecord[]; badRecords: BadRecord[] }> {
  const config = parseFileSourceOptions({ path: '/', ...options });
  const records: SourceRecord[] = [];
  const badRecords: BadRecord[] = [];
  let current = split;
  for (let i = 0; i < 100_000; i++) {
    const reader = new FileSourceReader({ readerId: 0, sendSplitRequest() {} }, { formats: config.formats, limits: config.limits });
    reader.addSplits([current]);
    const { batch } = await reader.poll({ maxRecords });
    await reader.close();
    if (!batch) throw new Error('no batch');
    records.push(...batch.records);
    badRecords.push(...batch.badRecords);
    if (batch.finished) return { records, badRecords };
    current = roundTrip(batch.split);
  }
  throw new Error('split never finished');
}

type Bad = { id: string; reason: string; offset?: number; line?: number };
const badView = (bad: BadRecord[], withLines: boolean): Bad[] =>
  bad.map((b) => ({ id: b.id, reason: b.reason, offset: b.offset, ...(withLines ? { line: b.line } : {}) }));

/** Reads all ranges of the file (each resumed batch by batch) and the file whole; returns both. */
async function compareRangesWithWhole(path: string, options: Omit<FileSourceOptions, 'path'>, splitSize: number, maxRecords = 3) {
  const splits = await discoverSplits({ ...options, path, splitSize });
  const whole = await readSplit(splitFor(path), options);
  const ranged = { records: [] as SourceRecord[], badRecords: [] as BadRecord[] };
  for (const split of splits) {
    const part = await readResuming(split, options, maxRecords);
    ranged.records.push(...part.records);
    ranged.badRecords.push(...part.badRecords);
  }
  return { splits, whole, ranged };
}

/** Checks the ranges tile the file exactly and every range after the first starts right after a '\n'. */
function expectTiling(splits: FileSplit[], bytes: Buffer): void {
  expect(splits[0]!.start).toBe(0);
  splits.forEach((split, i) => {
    expect(split.splitId).toBe(splits.length === 1 ? split.fileId : `${split.fileId}#${i}`);
    expect(split.fileSplits).toBe(splits.length);
    expect(split.size).toBe(bytes.length);
    expect(split.position.offset).toBe(split.start);
    if (i > 0) expect(bytes[split.start - 1]).toBe(0x0a);
    expect(split.end).toBe(i + 1 < splits.length ? splits[i + 1]!.start : TO_END_OF_FILE);
  });
}

function csvFile(rnd: () => number, rows: number, eol: '\n' | '\r\n'): string {
  const word = () => ['alpha', 'beta', 'γάμμα', 'delta', 'échelle', '数据', 'x'][Math.floor(rnd() * 7)]!;
  const field = (): string => {
    const r = rnd();
    if (r < 0.45) return word();
    if (r < 0.55) return '';
    // Quoted: commas, doubled quotes, and line breaks inside the quotes.
    const parts = [word()];
    const n = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) parts.push([',', '""', '\n', '\r\n', ' ', word()][Math.floor(rnd() * 6)]!, word());
    return `"${parts.join('')}"`;
  };
  let text = `id,name,note${eol}`;
  for (let i = 0; i < rows; i++) {
    const r = rnd();
    if (r < 0.03) text += eol; // a blank line
    else if (r < 0.06) text += `${i},only-two${eol}`; // wrong field count: a bad record
    else text += `${i},${field()},${field()}${eol}`;
  }
  return text;
}

function jsonlFile(rnd: () => number, rows: number, eol: '\n' | '\r\n'): string {
  let text = '';
  for (let i = 0; i < rows; i++) {
    const r = rnd();
    if (r < 0.03) text += eol;
    else if (r < 0.05) text += `not json ${i}${eol}`;
    else text += JSON.stringify({ i, s: 'é数'.repeat(Math.floor(rnd() * 20)), nl: 'a\nb', n: rnd() }) + eol;
  }
  return text;
}

describe('byte-range splits', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir();
  });
  afterEach(() => fx.cleanup());

  it('keeps a file that fits splitSize as one split with the fileId as its id', async () => {
    const path = fx.write('small.jsonl', '{"a":1}\n{"a":2}\n');

    const splits = await discoverSplits({ path, splitSize: 1024 });

    expect(splits).toEqual([expect.objectContaining({ splitId: 'small.jsonl', fileId: 'small.jsonl', start: 0, end: TO_END_OF_FILE, fileSplits: 1, size: 16 })]);
  });

  it('cuts JSON Lines after the first line feed at or after each nominal cut', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 7) }));
    const text = lines.join('\n') + '\n';
    const path = fx.write('events.jsonl', text);
    const bytes = Buffer.from(text);

    const splits = await discoverSplits({ path, splitSize: 100 });

    expect(splits.length).toBeGreaterThan(3);
    expectTiling(splits, bytes);
    for (const split of splits.slice(1)) {
      // The start follows the first '\n' at or after some multiple of 100.
      const nominal = Math.floor((split.start - 1) / 100) * 100;
      expect(bytes.indexOf(0x0a, nominal)).toBe(split.start - 1);
    }
  });

  it('cuts CSV only at line feeds outside quotes, also when a quoted field straddles the nominal cut', async () => {
    // The quoted note of row 1 spans bytes 14-59, across the nominal cut at 32.
    const text = 'id,note\n1,"first line\nsecond line, still quoted\n"\n2,plain\n3,"a\n""b"""\n4,end\n';
    const path = fx.write('notes.csv', text);

    const { splits, whole, ranged } = await compareRangesWithWhole(path, {}, 32);

    expect(splits[1]!.start).toBe(text.indexOf('2,plain'));
    expectTiling(splits, Buffer.from(text));
    expect(ranged.records).toEqual(whole.records);
    expect(whole.records.map((r) => r.value)).toEqual([
      { id: '1', note: 'first line\nsecond line, still quoted\n' },
      { id: '2', note: 'plain' },
      { id: '3', note: 'a\n"b"' },
      { id: '4', note: 'end' },
    ]);
  });

  it('handles CRLF files: ranges start after the LF of a CRLF, with the line number of their first record', async () => {
    const text = 'id,v\r\n1,"x\r\ny"\r\n2,b\r\n3\r\n4,"p\r\nq"\r\n5,e\r\n';
    const path = fx.write('crlf.csv', text);

    const { splits, whole, ranged } = await compareRangesWithWhole(path, {}, 8);

    expect(splits.length).toBeGreaterThan(2);
    expectTiling(splits, Buffer.from(text));
    expect(ranged.records).toEqual(whole.records);
    expect(badView(ranged.badRecords, true)).toEqual(badView(whole.badRecords, true));
    // csv-parse counts the CRLF inside the quotes of row 1 as two line breaks: '3' is reported on
    // line 6 by the whole file and by the range that starts after it alike.
    expect(whole.badRecords.map((b) => b.line)).toEqual([6]);
  });

  it('carries the header row in the position of every range after the first, so a range reads alone', async () => {
    const text = 'sku,qty\n' + Array.from({ length: 30 }, (_, i) => `S${i},${i}`).join('\n') + '\n';
    const path = fx.write('stock.csv', text);

    const splits = await discoverSplits({ path, splitSize: 50 });
    const last = splits[splits.length - 1]!;
    const { records } = await readSplit(last);

    expect(splits[0]!.position.header).toBeUndefined();
    for (const split of splits.slice(1)) expect(split.position.header).toEqual(['sku', 'qty']);
    expect(records[records.length - 1]).toEqual({ id: `stock.csv@${text.lastIndexOf('S29')}`, value: { sku: 'S29', qty: '29' } });
  });

  it('carries configured columns instead of the header row, and nothing for a file without header', async () => {
    const withColumns = fx.write('a.csv', 'x,y\n' + '1,2\n'.repeat(20));
    const headerless = fx.write('b.csv', '1,2\n'.repeat(20));

    const renamed = await discoverSplits({ path: withColumns, splitSize: 16, csv: { columns: ['left', 'right'] } });
    const bare = await discoverSplits({ path: headerless, splitSize: 16, csv: { header: false } });

    expect(renamed[1]!.position.header).toEqual(['left', 'right']);
    expect(bare.length).toBeGreaterThan(1);
    expect(bare[1]!.position.header).toBeUndefined();
    expect((await readSplit(bare[1]!, { csv: { header: false } })).records[0]!.value).toEqual(['1', '2']);
  });

  it('reads a compressed file as one split however large it is', async () => {
    const path = fx.writeGzip('big.csv.gz', 'id\n' + '1\n'.repeat(5_000));

    const splits = await discoverSplits({ path, splitSize: 10 });

    expect(splits).toEqual([expect.objectContaining({ splitId: 'big.csv.gz', fileSplits: 1, start: 0, end: TO_END_OF_FILE })]);
  });

  it('does not cut CSV read with an escape character other than the quote (the quote parity would miscount)', async () => {
    const path = fx.write('esc.csv', 'a,b\n' + '1,"x\\"y"\n'.repeat(20));

    expect(await discoverSplits({ path, splitSize: 16, csv: { escape: '\\' } })).toHaveLength(1);
  });

  it('does not cut where no record boundary follows the nominal cut', async () => {
    const text = 'id,note\n1,"' + 'long '.repeat(40) + '\n"\n';
    const path = fx.write('one-record.csv', text);

    const splits = await discoverSplits({ path, splitSize: 30 });

    expect(splits.map((s) => s.splitId)).toEqual(['one-record.csv']);
  });

  it('puts everything after a stray quote in one range: no good row lost, no bogus dead letter (issue 9 item 6)', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => (i === 10 ? `${i},bad"quote` : `${i},"note\n${i}"`));
    const text = 'id,note\n' + rows.join('\n') + '\n';
    const path = fx.write('stray.csv', text);

    const { splits, whole, ranged } = await compareRangesWithWhole(path, {}, 16);

    expect(splits.at(-1)!.start).toBeLessThanOrEqual(text.indexOf('10,bad'));
    expect(whole.records).toHaveLength(29);
    expect(ranged.records).toEqual(whole.records);
    expect(badView(ranged.badRecords, true)).toEqual(badView(whole.badRecords, true));
  });

  it('makes no cut before the header row, also after blank lines', async () => {
    const text = '\n'.repeat(40) + 'sku,qty\n' + 'S1,1\n'.repeat(20);
    const path = fx.write('late-header.csv', text);

    const { splits, whole, ranged } = await compareRangesWithWhole(path, {}, 8);

    expect(splits[1]!.start).toBe(text.indexOf('S1'));
    expect(ranged.records).toEqual(whole.records);
    expect(ranged.badRecords).toEqual([]);
  });

  describe.each([1, 2, 3, 4, 5, 6])('seed %i: reading all ranges yields exactly the records of reading the file whole', (seed) => {
    it.each(['\n', '\r\n'] as const)('CSV with quoted newlines, doubled quotes, blank lines and bad rows (%j line ends)', async (eol) => {
      const rnd = random(seed * 7919 + eol.length);
      const text = csvFile(rnd, 200, eol);
      const path = fx.write(`seed-${seed}.csv`, text);
      const splitSize = 20 + Math.floor(rnd() * 400);

      const { splits, whole, ranged } = await compareRangesWithWhole(path, {}, splitSize, 1 + Math.floor(rnd() * 5));

      expect(splits.length).toBeGreaterThan(2);
      expectTiling(splits, readFileSync(path));
      expect(ranged.records).toEqual(whole.records);
      expect(badView(ranged.badRecords, true)).toEqual(badView(whole.badRecords, true));
      expect(whole.badRecords.length).toBeGreaterThan(0);
    });

    it.each(['\n', '\r\n'] as const)('JSON Lines with blank and invalid lines (%j line ends)', async (eol) => {
      const rnd = random(seed * 104729 + eol.length);
      const text = jsonlFile(rnd, 150, eol);
      const path = fx.write(`seed-${seed}.jsonl`, text);
      const splitSize = 20 + Math.floor(rnd() * 600);

      const { splits, whole, ranged } = await compareRangesWithWhole(path, {}, splitSize, 1 + Math.floor(rnd() * 5));

      expect(splits.length).toBeGreaterThan(2);
      expectTiling(splits, readFileSync(path));
      expect(ranged.records).toEqual(whole.records);
      // JSON Lines ranges after the first do not know their absolute line: compare ids, reasons and offsets.
      expect(badView(ranged.badRecords, false)).toEqual(badView(whole.badRecords, false));
    });
  });
});

describe('CsvCutScanner', () => {
  const scan = (text: string, splitSize: number, chunk: number) => {
    const scanner = new CsvCutScanner(splitSize, 0x22);
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += chunk) scanner.write(bytes.subarray(i, i + chunk));
    return scanner.cuts();
  };

  it('finds the same cuts whatever the chunk size', () => {
    const text = csvFile(random(42), 300, '\r\n');
    const expected = scan(text, 97, text.length);

    expect(expected.length).toBeGreaterThan(10);
    for (const chunk of [1, 2, 3, 7, 64, 1000]) expect(scan(text, 97, chunk)).toEqual(expected);
  });

  it('stops cutting at the first quoting the reader would reject, whatever the chunk size (issue 9 item 6)', () => {
    const scanFrom = (text: string, chunk: number) => {
      const scanner = new CsvCutScanner(1, { quote: 0x22, delimiter: 0x2c, maxRecordBytes: 1024 });
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += chunk) scanner.write(bytes.subarray(i, i + chunk));
      return { cuts: scanner.cuts().map((c) => c.offset), anomaly: scanner.anomaly };
    };
    for (const chunk of [1, 2, 3, 5, 100]) {
      // A stray quote inside an unquoted field: parity would think "d\ne\n" is quoted.
      expect(scanFrom('a\nb\nc"d\ne\nf\n', chunk)).toEqual({ cuts: [2, 4], anomaly: { offset: 5, reason: 'a quote inside an unquoted field' } });
      // A closing quote followed by text (the quote and the text may sit in different chunks).
      expect(scanFrom('a\n"b"x\nc\n', chunk)).toEqual({ cuts: [2], anomaly: { offset: 4, reason: 'a closing quote followed by other text' } });
      // Doubled quotes, quoted line breaks and a field quoted after a delimiter are fine.
      expect(scanFrom('a,"b""\n"\n"",c\n', chunk)).toEqual({ cuts: [9], anomaly: undefined });
      // A record longer than the reader allows: csv-parse fails inside it, so no cut at or after it.
      expect(scanFrom(`a\n${'x'.repeat(1100)}\nb\n`, chunk)).toEqual({ cuts: [2], anomaly: { offset: 2, reason: 'a record longer than the maximum record size' } });
      // A BOM before the first quoted field is skipped by the reader, so the quote starts a field.
      expect(scanFrom('\uFEFF"a"\nb\n', chunk).anomaly).toBeUndefined();
    }
  });

  it('skips nominal cuts inside quotes and dedupes cuts that realign to the same line feed', () => {
    const text = 'a\n"1\n2\n3\n4"\nb\nc\n';

    expect(scan(text, 3, 4)).toEqual([
      { offset: 12, line: 6 }, // cuts 3, 6 and 9 fall inside the quotes: the first line feed outside them ends at 12
      { offset: 14, line: 7 }, // cut 12 → the line feed at 13
    ]);
  });
});

describe('discovery of empty files', () => {
  it('skips a 0-byte file with a reason through skipped and onSkip, and never makes it a split', async () => {
    const fx = makeFixtureDir({ 'empty.csv': '', 'full.csv': 'a\n1\n' });
    const onSkip = jest.fn();
    try {
      const pages = [];
      for await (const page of new FileSource({ path: fx.root }, onSkip).createDiscoverer().discover(undefined)) pages.push(page);

      expect(pages.flatMap((p) => p.splits.map((s) => s.splitId))).toEqual(['full.csv']);
      expect(pages.flatMap((p) => p.skipped)).toEqual([{ fileId: 'empty.csv', path: fx.path('empty.csv'), reason: 'empty file (0 bytes)' }]);
      expect(onSkip).toHaveBeenCalledTimes(1);
    } finally {
      fx.cleanup();
    }
  });
});
