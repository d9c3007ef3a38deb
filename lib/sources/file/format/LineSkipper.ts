import { RAW_TEXT_LIMIT } from './ChunkedRecordCursor';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Skips input up to and including the n-th line break (LF, CRLF or a lone CR), across
 * chunks, keeping the first RAW_TEXT_LIMIT bytes for a dead-letter entry. Used to step over
 * a record the CSV parser rejected, from its first byte to the end of the line the error
 * was found on.
 *
 * @example
 * const skipper = new LineSkipper(2, 'invalid closing quote', 311, 7);
 * const at = skipper.skip(chunk); // index where the next record starts, or undefined: feed more
 */
export class LineSkipper {
  readonly raw: Buffer[] = [];
  private remaining: number;
  private rawBytes = 0;
  /** The last break counted was a CR at a chunk's end: an LF starting the next chunk belongs to it. */
  private afterCR = false;

  constructor(
    /** Line breaks to pass. */
    readonly lines: number,
    readonly reason: string,
    /** Where the skipped input starts: its offset and line. */
    readonly offset: number,
    readonly line: number,
  ) {
    this.remaining = lines;
  }

  /** The index in `chunk` just past the last line break to skip, or undefined when it lies further on. */
  skip(chunk: Buffer): number | undefined {
    let i = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (chunk.length > 0 && chunk[0] === LF) i = 1;
    }
    while (this.remaining > 0 && i < chunk.length) {
      const byte = chunk[i++];
      if (byte !== LF && byte !== CR) continue;
      this.remaining--;
      if (byte === CR) {
        if (i === chunk.length) this.afterCR = true;
        else if (chunk[i] === LF) i++;
      }
    }
    this.keep(chunk.subarray(0, i));
    return this.remaining === 0 && !this.afterCR ? i : undefined;
  }

  private keep(part: Buffer): void {
    if (this.rawBytes >= RAW_TEXT_LIMIT || part.length === 0) return;
    const kept = part.subarray(0, RAW_TEXT_LIMIT - this.rawBytes);
    this.raw.push(Buffer.from(kept));
    this.rawBytes += kept.length;
  }
}
