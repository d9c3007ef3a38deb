import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { FileSource, FileSourceReader, parseFileSourceOptions, type FileSourceOptions, type FileSplit } from '../../../lib/sources/file';
import type { BadRecord, SourceRecord } from '../../../lib/source-support/SourceRecord';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, roundTrip, splitFor, values, type SourceOptions } from './readSplit';

const utf16be = (text: string): Buffer => Buffer.from(text, 'utf16le').swap16();
const BOM_LE = Buffer.from([0xff, 0xfe]);
const BOM_BE = Buffer.from([0xfe, 0xff]);

/** Reads `split` one batch per fresh reader, each resuming from the previous checkpoint (through the serializer). */
async function readResuming(split: FileSplit, options: SourceOptions, maxRecords: number): Promise<{ records: SourceRecord[]; badRecords: BadRecord[] }> {
  const config = parseFileSourceOptions({ path: '/', ...options });
  const records: SourceRecord[] = [];
  const badRecords: BadRecord[] = [];
  let current = split;
  for (let i = 0; i < 10_000; i++) {
    const reader = new FileSourceReader({ readerId: 0, sendSplitRequest() {} }, { formats: config.formats, limits: config.limits });
    reader.addSplits([current]);
    const { batch } = await reader.poll({ maxRecords });
    await reader.close();
    records.push(...batch!.records);
    badRecords.push(...batch!.badRecords);
    if (batch!.finished) return { records, badRecords };
    current = roundTrip(batch!.split);
  }
  throw new Error('split never finished');
}

async function discoverSplits(options: FileSourceOptions): Promise<FileSplit[]> {
  const splits: FileSplit[] = [];
  for await (const page of new FileSource(options, () => undefined).createDiscoverer().discover(undefined)) splits.push(...page.splits);
  return splits;
}

/** Every split of `options.path` read to its end, records and dead letters in file order. */
async function readAll(options: FileSourceOptions): Promise<{ splits: number; records: SourceRecord[]; badRecords: BadRecord[] }> {
  const splits = await discoverSplits(options);
  const results = [];
  for (const split of splits) results.push(await readSplit(split, options));
  return { splits: splits.length, records: results.flatMap((r) => r.records), badRecords: results.flatMap((r) => r.badRecords) };
}

