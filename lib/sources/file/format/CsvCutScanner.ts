const LF = 0x0a;
const CR = 0x0d;

/** A record boundary where a byte range starts: its offset and the 1-based line there. */
export interface CutPoint {
  readonly offset: number;
  readonly line: number;
}

/**
 * Finds where to cut a CSV file into byte ranges, in one streaming pass: at each nominal cut
 * (every `splitSize` bytes) the first line feed *outside quotes* at or after it; the range
 * starts on the byte after it. It also counts line breaks, so each range knows its first line.
 *
 * Why a byte scan with `Buffer.indexOf` and not the CSV parser: the only state a cut needs is
 * whether it lies inside a quoted field, and with RFC 4180 quoting that is the parity of the
 * quote characters before it — a doubled quote inside a field ("") flips it twice and keeps
 * it. `indexOf` jumps from quote to quote and line feed to line feed in native code, several
 * times faster than parsing fields, so scanning a large file at discovery costs a fraction
 * of reading it. The parity is exact for well-formed files; it assumes the escape character
 * is the quote (the planner does not cut files read with another escape) and cuts only after
 * line feeds (a file with lone-CR line ends simply gets no cuts). A stray quote inside an unquoted
 * field (which the reader dead-letters) flips the parity for the rest of the file: later cuts
 * may then land inside a quoted field, so only well-formed quoting is split exactly.
 *
 * @example
 * const scanner = new CsvCutScanner(64 << 20, 0x22);
 * for await (const chunk of stream) scanner.write(chunk);
 * scanner.cuts(); // [{ offset: 67108901, line: 731022 }, ...]
 */
export class CsvCutScanner {
  private offset = 0;
  private inQuotes = false;
  private lineBreaks = 0;
  private pendingCR = false;
  private nextCut: number;
  private readonly found: CutPoint[] = [];

  constructor(
    private readonly splitSize: number,
    private readonly quote: number,
  ) {
    this.nextCut = splitSize;
  }

  write(chunk: Buffer): void {
    const base = this.offset;
    if (this.pendingCR && chunk.length > 0) {
      this.pendingCR = false;
      if (chunk[0] !== LF) this.lineBreaks++; // a lone CR ended the previous chunk
    }
    let quote = chunk.indexOf(this.quote);
    let lf = chunk.indexOf(LF);
    let cr = chunk.indexOf(CR);
    // Quotes, line feeds and carriage returns in position order, each found by indexOf.
    for (;;) {
      const at = first(quote, first(lf, cr));
      if (at === -1) break;
      if (at === quote) {
        this.inQuotes = !this.inQuotes;
        quote = chunk.indexOf(this.quote, at + 1);
      } else if (at === lf) {
        this.lineBreaks++;
        if (!this.inQuotes && base + at >= this.nextCut) this.cutAfter(base + at);
        lf = chunk.indexOf(LF, at + 1);
      } else {
        // Line numbers as csv-parse counts them, so a range reports the lines the whole file
        // does: inside quotes every CR is a line break (a CRLF there counts twice); outside,
        // a CR is one only when no LF follows it.
        if (this.inQuotes) this.lineBreaks++;
        else if (at + 1 === chunk.length) this.pendingCR = true;
        else if (chunk[at + 1] !== LF) this.lineBreaks++;
        cr = chunk.indexOf(CR, at + 1);
      }
    }
    this.offset += chunk.length;
  }

  /** Bytes scanned so far. */
  get scanned(): number {
    return this.offset;
  }

  /** The cuts found, in order, each strictly inside the bytes scanned. */
  cuts(): CutPoint[] {
    return this.found.filter((cut) => cut.offset < this.offset);
  }

  /** The line feed at `at` ends a record: every nominal cut up to it realigns to the byte after it. */
  private cutAfter(at: number): void {
    this.found.push({ offset: at + 1, line: this.lineBreaks + 1 });
    this.nextCut = (Math.floor(at / this.splitSize) + 1) * this.splitSize;
  }
}

/** The smaller of two indexOf results, -1 meaning "none". */
function first(a: number, b: number): number {
  if (a === -1) return b;
  return b === -1 || a < b ? a : b;
}
