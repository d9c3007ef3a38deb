import type { FilePosition } from '../FileSplit';
import type { DecodedByteSource } from './DecodedByteSource';
import type { CursorEntry, RecordCursor } from './RecordCursor';

/** Unreadable input is kept for people to look at, up to this many bytes or characters. */
export const RAW_TEXT_LIMIT = 1024;

/**
 * The pull loop shared by the format cursors: a chunk is read only when every entry parsed
 * from the previous one has been taken (that is the backpressure), and a format turns
 * chunks into entries with `onChunk` / `onEnd`.
 *
 * Formats keep `boundaryOffset` / `boundaryLine` at the end of the last input they fully
 * consumed (records, blank lines, a header). Corrupt compressed input becomes one entry
 * "rest of file unreadable" from that boundary, after every entry before it.
 */
export abstract class ChunkedRecordCursor implements RecordCursor {
  protected boundaryOffset: number;
  protected boundaryLine: number;
  private readonly queue: CursorEntry[] = [];
  private head = 0;
  private inputDone = false;
  private positionOffset: number;
  private positionLine: number;
  private records: number;

  protected constructor(
    protected readonly bytes: DecodedByteSource,
    start: FilePosition,
  ) {
    this.boundaryOffset = this.positionOffset = start.offset;
    this.boundaryLine = this.positionLine = start.line;
    this.records = start.records;
  }

  next(): CursorEntry | undefined {
    while (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      if (this.inputDone) {
        // Nothing is left to resume, but the final position still covers a trailing header or blank lines.
        this.positionOffset = this.bytes.toRawOffset(this.boundaryOffset);
        this.positionLine = this.boundaryLine;
        return undefined;
      }
      const chunk = this.bytes.read();
      if (chunk) {
        this.onChunk(chunk, this.bytes.offset - chunk.length);
      } else if (this.bytes.corruption !== undefined && this.bytes.ended) {
        this.restUnreadable(`rest of file unreadable from offset ${this.boundaryOffset}: ${this.bytes.corruption}`);
      } else if (this.bytes.ended) {
        this.onEnd();
        this.inputDone = true;
      } else {
        return undefined;
      }
    }
    // Entries carry decoded offsets; ids and positions are raw byte offsets of the file.
    const decoded = this.queue[this.head++]!;
    const entry = this.bytes.transcoding ? { ...decoded, offset: this.bytes.toRawOffset(decoded.offset), end: this.bytes.toRawOffset(decoded.end) } : decoded;
    this.positionOffset = entry.end;
    this.positionLine = entry.nextLine;
    if (entry.reason === undefined) this.records++;
    return entry;
  }

  get bytesStillToSkip(): number {
    return this.bytes.bytesStillToSkip;
  }

  get done(): boolean {
    return this.inputDone && this.head === this.queue.length;
  }

  ready(): Promise<void> {
    return this.bytes.ready();
  }

  position(): FilePosition {
    const header = this.header();
    const position = { offset: this.positionOffset, line: this.positionLine, records: this.records };
    return header ? { ...position, header } : position;
  }

  close(): Promise<void> {
    return this.bytes.close();
  }

  /** Parses one chunk that starts at absolute offset `chunkOffset`, queueing entries with `emit`. */
  protected abstract onChunk(chunk: Buffer, chunkOffset: number): void;
  /** The input ended normally: flush what is still buffered. */
  protected abstract onEnd(): void;
  /** Text of input read past the boundary and not yet parsed, for a "rest of file" entry. */
  protected abstract pendingText(): string | undefined;

  /** The CSV header, once known; other formats have none. */
  protected header(): readonly string[] | undefined {
    return undefined;
  }

  protected emit(entry: CursorEntry): void {
    this.queue.push(entry);
  }

  /** Moves the boundary past consumed input that yields no entry (blank lines, a header row). */
  protected advance(offset: number, line: number): void {
    this.boundaryOffset = offset;
    this.boundaryLine = line;
  }

  /** Dead-letters everything from the boundary on and stops reading the file. */
  protected restUnreadable(reason: string): void {
    const refused = this.bytes.refused;
    const raw = refused ? { base64: refused.toString('base64') } : this.pendingText();
    this.emit({
      offset: this.boundaryOffset,
      line: this.boundaryLine,
      end: Math.max(this.bytes.offset, this.boundaryOffset),
      nextLine: this.boundaryLine,
      reason,
      ...(raw ? { raw } : {}),
    });
    this.advance(Math.max(this.bytes.offset, this.boundaryOffset), this.boundaryLine);
    this.inputDone = true;
  }
}

/** `buffers` as text, cut to RAW_TEXT_LIMIT bytes. */
export function rawText(buffers: readonly Buffer[]): string {
  const parts: Buffer[] = [];
  let size = 0;
  for (const buffer of buffers) {
    if (size >= RAW_TEXT_LIMIT) break;
    const part = buffer.subarray(0, RAW_TEXT_LIMIT - size);
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).toString('utf8');
}
