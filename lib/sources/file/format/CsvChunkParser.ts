import { Parser } from 'csv-parse';
import { AdfError } from '../../../errors/AdfError';

export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  /** Longest record, in characters; bounds the memory a runaway quoted field can take. */
  readonly maxRecordSize: number;
}

/** A parse error; `lines` is the 1-based line (counted from the parser's first byte) where it was found. */
export interface CsvParseError extends Error {
  readonly code?: string;
  readonly lines?: number;
}

/**
 * Receives each record as its raw fields with where it ends, counted from the parser's first
 * byte: `end` is the byte just past the record's terminator, `line` the line it ends on.
 */
export type CsvRecordSink = (fields: string[], end: number, line: number) => void;

/** csv-parse's synchronous core, which its stream `Parser` keeps as `api`. */
interface CsvParseApi {
  readonly info: { readonly bytes: number; lines: number };
  readonly state: { bufBytesStart: number };
  parse(chunk: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
}

/**
 * csv-parse fed chunk by chunk, synchronously, reporting each record's end offset.
 *
 * Why the synchronous core and not the stream with `info: true`: `info` copies the counters
 * into a new object per record, which costs ~40% of the parse rate on a typical file, while
 * the live counters read here at push time hold the same numbers. Driving the core directly
 * also returns a parse error *after* every record before it was pushed, which is what lets
 * the cursor dead-letter just the bad record and resynchronise behind it.
 *
 * @example
 * const parser = new CsvChunkParser(dialect, (fields, end, line) => console.log(fields, end, line));
 * const error = parser.write(chunk) ?? parser.end();
 */
export class CsvChunkParser {
  private readonly api: CsvParseApi;
  private readonly push: (record: string[]) => void;

  /**
   * `atFileStart`: the first byte fed is the file's first, where (only) a BOM is skipped.
   * `from`: where the first byte fed lies for another parser that handed over at a record
   * boundary (FastCsvChunkParser), so that ends, lines and error messages count from its start.
   */
  constructor(dialect: CsvDialect, sink: CsvRecordSink, atFileStart = true, from?: { readonly bytes: number; readonly line: number }) {
    const parser = new Parser({
      delimiter: dialect.delimiter,
      quote: dialect.quote,
      escape: dialect.escape,
      // A BOM only at the file's start: a reader starting a byte range keeps one found there,
      // as the reader of the whole file does, so both yield the same field.
      bom: atFileStart,
      columns: false,
      relax_column_count: true,
      relax_quotes: false,
      skip_empty_lines: false,
      max_record_size: dialect.maxRecordSize,
      // Fixed terminators instead of auto-discovery, which would settle on whichever kind a
      // resumed parser happens to meet first and could split a mixed file differently.
      record_delimiter: ['\r\n', '\n', '\r'],
    });
    const api = (parser as unknown as { api?: CsvParseApi }).api;
    if (typeof api?.parse !== 'function' || typeof api.info?.bytes !== 'number') {
      throw new AdfError('this version of csv-parse has no synchronous parser core (Parser#api); csv-parse 5 to 7 has one');
    }
    this.api = api;
    if (from) {
      api.state.bufBytesStart = from.bytes;
      api.info.lines = from.line;
    }
    const info = api.info;
    this.push = (record) => sink(record, info.bytes, info.lines);
  }

  write(chunk: Buffer): CsvParseError | undefined {
    return this.api.parse(chunk, false, this.push, noop);
  }

  /** Flushes a last record without a terminator. */
  end(): CsvParseError | undefined {
    return this.api.parse(undefined, true, this.push, noop);
  }
}

function noop(): void {}
