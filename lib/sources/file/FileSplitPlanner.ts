import type { Readable } from 'node:stream';
import { FileSplit, rangeSplitId, TO_END_OF_FILE, type FilePosition } from './FileSplit';
import type { FileType } from './FileTypeInference';
import { CsvChunkParser } from './format/CsvChunkParser';
import { CsvCutScanner, type CutPoint } from './format/CsvCutScanner';
import { csvDialect, type FormatOptions } from './format/FormatOptions';
import { isGzip } from './format/GzipMemberDecoder';
import { BOM_SNIFF_BYTES, encodingOfBom, type TextEncoding } from './format/TextEncoding';
import { TextTranscoder } from './format/TextTranscoder';
import type { FileRef, FileStore } from './store/FileStore';

/** The source's format options (the planner reads CSV exactly as the cursor will), and the split size. */
export interface SplitPlanOptions extends FormatOptions {
  /** A file larger than this (uncompressed CSV or JSON Lines) is cut into ranges of about this size. */
  readonly splitSize: number;
}

const LF = 0x0a;
/** First window read after a JSON Lines cut; doubled until a line feed turns up. */
const FIRST_WINDOW_BYTES = 64 * 1024;
const MAX_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * The splits of one file, as discovery (and S3 notifications) create them. A file that fits
 * `splitSize`, and every compressed file (by its name, or by the gzip magic bytes at its
 * start), is one split whose id is its fileId. A larger
 * uncompressed file becomes splits `${fileId}#0 … #${n-1}` with exact `[start, end)` ranges
 * whose every start is a record boundary:
 *
 * - JSON Lines: the byte after the first '\n' at or after each nominal cut (k × splitSize),
 *   found with a small ranged read at the cut;
 * - CSV: the byte after the first '\n' outside quotes at or after each nominal cut, found in
 *   one streaming pass over the file (`CsvCutScanner`), which also reads the header row so
 *   ranges after the first carry it in their position, and their first line number.
 *
 * All reads are pinned to the listed ETag, so the ranges describe one version of the file.
 *
 * @example
 * const splits = await new FileSplitPlanner(store, { splitSize: 64 << 20, csv: { quote: '"', header: true }, maxRecordBytes: 1 << 24 }).plan(ref, { format: 'csv', compression: 'none' });
 */
export class FileSplitPlanner {
  constructor(
    private readonly store: FileStore,
    private readonly options: SplitPlanOptions,
  ) {}

  async plan(ref: FileRef, type: FileType): Promise<FileSplit[]> {
    const whole = (): FileSplit[] => [FileSplit.create({ splitId: ref.fileId, path: ref.path, fileId: ref.fileId, ...type, ...version(ref), fileSplits: 1 })];
    if (type.compression !== 'none' || ref.size <= this.options.splitSize) return whole();
    // A gzip file with a plain name cannot be cut; its reader decompresses it (see ByteSource).
    const head = await this.head(ref);
    if (isGzip(head)) return whole();
    // Cut points are found on single bytes (LF, quote), which UTF-16 does not have: read it whole.
    const encoding = encodingOfBom(head)?.encoding ?? this.options.encoding ?? 'utf-8';
    if (encoding === 'utf-16le' || encoding === 'utf-16be') return whole();
    const cuts: { points: CutPoint[]; header?: readonly string[] } | undefined = type.format === 'jsonl' ? await this.jsonLinesCuts(ref) : await this.csvCuts(ref, encoding);
    if (!cuts || cuts.points.length === 0) return whole();
    const starts: (CutPoint & { header?: readonly string[] })[] = [{ offset: 0, line: 1 }, ...cuts.points.map((p) => ({ ...p, header: cuts.header }))];
    return starts.map((start, index) => {
      const position: FilePosition = { offset: start.offset, line: start.line, records: 0, ...(start.header ? { header: start.header } : {}) };
      return new FileSplit({
        splitId: rangeSplitId(ref.fileId, index),
        path: ref.path,
        fileId: ref.fileId,
        ...type,
        start: start.offset,
        end: index + 1 < starts.length ? starts[index + 1]!.offset : TO_END_OF_FILE,
        position,
        ...version(ref),
        fileSplits: starts.length,
      });
    });
  }

