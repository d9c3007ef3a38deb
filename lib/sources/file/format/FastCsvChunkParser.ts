import { CsvChunkParser, type CsvDialect, type CsvParseError, type CsvRecordSink } from './CsvChunkParser';

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
/** A record still open after this many bytes goes to csv-parse: rescanning it on every chunk would be quadratic. */
const MAX_OPEN_RECORD = 1 << 20;
/**
 * csv-parse takes a character only with this many after it unless ending (its needMoreDataSize:
 * the longest trimmable character, 3 bytes), so the write that pushes a record is the one that
 * brings the third byte after its terminator's first.
 */
const LOOKAHEAD = 3;

/** What CsvRecordCursor needs of a chunk parser (CsvChunkParser or FastCsvChunkParser). */
export interface CsvChunkParsing {
  write(chunk: Buffer): CsvParseError | undefined;
  end(): CsvParseError | undefined;
}

/** The parser for a dialect: the fast scanner for the default one (`,` `"` `"`), csv-parse for any other. */
export function csvChunkParser(dialect: CsvDialect, sink: CsvRecordSink, atFileStart: boolean): CsvChunkParsing {
  const standard = dialect.delimiter === ',' && dialect.quote === '"' && dialect.escape === '"';
  return standard ? new FastCsvChunkParser(dialect, sink, atFileStart) : new CsvChunkParser(dialect, sink, atFileStart);
}

/** How a scan of one record ended. */
const enum Scan {
  Record,
  Open,
  HandOver,
}

/**
 * CsvChunkParser's results for the default dialect, from a byte scanner that handles only the
 * clean cases: unquoted fields, wholly quoted fields with `""` inside, records ended by CRLF,
 * LF or CR (csv-parse's fixed `record_delimiter`). On anything else — a quote inside an
 * unquoted field, a character after a closing quote, a BOM at the file's start, a record
 * longer than `maxRecordSize`, a quote open at the end — it hands the input from the last
 * record boundary on to csv-parse, for good, so bad input gets csv-parse's behaviour and
 * messages exactly.
 *
 * Why: csv-parse's byte-at-a-time state machine was ~67% of a CSV reader's time.
 *
 * It reproduces what the cursor sees of csv-parse, checked by a property test against it:
 * - `end` counts bytes from the first byte fed; `line` is csv-parse's `info.lines` at push
 *   time: 1 + every CR or LF before the terminator, except the LF of a CRLF terminator (so a
 *   quoted CRLF counts two lines).
 * - When: a record is pushed by the same write as csv-parse pushes it (see LOOKAHEAD).
 *
 * @example
 * const parser = csvChunkParser(dialect, (fields, end, line) => console.log(fields, end, line), true);
 * const error = parser.write(chunk) ?? parser.end();
 */
export class FastCsvChunkParser implements CsvChunkParsing {
  /** Input from the last record boundary on, not yet a whole record. */
  private open: Buffer = EMPTY;
  /** Bytes before `open`, from the first byte fed. */
  private base = 0;
  /** csv-parse's line count at `open`'s first byte. */
  private line = 1;
  private fallback: CsvChunkParser | undefined;
  /** A record (without its terminator) longer than this goes to csv-parse, which judges `maxRecordSize`. */
  private readonly limit: number;
  /** Set by scanRecord for a record pushed: where the next record starts, and the line pushed with it. */
  private next = 0;
  private lineAt = 1;
  /** Scratch for scanRecord: each field's [from, to) bytes. */
  private readonly bounds: number[] = [];

  constructor(
    private readonly dialect: CsvDialect,
    private readonly sink: CsvRecordSink,
    private readonly atFileStart = true,
  ) {
    this.limit = dialect.maxRecordSize > 0 ? Math.min(dialect.maxRecordSize, MAX_OPEN_RECORD) : MAX_OPEN_RECORD;
  }

  write(chunk: Buffer): CsvParseError | undefined {
    if (this.fallback) return this.fallback.write(chunk);
    const buf = this.open.length === 0 ? chunk : Buffer.concat([this.open, chunk]);
    return this.scan(buf, false);
  }

  /** Flushes a last record without a terminator. */
  end(): CsvParseError | undefined {
    if (this.fallback) return this.fallback.end();
    const buf = this.open;
    this.open = EMPTY;
    return this.scan(buf, true);
  }

  private scan(buf: Buffer, end: boolean): CsvParseError | undefined {
    // A BOM (csv-parse skips UTF-8's and UTF-16LE's) may start the file: csv-parse reads it.
    if (this.atFileStart && this.base === 0 && buf.length > 0 && (buf[0] === 0xef || buf[0] === 0xff)) return this.handOver(buf, 0, 1, end);
    const len = buf.length;
    let start = 0;
    let line = this.line;
    while (start < len) {
      const outcome = this.scanRecord(buf, start, line, end);
      if (outcome === Scan.Open) break;
      if (outcome === Scan.HandOver) return this.handOver(buf, start, line, end);
      start = this.next;
      line = this.lineAt + 1;
    }
    this.open = start < len ? buf.subarray(start) : EMPTY;
    this.base += start;
    this.line = line;
    return undefined;
  }

