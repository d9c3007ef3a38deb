import { RAW_TEXT_LIMIT } from './ChunkedRecordCursor';

const LF = 0x0a;
const CR = 0x0d;

/** The single-byte quote, escape and delimiter of the CSV being skipped (undefined: count every break). */
export interface SkipDialect {
  readonly quote: number;
  readonly escape: number;
  readonly delimiter: number;
}

/**
 * Skips input up to and including the n-th line break *as csv-parse counts them*, across
 * chunks, keeping the first RAW_TEXT_LIMIT bytes for a dead-letter entry. Used to step over
 * a record the CSV parser rejected, from its first byte to the end of the line the error
 * was found on.
 *
 * csv-parse reports the error's line counting every CR and every LF inside a quoted field
 * (a CRLF there is two lines) but a CRLF between records as one. Counting CRLF as one break
 * everywhere skipped one line too many per quoted CRLF, and the good record after the bad
 * one went to the dead letters with it. So the skipper follows the quoting (a quote opens a
 * field only at its start; a doubled quote or escape inside stays inside), and counts physical
 * lines apart for the line numbers of what follows.
 *
 * @example
 * const skipper = new LineSkipper(2, 'invalid closing quote', 311, 7, { quote: 0x22, escape: 0x22, delimiter: 0x2c });
 * const at = skipper.skip(chunk); // index where the next record starts, or undefined: feed more
 */
export class LineSkipper {
  readonly raw: Buffer[] = [];
  private remaining: number;
  private rawBytes = 0;
  /** Physical line breaks passed (a CRLF is one, quoted or not). */
  private breaks = 0;
  /** The last byte was a CR at a chunk's end: an LF starting the next chunk belongs to it. */
  private afterCR = false;
  /** The CR before it was counted as a line inside quotes: the LF counts too (csv-parse does). */
  private crInQuotes = false;
  private inQuotes = false;
  private atFieldStart = true;
  /** A quote (or escape) inside quotes was the chunk's last byte: the next byte decides. */
  private pendingQuote: number | undefined;

  constructor(
    /** Line breaks to pass, as csv-parse counts them. */
    readonly lines: number,
    readonly reason: string,
    /** Where the skipped input starts: its offset and line. */
    readonly offset: number,
    readonly line: number,
    private readonly dialect?: SkipDialect,
  ) {
    this.remaining = lines;
  }

  /** The line the input after the skipped part starts on. */
  get nextLine(): number {
    return this.line + this.breaks;
  }

  /** The index in `chunk` just past the last line break to skip, or undefined when it lies further on. */
  skip(chunk: Buffer): number | undefined {
    let i = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (chunk.length > 0 && chunk[0] === LF) {
        i = 1;
        if (this.crInQuotes && this.remaining > 0) this.remaining--;
      }
      this.crInQuotes = false;
    }
    while (this.remaining > 0 && i < chunk.length) {
      const byte = chunk[i++]!;
      if (this.pendingQuote !== undefined) {
        const was = this.pendingQuote;
        this.pendingQuote = undefined;
        if (this.pairs(was, byte)) continue; // an escaped quote (or escape): still quoted
        if (was === this.dialect!.quote) this.inQuotes = false; // the closing quote: this byte is outside
      }
      if (this.inQuotes) {
        const { quote, escape } = this.dialect!;
        if (byte === quote || byte === escape) {
          if (i === chunk.length) this.pendingQuote = byte;
          else if (this.pairs(byte, chunk[i]!)) i++;
          else if (byte === quote) this.inQuotes = false;
          continue;
        }
        if (byte === LF || byte === CR) i = this.lineBreak(chunk, i, byte, true);
        continue;
      }
      if (byte === LF || byte === CR) {
        i = this.lineBreak(chunk, i, byte, false);
        this.atFieldStart = true;
        continue;
      }
      if (this.dialect && byte === this.dialect.quote && this.atFieldStart) this.inQuotes = true;
      this.atFieldStart = this.dialect !== undefined && byte === this.dialect.delimiter;
    }
    this.keep(chunk.subarray(0, i));
    return this.remaining === 0 && !this.afterCR ? i : undefined;
  }

  /**
   * Counts one break at `chunk[i - 1]` (a CR or LF) and returns where reading goes on. Outside
   * quotes a CRLF is one line; inside, csv-parse counts its CR and its LF apart.
   */
  private lineBreak(chunk: Buffer, i: number, byte: number, quoted: boolean): number {
    this.remaining--;
    this.breaks++;
    if (byte !== CR) return i;
    if (i === chunk.length) {
      this.afterCR = true;
      this.crInQuotes = quoted;
      return i;
    }
    if (chunk[i] !== LF) return i;
    if (quoted && this.remaining > 0) this.remaining--;
    return i + 1;
  }

  /** Whether `first` then `next`, inside quotes, is an escape sequence that stays inside. */
  private pairs(first: number, next: number): boolean {
    const { quote, escape } = this.dialect!;
    if (escape === quote) return first === quote && next === quote;
    return first === escape && (next === quote || next === escape);
  }

  private keep(part: Buffer): void {
    if (this.rawBytes >= RAW_TEXT_LIMIT || part.length === 0) return;
    const kept = part.subarray(0, RAW_TEXT_LIMIT - this.rawBytes);
    this.raw.push(Buffer.from(kept));
    this.rawBytes += kept.length;
  }
}
