import type { FilePosition } from '../FileSplit';
import { isUtf8 } from 'node:buffer';
import type { DecodedByteSource } from './DecodedByteSource';
import { undecodable } from './UndecodableRecord';
import { ChunkedRecordCursor, rawText } from './ChunkedRecordCursor';
import type { CsvDialect, CsvParseError } from './CsvChunkParser';
import { csvChunkParser, type CsvChunkParsing } from './FastCsvChunkParser';
import { resolveColumnNames, type DuplicateHeaders } from './CsvColumnNames';
import { csvRowBuilder, type CsvRowBuilder } from './CsvRowBuilder';
import { LineSkipper, type SkipDialect } from './LineSkipper';

export interface CsvCursorOptions extends CsvDialect {
  /** The first row names the columns (when the position carries no header yet). */
  readonly header: boolean;
  /** Column names to use instead of the header row (or, without one, for headerless files). */
  readonly columns?: readonly string[];
  /** A header naming a column twice: dead-letter the file ('error', default) or rename ('rename'). */
  readonly duplicateHeaders?: DuplicateHeaders;
}

const REASONS: Readonly<Record<string, string>> = {
  CSV_INVALID_CLOSING_QUOTE: 'invalid closing quote: a quoted field must end at a delimiter or a line end',
  INVALID_OPENING_QUOTE: 'invalid opening quote: a quote inside an unquoted field',
  CSV_MAX_RECORD_SIZE: 'record larger than the maximum record size',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'invalid character after a closing quote',
};

/**
 * CSV records as objects keyed by the header (arrays of strings for a file without one).
 *
 * - The header is read once and carried in the position, so a resumed cursor re-uses it.
 * - A row whose field count differs from the header is a bad record; the rest is read.
 * - A row csv-parse rejects (bad quoting, an oversized record) is a bad record covering the
 *   row up to the end of the line where the error was found; parsing restarts behind it with
 *   a fresh parser. Both points are record boundaries, so continuing and resuming agree.
 * - A quote still open at end of file, or an unreadable header, dead-letters the rest; so
 *   does a header naming a column twice (unless `duplicateHeaders: 'rename'`), which would
 *   otherwise drop one of the two columns from every record.
 *
 * @example
 * const cursor = new CsvRecordCursor(new DecodedByteSource(ByteSource.open(store, file, 'none', 0, undefined, ctx), 0, 'utf-8', undefined), START_OF_FILE, { delimiter: ',', quote: '"', escape: '"', header: true, maxRecordSize: 1 << 24 });
 */
export class CsvRecordCursor extends ChunkedRecordCursor {
  private parser: CsvChunkParsing;
  private parserOffset: number;
  private parserLine: number;
  private columns: readonly string[] | undefined;
  private headerRowPending: boolean;
  private buildRow: CsvRowBuilder | undefined;
  /** Input from the boundary on, fed to the parser but not yet part of a record. */
  private retained: Buffer[] = [];
  private retainedOffset: number;
  private skipper: LineSkipper | undefined;
  private stopped = false;
  /** Decoded ranges [from, to) of chunks that are not valid UTF-8 on their own: records overlapping them are checked. */
  private suspect: [number, number][] = [];
  /** Why the column names cannot be used (a duplicate name); the rest is dead-lettered on the first chunk. */
  private columnsError: string | undefined;
  private readonly onRecord = (fields: string[], end: number, line: number): void => this.record(fields, end, line);

  constructor(
    bytes: DecodedByteSource,
    start: FilePosition,
    private readonly options: CsvCursorOptions,
  ) {
    super(bytes, start);
    this.parserOffset = this.retainedOffset = start.offset;
    this.parserLine = start.line;
    this.headerRowPending = options.header && start.header === undefined;
    this.columnsError = this.setColumns(start.header ?? options.columns);
    this.parser = csvChunkParser(options, this.onRecord, start.offset === 0);
  }

  protected override header(): readonly string[] | undefined {
    return this.columns;
  }

