import fc from 'fast-check';
import { CsvChunkParser, type CsvDialect, type CsvRecordSink } from '../../../lib/sources/file/format/CsvChunkParser';
import { FastCsvChunkParser } from '../../../lib/sources/file/format/FastCsvChunkParser';

/**
 * FastCsvChunkParser must be indistinguishable from csv-parse (CsvChunkParser) for the default
 * dialect: for random texts (clean, unicode, bad quoting, CR/LF/CRLF mixes, BOMs, invalid
 * UTF-8) cut into random chunks, both push the same records with the same ends and lines
 * during the same writes, and stop with the same error.
 */

type Event = string;

interface Parsing {
  write(chunk: Buffer): Error | undefined;
  end(): Error | undefined;
}

function run(make: (sink: CsvRecordSink) => Parsing, chunks: Buffer[]): Event[] {
  const events: Event[] = [];
  const parser = make((fields, end, line) => events.push(JSON.stringify(['record', fields, end, line])));
  const describe = (error: Error & { code?: string; lines?: number }): string => JSON.stringify(['error', error.message, error.code, error.lines]);
  for (const [i, chunk] of chunks.entries()) {
    const error = parser.write(chunk);
    events.push(`write ${i}`);
    if (error) return [...events, describe(error)];
  }
  const error = parser.end();
  if (error) events.push(describe(error));
  return events;
}

function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

const token = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'bc', 'é', '😀', ' ', 'x y') },
  { weight: 4, arbitrary: fc.constantFrom(',', '"', '""', '\n', '\r', '\r\n') },
  { weight: 1, arbitrary: fc.constantFrom('\uFEFF', '\0', '"\0', '\t') },
);
const rawByte = fc.constantFrom(0xef, 0xbb, 0xbf, 0xff, 0xfe, 0x80, 0xc3);

/** Random token soup: mostly malformed. */
const soup = fc.array(fc.oneof({ weight: 9, arbitrary: token.map((t) => Buffer.from(t)) }, { weight: 1, arbitrary: rawByte.map((b) => Buffer.from([b])) }), { maxLength: 60 }).map((parts) => Buffer.concat(parts));

/** Well-formed CSV with quoted fields holding anything, and the occasional defect spliced in. */
const fieldText = fc.array(token, { maxLength: 6 }).map((parts) => parts.join(''));
const field = fc.oneof(
  fieldText.map((text) => text.replace(/[",\r\n]/g, '')),
  fieldText.map((text) => `"${text.replace(/"/g, '""')}"`),
);
const terminator = fc.constantFrom('\n', '\r\n', '\r');
const wellFormed = fc
  .tuple(
    fc.array(fc.tuple(fc.array(field, { minLength: 1, maxLength: 4 }), terminator), { maxLength: 8 }),
    fc.boolean(),
    fc.option(fc.tuple(fc.nat(), fc.constantFrom('"', 'x"', '\uFEFF', '"a"b', '\r', '\n', ',')), { freq: 3 }),
  )
  .map(([records, lastTerminated, defect]) => {
    let text = records.map(([fields, t], i) => fields.join(',') + (i < records.length - 1 || lastTerminated ? t : '')).join('');
    if (defect) {
      const at = defect[0] % (text.length + 1);
      text = text.slice(0, at) + defect[1] + text.slice(at);
    }
    return Buffer.from(text);
  });

const dialect = (maxRecordSize: number): CsvDialect => ({ delimiter: ',', quote: '"', escape: '"', maxRecordSize });

describe('FastCsvChunkParser', () => {
  test('pushes what csv-parse pushes, when csv-parse pushes it, and fails as csv-parse fails', () => {
    fc.assert(
      fc.property(
        fc.oneof(wellFormed, soup),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom(4, 10, 30, 1 << 24),
        (bytes, cuts, atFileStart, maxRecordSize) => {
          const chunks = cut(bytes, cuts);
          const expected = run((sink) => new CsvChunkParser(dialect(maxRecordSize), sink, atFileStart), chunks);
          const actual = run((sink) => new FastCsvChunkParser(dialect(maxRecordSize), sink, atFileStart), chunks);
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('counts lines as csv-parse does: a quoted CRLF is two lines, a CRLF terminator one', () => {
    const text = Buffer.from('a,"x\r\ny"\r\nb,"\r"\nc\r\rd');
    const expected = run((sink) => new CsvChunkParser(dialect(1 << 24), sink), [text]);
    expect(run((sink) => new FastCsvChunkParser(dialect(1 << 24), sink), [text])).toEqual(expected);
    expect(expected).toEqual([
      JSON.stringify(['record', ['a', 'x\r\ny'], 10, 3]),
      JSON.stringify(['record', ['b', '\r'], 16, 5]),
      'write 0', // csv-parse takes a byte only with three after it
      JSON.stringify(['record', ['c'], 18, 6]),
      JSON.stringify(['record', [''], 19, 7]),
      JSON.stringify(['record', ['d'], 20, 8]),
    ]);
  });

  test('hands a bad record to csv-parse with lines counted from its own start', () => {
    const text = Buffer.from('a,b\nc,"d"\ne,f"g\nh\n');
    const events = run((sink) => new FastCsvChunkParser(dialect(1 << 24), sink), [text]);
    expect(events).toEqual(run((sink) => new CsvChunkParser(dialect(1 << 24), sink), [text]));
    expect(events.at(-1)).toContain('INVALID_OPENING_QUOTE');
    expect(events.at(-1)).toContain('at line 3');
  });
});