  /**
   * One pass over the file: the cut points, and the header row when the file has one (ranges
   * after the first reuse it). No cut lies before the end of the header row (a range starting
   * in blank lines before it would read the header as data), and none after the first
   * malformed quoting or oversized record (see CsvCutScanner: there the rest of the file is
   * one range, so every split size yields what the whole file does); the pass ends there.
   * Undefined when the file cannot be cut exactly: quoting with an escape character other
   * than the quote (the parity scan would miscount), a multi-byte quote or delimiter, or an
   * unreadable header (the whole-file reader dead-letters the rest anyway).
   */
  private async csvCuts(ref: FileRef, encoding: TextEncoding): Promise<{ points: CutPoint[]; header?: readonly string[] } | undefined> {
    const { csv, splitSize, maxRecordBytes } = this.options;
    const dialect = csvDialect(csv, ref.fileId);
    const quote = Buffer.from(dialect.quote);
    const delimiter = Buffer.from(dialect.delimiter);
    if (dialect.escape !== dialect.quote || quote.length !== 1 || delimiter.length !== 1) return undefined;
    const scanner = new CsvCutScanner(splitSize, { quote: quote[0]!, delimiter: delimiter[0]!, maxRecordBytes });
    const header = csv.header ? new HeaderReader({ ...dialect, maxRecordSize: maxRecordBytes }) : undefined;
    // The header as the cursor decodes it (Latin-1 names become UTF-8); the cut scan stays on raw bytes.
    const latin1 = encoding === 'latin1' ? new TextTranscoder('latin1', () => undefined) : undefined;
    for await (const chunk of this.read(ref, 0, ref.size)) {
      scanner.write(chunk);
      header?.write(latin1 ? latin1.push(chunk) : chunk);
      if (scanner.anomaly && (!header || header.columns || header.failed)) break;
    }
    header?.finish();
    if (header && header.failed) return undefined;
    const columns = csv.header ? (csv.columns ?? header?.columns) : undefined;
    if (csv.header && !columns) return undefined; // no header row at all: nothing after it to cut
    // A header with undecodable bytes: the whole-file reader dead-letters the file; ranges would use the damaged names.
    if (header?.columns?.some((name) => name.includes('\ufffd'))) return undefined;
    const headerEnd = header?.end ?? 0;
    const points = scanner.cuts().filter((cut) => cut.offset >= headerEnd);
    return { points, ...(columns ? { header: Object.freeze([...columns]) } : {}) };
  }

  /** For each nominal cut, the byte after the first line feed at or after it (nothing past the file's end). */
  private async jsonLinesCuts(ref: FileRef): Promise<{ points: CutPoint[] }> {
    const points: CutPoint[] = [];
    let covered = -1; // the last line feed found: cuts up to it realign to the byte after it
    for (let cut = this.options.splitSize; cut < ref.size; cut += this.options.splitSize) {
      if (cut <= covered) continue;
      const lf = await this.lineFeedFrom(ref, cut);
      if (lf === -1 || lf + 1 >= ref.size) break;
      covered = lf;
      // Lines before a JSON Lines cut are not counted (that would mean reading them): ranges
      // after the first count lines from their own start (see FileSplit.linesFromFileStart).
      points.push({ offset: lf + 1, line: 1 });
    }
    return { points };
  }

  /** Offset of the first '\n' at or after `from`, reading growing windows; -1 when there is none. */
  private async lineFeedFrom(ref: FileRef, from: number): Promise<number> {
    let window = FIRST_WINDOW_BYTES;
    for (let at = from; at < ref.size; ) {
      const end = Math.min(ref.size, at + window);
      let offset = at;
      for await (const chunk of this.read(ref, at, end)) {
        const lf = chunk.indexOf(LF);
        if (lf !== -1) return offset + lf;
        offset += chunk.length;
      }
      at = end;
      window = Math.min(window * 2, MAX_WINDOW_BYTES);
    }
    return -1;
  }

  /** The file's first bytes: enough for the gzip magic and any byte order mark (one read for both). */
  private async head(ref: FileRef): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.read(ref, 0, Math.min(BOM_SNIFF_BYTES, ref.size))) parts.push(chunk);
    return Buffer.concat(parts);
  }

  private read(ref: FileRef, start: number, end: number): AsyncIterable<Buffer> {
    const stream: Readable = this.store.openRange(ref, start, end);
    return stream as AsyncIterable<Buffer>;
  }
}

function version(ref: FileRef): { etag?: string; size: number } {
  return { size: ref.size, ...(ref.etag === undefined ? {} : { etag: ref.etag }) };
}

/** The first non-empty CSV record of a stream, fed chunk by chunk until it is complete. */
class HeaderReader {
  columns: string[] | undefined;
  /** Offset just past the header row, once it is read. */
  end: number | undefined;
  failed = false;
  private readonly parser: CsvChunkParser;
  private previousEnd = 0;

  constructor(dialect: ConstructorParameters<typeof CsvChunkParser>[0]) {
    this.parser = new CsvChunkParser(dialect, (fields, end) => {
      // As the cursor does: an empty line is one empty field, shorter than a quoted "".
      const empty = fields.length === 1 && fields[0] === '' && end - this.previousEnd <= 2;
      this.previousEnd = end;
      if (!empty && !this.columns) {
        this.columns = fields;
        this.end = end;
      }
    });
  }

  write(chunk: Buffer): void {
    if (this.columns || this.failed) return;
    if (this.parser.write(chunk)) this.failed = !this.columns;
  }

  finish(): void {
    if (this.columns || this.failed) return;
    if (this.parser.end()) this.failed = true;
  }
}