describe('text encodings', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir();
  });
  afterEach(() => fx.cleanup());

  const read = (name: string, content: string | Buffer, options: SourceOptions = {}) => readSplit(splitFor(fx.write(name, content)), options);

  describe('invalid UTF-8 is dead-lettered with its raw bytes, never replaced by U+FFFD', () => {
    it('JSON Lines', async () => {
      const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xc3, 0x22, 0x7d]); // {"a":"<ff><c3>"}
      const content = Buffer.concat([Buffer.from('{"a":"é"}\n'), bad, Buffer.from('\n{"a":"z"}\n')]);

      const result = await read('a.jsonl', content);

      expect(values(result)).toEqual([{ a: 'é' }, { a: 'z' }]);
      expect(result.badRecords).toHaveLength(1);
      expect(result.badRecords[0]).toMatchObject({ id: 'a.jsonl@11', offset: 11, line: 2, raw: { base64: bad.toString('base64') } });
      expect(result.badRecords[0]!.reason).toMatch(/not valid UTF-8 text: the bytes from byte 6 of the record/);
    });

    it('CSV, including Latin-1 bytes read as UTF-8', async () => {
      const bad = Buffer.from('2,caf\xe9', 'latin1');
      const content = Buffer.concat([Buffer.from('id,name\n1,café\n'), bad, Buffer.from('\r\n3,x\n')]);

      const result = await read('a.csv', content);

      expect(values(result)).toEqual([
        { id: '1', name: 'café' },
        { id: '3', name: 'x' },
      ]);
      expect(result.badRecords).toEqual([expect.objectContaining({ id: 'a.csv@16', line: 3, raw: { base64: bad.toString('base64') } })]);
    });

    it('dead-letters the rest of a CSV file whose header row does not decode', async () => {
      const result = await read('h.csv', Buffer.concat([Buffer.from('id,caf', 'latin1'), Buffer.from([0xe9]), Buffer.from('\n1,2\n')]));

      expect(result.records).toEqual([]);
      expect(result.badRecords).toEqual([expect.objectContaining({ offset: 8, reason: expect.stringMatching(/header row \(line 1\) is not valid UTF-8/) })]);
    });

    it('keeps a U+FFFD that the file really contains', async () => {
      expect(values(await read('r.jsonl', '{"a":"\ufffd"}\n'))).toEqual([{ a: '\ufffd' }]);
    });
  });

  it('reads Latin-1 with encoding latin1, ids at raw byte offsets', async () => {
    const content = Buffer.from('id,name\n1,caf\xe9\n2,\xfcber\n', 'latin1');

    const result = await read('l.csv', content, { encoding: 'latin1' });

    expect(values(result)).toEqual([
      { id: '1', name: 'café' },
      { id: '2', name: 'über' },
    ]);
    expect(result.records.map((r) => r.id)).toEqual(['l.csv@8', 'l.csv@15']);
    expect(result.batches.at(-1)!.split.position.offset).toBe(content.length);
  });

  describe('UTF-16', () => {
    const csv = 'id,name\n1,Ådne\n2,"a\nb"\n3,𝄞\n';
    const ids = (prefix: string, bom: number) => [8, 15, 23].map((chars) => `${prefix}@${bom + 2 * chars}`);

    it.each([
      ['LE with BOM', Buffer.concat([BOM_LE, Buffer.from(csv, 'utf16le')]), {}],
      ['BE with BOM', Buffer.concat([BOM_BE, utf16be(csv)]), {}],
      ['LE without BOM, encoding utf-16le', Buffer.from(csv, 'utf16le'), { encoding: 'utf-16le' as const }],
      ['BE without BOM, encoding utf-16be', utf16be(csv), { encoding: 'utf-16be' as const }],
    ])('reads CSV in %s, ids at raw byte offsets', async (_, content, options) => {
      const result = await read('u.csv', content, options);

      expect(values(result)).toEqual([
        { id: '1', name: 'Ådne' },
        { id: '2', name: 'a\nb' },
        { id: '3', name: '𝄞' },
      ]);
      expect(result.records.map((r) => r.id)).toEqual(ids('u.csv', content[0] === 0xff || content[0] === 0xfe ? 2 : 0));
      expect(result.badRecords).toEqual([]);
      expect(result.batches.at(-1)!.split.position.offset).toBe(content.length);
    });

    it('does not split a field at a byte pair that only looks like a delimiter (csv-parse utf16le mode did)', async () => {
      // U+2C00 U+4E00 in UTF-16LE is 00 2C 00 4E: the bytes 2C 00 in the middle spell ',' off the code-unit grid.
      const result = await read('g.csv', Buffer.concat([BOM_LE, Buffer.from('a,b\nx,\u2c00\u4e00\n', 'utf16le')]));

      expect(values(result)).toEqual([{ a: 'x', b: '\u2c00\u4e00' }]);
      expect(result.badRecords).toEqual([]);
    });

    it.each([
      ['LE', (t: string) => Buffer.concat([BOM_LE, Buffer.from(t, 'utf16le')])],
      ['BE', (t: string) => Buffer.concat([BOM_BE, utf16be(t)])],
    ])('reads JSON Lines in UTF-16 %s with a BOM', async (_, encode) => {
      const result = await read('u.jsonl', encode('{"a":"é"}\r\n{"a":"𝄞"}\n'));

      expect(values(result)).toEqual([{ a: 'é' }, { a: '𝄞' }]);
      expect(result.records.map((r) => r.id)).toEqual(['u.jsonl@0', 'u.jsonl@24']);
    });

    it('refuses UTF-16 without a BOM read as UTF-8: one dead letter saying so, no garbage records', async () => {
      const result = await read('u.csv', Buffer.from(csv, 'utf16le'));

      expect(result.records).toEqual([]);
      expect(result.badRecords).toHaveLength(1);
      expect(result.badRecords[0]!.reason).toMatch(/looks like UTF-16LE text without a byte order mark.*encoding: 'utf-16le'/);
    });

    it('resumes a gzip file mid-way with the encoding of its BOM', async () => {
      const path = fx.writeGzip('z.csv.gz', Buffer.concat([BOM_LE, Buffer.from(csv, 'utf16le')]));

      const result = await readResuming(splitFor(path), {}, 1);

      expect(result.records.map((r) => r.id)).toEqual(ids('z.csv.gz', 2));
      expect(result.badRecords).toEqual([]);
    });

    it('resumes mid-file with the encoding of the BOM', async () => {
      const content = Buffer.concat([BOM_BE, utf16be(csv)]);

      const result = await readResuming(splitFor(fx.write('r.csv', content)), {}, 1);

      expect(result.records.map((r) => r.value)).toEqual([
        { id: '1', name: 'Ådne' },
        { id: '2', name: 'a\nb' },
        { id: '3', name: '𝄞' },
      ]);
    });
  });

  describe('property: valid records kept unchanged, invalid ones dead-lettered with their exact raw bytes', () => {
    type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';
    const encode = (text: string, encoding: Encoding): Buffer => (encoding === 'utf-8' ? Buffer.from(text) : encoding === 'utf-16le' ? Buffer.from(text, 'utf16le') : utf16be(text));
    /** Bytes that cannot decode in `encoding`: a bad UTF-8 byte sequence, or a lone surrogate. */
    const invalid = (encoding: Encoding) =>
      encoding === 'utf-8'
        ? fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80])
        : fc.constantFrom([0xd800], [0xdc00], [0xdbff]).map((units) => [...encode(String.fromCharCode(...units), encoding)]);
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', 'é', '€', '𝄞', '中', 'ß'), maxLength: 8 });
    const rows = fc.array(fc.record({ value: text, bad: fc.option(fc.nat(8), { nil: undefined }) }), { minLength: 1, maxLength: 12 });

    it.each(['utf-8', 'utf-16le', 'utf-16be'] as const)('JSON Lines and CSV in %s, read whole and resumed', async (encoding) => {
      await fc.assert(
        fc.asyncProperty(rows, fc.constantFrom('jsonl', 'csv'), fc.integer({ min: 1, max: 4 }), invalid(encoding), async (input, format, batch, badBytes) => {
          const header = format === 'csv' ? encode('v\n', encoding) : Buffer.alloc(0);
          const parts: Buffer[] = [header];
          const expectedGood: { id: string; value: unknown }[] = [];
          const expectedBad: { id: string; raw: string }[] = [];
          let offset = header.length;
          for (const row of input) {
            const line = format === 'jsonl' ? JSON.stringify({ v: row.value }) : `x${row.value}`;
            let bytes = encode(line, encoding);
            if (row.bad !== undefined) {
              // Insert at a character boundary: after the k-th character, as bytes.
              const at = encode([...line].slice(0, row.bad % (line.length + 1)).join(''), encoding).length;
              bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(badBytes), bytes.subarray(at)]);
              expectedBad.push({ id: `p.${format}@${offset}`, raw: bytes.toString('base64') });
            } else {
              expectedGood.push({ id: `p.${format}@${offset}`, value: { v: format === 'jsonl' ? row.value : `x${row.value}` } });
            }
            const withEnd = Buffer.concat([bytes, encode('\n', encoding)]);
            parts.push(withEnd);
            offset += withEnd.length;
          }
          const options = encoding === 'utf-8' ? {} : { encoding };
          const path = fx.write(`p.${format}`, Buffer.concat(parts));

          for (const result of [await readSplit(splitFor(path), options), await readResuming(splitFor(path), options, batch)]) {
            expect(result.records).toEqual(expectedGood);
            expect(result.badRecords.map((b) => ({ id: b.id, raw: (b.raw as { base64: string }).base64 }))).toEqual(expectedBad);
          }
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('byte-range splits', () => {
    it('reads a large UTF-16 file as one split (its cut points are not single bytes)', async () => {
      const rows = Array.from({ length: 300 }, (_, i) => `${i},é${i}\n`).join('');
      fx.write('big.csv', Buffer.concat([BOM_BE, utf16be(`id,name\n${rows}`)]));

      const result = await readAll({ path: fx.root, splitSize: 1024 });

      expect(result.splits).toBe(1);
      expect(result.records.map((r) => r.value)).toEqual(Array.from({ length: 300 }, (_, i) => ({ id: String(i), name: `é${i}` })));
    });

    it('gives every range of a Latin-1 file the header as the first range decodes it', async () => {
      const rows = Array.from({ length: 300 }, (_, i) => `${i},\xe9${i}\n`).join('');
      fx.write('big.csv', Buffer.from(`id,caf\xe9\n${rows}`, 'latin1'));

      const result = await readAll({ path: fx.root, splitSize: 512, encoding: 'latin1' });

      expect(result.splits).toBeGreaterThan(3);
      expect(result.records.map((r) => r.value)).toEqual(Array.from({ length: 300 }, (_, i) => ({ id: String(i), café: `é${i}` })));
    });

    it('does not cut a large CSV whose header does not decode, so no range reads with damaged column names', async () => {
      const rows = Array.from({ length: 300 }, (_, i) => `${i},${i}\n`).join('');
      fx.write('big.csv', Buffer.concat([Buffer.from('id,caf'), Buffer.from([0xe9]), Buffer.from(`\n${rows}`)]));

      const result = await readAll({ path: fx.root, splitSize: 512 });

      expect(result.records).toEqual([]);
      expect(result.badRecords).toEqual([expect.objectContaining({ reason: expect.stringMatching(/header row \(line 1\) is not valid UTF-8/) })]);
    });

    it('dead-letters the same invalid records with any split size as in one split (property)', async () => {
      const row = fc.record({ text: fc.string({ unit: fc.constantFrom('a', 'é', '€', '𝄞', ','), maxLength: 12 }), bad: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), fc.constantFrom('jsonl', 'csv'), fc.integer({ min: 16, max: 400 }), async (rows, format, splitSize) => {
          const lines = rows.map(({ text, bad }) => {
            const line = Buffer.from(format === 'jsonl' ? JSON.stringify({ v: text }) : JSON.stringify(text));
            return bad ? Buffer.concat([line.subarray(0, 3), Buffer.from([0xc3]), line.subarray(3)]) : line;
          });
          const header = format === 'csv' ? 'v\n' : '';
          fx.write(`p.${format}`, Buffer.concat([Buffer.from(header), ...lines.flatMap((l) => [l, Buffer.from('\n')])]));

          const whole = await readAll({ path: fx.root });
          const ranged = await readAll({ path: fx.root, splitSize });

          expect(whole.badRecords).toHaveLength(rows.filter((r) => r.bad).length);
          expect(ranged.records).toEqual(whole.records);
          expect(ranged.badRecords.map((b) => [b.id, b.raw])).toEqual(whole.badRecords.map((b) => [b.id, b.raw]));
          rmSync(fx.path(`p.${format}`));
        }),
        { numRuns: 40 },
      );
    });
  });
});