  /** Scans the record at `start`; on Scan.Record it has been pushed and `next` is past its terminator. */
  private scanRecord(buf: Buffer, start: number, line: number, end: boolean): Scan {
    const len = buf.length;
    // Fields as byte ranges, decoded once the record is whole: an ASCII record as one string
    // sliced per field (utf8 and latin1 agree on ASCII), others field by field.
    const bounds = this.bounds;
    bounds.length = 0;
    let unescaped: Map<number, string> | undefined; // quoted fields with "" inside, by index
    let high = 0; // OR of every byte: < 0x80 when the record is ASCII
    let pos = start;
    for (;;) {
      let stop: number; // the byte after the field: a delimiter, a terminator or the input's end
      if (pos < len && buf[pos] === QUOTE) {
        let from = pos + 1;
        let i = from;
        let value: string | undefined;
        for (;;) {
          if (i >= len) return end ? Scan.HandOver : this.openRecord(len - start);
          const c = buf[i]!;
          if (c === QUOTE) {
            if (i + 1 >= len) {
              if (!end) return this.openRecord(len - start);
              break; // the closing quote ends the input
            }
            if (buf[i + 1] === QUOTE) {
              value = (value ?? '') + buf.toString('utf8', from, i) + '"';
              i += 2;
              from = i;
              continue;
            }
            const after = buf[i + 1];
            if (after !== COMMA && after !== CR && after !== LF) return Scan.HandOver;
            break;
          }
          if (c === CR || c === LF) line++;
          high |= c;
          i++;
        }
        if (value !== undefined) (unescaped ??= new Map()).set(bounds.length >> 1, value + buf.toString('utf8', from, i));
        bounds.push(from, i);
        stop = i + 1;
      } else {
        let i = pos;
        let c = 0;
        while (i < len) {
          c = buf[i]!;
          if (c === COMMA || c === CR || c === LF || c === QUOTE) break;
          high |= c;
          i++;
        }
        if (i < len && c === QUOTE) return Scan.HandOver; // csv-parse: invalid opening quote
        if (i >= len && !end) return this.openRecord(len - start);
        bounds.push(pos, i);
        stop = i;
      }
      let terminator: number;
      if (stop >= len) {
        // The input ends the record (only when ending).
        if (len - start > this.limit) return Scan.HandOver;
        terminator = 0;
      } else {
        const c = buf[stop]!;
        if (c === COMMA) {
          pos = stop + 1;
          continue;
        }
        // A terminator: csv-parse takes it only with LOOKAHEAD bytes after it (so a CRLF is seen whole).
        if (!end && stop + LOOKAHEAD >= len) return this.openRecord(len - start);
        if (stop - start > this.limit) return Scan.HandOver;
        terminator = c === CR && stop + 1 < len && buf[stop + 1] === LF ? 2 : 1;
      }
      this.sink(decode(buf, start, stop, bounds, high < 0x80, unescaped), this.base + stop + terminator, line);
      this.next = stop + terminator;
      this.lineAt = line;
      return Scan.Record;
    }
  }

  private openRecord(size: number): Scan {
    return size > this.limit ? Scan.HandOver : Scan.Open;
  }

  /** Gives csv-parse the input from the record boundary `start` on, counting on from there. */
  private handOver(buf: Buffer, start: number, line: number, end: boolean): CsvParseError | undefined {
    const bytes = this.base + start;
    const parser = new CsvChunkParser(this.dialect, this.sink, this.atFileStart && bytes === 0, { bytes, line });
    this.fallback = parser;
    this.open = EMPTY;
    const rest = buf.subarray(start);
    const error = rest.length > 0 ? parser.write(rest) : undefined;
    return error ?? (end ? parser.end() : undefined);
  }
}

/** The fields of the record in `buf[start, stop)` whose byte ranges are `bounds`. */
function decode(buf: Buffer, start: number, stop: number, bounds: number[], ascii: boolean, unescaped: Map<number, string> | undefined): string[] {
  const count = bounds.length >> 1;
  const fields: string[] = [];
  const text = ascii ? buf.toString('latin1', start, stop) : undefined;
  for (let k = 0; k < count; k++) {
    const special = unescaped?.get(k);
    const from = bounds[2 * k]!;
    const to = bounds[2 * k + 1]!;
    fields.push(special ?? (text !== undefined ? text.slice(from - start, to - start) : buf.toString('utf8', from, to)));
  }
  return fields;
}
