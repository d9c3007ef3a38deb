import { parseJsonKeepingDigits } from '../../../util/parseJsonKeepingDigits';
import type { FilePosition } from '../FileSplit';
import { ChunkedRecordCursor, RAW_TEXT_LIMIT, rawText } from './ChunkedRecordCursor';
import type { DecodedByteSource } from './DecodedByteSource';
import { undecodable } from './UndecodableRecord';

const LF = 0x0a;
const CR = 0x0d;

export interface JsonLinesCursorOptions {
  /** A longer line is dead-lettered without being held in memory. */
  readonly maxRecordBytes: number;
}

/**
 * JSON Lines: one JSON value per line (objects, arrays, scalars alike). Lines are cut on LF
 * in the decoded (UTF-8) bytes, whose offsets DecodedByteSource maps back to raw ones; a CR
 * before the LF, blank lines and a BOM at the start of the file are tolerated, and the last
 * line needs no terminator. A line that is not JSON is a bad record with its line, offset
 * and text; a line that is not valid text in the file's encoding is a bad record with its
 * raw bytes, never a record with replacement characters. Integers beyond 2^53 keep their
 * digits (as strings, see parseJsonKeepingDigits).
 *
 * @example
 * const cursor = new JsonLinesRecordCursor(new DecodedByteSource(ByteSource.open(store, file, 'gzip', 0, undefined, ctx), 0, 'utf-8', undefined), START_OF_FILE, { maxRecordBytes: 1 << 24 });
 */
export class JsonLinesRecordCursor extends ChunkedRecordCursor {
  /** Parts of a line that continues past the chunk it started in. */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** Set while discarding a line longer than maxRecordBytes up to its end. */
  private oversized = false;

  constructor(
    bytes: DecodedByteSource,
    start: FilePosition,
    private readonly options: JsonLinesCursorOptions,
  ) {
    super(bytes, start);
  }

  protected override onChunk(chunk: Buffer, chunkOffset: number): void {
    let from = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, from);
      if (lf === -1) return this.keep(chunk.subarray(from));
      const end = chunkOffset + lf + 1;
      if (this.oversized) {
        this.oversized = false;
        this.tooLong(end);
      } else if (this.carryBytes > 0 || lf - from > this.options.maxRecordBytes) {
        this.keep(chunk.subarray(from, lf));
        if (this.oversized) {
          this.oversized = false;
          this.tooLong(end);
        } else {
          const line = Buffer.concat(this.carry);
          this.clearCarry();
          this.line(line, 0, line.length, end);
        }
      } else {
        this.line(chunk, from, lf, end);
      }
      from = lf + 1;
    }
  }

  protected override onEnd(): void {
    if (this.oversized) return this.tooLong(this.bytes.offset);
    if (this.carryBytes === 0) return;
    const line = Buffer.concat(this.carry);
    this.clearCarry();
    this.line(line, 0, line.length, this.bytes.offset);
  }

  protected override pendingText(): string | undefined {
    return this.carryBytes > 0 ? rawText(this.carry) : undefined;
  }

  /** One line `buffer[from, to)` (its LF excluded) that ends, terminator included, at `end`. */
  private line(buffer: Buffer, from: number, to: number, end: number): void {
    const offset = this.boundaryOffset;
    const line = this.boundaryLine;
    this.advance(end, line + 1);
    if (to > from && buffer[to - 1] === CR) to--;
    if (to === from) return;
    const bad = undecodable(this.bytes, buffer.subarray(from, to));
    if (bad) {
      this.emit({ offset, line, end, nextLine: line + 1, reason: bad.reason, raw: bad.raw });
      return;
    }
    let text = buffer.toString('utf8', from, to);
    if (offset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let value: unknown;
    try {
      value = parseJsonKeepingDigits(text);
    } catch (error) {
      if (text.trim() === '') return;
      const raw = text.length > RAW_TEXT_LIMIT ? text.slice(0, RAW_TEXT_LIMIT) : text;
      this.emit({ offset, line, end, nextLine: line + 1, reason: `invalid JSON: ${(error as Error).message}`, raw });
      return;
    }
    this.emit({ offset, line, end, nextLine: line + 1, value });
  }

  private keep(part: Buffer): void {
    if (this.oversized || part.length === 0) return;
    if (this.carryBytes + part.length > this.options.maxRecordBytes) {
      // Keep only the start for the dead letter; the rest of the line is dropped as it streams by.
      this.oversized = true;
      const head = Buffer.concat([...this.carry, part.subarray(0, RAW_TEXT_LIMIT)]).subarray(0, RAW_TEXT_LIMIT);
      this.carry = [head];
      this.carryBytes = head.length;
      return;
    }
    // A copy, so a few carried bytes do not keep a whole read chunk alive.
    this.carry.push(Buffer.from(part));
    this.carryBytes += part.length;
  }

  private tooLong(end: number): void {
    const offset = this.boundaryOffset;
    const line = this.boundaryLine;
    const raw = rawText(this.carry);
    this.clearCarry();
    this.advance(end, line + 1);
    this.emit({ offset, line, end, nextLine: line + 1, reason: `line longer than ${this.options.maxRecordBytes} bytes`, raw });
  }

  private clearCarry(): void {
    this.carry = [];
    this.carryBytes = 0;
  }
}