  protected override onChunk(chunk: Buffer, chunkOffset: number): void {
    if (this.stopped) return;
    if (this.columnsError !== undefined) return this.stop(this.columnsError);
    if (this.skipper) {
      const at = this.skipper.skip(chunk);
      if (at === undefined) return;
      this.resynchronise(chunkOffset + at);
      chunk = chunk.subarray(at);
      chunkOffset += at;
    }
    this.retained.push(chunk);
    // One native check per chunk; only records in a failing chunk (bad bytes, or a character cut by the chunk's edge) are checked one by one.
    if (this.bytes.mayBeInvalid && !isUtf8(chunk)) this.suspect.push([chunkOffset, chunkOffset + chunk.length]);
    const error = this.parser.write(chunk);
    if (error) this.recover(error);
    else this.dropConsumed();
  }

  protected override onEnd(): void {
    while (!this.stopped) {
      if (this.skipper) {
        // The file ended inside the line being skipped: the bad record runs to the end.
        const skipper = this.skipper;
        this.skipper = undefined;
        this.badRecord(skipper, this.bytes.offset, this.boundaryLine);
        return;
      }
      const error = this.parser.end();
      if (!error) return;
      this.recover(error);
    }
  }

  protected override pendingText(): string | undefined {
    if (this.skipper) return rawText(this.skipper.raw);
    const pending = this.retainedFromBoundary();
    return pending.length > 0 ? rawText(pending) : undefined;
  }

  private record(fields: string[], endRelative: number, lineRelative: number): void {
    if (this.stopped) return; // the parser pushes the rest of its chunk after a stop
    const offset = this.boundaryOffset;
    const line = this.boundaryLine;
    const end = this.parserOffset + endRelative;
    const nextLine = this.parserLine + lineRelative;
    const bad = this.isSuspect(offset, end) ? undecodable(this.bytes, withoutTerminator(this.retainedRange(offset, end))) : undefined;
    this.advance(end, nextLine);
    if (bad && this.headerRowPending && !this.columns) return this.stop(`the CSV header row (line ${line}) is ${bad.reason.replace('; the record is kept unchanged as raw bytes (base64)', '')}; the rest of the file from offset ${end} is not read`);
    if (bad && !this.headerRowPending) return this.emit({ offset, line, end, nextLine, reason: bad.reason, raw: bad.raw });
    // csv-parse yields an empty line as one empty field; a quoted "" is longer than a terminator.
    if (fields.length === 1 && fields[0] === '' && end - offset <= 2) return;
    if (this.headerRowPending) {
      this.headerRowPending = false;
      const error = this.columns ? undefined : this.setColumns(fields);
      if (error !== undefined) this.stop(`${error} (header row at line ${line}); the rest of the file from offset ${end} is not read`);
      return;
    }
    const columns = this.columns;
    if (!columns) {
      this.emit({ offset, line, end, nextLine, value: fields });
    } else if (fields.length !== columns.length) {
      this.emit({ offset, line, end, nextLine, reason: `expected ${columns.length} fields, got ${fields.length}`, raw: fields });
    } else {
      this.emit({ offset, line, end, nextLine, value: this.buildRow!(fields) });
    }
  }

  /** Whether [from, to) overlaps a chunk that failed the UTF-8 check; forgets ranges before `from`. */
  private isSuspect(from: number, to: number): boolean {
    while (this.suspect.length > 0 && this.suspect[0]![1] <= from) this.suspect.shift();
    return this.suspect.some(([start, end]) => start < to && end > from);
  }

  /** Retained bytes [from, to): the record just parsed (its bytes are retained until the next chunk). */
  private retainedRange(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    let offset = this.retainedOffset;
    for (const chunk of this.retained) {
      const start = Math.max(from, offset);
      const stop = Math.min(to, offset + chunk.length);
      if (start < stop) parts.push(chunk.subarray(start - offset, stop - offset));
      offset += chunk.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** The retained chunks cut to start at the boundary. */
  private retainedFromBoundary(): Buffer[] {
    const pending: Buffer[] = [];
    let offset = this.retainedOffset;
    for (const chunk of this.retained) {
      const from = Math.max(0, this.boundaryOffset - offset);
      offset += chunk.length;
      if (from < chunk.length) pending.push(chunk.subarray(from));
    }
    return pending;
  }

  private recover(error: CsvParseError): void {
    const where = `the rest of the file from offset ${this.boundaryOffset} (line ${this.boundaryLine}) is unreadable`;
    if (this.headerRowPending) return this.stop(`cannot read the CSV header (${describe(error)}); ${where}`);
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') return this.stop(`quote not closed; ${where}`);
    // Skip from the boundary to the end of the line the error was found on (at least one line).
    const errorLine = this.parserLine + (error.lines ?? 1) - 1;
    this.skipper = new LineSkipper(Math.max(1, errorLine - this.boundaryLine + 1), describe(error), this.boundaryOffset, this.boundaryLine, skipDialect(this.options));
    const replay = this.retainedFromBoundary();
    let offset = this.boundaryOffset;
    this.retained = [];
    this.retainedOffset = this.boundaryOffset;
    for (const chunk of replay) {
      this.onChunk(chunk, offset);
      offset += chunk.length;
      if (this.stopped) return;
    }
  }

  private resynchronise(at: number): void {
    const skipper = this.skipper!;
    this.skipper = undefined;
    const nextLine = skipper.nextLine;
    this.badRecord(skipper, at, nextLine);
    this.parserOffset = this.retainedOffset = at;
    this.parserLine = nextLine;
    this.parser = csvChunkParser(this.options, this.onRecord, at === 0);
  }

  private badRecord(skipper: LineSkipper, end: number, nextLine: number): void {
    this.emit({ offset: skipper.offset, line: skipper.line, end, nextLine, reason: skipper.reason, raw: rawText(skipper.raw) });
    this.advance(end, nextLine);
  }

  private stop(reason: string): void {
    this.stopped = true;
    this.restUnreadable(reason);
  }

  /** Keeps only the chunks that reach past the boundary (the record being parsed). */
  private dropConsumed(): void {
    while (this.retained.length > 0 && this.retainedOffset + this.retained[0].length <= this.boundaryOffset) {
      this.retainedOffset += this.retained.shift()!.length;
    }
  }

  /** Takes `names` as the columns, or returns why they cannot be (a duplicate name). */
  private setColumns(names: readonly string[] | undefined): string | undefined {
    if (names === undefined) return undefined;
    const resolved = resolveColumnNames(names, this.options.duplicateHeaders ?? 'error');
    if ('error' in resolved) return resolved.error;
    this.columns = Object.freeze([...resolved.columns]);
    this.buildRow = csvRowBuilder(this.columns);
    return undefined;
  }
}

/** A record's bytes without its line terminator (CRLF, LF or CR), as JSON Lines dead letters keep a line. */
function withoutTerminator(record: Buffer): Buffer {
  let to = record.length;
  if (to > 0 && record[to - 1] === 0x0a) to--;
  if (to > 0 && record[to - 1] === 0x0d) to--;
  return record.subarray(0, to);
}

function describe(error: CsvParseError): string {
  const reason = error.code ? REASONS[error.code] : undefined;
  return reason ? `${reason} (${error.code})` : error.message;
}

/** The dialect as single bytes for LineSkipper, or undefined where one is wider (then it counts every break). */
function skipDialect(options: { readonly quote: string; readonly escape: string; readonly delimiter: string }): SkipDialect | undefined {
  const [quote, escape, delimiter] = [options.quote, options.escape, options.delimiter].map((c) => Buffer.from(c));
  return quote!.length === 1 && escape!.length === 1 && delimiter!.length === 1 ? { quote: quote![0]!, escape: escape![0]!, delimiter: delimiter![0]! } : undefined;
}
